// Package hotspot holds the hot spot statistics of gridwatch: Getis-Ord Gi*
// with analytic or conditional-permutation p-values, Benjamini–Hochberg false
// discovery rate control, the ArcGIS-style Gi_Bin, the space-time Gi* of a cube,
// the Mann–Kendall trend test and the emerging hot spot categories.
//
// The package is pure computation: no database, no H3. Cells are the indices
// 0..n-1 of a value slice, and callers pass each cell's neighbours (its H3 k-ring
// restricted to the study area, without the cell itself) as [Neighbors]. Every
// cell of the study area must be present, with 0 where nothing happened; the
// statistics are only meaningful over the whole area.
//
// # Gi*
//
// Weights are binary and the cell itself is always part of its neighbourhood
// (the "star" form of ArcGIS and esda G_Local(transform="B", star=True)). With
// n cells, mean x̄, population standard deviation S and W_i = |N_i| + 1 cells in
// the neighbourhood of i (S1_i = W_i for binary weights):
//
//	z_i = (x_i + Σ_{j∈N_i} x_j − x̄·W_i) / (S·sqrt((n·W_i − W_i²)/(n−1)))
//
// A cell whose neighbourhood is the whole study area (W_i = n) has no contrast
// left and gets z = 0. All values equal (S = 0) is [ErrZeroVariance].
//
// p-values are two-sided: from the standard normal ([PValue]) or, when
// permutations are asked for, from conditional permutations ([Permutations]):
// x_i stays in place, |N_i| values are drawn without replacement from the other
// n−1 cells, and a draw counts as extreme when its neighbour sum is at least as
// far from its expected value k·(Σx − x_i)/(n−1) as the observed neighbour sum
// is. The pseudo p-value is (extreme+1)/(R+1), so it is never below 1/(R+1).
//
// # Significance
//
// [AdjustBH] turns p-values into Benjamini–Hochberg adjusted p-values (q); a
// cell is significant at level α under FDR control exactly when q ≤ α. [Bin]
// gives the ArcGIS Gi_Bin: ±3 at p ≤ 0.01, ±2 at p ≤ 0.05, ±1 at p ≤ 0.10, 0
// otherwise, with the sign of z. [Analyze] bins from q (FDR, the default) or
// from the raw p when [Options.NoFDR] is set.
//
// # Space-time
//
// [GiStarCube] analyses a cube x[step][cell]: the neighbourhood of bin (t, i)
// is the cylinder of cells {i} ∪ N_i over the steps t−timeK..t (fewer steps at
// the start of the series), with the mean and SD of the whole cube, and FDR
// applied within each step. [MannKendall] tests the trend of a cell's z series
// and [Classify] names its pattern (new, consecutive, intensifying, persistent,
// diminishing, oscillating, historical, sporadic hot or cold spot, or no
// pattern); [Emerging] does both for every cell of a cube.
package hotspot
