package hotspot

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// flattenCube turns a cube and its spatial neighbours into one plain Gi*
// problem over steps×cells bins whose neighbour lists spell out the
// space-time cylinder: bin (t, i) ~ (s, j) for j ∈ {i} ∪ N_i, t−timeK ≤ s ≤ t.
func flattenCube(x [][]float64, nb Neighbors, timeK int) ([]float64, Neighbors) {
	n := len(nb)
	var flat []float64
	var fnb Neighbors
	for t, row := range x {
		flat = append(flat, row...)
		for i := range row {
			var list []int32
			for s := max(0, t-timeK); s <= t; s++ {
				for _, j := range append([]int32{int32(i)}, nb[i]...) {
					if s == t && int(j) == i {
						continue
					}
					list = append(list, int32(s*n)+j)
				}
			}
			fnb = append(fnb, list)
		}
	}
	return flat, fnb
}

func randomCube(rng *rand.Rand, steps, n int) [][]float64 {
	x := make([][]float64, steps)
	for t := range x {
		x[t] = make([]float64, n)
		for i := range x[t] {
			x[t][i] = float64(poisson(rng, 1+float64(i%5)))
		}
	}
	return x
}

func TestGiStarCubeMatchesFlattened(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	nb := hexLattice(6, 5, 1)
	x := randomCube(rng, 4, len(nb))
	for _, timeK := range []int{0, 1, 2, 5} {
		t.Run(fmt.Sprintf("timeK=%d", timeK), func(t *testing.T) {
			got, err := GiStarCube(x, nb, timeK)
			if err != nil {
				t.Fatalf("GiStarCube error %v", err)
			}
			flat, fnb := flattenCube(x, nb, timeK)
			want, err := GiStar(flat, fnb)
			if err != nil {
				t.Fatalf("GiStar(flattened) error %v", err)
			}
			for step, res := range got {
				w := want[step*len(nb) : (step+1)*len(nb)]
				if !cmp.Equal(res.Z, w, approx(1e-9)) {
					t.Errorf("GiStarCube(timeK=%d)[%d].Z = %v, want %v", timeK, step, res.Z, w)
				}
				// FDR within the step only.
				if q := AdjustBH(res.P); !cmp.Equal(res.PFDR, q) {
					t.Errorf("GiStarCube(timeK=%d)[%d].PFDR = %v, want %v", timeK, step, res.PFDR, q)
				}
				for i := range res.Bin {
					if b := Bin(res.Z[i], res.PFDR[i]); res.Bin[i] != b {
						t.Errorf("GiStarCube(timeK=%d)[%d].Bin[%d] = %v, want %v", timeK, step, i, res.Bin[i], b)
					}
				}
			}
		})
	}
}

func TestGiStarCubeOneStep(t *testing.T) {
	got, err := GiStarCube([][]float64{checkX}, checkNB, 1)
	if err != nil {
		t.Fatalf("GiStarCube error %v", err)
	}
	if !cmp.Equal(got[0].Z, checkZ, approx(1e-6)) {
		t.Errorf("GiStarCube([%v]).Z = %v, want %v", checkX, got[0].Z, checkZ)
	}
}

func TestGiStarCubeErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		x     [][]float64
		timeK int
		want  error
	}{
		{"no steps", nil, 1, ErrInvalidInput},
		{"negative timeK", [][]float64{checkX}, -1, ErrInvalidInput},
		{"ragged", [][]float64{checkX, checkX[:5]}, 1, ErrInvalidInput},
		{"NaN", [][]float64{checkX, {1, 2, 3, 4, 5, math.NaN()}}, 1, ErrInvalidInput},
		{"constant cube", [][]float64{{2, 2, 2, 2, 2, 2}, {2, 2, 2, 2, 2, 2}}, 1, ErrZeroVariance},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := GiStarCube(tc.x, checkNB, tc.timeK); !errors.Is(err, tc.want) {
				t.Errorf("GiStarCube(%v, %d) error = %v, want %v", tc.x, tc.timeK, err, tc.want)
			}
		})
	}
}

// mirror turns a hot category into its cold counterpart.
func mirror(c Category) Category {
	return Category(strings.Replace(string(c), "_hot", "_cold", 1))
}

func TestClassify(t *testing.T) {
	var (
		up   = Trend{S: 30, Z: 3, P: 0.003}
		down = Trend{S: -30, Z: -3, P: 0.003}
		flat = Trend{S: 2, Z: 0.5, P: 0.6}
	)
	hot10 := []int{1, 2, 2, 3, 3, 1, 2, 3, 3, 3}
	for _, tc := range []struct {
		name  string
		bins  []int
		trend Trend
		want  Category
	}{
		{"new", []int{0, 0, 0, 0, 2}, flat, NewHot},
		{"new after a cold spell", []int{-1, 0, 0, 0, 1}, flat, NewHot},
		{"new in a one-step series", []int{3}, flat, NewHot},
		{"consecutive", []int{0, 0, 0, 1, 2, 3}, flat, ConsecutiveHot},
		{"consecutive after a cold spell", []int{-2, 0, 0, 1, 1}, up, ConsecutiveHot},
		{"all hot is not consecutive", []int{1, 1}, flat, PersistentHot},
		{"intensifying", hot10, up, IntensifyingHot},
		{"intensifying with one gap", []int{1, 1, 0, 1, 1, 1, 2, 2, 3, 3}, up, IntensifyingHot},
		{"persistent", hot10, flat, PersistentHot},
		{"hot but for the last step, no trend: historical", []int{2, 2, 2, 2, 2, 2, 2, 2, 2, 0}, flat, HistoricalHot},
		{"diminishing", []int{3, 3, 3, 2, 2, 2, 1, 1, 1, 1}, down, DiminishingHot},
		{"oscillating", []int{-1, 0, 1, 0, 1, 1}, flat, OscillatingHot},
		{"oscillating with trend", []int{1, -1, -2, 0, 1}, up, OscillatingHot},
		{"historical falling", []int{3, 3, 3, 3, 3, 2, 2, 1, 1, 0}, down, HistoricalHot},
		{"historical rising", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, up, HistoricalHot},
		{"sporadic", []int{1, 0, 1, 0, 0, 1}, flat, SporadicHot},
		{"sporadic with trend", []int{1, 0, 0, 1, 0, 1}, up, SporadicHot},
		{"sporadic ending in a run", []int{2, 0, 0, 1, 1}, flat, SporadicHot},
		{"hot in the middle only", []int{0, 1, 0, 0}, flat, NoPattern},
		{"mostly hot but under 90%", []int{1, 1, 1, 1, 0}, down, NoPattern},
		{"never significant", []int{0, 0, 0, 0}, up, NoPattern},
		{"empty", nil, flat, NoPattern},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.bins, tc.trend); got != tc.want {
				t.Errorf("Classify(%v, %+v) = %v, want %v", tc.bins, tc.trend, got, tc.want)
			}
		})
		t.Run(tc.name+" (cold)", func(t *testing.T) {
			bins := make([]int, len(tc.bins))
			for i, b := range tc.bins {
				bins[i] = -b
			}
			trend := Trend{S: -tc.trend.S, Var: tc.trend.Var, Z: -tc.trend.Z, P: tc.trend.P}
			if got, want := Classify(bins, trend), mirror(tc.want); got != want {
				t.Errorf("Classify(%v, %+v) = %v, want %v", bins, trend, got, want)
			}
		})
	}
}

func TestEmerging(t *testing.T) {
	// 30×30 cells over 8 steps of background noise, with a hot cluster at
	// (7, 7) in every step and another at (22, 22) in the final step only.
	const cols, rows, steps = 30, 30, 8
	rng := rand.New(rand.NewPCG(8, 8))
	nb := hexLattice(cols, rows, 1)
	always, late := 7*cols+7, 22*cols+22
	cluster := func(centre int) map[int]bool {
		in := map[int]bool{centre: true}
		for _, j := range nb[centre] {
			in[int(j)] = true
		}
		return in
	}
	alwaysCells, lateCells := cluster(always), cluster(late)
	x := make([][]float64, steps)
	for s := range x {
		x[s] = make([]float64, len(nb))
		for i := range x[s] {
			rate := 1.0
			if alwaysCells[i] || s == steps-1 && lateCells[i] {
				rate = 12
			}
			x[s][i] = float64(poisson(rng, rate))
		}
	}
	res, err := GiStarCube(x, nb, 1)
	if err != nil {
		t.Fatalf("GiStarCube error %v", err)
	}
	got, err := Emerging(res)
	if err != nil {
		t.Fatalf("Emerging error %v", err)
	}
	for _, tc := range []struct {
		name string
		cell int
		want Category
		hot  int
	}{
		{"always hot", always, PersistentHot, steps},
		{"hot at the end", late, NewHot, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := got[tc.cell]
			if p.Category != tc.want || p.Hot != tc.hot || p.Cold != 0 {
				t.Errorf("Emerging[%d] = %+v, want %v with %d hot steps", tc.cell, p, tc.want, tc.hot)
			}
			z := make([]float64, steps)
			for s := range z {
				z[s] = res[s].Z[tc.cell]
			}
			if tr := MannKendall(z); p.Trend != tr {
				t.Errorf("Emerging[%d].Trend = %+v, want %+v", tc.cell, p.Trend, tr)
			}
		})
	}
	if _, err := Emerging([]Result{res[0], {Z: res[1].Z[:3], Bin: res[1].Bin[:3]}}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("Emerging(ragged) error = %v, want %v", err, ErrInvalidInput)
	}
	if p, err := Emerging(nil); p != nil || err != nil {
		t.Errorf("Emerging(nil) = %v, %v, want nil, nil", p, err)
	}
}

func TestUnreachable(t *testing.T) {
	trendless := []Category{IntensifyingHot, IntensifyingCold, DiminishingHot, DiminishingCold}
	historical := []Category{HistoricalHot, HistoricalCold}
	for _, tc := range []struct {
		steps int
		want  []Category
	}{
		{2, []Category{ConsecutiveHot, ConsecutiveCold, IntensifyingHot, IntensifyingCold, DiminishingHot, DiminishingCold,
			OscillatingHot, OscillatingCold, HistoricalHot, HistoricalCold, SporadicHot, SporadicCold}},
		{3, append(slices.Clone(trendless), historical...)},
		{4, append(slices.Clone(trendless), historical...)},
		{5, historical},
		{9, historical},
		{10, nil},
		{52, nil},
	} {
		t.Run(strconv.Itoa(tc.steps), func(t *testing.T) {
			got := Unreachable(tc.steps)
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("Unreachable(%d) = %v, want %v", tc.steps, got, want)
			}
		})
	}
	// From 10 steps on every category is reached: check the enumeration itself.
	for _, steps := range []int{10, 11} {
		if found := reachable(steps); len(found) != len(Categories()) {
			t.Errorf("reachable(%d) found %d categories, want all %d: %v", steps, len(found), len(Categories()), found)
		}
	}
}
