package assessment

import (
	"math"

	"github.com/gridwatch/gridwatch/patrol/blindzone"
)

// Level is the probability of a credible interval: 90 %, from the 5th to the 95th
// percentile of the posterior.
const Level = 0.90

// concentration bounds keep a prior proper and finite: with no spread between units the
// estimate would be infinite (full pooling), with very large spread it would vanish.
const (
	minConcentration = 1.0
	maxConcentration = 1e6
	minShape         = 0.5
)

// Count is one unit's events x out of trials n (a proportion) or events x over exposure n
// (a rate).
type Count struct {
	X, N float64
}

// Posterior is a shrunk estimate of one unit with its credible interval.
type Posterior struct {
	Mean, Lo, Hi float64
}

// BetaPrior is the city's prior for a proportion, Beta(A, B), estimated from the units.
type BetaPrior struct {
	P    float64 // the city's pooled proportion Σx / Σn
	A, B float64
}

// spread is what the method of moments reads of the units with n > 0: their number k,
// the pooled value mean = Σx/Σn, the weighted squared deviations ss = Σ nᵢ(xᵢ/nᵢ − mean)²
// and the denominator den = Σn − Σn²/Σn. ok is false when no unit has n > 0.
type spread struct {
	k, mean, ss, den float64
}

func spreadOf(units []Count) (sp spread, ok bool) {
	var x, n, n2 float64
	for _, u := range units {
		if u.N > 0 {
			sp.k++
			x += u.X
			n += u.N
			n2 += u.N * u.N
		}
	}
	if n == 0 {
		return spread{}, false
	}
	sp.mean, sp.den = x/n, n-n2/n
	for _, u := range units {
		if u.N > 0 {
			r := u.X / u.N
			sp.ss += u.N * (r - sp.mean) * (r - sp.mean)
		}
	}
	return sp, true
}

// tau2 is the between-unit variance beyond the noise of a unit of variance noise per
// trial: (ss − noise(k − 1)) / den, 0 when not positive or not defined.
func (sp spread) tau2(noise float64) float64 {
	if sp.den <= 0 {
		return 0
	}
	return max((sp.ss-noise*(sp.k-1))/sp.den, 0)
}

// FitBeta estimates a beta prior from the units' counts by the method of moments: the
// pooled proportion p and the spread between units beyond binomial noise,
// τ² = (Σ nᵢ(rᵢ − p)² − p(1 − p)(k − 1)) / (N − Σ nᵢ² / N), so that A + B = p(1 − p)/τ² − 1.
// Units with n = 0 do not count. ok is false when no unit has a trial.
func FitBeta(units []Count) (prior BetaPrior, ok bool) {
	sp, ok := spreadOf(units)
	if !ok {
		return BetaPrior{}, false
	}
	p := sp.mean
	m := maxConcentration
	if tau2 := sp.tau2(p * (1 - p)); tau2 > 0 {
		m = p*(1-p)/tau2 - 1
	}
	m = math.Min(math.Max(m, minConcentration), maxConcentration)
	return BetaPrior{P: p, A: math.Max(p*m, minShape/2), B: math.Max((1-p)*m, minShape/2)}, true
}

// Shrink is the posterior Beta(A + x, B + n − x) of a unit: its mean and the central
// credible interval at Level.
func (p BetaPrior) Shrink(c Count) Posterior {
	a, b := p.A+c.X, p.B+c.N-c.X
	tail := (1 - Level) / 2
	return Posterior{Mean: a / (a + b), Lo: betaQuantile(tail, a, b), Hi: betaQuantile(1-tail, a, b)}
}

// GammaPrior is the city's prior for a rate per exposure, Gamma(Shape, Rate), estimated
// from the units.
type GammaPrior struct {
	Lambda      float64 // the city's pooled rate Σx / Σexposure
	Shape, Rate float64
}

// FitGamma estimates a gamma prior for Poisson rates from the units' counts over exposure
// by the method of moments: pooled λ, between-unit variance
// τ² = (Σ eᵢ(rᵢ − λ)² − λ(k − 1)) / (E − Σ eᵢ² / E), shape λ²/τ², rate λ/τ². Units with no
// exposure do not count. ok is false when no unit has exposure.
func FitGamma(units []Count) (prior GammaPrior, ok bool) {
	sp, ok := spreadOf(units)
	if !ok {
		return GammaPrior{}, false
	}
	lambda := sp.mean
	shape := maxConcentration
	if tau2 := sp.tau2(lambda); tau2 > 0 && lambda > 0 {
		shape = lambda * lambda / tau2
	}
	shape = math.Min(math.Max(shape, minShape), maxConcentration)
	return GammaPrior{Lambda: lambda, Shape: shape, Rate: shape / math.Max(lambda, 1e-12)}, true
}

// Shrink is the posterior Gamma(Shape + x, Rate + exposure) of a unit's rate: its mean
// and the central credible interval at Level.
func (p GammaPrior) Shrink(c Count) Posterior {
	a, b := p.Shape+c.X, p.Rate+c.N
	tail := (1 - Level) / 2
	return Posterior{Mean: a / b, Lo: gammaQuantile(tail, a) / b, Hi: gammaQuantile(1-tail, a) / b}
}

// betaQuantile inverts the regularized incomplete beta function, from the normal
// approximation of Beta(a, b) (see invert).
func betaQuantile(q, a, b float64) float64 {
	z := math.Sqrt2 * math.Erfinv(2*q-1)
	mean := a / (a + b)
	sd := math.Sqrt(mean * (1 - mean) / (a + b + 1))
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	pdf := func(x float64) float64 { return math.Exp((a-1)*math.Log(x) + (b-1)*math.Log1p(-x) + lab - la - lb) }
	return invert(func(x float64) float64 { return betaCDF(x, a, b) }, pdf, q, 0, 1, mean+z*sd)
}

// gammaQuantile inverts the regularized lower incomplete gamma function (unit rate), from
// the Wilson–Hilferty approximation (the gamma as the cube of a normal; see invert).
func gammaQuantile(q, a float64) float64 {
	hi := a + 10*math.Sqrt(a) + 10
	for gammaCDF(hi, a) < q {
		hi *= 2
	}
	z := math.Sqrt2 * math.Erfinv(2*q-1)
	c := 1 / (9 * a)
	lg, _ := math.Lgamma(a)
	pdf := func(x float64) float64 { return math.Exp((a-1)*math.Log(x) - x - lg) }
	return invert(func(x float64) float64 { return gammaCDF(x, a) }, pdf, q, 0, hi, a*math.Pow(math.Max(1-c+z*math.Sqrt(c), 0), 3))
}

// invert finds x in [lo, hi] with cdf(x) = q for an increasing cdf with density pdf: Newton
// steps from x0 inside a bracket that every evaluation narrows, a step that would leave it
// taken as a bisection instead. From a good start a quantile takes a few evaluations
// instead of bisection's forty or so, each of which costs about √(shape) terms of a series
// or fraction — and the assessment takes two quantiles of every indicator of every unit,
// the volume's breakdown twelve more.
func invert(cdf, pdf func(float64) float64, q, lo, hi, x0 float64) float64 {
	x := x0
	if !(x > lo && x < hi) {
		x = (lo + hi) / 2
	}
	for range 200 {
		f := cdf(x) - q
		if f < 0 {
			lo = x
		} else {
			hi = x
		}
		next := math.NaN()
		if d := pdf(x); d > 0 && !math.IsInf(d, 0) {
			next = x - f/d
		}
		if !(next > lo && next < hi) {
			next = (lo + hi) / 2
		}
		if math.Abs(next-x) < 1e-12*math.Max(1, math.Abs(x)) || hi-lo < 1e-12*math.Max(1, hi) {
			return next
		}
		x = next
	}
	return x
}

// betaCDF is the regularized incomplete beta function I_x(a, b), by its continued
// fraction (Lentz's method), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the
// fraction converges slowly.
func betaCDF(x, a, b float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaFraction(x, a, b) / a
	}
	return 1 - front*betaFraction(1-x, b, a)/b
}

func betaFraction(x, a, b float64) float64 {
	const tiny = 1e-300
	c, d := 1.0, 1-(a+b)*x/(a+1)
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	f := d
	for m := 1.0; m < 1000; m++ {
		// the even and the odd step of the fraction
		for _, num := range []float64{
			m * (b - m) * x / ((a + 2*m - 1) * (a + 2*m)),
			-(a + m) * (a + b + m) * x / ((a + 2*m) * (a + 2*m + 1)),
		} {
			d = 1 + num*d
			if math.Abs(d) < tiny {
				d = tiny
			}
			c = 1 + num/c
			if math.Abs(c) < tiny {
				c = tiny
			}
			d = 1 / d
			f *= d * c
		}
		if math.Abs(d*c-1) < 1e-15 {
			break
		}
	}
	return f
}

// gammaCDF is the distribution function of Gamma(a, 1).
func gammaCDF(x, a float64) float64 { return blindzone.GammaP(a, x) }
