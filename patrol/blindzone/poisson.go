package blindzone

import "math"

// PoissonCDF returns the lower tail P(N ≤ k) of a Poisson distribution with
// mean lambda: 0 for k < 0, 1 for lambda = 0, e^(−lambda) for k = 0, and NaN
// for a negative or NaN lambda.
//
// It is computed as the regularized upper incomplete gamma function
// Q(k+1, lambda), by its series or its continued fraction depending on which
// converges faster, so it neither overflows nor loses the small tails that
// matter here: PoissonCDF(450, 500) ≈ 0.0124 and PoissonCDF(0, 700) ≈ e^−700
// have all but their last few digits right. The relative error grows like
// 1e-15·max(k, lambda), from rounding in ln Γ: about 1e-9 at lambda = 10^6.
func PoissonCDF(k int, lambda float64) float64 {
	switch {
	case math.IsNaN(lambda) || lambda < 0:
		return math.NaN()
	case k < 0:
		return 0
	case lambda == 0:
		return 1
	case math.IsInf(lambda, 1):
		return 0
	}
	return gammaQ(float64(k)+1, lambda)
}

// gammaQ returns the regularized upper incomplete gamma function
// Q(a, x) = Γ(a, x)/Γ(a) for a > 0, x > 0, following the classic split
// (Numerical Recipes §6.2): below x = a+1 the series of P = 1 − Q converges
// fast and Q is not small, so 1 − P loses nothing; above it the continued
// fraction gives Q directly, with full relative precision in the far tail.
func gammaQ(a, x float64) float64 {
	if x < a+1 {
		return 1 - gammaPSeries(a, x)
	}
	return gammaQFraction(a, x)
}

// gammaPrefactor returns x^a e^(−x) / Γ(a), in log space so that neither
// factor overflows on its own.
func gammaPrefactor(a, x float64) float64 {
	lg, _ := math.Lgamma(a)
	return math.Exp(a*math.Log(x) - x - lg)
}

// maxIter bounds both expansions. They need O(√a) terms near x ≈ a and far
// fewer elsewhere, so the bound grows with a rather than being a constant.
func maxIter(a float64) int {
	return 1000 + int(50*math.Sqrt(a))
}

// gammaPSeries returns P(a, x) by the series
// P = x^a e^(−x)/Γ(a+1) · Σ_n x^n / ((a+1)…(a+n)).
func gammaPSeries(a, x float64) float64 {
	term := 1 / a
	sum := term
	for n, limit := 1, maxIter(a); n <= limit; n++ {
		term *= x / (a + float64(n))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return min(1, sum*gammaPrefactor(a, x))
}

// gammaQFraction returns Q(a, x) by the continued fraction
// Q = x^a e^(−x)/Γ(a) · 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− …))),
// evaluated with the modified Lentz method.
func gammaQFraction(a, x float64) float64 {
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i, limit := 1, maxIter(a); i <= limit; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		delta := d * c
		h *= delta
		if math.Abs(delta-1) < 1e-15 {
			break
		}
	}
	return gammaPrefactor(a, x) * h
}

// GammaP returns the regularized lower incomplete gamma function P(a, x) =
// γ(a, x)/Γ(a) for a > 0: 0 for x ≤ 0. It is the distribution function of a
// Gamma(a, 1) variable, which the assessment's posterior intervals invert.
func GammaP(a, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x < a+1 {
		return gammaPSeries(a, x)
	}
	return 1 - gammaQFraction(a, x)
}
