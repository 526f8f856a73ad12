package casegen

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/gridwatch/gridwatch/patrol/cases"
)

// The hours of the working day (local time) that delays wait for.
const (
	dispatchStart = 7*time.Hour + 30*time.Minute  // the command center starts dispatching
	dispatchEnd   = 21*time.Hour + 30*time.Minute // and stops
	officeStart   = 8*time.Hour + 30*time.Minute  // departments and case review open
	officeEnd     = 17*time.Hour + 30*time.Minute // and close
)

// referOnSite is the chance that a referred case is visited before it is
// referred; the others are referred from the desk after accept.
const referOnSite = 0.6

// lifecycle returns the events of a case reported at reported, handled by
// officer, up to g.to: assign, accept, arrive, then resolve or refer, then
// close, each after the one before (see the package documentation for the
// delays). Events at or after g.to are left out, and so the case is still
// open at g.to.
func (g *generator) lifecycle(reported time.Time, src cases.Source, core, refer bool, officer, dept string) []Event {
	r := g.r
	evs := make([]Event, 0, 5)
	t := reported
	add := func(typ cases.EventType, at time.Time, officer, dept string) bool {
		if !at.Before(g.to) {
			return false
		}
		t = at
		evs = append(evs, Event{Type: typ, At: at.UTC().Truncate(time.Second), Officer: officer, Department: dept})
		return true
	}
	onPatrol := src == cases.SourcePatrol

	// Assign: an officer who found the case on patrol takes it himself;
	// the command center dispatches the others in its working hours.
	var at time.Time
	if onPatrol {
		at = t.Add(uniform(r, time.Minute, 10*time.Minute))
	} else {
		at = daytime(r, t.Add(logNormal(r, 20*time.Minute, 0.9, 2*time.Minute, 8*time.Hour)), dispatchStart, dispatchEnd)
	}
	if !add(cases.EventAssign, at, officer, "") {
		return evs
	}
	if !add(cases.EventAccept, t.Add(logNormal(r, 6*time.Minute, 0.8, 30*time.Second, 2*time.Hour)), officer, "") {
		return evs
	}
	if !refer || r.Float64() < referOnSite {
		d := uniform(r, 30*time.Minute, 90*time.Minute)
		if onPatrol {
			d = uniform(r, time.Minute, 5*time.Minute) // already there
		}
		if !add(cases.EventArrive, t.Add(d), officer, "") {
			return evs
		}
	}

	var closeAfter time.Duration
	if refer {
		at = daytime(r, t.Add(logNormal(r, 2*time.Hour, 0.8, 10*time.Minute, 3*24*time.Hour)), officeStart, officeEnd)
		if !add(cases.EventRefer, at, officer, dept) {
			return evs
		}
		closeAfter = uniform(r, 24*time.Hour, 72*time.Hour)
	} else {
		if !add(cases.EventResolve, t.Add(resolveDelay(r, core)), officer, "") {
			return evs
		}
		closeAfter = uniform(r, 20*time.Hour, 52*time.Hour)
	}
	add(cases.EventClose, daytime(r, t.Add(closeAfter), officeStart, officeEnd), "", "")
	return evs
}

// resolveDelay draws the time from arrival (or accept) to resolution: a
// mixture of quick cases, done in hours, and slow ones that need an
// investigation or a deadline for rectification (限期整改), done in days.
// Core cases are quicker.
func resolveDelay(r *rand.Rand, core bool) time.Duration {
	quick, quickMedian, slowMedian := 0.7, 8*time.Hour, 5*24*time.Hour
	if core {
		quick, quickMedian, slowMedian = 0.9, 3*time.Hour, 2*24*time.Hour
	}
	if r.Float64() < quick {
		return logNormal(r, quickMedian, 0.9, 15*time.Minute, 30*24*time.Hour)
	}
	return logNormal(r, slowMedian, 0.6, 15*time.Minute, 30*24*time.Hour)
}

// logNormal draws a duration whose logarithm is normal with the median's
// logarithm as mean and sigma as standard deviation, clamped to [lo, hi].
func logNormal(r *rand.Rand, median time.Duration, sigma float64, lo, hi time.Duration) time.Duration {
	d := time.Duration(float64(median) * math.Exp(sigma*r.NormFloat64()))
	return min(max(d, lo), hi)
}

// uniform draws a duration uniformly in [lo, hi).
func uniform(r *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}
