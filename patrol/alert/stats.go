package alert

import (
	"sync"
	"sync/atomic"
	"time"
)

// Outcome is what happened to alerts, for the counts of Store.Counts.
type Outcome string

// The outcomes counted.
const (
	OutcomeRaised         Outcome = "raised"
	OutcomeAcknowledged   Outcome = "acknowledged"
	OutcomeResolvedSystem Outcome = "resolved_by_system" // its condition cleared
	OutcomeResolvedPerson Outcome = "resolved_by_person"
)

// Outcomes lists the outcomes counted.
var Outcomes = []Outcome{OutcomeRaised, OutcomeAcknowledged, OutcomeResolvedSystem, OutcomeResolvedPerson}

// counts are the alerts each rule had of each outcome since start, in this instance.
type counts struct {
	mu sync.Mutex
	n  map[Rule]map[Outcome]int64
}

func (c *counts) add(list []Alert, event string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[Rule]map[Outcome]int64{}
	}
	for _, a := range list {
		o := OutcomeRaised
		switch {
		case event == EventAcknowledged:
			o = OutcomeAcknowledged
		case event == EventResolved && a.ResolvedBy != nil && *a.ResolvedBy == "":
			o = OutcomeResolvedSystem
		case event == EventResolved:
			o = OutcomeResolvedPerson
		}
		if c.n[a.Rule] == nil {
			c.n[a.Rule] = map[Outcome]int64{}
		}
		c.n[a.Rule][o]++
	}
}

// Count returns how many alerts of a rule had an outcome through this Store since it was
// made (a counter, for metrics). Alerts raised or resolved by another instance are
// counted there.
func (s *Store) Count(rule Rule, o Outcome) int64 {
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	return s.counts.n[rule][o]
}

// Check names a part of the Watcher's work, for EvalTime.
type Check string

// The checks timed.
const (
	CheckFixes   Check = "fixes"        // the rules over fixes (sos, mock_location, left_area, off_plan's distance)
	CheckOffline Check = "offline"      // CheckAbsence
	CheckCases   Check = "case_overdue" // CheckOverdue
	CheckPlanned Check = "off_plan"     // CheckPlans: missed cells
	CheckHotspot Check = "hotspot"      // CheckHotspots
)

// numChecks is len(Checks).
const numChecks = 5

// Checks lists the checks timed.
var Checks = []Check{CheckFixes, CheckOffline, CheckCases, CheckPlanned, CheckHotspot}

// timing is the time the Watcher spent in each check, and the fixes it evaluated.
type timing struct {
	nanos [numChecks]atomic.Int64
	fixes atomic.Int64
}

func (t *timing) add(c Check, since time.Time) {
	for i, k := range Checks {
		if k == c {
			t.nanos[i].Add(int64(time.Since(since)))
		}
	}
}

// EvalTime returns the time the Watcher spent in a check since start, the writes of the
// alerts it raised and cleared included (a counter, for metrics).
func (w *Watcher) EvalTime(c Check) time.Duration {
	for i, k := range Checks {
		if k == c {
			return time.Duration(w.timing.nanos[i].Load())
		}
	}
	return 0
}

// FixesEvaluated returns how many fixes the rules over fixes have evaluated since start.
func (w *Watcher) FixesEvaluated() int64 { return w.timing.fixes.Load() }
