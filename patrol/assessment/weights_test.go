package assessment

import (
	"math"
	"testing"
)

func TestDefaultWeightsSumToOne(t *testing.T) {
	var sum float64
	for _, d := range Definitions {
		sum += d.Weight
		if d.Weight <= 0 {
			t.Errorf("%s weighs %g by default: every indicator has an input and counts", d.Key, d.Weight)
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("default weights sum to %g, want 1", sum)
	}
	if err := DefaultWeights().Check(); err != nil {
		t.Error(err)
	}
}

// TestCompositeWorkedExample is the worked example of the composite in docs/analytics.md:
// a unit with data for three indicators of the defaults; the weights are normalised over
// them.
func TestCompositeWorkedExample(t *testing.T) {
	f := func(key string, s, lo, hi float64) Indicator {
		return Indicator{Key: key, Score: ptr(s), ScoreLo: ptr(lo), ScoreHi: ptr(hi)}
	}
	u := Unit{Indicators: []Indicator{
		f("arrival", 47.1, 38.9, 55.5), f("timeliness", 60, 48, 71), f("decisions", 40, 20, 60),
		{Key: "patrol", NoData: true}, {Key: "referral", NoData: true},
	}}
	composite(&u, DefaultWeights())
	if *u.Score != 50.8 || *u.ScoreLo != 43.9 || *u.ScoreHi != 57.8 {
		t.Errorf("composite %g (%g–%g), want 50.8 (43.9–57.8)", *u.Score, *u.ScoreLo, *u.ScoreHi)
	}
}
