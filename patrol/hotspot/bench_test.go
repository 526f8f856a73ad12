package hotspot

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// Benchmark data: a cols×rows parallelogram of hexagons in axial coordinates
// (q, r), cell index r·cols + q, which is what an H3 k-ring looks like away
// from pentagons, with synthetic clustered counts.

// hexLattice returns the neighbours of every cell of a cols×rows hexagonal
// lattice: the cells within hex distance k, restricted to the lattice, the
// cell itself excluded.
func hexLattice(cols, rows, k int) Neighbors {
	nb := make(Neighbors, cols*rows)
	for r := range rows {
		for q := range cols {
			var list []int32
			for dr := -k; dr <= k; dr++ {
				for dq := -k; dq <= k; dq++ {
					d := (abs(dq) + abs(dr) + abs(dq+dr)) / 2
					qq, rr := q+dq, r+dr
					if d == 0 || d > k || qq < 0 || qq >= cols || rr < 0 || rr >= rows {
						continue
					}
					list = append(list, int32(rr*cols+qq))
				}
			}
			nb[r*cols+q] = list
		}
	}
	return nb
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// clusteredCounts returns Poisson counts over a cols×rows hexagonal lattice:
// a background rate of 0.5 plus `clusters` Gaussian bumps (peak 4–12, radius
// 2–6 cells) at random places, all drawn from seed.
func clusteredCounts(cols, rows, clusters int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	type bump struct{ x, y, peak, sigma float64 }
	bumps := make([]bump, clusters)
	for c := range bumps {
		q, r := rng.Float64()*float64(cols), rng.Float64()*float64(rows)
		bumps[c] = bump{
			x:     math.Sqrt(3) * (q + r/2),
			y:     1.5 * r,
			peak:  4 + 8*rng.Float64(),
			sigma: 2 + 4*rng.Float64(),
		}
	}
	x := make([]float64, cols*rows)
	for r := range rows {
		for q := range cols {
			cx, cy := math.Sqrt(3)*(float64(q)+float64(r)/2), 1.5*float64(r)
			rate := 0.5
			for _, b := range bumps {
				d2 := (cx-b.x)*(cx-b.x) + (cy-b.y)*(cy-b.y)
				// Neighbouring centres are √3 apart, hence sigma·√3.
				rate += b.peak * math.Exp(-d2/(2*3*b.sigma*b.sigma))
			}
			x[r*cols+q] = float64(poisson(rng, rate))
		}
	}
	return x
}

// poisson draws from Poisson(rate) by Knuth's product of uniforms; fine for
// the small rates used here.
func poisson(rng *rand.Rand, rate float64) int {
	limit, prod, k := math.Exp(-rate), rng.Float64(), 0
	for prod > limit {
		prod *= rng.Float64()
		k++
	}
	return k
}

// naivePermutations is the baseline the benchmarks compare with: what a
// straightforward port of the textbook procedure looks like. One goroutine; for
// every cell and permutation it draws neighbour indices through the rand.Rand
// interface, rejects repeats with a map, and recomputes Gi* from scratch to
// compare with the observed value.
func naivePermutations(x []float64, nb Neighbors, r int, seed uint64) []float64 {
	n := float64(len(x))
	var sum, sum2 float64
	for _, v := range x {
		sum += v
		sum2 += v * v
	}
	mean := sum / n
	sd := math.Sqrt(sum2/n - mean*mean)
	den := func(w float64) float64 { return sd * math.Sqrt((n*w-w*w)/(n-1)) }
	gi := func(i int, nbr []int) float64 {
		local := x[i]
		for _, j := range nbr {
			local += x[j]
		}
		w := float64(len(nbr) + 1)
		return (local - mean*w) / den(w)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	p := make([]float64, len(x))
	for i := range x {
		obs := make([]int, len(nb[i]))
		for t, j := range nb[i] {
			obs[t] = int(j)
		}
		g := gi(i, obs)
		// Gi* at the expected neighbour sum: the centre of the permutation
		// distribution.
		k, w := float64(len(obs)), float64(len(obs)+1)
		centre := (x[i] + k*(sum-x[i])/(n-1) - mean*w) / den(w)
		extreme := 0
		for range r {
			drawn := map[int]bool{}
			perm := make([]int, 0, len(obs))
			for len(perm) < len(obs) {
				j := rng.IntN(len(x))
				if j == i || drawn[j] {
					continue
				}
				drawn[j] = true
				perm = append(perm, j)
			}
			if math.Abs(gi(i, perm)-centre) >= math.Abs(g-centre)-1e-9 {
				extreme++
			}
		}
		p[i] = float64(extreme+1) / float64(r+1)
	}
	return p
}

// Sizes of the headline benchmarks: 250×400 = 100,000 cells.
const benchCols, benchRows = 250, 400

func benchData(b *testing.B, k int) ([]float64, Neighbors) {
	b.Helper()
	return clusteredCounts(benchCols, benchRows, 60, 42), hexLattice(benchCols, benchRows, k)
}

// reportPerCellPerm adds the cost of one permutation of one cell, which
// makes runs with different R comparable.
func reportPerCellPerm(b *testing.B, cells, r int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(cells)/float64(r), "ns/cellperm")
}

func BenchmarkGiStar100k(b *testing.B) {
	x, nb := benchData(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := GiStar(x, nb); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalyze100k(b *testing.B) {
	x, nb := benchData(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Analyze(context.Background(), x, nb, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkPermutations(b *testing.B, k, r, workers int) {
	x, nb := benchData(b, k)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Permutations(context.Background(), x, nb, r, 1, workers); err != nil {
			b.Fatal(err)
		}
	}
	reportPerCellPerm(b, len(x), r)
}

// BenchmarkPermutations100k999 is the target: 100,000 cells, k = 1 (7 cells
// with self), 999 permutations, all cores.
func BenchmarkPermutations100k999(b *testing.B) { benchmarkPermutations(b, 1, 999, 0) }

// BenchmarkPermutations100k999Serial is the same work on one goroutine.
func BenchmarkPermutations100k999Serial(b *testing.B) { benchmarkPermutations(b, 1, 999, 1) }

// BenchmarkPermutations100kK3R99 uses k = 3 (36 neighbours), which takes the
// stamp-array path; 99 permutations keep it short.
func BenchmarkPermutations100kK3R99(b *testing.B) { benchmarkPermutations(b, 3, 99, 0) }

// BenchmarkPermutationsNaive100k99 is the naive baseline on the same 100,000
// cells with 99 permutations (999 would take minutes); compare ns/cellperm.
func BenchmarkPermutationsNaive100k99(b *testing.B) {
	x, nb := benchData(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		naivePermutations(x, nb, 99, 1)
	}
	reportPerCellPerm(b, len(x), 99)
}
