package assessment

import (
	"math"
	"testing"
)

// Reference values in closed form: I_x(2, 5) = 1 − Σ_{j<2} C(6, j) xʲ(1 − x)^{6−j}; for an
// integer a, P(a, x) = 1 − Σ_{k<a} e^{−x} xᵏ / k!.
func TestDistributions(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"beta.cdf(0.3, 2, 5)", betaCDF(0.3, 2, 5), 0.579825},
		{"beta.cdf(0.9, 10, 1)", betaCDF(0.9, 10, 1), math.Pow(0.9, 10)},
		{"beta.cdf(0.5, 3, 3)", betaCDF(0.5, 3, 3), 0.5},
		{"gamma.cdf(2, 2)", gammaCDF(2, 2), 1 - 3*math.Exp(-2)},
		{"gamma.cdf(5, 1)", gammaCDF(5, 1), 1 - math.Exp(-5)},
		{"gamma.cdf(30, 25)", gammaCDF(30, 25), 0.842758},
		{"beta.ppf(0.05, 1, 1)", betaQuantile(0.05, 1, 1), 0.05},
		{"gamma.ppf(0.95, 1)", gammaQuantile(0.95, 1), -math.Log(0.05)},
	} {
		if math.Abs(c.got-c.want) > 5e-5 {
			t.Errorf("%s = %.6f, want %.6f", c.name, c.got, c.want)
		}
	}
}

func TestFitBetaShrinksASmallUnit(t *testing.T) {
	// Three large units around 0.8 and a small one with 2 of 2.
	units := []Count{{80, 100}, {75, 100}, {85, 100}, {2, 2}}
	prior, ok := FitBeta(units)
	if !ok || math.Abs(prior.P-242.0/302) > 1e-12 {
		t.Fatalf("FitBeta = %+v, %v; want p = 242/302", prior, ok)
	}
	small := prior.Shrink(units[3])
	large := prior.Shrink(units[2])
	if small.Mean >= large.Mean || small.Mean < prior.P {
		t.Errorf("small unit's mean %.4f: want between the city %.4f and the best large unit %.4f", small.Mean, prior.P, large.Mean)
	}
	if small.Hi-small.Lo <= large.Hi-large.Lo {
		t.Errorf("small unit's interval %.4f–%.4f is not wider than the large one's %.4f–%.4f", small.Lo, small.Hi, large.Lo, large.Hi)
	}
}

func TestFitBetaWithoutSpreadPoolsFully(t *testing.T) {
	prior, _ := FitBeta([]Count{{50, 100}, {50, 100}, {5, 10}})
	if got := prior.A + prior.B; got != maxConcentration {
		t.Errorf("A + B = %g, want %g (no spread beyond noise)", got, maxConcentration)
	}
	if _, ok := FitBeta([]Count{{0, 0}}); ok {
		t.Error("FitBeta of units without trials is ok")
	}
}

func TestFitGamma(t *testing.T) {
	// 2 per hour in every unit: no spread, full pooling towards λ = 2.
	prior, ok := FitGamma([]Count{{200, 100}, {20, 10}, {400, 200}})
	if !ok || math.Abs(prior.Lambda-2) > 1e-12 || prior.Shape != maxConcentration {
		t.Fatalf("FitGamma = %+v, %v", prior, ok)
	}
	// Spread: units at 1 and 3 per hour over 100 h each.
	prior, _ = FitGamma([]Count{{100, 100}, {300, 100}, {6, 1}})
	post := prior.Shrink(Count{6, 1})
	if post.Mean >= 6 || post.Mean <= prior.Lambda || post.Lo >= post.Mean || post.Hi <= post.Mean {
		t.Errorf("posterior of 6 in 1 h = %+v with λ %.3f", post, prior.Lambda)
	}
}

// The quantiles' Newton steps agree with bisection on the incomplete gamma and beta
// functions, from shapes below 1 to the largest a prior may have.
func TestQuantilesAgreeWithBisection(t *testing.T) {
	shapes := []float64{0.3, 1, 1.7, 12, 350, 5000, 1e6}
	for _, a := range shapes {
		for _, q := range []float64{0.05, 0.5, 0.95} {
			exact := bisect(func(x float64) float64 { return gammaCDF(x, a) }, q, 0, 2*a+100)
			if got := gammaQuantile(q, a); math.Abs(got-exact) > 1e-9*math.Max(1, exact) {
				t.Errorf("gamma a %g, q %g: %.12g, want %.12g", a, q, got, exact)
			}
			for _, b := range shapes {
				exact := bisect(func(x float64) float64 { return betaCDF(x, a, b) }, q, 0, 1)
				if got := betaQuantile(q, a, b); math.Abs(got-exact) > 1e-9 {
					t.Errorf("beta a %g, b %g, q %g: %.12g, want %.12g", a, b, q, got, exact)
				}
			}
		}
	}
}

// bisect finds x in [lo, hi] with cdf(x) = q for an increasing cdf: the reference the
// quantiles are checked against.
func bisect(cdf func(float64) float64, q, lo, hi float64) float64 {
	for range 100 {
		mid := (lo + hi) / 2
		if cdf(mid) < q {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo < 1e-12*math.Max(1, hi) {
			break
		}
	}
	return (lo + hi) / 2
}
