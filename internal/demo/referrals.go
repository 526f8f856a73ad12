package demo

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gridwatch/gridwatch/patrol/cases"
)

// ReturnShare is the share of the demo's referrals the department returns (退回); it
// takes up (受理) the others.
const ReturnShare = 0.15

// returnReasons are the reasons a department gives for a return.
var returnReasons = []string{
	"经核查不属本部门职责,退回移送机关",
	"该事项已赋权镇街,由属地综合行政执法机构办理",
	"违法行为发生地不在本部门管辖范围",
}

// referralAnswers plans the departments' answers to the demo's referrals.
type referralAnswers struct {
	r   *rand.Rand // apart from the other draws, so that the cases stay as they were
	now time.Time
}

func newReferralAnswers(seed int64, now time.Time) *referralAnswers {
	return &referralAnswers{r: rand.New(rand.NewPCG(uint64(seed), 0x2545f4914f6cdd1d)), now: now}
}

// answer adds the department's answer to a case's referral — at reported when intake
// routes it (routed), else at its refer event —, in office hours before now: usually
// within a few working days, now and then later than the 5 the city expects. A take-up
// keeps the case referred and moves its closing after the answer; a return (ReturnShare)
// puts the case back in the queue, where the command center dispatches it to officer
// again and it is handled as any other case, as far as before now. events are the later
// events of the case (none for a routed case but its closing).
func (a *referralAnswers) answer(events []cases.NewEvent, reported time.Time, routed bool, officer string) []cases.NewEvent {
	r := a.r
	referredAt := reported
	at := 0 // where the answer goes in events
	if !routed {
		i := slices.IndexFunc(events, func(e cases.NewEvent) bool { return e.Type == cases.EventRefer })
		if i < 0 {
			return events
		}
		referredAt, at = events[i].At, i+1
	}
	delay := time.Duration(r.Int64N(int64(3 * 24 * time.Hour)))
	if r.Float64() < 0.1 {
		delay = 7*24*time.Hour + time.Duration(r.Int64N(int64(5*24*time.Hour))) // late
	}
	answered := officeTime(r, referredAt.Add(time.Hour+delay))
	if !answered.Before(a.now) {
		return events
	}
	rest := slices.Clone(events[at:])
	events = slices.Clone(events[:at])
	if r.Float64() >= ReturnShare {
		events = append(events, cases.NewEvent{Type: cases.EventTakeUp, At: answered})
		for _, e := range rest { // the closing, after the answer
			if !e.At.After(answered) {
				e.At = officeTime(r, answered.Add(time.Hour+time.Duration(r.Int64N(int64(24*time.Hour)))))
			}
			if e.At.Before(a.now) {
				events = append(events, e)
			}
		}
		return events
	}
	events = append(events, cases.NewEvent{Type: cases.EventReturn, At: answered,
		Note: returnReasons[r.IntN(len(returnReasons))]})
	if officer == "" {
		return events
	}
	// Back in the queue: dispatched again, then the officer's work and the closing.
	t := answered
	for _, s := range []struct {
		typ      cases.EventType
		min, max time.Duration
	}{
		{cases.EventAssign, 20 * time.Minute, 3 * time.Hour},
		{cases.EventAccept, time.Minute, 30 * time.Minute},
		{cases.EventArrive, 30 * time.Minute, 2 * time.Hour},
		{cases.EventResolve, time.Hour, 2 * 24 * time.Hour},
		{cases.EventClose, 20 * time.Hour, 52 * time.Hour},
	} {
		t = t.Add(s.min + time.Duration(r.Int64N(int64(s.max-s.min)))).Truncate(time.Second)
		if s.typ == cases.EventClose {
			t = officeTime(r, t)
		}
		if !t.Before(a.now) {
			break
		}
		e := cases.NewEvent{Type: s.typ, At: t}
		if s.typ == cases.EventAssign {
			e.Officer = officer
		}
		events = append(events, e)
	}
	return events
}
