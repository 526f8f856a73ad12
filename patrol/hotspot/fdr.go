package hotspot

import (
	"cmp"
	"slices"
)

// AdjustBH returns the Benjamini–Hochberg adjusted p-values (q-values) of p,
// in the order of p: with the m p-values sorted ascending as p_(1) ≤ … ≤ p_(m),
//
//	q_(i) = min_{j ≥ i} min(1, p_(j)·m/j).
//
// Rejecting every hypothesis with q ≤ α is exactly the BH step-up procedure at
// false discovery rate α. NaN and values above 1 are treated as 1, negative
// values as 0. p is not modified.
func AdjustBH(p []float64) []float64 {
	m := len(p)
	q := make([]float64, m)
	for i, v := range p {
		switch {
		case v >= 0 && v <= 1:
			q[i] = v
		case v < 0:
			q[i] = 0
		default: // > 1 or NaN
			q[i] = 1
		}
	}
	order := make([]int32, m)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(q[a], q[b]) })
	// Walk from the largest p-value down, keeping the running minimum: this
	// is the step-up rule, and it makes q monotone in p.
	running := 1.0
	for rank := m; rank >= 1; rank-- {
		i := order[rank-1]
		running = min(running, q[i]*float64(m)/float64(rank))
		q[i] = running
	}
	return q
}

// Level returns the confidence level a p-value reaches: 3 for p ≤ 0.01 (99 %),
// 2 for p ≤ 0.05 (95 %), 1 for p ≤ 0.10 (90 %), 0 otherwise (and for NaN). Pass
// a BH-adjusted p-value to get the FDR decision at each level.
func Level(p float64) int {
	switch {
	case p <= 0.01:
		return 3
	case p <= 0.05:
		return 2
	case p <= 0.10:
		return 1
	}
	return 0
}

// Bin returns the ArcGIS Gi_Bin of a cell: Level(p) with the sign of z, so +3
// is a hot spot at 99 % confidence and −1 a cold spot at 90 %. A z of exactly
// 0 gives 0.
func Bin(z, p float64) int {
	switch {
	case z > 0:
		return Level(p)
	case z < 0:
		return -Level(p)
	}
	return 0
}
