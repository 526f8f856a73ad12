package hotspot

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAdjustBH(t *testing.T) {
	// Benjamini & Hochberg (1995), section 4: 15 p-values. By hand, with
	// m = 15 and p_(i)·15/i:
	//   i   p_(i)   p·15/i      q = running min from the largest
	//   1   0.0001  0.0015      0.0015
	//   2   0.0004  0.003       0.003
	//   3   0.0019  0.0095      0.0095
	//   4   0.0095  0.035625    0.035625
	//   5   0.0201  0.0603      0.0603
	//   6   0.0278  0.0695      0.0638571…  (from i = 7)
	//   7   0.0298  0.0638571…  0.0638571…
	//   8   0.0344  0.0645      0.0645
	//   9   0.0459  0.0765      0.0765
	//  10   0.3240  0.486       0.486
	//  11   0.4262  0.5811818…  0.5811818…
	//  12   0.5719  0.714875    0.714875
	//  13   0.6528  0.7532307…  0.7532307…
	//  14   0.7590  0.8132142…  0.8132142…
	//  15   1.0000  1           1
	// At α = 0.05 the paper rejects the four smallest, as q ≤ 0.05 does.
	paper := []float64{0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1}
	hand := []float64{0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0298 * 15 / 7, 0.0298 * 15 / 7, 0.0645, 0.0765, 0.486, 0.4262 * 15 / 11, 0.714875, 0.6528 * 15 / 13, 0.7590 * 15 / 14, 1}
	// The same values shuffled: q must follow its p, not its position.
	perm := []int{14, 3, 0, 9, 7, 12, 1, 5, 10, 2, 13, 6, 4, 11, 8}
	shuffled, shuffledHand := make([]float64, 15), make([]float64, 15)
	for to, from := range perm {
		shuffled[to], shuffledHand[to] = paper[from], hand[from]
	}

	for _, tc := range []struct {
		name string
		p    []float64
		want []float64
	}{
		{"empty", []float64{}, []float64{}},
		{"single", []float64{0.03}, []float64{0.03}},
		{"paper", paper, hand},
		{"paper shuffled", shuffled, shuffledHand},
		{"ties", []float64{0.01, 0.01, 0.04, 0.04}, []float64{0.02, 0.02, 0.04, 0.04}},
		{"all equal", []float64{0.2, 0.2, 0.2}, []float64{0.2, 0.2, 0.2}},
		{"capped at 1", []float64{0.9, 0.95}, []float64{0.95, 0.95}},
		{"out of range", []float64{math.NaN(), 1.5, -0.1, 0.02}, []float64{1, 1, 0, 0.04}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.p)
			got := AdjustBH(tc.p)
			if !cmp.Equal(got, tc.want, approx(1e-12)) {
				t.Errorf("AdjustBH(%v) = %v, want %v", tc.p, got, tc.want)
			}
			if !cmp.Equal(in, tc.p, cmp.Comparer(func(a, b float64) bool { return a == b || a != a && b != b })) {
				t.Errorf("AdjustBH(%v) modified its input to %v", in, tc.p)
			}
		})
	}
}

// stepUp is the BH procedure as the paper states it: find the largest i with
// p_(i) ≤ i·α/m and reject the i smallest p-values.
func stepUp(p []float64, alpha float64) []bool {
	m := len(p)
	sorted := slices.Clone(p)
	slices.Sort(sorted)
	cut := -1.0
	for i := m; i >= 1; i-- {
		if sorted[i-1] <= float64(i)*alpha/float64(m) {
			cut = sorted[i-1]
			break
		}
	}
	reject := make([]bool, m)
	for i, v := range p {
		reject[i] = v <= cut
	}
	return reject
}

func TestAdjustBHStepUp(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name   string
		m      int
		signal float64 // share of p-values drawn near zero
	}{
		{"null", 500, 0},
		{"some signal", 500, 0.1},
		{"strong signal", 2000, 0.4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := make([]float64, tc.m)
			for i := range p {
				p[i] = rng.Float64()
				if rng.Float64() < tc.signal {
					p[i] *= 0.002
				}
			}
			q := AdjustBH(p)
			for _, alpha := range []float64{0.01, 0.05, 0.10} {
				want := stepUp(p, alpha)
				for i := range p {
					if got := q[i] <= alpha; got != want[i] {
						t.Errorf("AdjustBH(p)[%d] = %v ≤ %v is %v, want %v (p = %v)", i, q[i], alpha, got, want[i], p[i])
					}
				}
			}
			for i := range p {
				if q[i] < p[i] || q[i] > 1 {
					t.Errorf("AdjustBH(p)[%d] = %v, want in [p, 1] = [%v, 1]", i, q[i], p[i])
				}
				for j := range p {
					if p[i] < p[j] && q[i] > q[j] {
						t.Fatalf("AdjustBH not monotone: p %v < %v but q %v > %v", p[i], p[j], q[i], q[j])
					}
				}
			}
		})
	}
}

func TestLevel(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    float64
		want int
	}{
		{"tiny", 1e-9, 3},
		{"99% boundary", 0.01, 3},
		{"just above 0.01", 0.0100001, 2},
		{"95% boundary", 0.05, 2},
		{"90%", 0.07, 1},
		{"90% boundary", 0.10, 1},
		{"not significant", 0.1000001, 0},
		{"one", 1, 0},
		{"NaN", math.NaN(), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Level(tc.p); got != tc.want {
				t.Errorf("Level(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestBin(t *testing.T) {
	for _, tc := range []struct {
		name string
		z, p float64
		want int
	}{
		{"hot 99%", 3.1, 0.002, 3},
		{"hot 95%", 2.1, 0.03, 2},
		{"hot 90%", 1.7, 0.09, 1},
		{"cold 99%", -3.1, 0.002, -3},
		{"cold 95%", -2.1, 0.03, -2},
		{"cold 90%", -1.7, 0.09, -1},
		{"hot not significant", 1.2, 0.23, 0},
		{"cold not significant", -1.2, 0.23, 0},
		// With FDR the p passed in is q, which can be large for a big z.
		{"big z, large q", 2.5, 0.2, 0},
		{"zero z", 0, 0.001, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Bin(tc.z, tc.p); got != tc.want {
				t.Errorf("Bin(%v, %v) = %v, want %v", tc.z, tc.p, got, tc.want)
			}
		})
	}
}
