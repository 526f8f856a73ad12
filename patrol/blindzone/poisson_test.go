package blindzone

import (
	"math"
	"testing"
)

func TestPoissonCDF(t *testing.T) {
	// References: Σ_{j≤k} λ^j e^(−λ)/j!, by hand for the small ones and with
	// mpmath at 40 digits (gammainc(k+1, λ, inf, regularized=True), which
	// agrees with the plain sum to every digit shown) for all of them:
	//   λ=3,  k=0: e^−3                                  = 0.049787068367863943
	//   λ=3,  k=2: e^−3·(1 + 3 + 9/2) = 8.5·e^−3         = 0.42319008112684352
	//   λ=10, k=5: e^−10·(1+10+50+166.67+416.67+833.33)  = 0.067085962879031782
	//   λ=1,  k=1: 2/e                                   = 0.73575888234288464
	for _, tc := range []struct {
		name   string
		k      int
		lambda float64
		want   float64
		relTol float64
	}{
		{"lambda 3 k 0", 0, 3, 0.049787068367863943, 1e-13},
		{"lambda 3 k 2", 2, 3, 0.42319008112684352, 1e-13},
		{"lambda 10 k 5", 5, 10, 0.067085962879031782, 1e-13},
		{"lambda 1 k 1", 1, 1, 0.73575888234288464, 1e-13},
		{"lambda 0.001 k 0", 0, 0.001, 0.99900049983337499, 1e-13},
		{"lambda 0.1 k 5", 5, 0.1, 0.99999999872510131, 1e-13},
		{"lambda 30.5 k 12", 12, 30.5, 0.00012287316226657005, 1e-12},
		{"lambda 30.5 k 40", 40, 30.5, 0.96011854014544576, 1e-12},
		{"lambda 50 k 0", 0, 50, 1.9287498479639178e-22, 1e-12},
		{"lambda 100 k 30 far tail", 30, 100, 1.991790010651528e-16, 1e-11},
		{"lambda 100 k 50", 50, 100, 2.4015922356168156e-8, 1e-11},
		{"lambda 100 k 99", 99, 100, 0.48670120172085134, 1e-11},
		{"lambda 100 k 100", 100, 100, 0.52656219852999847, 1e-11},
		{"lambda 100 k 101", 101, 100, 0.56602853200440157, 1e-11},
		{"lambda 100 k 150", 150, 100, 0.99999876690558084, 1e-11},
		{"lambda 500 k 450", 450, 500, 0.012408350554119338, 1e-10},
		{"lambda 700 k 0", 0, 700, 9.8596765437597709e-305, 1e-9},
		{"lambda 1000 k 1000", 1000, 1000, 0.50840936716850599, 1e-10},
		{"lambda 1e4 k 9000", 9000, 1e4, 1.3896350906594243e-24, 1e-9},
		{"lambda 1e5 k 99500", 99500, 1e5, 0.057013604441461324, 1e-9},
		{"lambda 1e6 k 999000", 999000, 1e6, 0.15877629981172561, 1e-9},
		{"lambda 1e6 k 1e6", 1000000, 1e6, 0.50026596148628365, 1e-9},
		{"lambda 0", 0, 0, 1, 0},
		{"lambda 0 k 7", 7, 0, 1, 0},
		{"k negative", -1, 3, 0, 0},
		{"lambda infinite", 5, math.Inf(1), 0, 0},
		{"underflow", 0, 800, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := PoissonCDF(tc.k, tc.lambda)
			if !closeRel(got, tc.want, tc.relTol) {
				t.Errorf("PoissonCDF(%d, %v) = %.17g, want %.17g (relative tolerance %g)", tc.k, tc.lambda, got, tc.want, tc.relTol)
			}
		})
	}
}

func TestPoissonCDFInvalid(t *testing.T) {
	for _, lambda := range []float64{-1, math.Inf(-1), math.NaN()} {
		if got := PoissonCDF(2, lambda); !math.IsNaN(got) {
			t.Errorf("PoissonCDF(2, %v) = %v, want NaN", lambda, got)
		}
	}
}

// TestPoissonCDFAgainstSum compares the incomplete gamma route with an
// independent computation, the sum of the probabilities in log space, over a
// grid that crosses the switch between series and continued fraction.
func TestPoissonCDFAgainstSum(t *testing.T) {
	for _, lambda := range []float64{0.01, 0.5, 1, 2.5, 7, 19.9, 20, 20.1, 64, 333.3, 2500} {
		for _, frac := range []float64{0, 0.2, 0.5, 0.8, 0.95, 1, 1.05, 1.3, 2} {
			k := int(frac * lambda)
			got, want := PoissonCDF(k, lambda), cdfBySum(k, lambda)
			if !closeRel(got, want, 1e-9) {
				t.Errorf("PoissonCDF(%d, %v) = %.17g, want %.17g from the sum", k, lambda, got, want)
			}
		}
	}
}

// TestPoissonCDFMonotone checks the lower tail rises with k and falls with λ.
func TestPoissonCDFMonotone(t *testing.T) {
	prev := 0.0
	for k := range 400 {
		p := PoissonCDF(k, 200)
		if p < prev || p > 1 {
			t.Fatalf("PoissonCDF(%d, 200) = %v after %v at k−1", k, p, prev)
		}
		prev = p
	}
	prev = 1.0
	for lambda := 0.0; lambda < 100; lambda += 0.37 {
		p := PoissonCDF(20, lambda)
		if p > prev || p < 0 {
			t.Fatalf("PoissonCDF(20, %v) = %v after %v at a smaller λ", lambda, p, prev)
		}
		prev = p
	}
}

// cdfBySum is Σ_{j≤k} e^(j·ln λ − λ − ln j!), summed around its largest term.
func cdfBySum(k int, lambda float64) float64 {
	logs := make([]float64, k+1)
	top := math.Inf(-1)
	for j := range logs {
		lg, _ := math.Lgamma(float64(j) + 1)
		logs[j] = float64(j)*math.Log(lambda) - lambda - lg
		top = max(top, logs[j])
	}
	var s float64
	for _, l := range logs {
		s += math.Exp(l - top)
	}
	return math.Exp(top + math.Log(s))
}

func closeRel(got, want, tol float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= tol*math.Abs(want)
}
