package hotspot

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPermutationsDeterministic(t *testing.T) {
	x, nb := clusteredCounts(40, 40, 4, 3), hexLattice(40, 40, 1)
	ctx := context.Background()
	want, err := Permutations(ctx, x, nb, 199, 42, 1)
	if err != nil {
		t.Fatalf("Permutations error %v", err)
	}
	for _, workers := range []int{0, 2, 3, 8} {
		got, err := Permutations(ctx, x, nb, 199, 42, workers)
		if err != nil {
			t.Fatalf("Permutations(workers=%d) error %v", workers, err)
		}
		if !cmp.Equal(got, want) {
			t.Errorf("Permutations(workers=%d) = %v, want %v (workers=1)", workers, got, want)
		}
	}
	other, err := Permutations(ctx, x, nb, 199, 43, 2)
	if err != nil {
		t.Fatalf("Permutations error %v", err)
	}
	if cmp.Equal(other, want) {
		t.Errorf("Permutations(seed=43) = Permutations(seed=42), want different draws")
	}
}

// combinations calls f with every k-subset of items.
func combinations(items []int, k int, f func([]int)) {
	subset := make([]int, 0, k)
	var rec func(start int)
	rec = func(start int) {
		if len(subset) == k {
			f(subset)
			return
		}
		for i := start; i <= len(items)-(k-len(subset)); i++ {
			subset = append(subset, items[i])
			rec(i + 1)
			subset = subset[:len(subset)-1]
		}
	}
	rec(0)
}

// exactP is the exact conditional permutation p-value of cell i: the share of
// all k-subsets of the other cells whose sum is at least as far from the
// expected sum as the observed neighbour sum.
func exactP(x []float64, nbrs []int32, i int) float64 {
	var total, observed float64
	for _, v := range x {
		total += v
	}
	for _, j := range nbrs {
		observed += x[j]
	}
	k := len(nbrs)
	expected := float64(k) * (total - x[i]) / float64(len(x)-1)
	var others []int
	for j := range x {
		if j != i {
			others = append(others, j)
		}
	}
	extreme, all := 0, 0
	combinations(others, k, func(s []int) {
		var sum float64
		for _, j := range s {
			sum += x[j]
		}
		if math.Abs(sum-expected) >= math.Abs(observed-expected)-1e-9 {
			extreme++
		}
		all++
	})
	return float64(extreme) / float64(all)
}

func TestPermutationsMatchExact(t *testing.T) {
	const r = 20000
	for _, tc := range []struct {
		name string
		x    []float64
		cell int
		nbrs []int32
	}{
		{"hot pair", []float64{0, 0, 0, 1, 1, 2, 2, 3, 5, 8, 13, 1}, 0, []int32{9, 10}},
		{"cold ring of 6", []float64{0, 0, 0, 1, 1, 2, 2, 3, 5, 8, 13, 1}, 5, []int32{0, 1, 2, 3, 4, 11}},
		{"middling 4", []float64{4, 0, 7, 1, 1, 2, 9, 3, 5, 0, 3, 1}, 2, []int32{0, 6, 8, 10}},
		{"ties only", []float64{0, 0, 0, 0, 1, 1, 1, 1, 1, 0}, 9, []int32{4, 5, 6}}, // exact p = 14/84
		// 18 neighbours exceed linearMax: the stamp-array path.
		{"large ring", []float64{
			5, 1, 0, 2, 7, 3, 0, 0, 1, 4, 2, 9, 0, 1, 3, 6, 0, 2, 1, 8, 0, 4,
		}, 3, []int32{0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nb := make(Neighbors, len(tc.x))
			nb[tc.cell] = tc.nbrs
			got, err := Permutations(context.Background(), tc.x, nb, r, 1, 1)
			if err != nil {
				t.Fatalf("Permutations error %v", err)
			}
			exact := exactP(tc.x, tc.nbrs, tc.cell)
			want := (r*exact + 1) / (r + 1) // expectation of (extreme+1)/(R+1)
			if tol := 4*math.Sqrt(exact*(1-exact)/r) + 1e-9; math.Abs(got[tc.cell]-want) > tol {
				t.Errorf("Permutations(%v)[%d] = %v, want %v ± %v (exact p %v)", tc.x, tc.cell, got[tc.cell], want, tol, exact)
			}
		})
	}
}

// testPermuter returns a worker that scans draws up to linear neighbours.
func testPermuter(x []float64, r int, seed uint64, linear int) *permuter {
	return &permuter{permData: newPermData(x, r, seed), linear: linear}
}

func TestPermutationsStorage(t *testing.T) {
	// Counts are read as float32, other values as float64; reading counts as
	// float64 must not change a single p-value.
	counts := clusteredCounts(20, 20, 2, 9)
	if w := testPermuter(counts, 1, 1, linearMax); w.x32 == nil {
		t.Errorf("newPermData(counts).x32 = nil, want float32 copy")
	}
	rates := slices.Clone(counts)
	rates[7] += 0.1
	if w := testPermuter(rates, 1, 1, linearMax); w.x32 != nil {
		t.Errorf("newPermData(rates).x32 = %v..., want nil", w.x32[:3])
	}
	nbrs := []int32{1, 2, 20, 21, 22, 41}
	narrow, wide := testPermuter(counts, 300, 5, linearMax), testPermuter(counts, 300, 5, linearMax)
	wide.x32 = nil
	for cell := range 5 {
		if a, b := narrow.pValue(cell, nbrs), wide.pValue(cell, nbrs); a != b {
			t.Errorf("pValue(%d) = %v from float32, %v from float64, want equal", cell, a, b)
		}
	}
}

func TestPermutationsSamplerPaths(t *testing.T) {
	// Scanning the draws and stamping them must accept and reject the same
	// draws, so p-values cannot depend on which path a neighbourhood takes.
	x := clusteredCounts(20, 20, 2, 9)
	nbrs := []int32{1, 2, 3, 20, 21, 22, 40, 41, 42, 60}
	scan, stamp := testPermuter(x, 300, 5, linearMax), testPermuter(x, 300, 5, 0)
	for cell := range 5 {
		if a, b := scan.pValue(cell, nbrs), stamp.pValue(cell, nbrs); a != b {
			t.Errorf("pValue(%d) = %v scanning, %v stamping, want equal", cell, a, b)
		}
	}
}

func TestPermutationsNull(t *testing.T) {
	// Independent values: pseudo p-values are (close to) uniform, so about
	// 5 % of cells reach p ≤ 0.05 and half reach p ≤ 0.5.
	rng := rand.New(rand.NewPCG(1, 2))
	nb := hexLattice(50, 50, 1)
	x := make([]float64, len(nb))
	for i := range x {
		x[i] = float64(poisson(rng, 3))
	}
	p, err := Permutations(context.Background(), x, nb, 199, 8, 0)
	if err != nil {
		t.Fatalf("Permutations error %v", err)
	}
	for _, tc := range []struct {
		alpha, lo, hi float64
	}{
		{0.05, 0.03, 0.07},
		{0.5, 0.45, 0.55},
	} {
		below := 0
		for _, v := range p {
			if v <= tc.alpha {
				below++
			}
		}
		if share := float64(below) / float64(len(p)); share < tc.lo || share > tc.hi {
			t.Errorf("share of Permutations p ≤ %v = %v, want in [%v, %v]", tc.alpha, share, tc.lo, tc.hi)
		}
	}
}

func TestPermutationsEdgeCells(t *testing.T) {
	x := []float64{1, 5, 2, 9, 4}
	for _, tc := range []struct {
		name string
		nb   Neighbors
		cell int
	}{
		{"isolated", Neighbors{{}, {2}, {1}, {4}, {3}}, 0},
		{"neighbours everyone", Neighbors{{1, 2, 3, 4}, {0}, {0}, {0}, {0}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Permutations(context.Background(), x, tc.nb, 99, 1, 1)
			if err != nil {
				t.Fatalf("Permutations error %v", err)
			}
			if p[tc.cell] != 1 {
				t.Errorf("Permutations(%v)[%d] = %v, want 1", tc.nb, tc.cell, p[tc.cell])
			}
		})
	}
}

func TestPermutationsResolution(t *testing.T) {
	// Every pseudo p-value is (e+1)/(R+1) for a whole e in [0, R].
	const r = 49
	x, nb := clusteredCounts(15, 15, 2, 4), hexLattice(15, 15, 2)
	p, err := Permutations(context.Background(), x, nb, r, 3, 2)
	if err != nil {
		t.Fatalf("Permutations error %v", err)
	}
	for i, v := range p {
		e := v*(r+1) - 1
		if e < -1e-9 || e > r+1e-9 || math.Abs(e-math.Round(e)) > 1e-9 {
			t.Errorf("Permutations[%d] = %v, want (e+1)/%d", i, v, r+1)
		}
	}
}

func TestPermutationsErrors(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		x    []float64
		r    int
		want error
	}{
		{"no permutations", context.Background(), checkX, 0, ErrInvalidInput},
		{"bad neighbours", context.Background(), checkX[:5], 9, ErrInvalidInput},
		{"zero variance", context.Background(), []float64{1, 1, 1, 1, 1, 1}, 9, ErrZeroVariance},
		{"cancelled", cancelled, checkX, 9, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Permutations(tc.ctx, tc.x, checkNB, tc.r, 1, 0); !errors.Is(err, tc.want) {
				t.Errorf("Permutations(%v, r=%d) error = %v, want %v", tc.x, tc.r, err, tc.want)
			}
		})
	}
}

func TestDrawUniform(t *testing.T) {
	// With x the indicator of a set of cells, expected 0 and limit k − ½,
	// countExtreme counts the permutations whose k draws all fall in the set.
	// Every cell but skip, and every pair of them, must come up equally often
	// on both dedup paths; skip never.
	const r = 30000
	type target struct {
		cells []int
		want  float64 // probability of drawing all of cells
	}
	singles := func(n, skip int) []target {
		var ts []target
		for c := range n {
			p := 1 / float64(n-1)
			if c == skip {
				p = 0
			}
			ts = append(ts, target{[]int{c}, p})
		}
		return ts
	}
	sixths := func(n, skip int) []target {
		var ts []target
		for b := range 6 {
			var cells []int
			for c := b * n / 6; c < (b+1)*n/6; c++ {
				if c != skip {
					cells = append(cells, c)
				}
			}
			ts = append(ts, target{cells, float64(len(cells)) / float64(n-1)})
		}
		return ts
	}
	pairs := func(n, skip int) []target {
		var ts []target
		for a := range n {
			for b := a + 1; b < n; b++ {
				p := 2 / float64((n-1)*(n-2))
				if a == skip || b == skip {
					p = 0
				}
				ts = append(ts, target{[]int{a, b}, p})
			}
		}
		return ts
	}
	for _, tc := range []struct {
		name    string
		n, skip int
		k       int
		linear  int
		targets []target
	}{
		{"one of 7", 7, 2, 1, linearMax, singles(7, 2)},
		{"one of 100000 skipping the last", 100000, 99999, 1, linearMax, sixths(100000, 99999)},
		{"one of 100000", 100000, 31, 1, linearMax, sixths(100000, 31)},
		{"pair of 7 scanning", 7, 0, 2, linearMax, pairs(7, 0)},
		{"pair of 7 stamping", 7, 6, 2, 0, pairs(7, 6)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i, tg := range tc.targets {
				x := make([]float64, tc.n)
				for _, c := range tg.cells {
					x[c] = 1
				}
				w := testPermuter(x, r, 0, tc.linear)
				w.rng.Seed(uint64(i), 99)
				got := countExtreme(w, w.x, tc.skip, tc.k, 0, float64(tc.k)-0.5)
				want := r * tg.want
				if math.Abs(float64(got)-want) > 5*math.Sqrt(want*(1-tg.want))+1e-9 {
					t.Errorf("countExtreme(%d cells from %d of %d, skip %d) = %d draws, want about %v", len(tg.cells), tg.cells[0], tc.n, tc.skip, got, want)
				}
			}
		})
	}
}

func TestNaiveBaselineAgrees(t *testing.T) {
	// The benchmark baseline must compute the same statistic, or the speed
	// ratio means nothing: with 999 permutations both estimate the same
	// p-values, so they differ by Monte Carlo noise only.
	x, nb := clusteredCounts(30, 30, 3, 5), hexLattice(30, 30, 1)
	fast, err := Permutations(context.Background(), x, nb, 999, 1, 0)
	if err != nil {
		t.Fatalf("Permutations error %v", err)
	}
	naive := naivePermutations(x, nb, 999, 2)
	var worst float64
	for i := range fast {
		sd := math.Sqrt(2*fast[i]*(1-fast[i])/999) + 1e-3 // of a difference
		worst = max(worst, math.Abs(fast[i]-naive[i])/sd)
	}
	t.Logf("worst difference %.2f standard errors", worst)
	if worst > 5 {
		t.Errorf("naivePermutations differs from Permutations by up to %.1f standard errors, want ≤ 5", worst)
	}
}
