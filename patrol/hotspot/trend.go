package hotspot

import (
	"math"
	"slices"
)

// trendAlpha is the level at which a Mann–Kendall trend counts as significant
// for the emerging hot spot categories.
const trendAlpha = 0.05

// Trend is the result of a Mann–Kendall test on a series.
type Trend struct {
	S   int     // Σ_{i<j} sgn(x_j − x_i): positive when the series rises
	Var float64 // variance of S under no trend, corrected for ties
	Z   float64 // (S−1)/√Var for S > 0, (S+1)/√Var for S < 0, else 0
	P   float64 // two-sided normal p-value of Z
}

// MannKendall tests x (oldest first) for a monotonic trend:
//
//	S = Σ_{i<j} sgn(x_j − x_i)
//	Var(S) = [n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)] / 18
//
// where t_g is the size of each group of exactly equal values. Z carries the
// continuity correction and P = erfc(|Z|/√2). A series with fewer than two
// distinct values has Var = 0, Z = 0 and P = 1. Cost is O(n²) in the length of
// the series. x is not modified and must not hold NaN.
func MannKendall(x []float64) Trend {
	n := len(x)
	s := 0
	for i, xi := range x {
		for _, xj := range x[i+1:] {
			switch {
			case xj > xi:
				s++
			case xj < xi:
				s--
			}
		}
	}

	sorted := slices.Clone(x)
	slices.Sort(sorted)
	ties := 0.0
	for start := 0; start < n; {
		end := start + 1
		for end < n && sorted[end] == sorted[start] {
			end++
		}
		t := float64(end - start)
		ties += t * (t - 1) * (2*t + 5)
		start = end
	}
	nf := float64(n)
	v := (nf*(nf-1)*(2*nf+5) - ties) / 18

	tr := Trend{S: s, Var: v, P: 1}
	if v <= 0 {
		return tr
	}
	switch {
	case s > 0:
		tr.Z = float64(s-1) / math.Sqrt(v)
	case s < 0:
		tr.Z = float64(s+1) / math.Sqrt(v)
	}
	tr.P = PValue(tr.Z)
	return tr
}

// direction returns +1 for a significant rising trend, −1 for a significant
// falling one and 0 otherwise, at level trendAlpha.
func (t Trend) direction() int {
	switch {
	case !(t.P <= trendAlpha): // also NaN
		return 0
	case t.Z > 0:
		return 1
	case t.Z < 0:
		return -1
	}
	return 0
}
