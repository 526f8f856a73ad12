package demo

import (
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/patrol/cases"
)

// TestStepsWaitForARequestedHearing plans many penalty cases at many moments and checks
// that none goes past a hearing the party asked for until it is held: the procedure
// refuses such a decision, so a plan with one would stop the demo.
func TestStepsWaitForARequestedHearing(t *testing.T) {
	base := time.Date(2026, 12, 6, 13, 11, 0, 0, time.UTC)
	requested := 0
	for seed := int64(1); seed <= 40; seed++ {
		for hour := 0; hour < 24*14; hour += 7 {
			now := base.Add(time.Duration(hour) * time.Hour)
			p, err := newPenalties(nil, seed, now)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 20; i++ {
				from := now.Add(-time.Duration(10+i*3) * 24 * time.Hour)
				pending := false
				for _, s := range p.steps("", "T1", "o1", from) {
					h := s.ev.Procedure.Hearing
					switch {
					case s.ev.Type == cases.EventNotify && h == cases.HearingRequested:
						pending, requested = true, requested+1
					case s.ev.Type == cases.EventNotify && h == cases.HearingHeld:
						pending = false
					case pending:
						t.Fatalf("seed %d, now %s: %s after a hearing requested and not held", seed, now, s.ev.Type)
					}
					if !s.ev.At.Before(now) {
						t.Fatalf("seed %d: step %s at %s is not before now %s", seed, s.ev.Type, s.ev.At, now)
					}
				}
			}
		}
	}
	if requested == 0 {
		t.Fatal("no plan asked for a hearing: the test checked nothing")
	}
}
