package casegen

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/gridwatch/gridwatch/patrol/cases"
)

// cst is China Standard Time, the local time of the working day.
var cst = time.FixedZone("CST", 8*3600)

// rhythm is when cases of one source are reported: the cumulative weights
// of the local hours and the chance that a case of a weekend day is kept.
type rhythm struct {
	cum     [24]float64
	weekend float64
}

func newRhythm(hours [24]float64, weekend float64) *rhythm {
	rh := &rhythm{weekend: weekend}
	sum := 0.0
	for h, w := range hours {
		sum += w
		rh.cum[h] = sum
	}
	return rh
}

// The rhythms of the sources: patrols in office hours with an evening round
// for night markets and fewer on weekends; residents from early morning to
// late evening, on the app more in the evening; referrals from departments
// in office hours on weekdays.
var (
	patrolRhythm = newRhythm([24]float64{
		8: 1, 9: 1, 10: 1, 11: 0.8, 12: 0.2, 13: 0.6, 14: 1, 15: 1, 16: 1, 17: 0.5, 18: 0.3, 19: 0.35, 20: 0.25,
	}, 0.5)
	hotlineRhythm = newRhythm([24]float64{
		0: 0.03, 1: 0.02, 2: 0.02, 3: 0.02, 4: 0.02, 5: 0.05, 6: 0.15, 7: 0.4, 8: 1, 9: 1, 10: 1, 11: 0.9,
		12: 0.7, 13: 0.8, 14: 1, 15: 1, 16: 1, 17: 0.9, 18: 0.8, 19: 0.8, 20: 0.7, 21: 0.5, 22: 0.3, 23: 0.1,
	}, 0.85)
	appRhythm = newRhythm([24]float64{
		0: 0.1, 1: 0.04, 2: 0.02, 3: 0.02, 4: 0.02, 5: 0.05, 6: 0.2, 7: 0.5, 8: 0.9, 9: 0.9, 10: 0.9, 11: 0.9,
		12: 0.9, 13: 0.8, 14: 0.8, 15: 0.8, 16: 0.9, 17: 0.9, 18: 1, 19: 1, 20: 1, 21: 0.9, 22: 0.6, 23: 0.25,
	}, 1)
	referralRhythm = newRhythm([24]float64{
		8: 0.6, 9: 1, 10: 1, 11: 0.8, 13: 0.5, 14: 1, 15: 1, 16: 0.9, 17: 0.3,
	}, 0.05)
)

// rhythmOf returns the rhythm of source src.
func rhythmOf(src cases.Source) *rhythm {
	switch src {
	case cases.SourcePatrol:
		return patrolRhythm
	case cases.SourceHotline:
		return hotlineRhythm
	case cases.SourceCitizenApp:
		return appRhythm
	}
	return referralRhythm
}

// reportTimeTries bounds the draws of a report time before falling back to
// the plain instant drawn, for windows too short for the rhythm.
const reportTimeTries = 100

// reportTime draws when a case of source src is reported, in [from, to):
// a day drawn uniformly over the window (or with a density rising linearly
// by ±Options.Trend when rising is set), kept on weekends with the
// rhythm's chance, then an hour of that day by the rhythm's weights and a
// uniform instant in the hour, in whole seconds.
func (g *generator) reportTime(src cases.Source, rising bool) time.Time {
	r := g.r
	rh := rhythmOf(src)
	span := float64(g.to.Sub(g.from))
	var t0 time.Time
	for range reportTimeTries {
		u := r.Float64()
		if rising {
			u = rampQuantile(u, g.opt.Trend)
		}
		t0 = g.from.Add(time.Duration(u * span))
		local := t0.In(cst)
		day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, cst)
		if wd := day.Weekday(); (wd == time.Saturday || wd == time.Sunday) && r.Float64() >= rh.weekend {
			continue
		}
		h := drawCum(r, rh.cum[:])
		t := day.Add(time.Duration(h)*time.Hour + time.Duration(r.IntN(3600))*time.Second).UTC()
		if !t.Before(g.from) && t.Before(g.to) {
			return t
		}
	}
	if t := t0.UTC().Truncate(time.Second); !t.Before(g.from) {
		return t
	}
	return g.from.UTC()
}

// rampQuantile maps a uniform v in [0, 1) to the distribution on [0, 1)
// of density (1 − a) + 2a·u, the inverse of its CDF (1 − a)u + a·u²,
// written so that it holds for a = 0 as well.
func rampQuantile(v, a float64) float64 {
	return 2 * v / ((1 - a) + math.Sqrt((1-a)*(1-a)+4*a*v))
}

// daytime returns t when its local time of day lies in [start, end), and
// otherwise the next start plus up to 45 minutes: work waiting for the
// office to open.
func daytime(r *rand.Rand, t time.Time, start, end time.Duration) time.Time {
	local := t.In(cst)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, cst)
	tod := local.Sub(day)
	if tod >= start && tod < end {
		return t
	}
	if tod >= end {
		day = day.AddDate(0, 0, 1)
	}
	return day.Add(start + time.Duration(r.IntN(45*60))*time.Second).UTC()
}
