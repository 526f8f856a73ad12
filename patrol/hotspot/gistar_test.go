package hotspot

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// checkX and checkNB are esda's G_Local test data (analytics.md): binary
// weights, star form.
var (
	checkX  = []float64{2, 3, 3.2, 5, 8, 7}
	checkNB = Neighbors{{1, 3}, {0, 3, 4}, {4}, {0, 1, 4}, {1, 2, 3, 5}, {4}}
)

// checkZ are the esda / analytics.md values for checkX.
var checkZ = []float64{-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331}

func approx(tol float64) cmp.Option { return cmpopts.EquateApprox(0, tol) }

func TestGiStarCheckValues(t *testing.T) {
	got, err := GiStar(checkX, checkNB)
	if err != nil {
		t.Fatalf("GiStar(%v) error %v", checkX, err)
	}
	if !cmp.Equal(got, checkZ, approx(1e-6)) {
		t.Errorf("GiStar(%v) = %v, want %v", checkX, got, checkZ)
	}
}

// bruteGiStar evaluates the analytics.md formula literally, on a dense weight
// matrix, with the one-pass SD.
func bruteGiStar(x []float64, nb Neighbors) []float64 {
	n := len(x)
	w := make([][]float64, n)
	for i := range w {
		w[i] = make([]float64, n)
		w[i][i] = 1
		for _, j := range nb[i] {
			w[i][j] = 1
		}
	}
	var sum, sum2 float64
	for _, v := range x {
		sum += v
		sum2 += v * v
	}
	nf := float64(n)
	mean := sum / nf
	s := math.Sqrt(sum2/nf - mean*mean)
	z := make([]float64, n)
	for i := range z {
		var local, wi, s1 float64
		for j := range n {
			local += w[i][j] * x[j]
			wi += w[i][j]
			s1 += w[i][j] * w[i][j]
		}
		if wi == nf { // the package's convention for a whole-area neighbourhood
			continue
		}
		z[i] = (local - mean*wi) / (s * math.Sqrt((nf*s1-wi*wi)/(nf-1)))
	}
	return z
}

// randomNeighbors gives each of n cells up to maxK distinct random
// neighbours, not necessarily symmetric.
func randomNeighbors(rng *rand.Rand, n, maxK int) Neighbors {
	nb := make(Neighbors, n)
	for i := range nb {
		for _, j := range rng.Perm(n)[:rng.IntN(maxK+1)] {
			if j != i {
				nb[i] = append(nb[i], int32(j))
			}
		}
	}
	return nb
}

func TestGiStarBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, tc := range []struct {
		name string
		n    int
		maxK int
	}{
		{"small", 5, 4},
		{"sparse", 60, 3},
		{"dense", 40, 30},
		{"counts", 200, 18},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := make([]float64, tc.n)
			for i := range x {
				x[i] = float64(rng.IntN(10)) + rng.Float64()*float64(i%2)
			}
			nb := randomNeighbors(rng, tc.n, tc.maxK)
			got, err := GiStar(x, nb)
			if err != nil {
				t.Fatalf("GiStar error %v", err)
			}
			if want := bruteGiStar(x, nb); !cmp.Equal(got, want, approx(1e-9)) {
				t.Errorf("GiStar(%v) = %v, want %v", x, got, want)
			}
		})
	}
}

func TestGiStarWholeArea(t *testing.T) {
	// Cell 0 neighbours every other cell: its neighbourhood sum is the total,
	// so it gets 0, not NaN.
	x := []float64{1, 2, 3, 10}
	nb := Neighbors{{1, 2, 3}, {0}, {3}, {2}}
	got, err := GiStar(x, nb)
	if err != nil {
		t.Fatalf("GiStar error %v", err)
	}
	if got[0] != 0 {
		t.Errorf("GiStar(%v)[0] = %v, want 0", x, got[0])
	}
	if want := bruteGiStar(x, nb)[1:]; !cmp.Equal(got[1:], want, approx(1e-12)) {
		t.Errorf("GiStar(%v)[1:] = %v, want %v", x, got[1:], want)
	}
}

func TestGiStarErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float64
		nb   Neighbors
		want error
	}{
		{"no cells", nil, nil, ErrInvalidInput},
		{"length mismatch", []float64{1, 2, 3}, Neighbors{{1}, {0}}, ErrInvalidInput},
		{"out of range", []float64{1, 2}, Neighbors{{2}, {0}}, ErrInvalidInput},
		{"negative", []float64{1, 2}, Neighbors{{-1}, {0}}, ErrInvalidInput},
		{"self", []float64{1, 2}, Neighbors{{0}, {}}, ErrInvalidInput},
		{"duplicate", []float64{1, 2, 3}, Neighbors{{1, 2, 1}, {}, {}}, ErrInvalidInput},
		{"NaN", []float64{1, math.NaN()}, Neighbors{{1}, {0}}, ErrInvalidInput},
		{"Inf", []float64{math.Inf(1), 1}, Neighbors{{1}, {0}}, ErrInvalidInput},
		{"all equal", []float64{0.1, 0.1, 0.1}, Neighbors{{1}, {0, 2}, {1}}, ErrZeroVariance},
		{"single cell", []float64{4}, Neighbors{{}}, ErrZeroVariance},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := GiStar(tc.x, tc.nb)
			if !errors.Is(err, tc.want) {
				t.Errorf("GiStar(%v, %v) error = %v, want %v", tc.x, tc.nb, err, tc.want)
			}
		})
	}
}

func TestPValue(t *testing.T) {
	for _, tc := range []struct {
		name string
		z    float64
		want float64
	}{
		{"zero", 0, 1},
		{"90%", 1.6448536269514722, 0.10},
		{"95%", -1.959963984540054, 0.05},
		{"99%", 2.5758293035489004, 0.01},
		{"far", 40, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PValue(tc.z); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("PValue(%v) = %v, want %v", tc.z, got, tc.want)
			}
		})
	}
}

func TestAnalyze(t *testing.T) {
	// On the check data the largest z (2.024) has p = 0.043: a 95 % hot spot
	// on its own, but not after BH over six cells (q = 6·0.043 > 0.10).
	for _, tc := range []struct {
		name string
		opts Options
		bins []int
	}{
		{"fdr", Options{}, []int{0, 0, 0, 0, 0, 0}},
		{"raw p", Options{NoFDR: true}, []int{0, 0, 0, 0, 0, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Analyze(context.Background(), checkX, checkNB, tc.opts)
			if err != nil {
				t.Fatalf("Analyze error %v", err)
			}
			if !cmp.Equal(got.Z, checkZ, approx(1e-6)) {
				t.Errorf("Analyze(%v).Z = %v, want %v", tc.opts, got.Z, checkZ)
			}
			for i, z := range got.Z {
				if got.P[i] != PValue(z) {
					t.Errorf("Analyze(%v).P[%d] = %v, want %v", tc.opts, i, got.P[i], PValue(z))
				}
			}
			if q := AdjustBH(got.P); !cmp.Equal(got.PFDR, q) {
				t.Errorf("Analyze(%v).PFDR = %v, want %v", tc.opts, got.PFDR, q)
			}
			if !cmp.Equal(got.Bin, tc.bins) {
				t.Errorf("Analyze(%v).Bin = %v, want %v", tc.opts, got.Bin, tc.bins)
			}
			// x̄ = 28.2/6 = 4.7; Σ(x−x̄)² = 28.7, S = √(28.7/6).
			if got.Mean != 4.7 || math.Abs(got.SD-math.Sqrt(28.7/6)) > 1e-12 {
				t.Errorf("Analyze(%v) mean, SD = %v, %v, want 4.7, %v", tc.opts, got.Mean, got.SD, math.Sqrt(28.7/6))
			}
		})
	}
}

func TestAnalyzePermutations(t *testing.T) {
	x, nb := clusteredCounts(30, 30, 3, 5), hexLattice(30, 30, 1)
	opts := Options{Permutations: 99, Seed: 11, Workers: 2}
	got, err := Analyze(context.Background(), x, nb, opts)
	if err != nil {
		t.Fatalf("Analyze error %v", err)
	}
	want, err := Permutations(context.Background(), x, nb, 99, 11, 1)
	if err != nil {
		t.Fatalf("Permutations error %v", err)
	}
	if !cmp.Equal(got.P, want) {
		t.Errorf("Analyze(%+v).P = %v, want Permutations %v", opts, got.P, want)
	}
	for i := range got.Bin {
		if b := Bin(got.Z[i], got.PFDR[i]); got.Bin[i] != b {
			t.Errorf("Analyze(%+v).Bin[%d] = %v, want %v", opts, i, got.Bin[i], b)
		}
	}
}

func TestAnalyzeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float64
		opts Options
		want error
	}{
		{"negative permutations", checkX, Options{Permutations: -1}, ErrInvalidInput},
		{"zero variance", []float64{3, 3, 3, 3, 3, 3}, Options{}, ErrZeroVariance},
		{"zero variance permutations", []float64{3, 3, 3, 3, 3, 3}, Options{Permutations: 9}, ErrZeroVariance},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Analyze(context.Background(), tc.x, checkNB, tc.opts); !errors.Is(err, tc.want) {
				t.Errorf("Analyze(%v, %+v) error = %v, want %v", tc.x, tc.opts, err, tc.want)
			}
		})
	}
}
