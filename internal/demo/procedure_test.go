package demo

import (
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/patrol/calendar"
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

// TestPublicationsAreBetweenTheDecisionAndNow plans many penalty cases and checks every
// decision's publication: after the decision, before now (the store refuses others), in
// office hours; most within the 7 working days, some after.
func TestPublicationsAreBetweenTheDecisionAndNow(t *testing.T) {
	now := time.Date(2026, 12, 6, 13, 11, 0, 0, time.UTC)
	p, err := newPenalties(nil, 7, now)
	if err != nil {
		t.Fatal(err)
	}
	decided, late := 0, 0
	for i := 0; i < 2000; i++ {
		from := now.Add(-time.Duration(10+i%80) * 24 * time.Hour)
		for _, s := range p.steps("", "T1", "o1", from) {
			pub := s.ev.Procedure.PublishedAt
			if s.ev.Type != cases.EventDecide || pub == nil {
				continue
			}
			decided++
			if pub.Before(s.ev.At) || !pub.Before(now) {
				t.Fatalf("decision at %s published at %s, now %s", s.ev.At, pub, now)
			}
			if h := pub.In(chinaZone).Hour(); h < 8 || h > 17 {
				t.Errorf("published at %s, out of office hours", pub.In(chinaZone))
			}
			due, _ := p.cal.AddWorkdays(calendar.DateOf(s.ev.At), cases.DefaultPeriods().PublishWorkdays)
			if calendar.DateOf(*pub).After(due.Time) {
				late++
			}
		}
	}
	t.Logf("%d decisions, %d published late", decided, late)
	if decided < 100 || late == 0 || late > decided/3 {
		t.Errorf("%d of %d decisions published late: want some, not most", late, decided)
	}
}
