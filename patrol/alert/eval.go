package alert

import (
	"math"
	"time"

	"github.com/paulmach/orb"
)

// Fix is what the rules read of a committed fix.
type Fix struct {
	Officer  string
	Township string // the officer's
	Time     time.Time
	Point    orb.Point // WGS-84 [lon, lat]
	Mock     bool
	Alarm    string // "" for none
	// Inside tells whether the fix lies in the officer's area: the grid areas of their
	// squadron, or their township when the squadron has none.
	Inside bool
	// Plan is the plan whose route the officer follows at the fix's time, 0 when none (or
	// off_plan is off); Away tells whether the fix is more than the township's
	// OffPlan.DistanceM from that route, RouteM how far it is then (metres).
	Plan   int64
	Away   bool
	RouteM float64
	// Refused tells that the fix was not stored (the plausibility filter refused it): only
	// its alarm counts, and nothing of the officer's state moves.
	Refused bool
	cell    int64 // the fix's H3 cell, 0 when unknown
}

// Change is what evaluation decides: raise an alert, or resolve the open one of the
// rule and subject because its condition cleared. Subject "" is Officer; a zero Point is
// no position.
type Change struct {
	Raise    bool
	Rule     Rule
	Subject  string
	Officer  string
	Township string
	Time     time.Time
	Point    orb.Point
	Detail   map[string]any
	// Since, when set, makes a raise store nothing if an alert of the rule and subject
	// was observed at or after it, resolved or not (hotspot's once a week).
	Since time.Time
}

// Evaluator keeps, per officer, what the rules over fixes need to remember, in memory.
// It is not safe for concurrent use; one goroutine feeds it.
type Evaluator struct {
	officers map[string]*officerState
}

// officerState is an officer's memory of the rules. known is false until the first fix
// since start: a fix that clears a condition then resolves whatever a previous run (or
// another instance) left open.
type officerState struct {
	known        bool
	last         time.Time
	outsideSince time.Time // zero when inside
	leftRaised   bool
	mockRaised   bool
	awaySince    time.Time // from the planned route; zero when on it
	awayRaised   bool
}

// observeAlarm appends the sos raise of a fix that carries an alarm. A refused fix's
// alarm is raised all the same — a phone in trouble may well send an odd position — and
// its detail says the position was refused.
func observeAlarm(f Fix, s Settings, out []Change) []Change {
	if f.Alarm == "" || !s.SOS.Enabled {
		return out
	}
	detail := map[string]any{"alarm": f.Alarm}
	if f.Refused {
		detail["fix_refused"] = true
	}
	return append(out, Change{Raise: true, Rule: SOS, Officer: f.Officer, Township: f.Township, Time: f.Time,
		Point: f.Point, Detail: detail})
}

// NewEvaluator returns an Evaluator with no memory.
func NewEvaluator() *Evaluator { return &Evaluator{officers: map[string]*officerState{}} }

// Observe evaluates one fix under its township's settings and appends the changes it
// makes to out. Fixes older than the officer's last only count for sos: the others
// follow the officer's present.
func (e *Evaluator) Observe(f Fix, s Settings, out []Change) []Change {
	st := e.officers[f.Officer]
	if st == nil {
		st = &officerState{}
		e.officers[f.Officer] = st
	}
	change := func(raise bool, rule Rule, detail map[string]any) {
		out = append(out, Change{Raise: raise, Rule: rule, Officer: f.Officer, Township: f.Township,
			Time: f.Time, Point: f.Point, Detail: detail})
	}
	out = observeAlarm(f, s, out)
	if f.Refused {
		return out
	}
	if st.known && f.Time.Before(st.last) {
		return out
	}
	first := !st.known
	st.known, st.last = true, f.Time

	switch {
	case f.Mock && !st.mockRaised && s.MockLocation.Enabled:
		st.mockRaised = true
		change(true, MockLocation, map[string]any{})
	case !f.Mock && (st.mockRaised || first):
		st.mockRaised = false
		change(false, MockLocation, nil)
	}

	out = e.observeRoute(f, s, st, first, out)

	if f.Inside {
		if st.leftRaised || first {
			change(false, LeftArea, nil)
		}
		st.outsideSince, st.leftRaised = time.Time{}, false
		return out
	}
	if st.outsideSince.IsZero() {
		st.outsideSince = f.Time
	}
	if !st.leftRaised && s.LeftArea.Enabled && f.Time.Sub(st.outsideSince) >= time.Duration(s.LeftArea.Minutes)*time.Minute {
		st.leftRaised = true
		change(true, LeftArea, map[string]any{"outside_since": st.outsideSince, "minutes": s.LeftArea.Minutes})
	}
	return out
}

// observeRoute evaluates the distance half of off_plan: away from the planned route for
// OffPlan.AwayMinutes raises, a fix on it (or with no route, or the rule off) clears.
func (e *Evaluator) observeRoute(f Fix, s Settings, st *officerState, first bool, out []Change) []Change {
	if !f.Away || !s.OffPlan.Enabled {
		if st.awayRaised || first {
			out = append(out, Change{Rule: OffPlan, Subject: RouteSubject(f.Officer), Officer: f.Officer, Township: f.Township,
				Time: f.Time, Point: f.Point})
		}
		st.awaySince, st.awayRaised = time.Time{}, false
		return out
	}
	if st.awaySince.IsZero() {
		st.awaySince = f.Time
	}
	if !st.awayRaised && f.Time.Sub(st.awaySince) >= time.Duration(s.OffPlan.AwayMinutes)*time.Minute {
		st.awayRaised = true
		out = append(out, Change{Raise: true, Rule: OffPlan, Subject: RouteSubject(f.Officer), Officer: f.Officer,
			Township: f.Township, Time: f.Time, Point: f.Point, Detail: map[string]any{"plan": f.Plan,
				"distance_m": math.Round(f.RouteM), "limit_m": s.OffPlan.DistanceM, "away_since": st.awaySince,
				"minutes": s.OffPlan.AwayMinutes}})
	}
	return out
}

// RouteSubject is the subject of an officer's off_plan alert for being away from the
// planned route; the alert for missed cells has the officer's ID, so that each half
// has its own alert.
func RouteSubject(officer string) string { return officer + "/route" }

// subject returns what the change is about.
func (c Change) subject() string {
	if c.Subject != "" {
		return c.Subject
	}
	return c.Officer
}
