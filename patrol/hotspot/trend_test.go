package hotspot

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMannKendall(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float64
		want Trend
	}{
		// analytics.md: S = 10, Var = 5·4·15/18 = 16.667, Z = 9/√Var = 2.2045,
		// p = 0.0275.
		{"rising 1..5", []float64{1, 2, 3, 4, 5}, Trend{S: 10, Var: 300.0 / 18, Z: 9 / math.Sqrt(300.0/18), P: 0.027486}},
		{"falling 5..1", []float64{5, 4, 3, 2, 1}, Trend{S: -10, Var: 300.0 / 18, Z: -9 / math.Sqrt(300.0/18), P: 0.027486}},
		// One tie group of 2 (the 2s): pairs give S = +1+1+1+0+1+1 = 5;
		// Var = (4·3·13 − 2·1·9)/18 = (156 − 18)/18 = 23/3; Z = 4/√(23/3) = 1.44463,
		// p = 0.14857.
		{"one tie", []float64{1, 2, 2, 3}, Trend{S: 5, Var: 23.0 / 3, Z: 4 / math.Sqrt(23.0/3), P: 0.148571}},
		// Ties of 2 (3s) and 3 (1s): S = −4 −4 −3 + 0 + 0 = −11;
		// Var = (6·5·17 − 2·1·9 − 3·2·11)/18 = (510 − 18 − 66)/18 = 23.667;
		// Z = (−11+1)/√23.667 = −2.05557, p = 0.03982.
		{"two ties", []float64{3, 3, 2, 1, 1, 1}, Trend{S: -11, Var: 426.0 / 18, Z: -10 / math.Sqrt(426.0/18), P: 0.039823}},
		// S = 1 is corrected to Z = 0.
		{"one step up", []float64{0, 1}, Trend{S: 1, Var: 2 * 1 * 9 / 18.0, Z: 0, P: 1}},
		{"flat", []float64{2, 2, 2, 2}, Trend{S: 0, Var: 0, Z: 0, P: 1}},
		{"single", []float64{7}, Trend{S: 0, Var: 0, Z: 0, P: 1}},
		{"empty", nil, Trend{S: 0, Var: 0, Z: 0, P: 1}},
		// Up then down: S = 0.
		{"tent", []float64{1, 3, 5, 3, 1}, Trend{S: 0, Var: (5*4*15 - 2*(2*1*9)) / 18.0, Z: 0, P: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := MannKendall(tc.x)
			if !cmp.Equal(got, tc.want, approx(1e-5)) {
				t.Errorf("MannKendall(%v) = %+v, want %+v", tc.x, got, tc.want)
			}
		})
	}
}

func TestMannKendallCheckValues(t *testing.T) {
	// The rounded figures of analytics.md.
	got := MannKendall([]float64{1, 2, 3, 4, 5})
	if got.S != 10 || math.Round(got.Var*1000)/1000 != 16.667 ||
		math.Round(got.Z*10000)/10000 != 2.2045 || math.Round(got.P*10000)/10000 != 0.0275 {
		t.Errorf("MannKendall([1 2 3 4 5]) = %+v, want S 10, Var 16.667, Z 2.2045, P 0.0275", got)
	}
}

func TestTrendDirection(t *testing.T) {
	for _, tc := range []struct {
		name  string
		trend Trend
		want  int
	}{
		{"rising", Trend{Z: 2.5, P: 0.012}, 1},
		{"falling", Trend{Z: -2.5, P: 0.012}, -1},
		{"boundary", Trend{Z: 1.96, P: 0.05}, 1},
		{"not significant", Trend{Z: 1.5, P: 0.13}, 0},
		{"NaN", Trend{Z: 1, P: math.NaN()}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.trend.direction(); got != tc.want {
				t.Errorf("%+v.direction() = %v, want %v", tc.trend, got, tc.want)
			}
		})
	}
}
