package alert

import (
	"slices"
	"time"

	"github.com/gridwatch/gridwatch/patrol/cases"
)

// dispatchStatuses are the statuses of a case in dispatch: reported and not yet
// resolved, referred or filed.
var dispatchStatuses = []cases.Status{cases.StatusReported, cases.StatusAssigned, cases.StatusAccepted, cases.StatusOnSite}

// maxDispatch is the most cases in dispatch CheckOverdue reads, the latest reported first.
const maxDispatch = 10_000

// dispatchLate returns the dispatch stages of a case in dispatch that are past their
// deadline at now under the township's settings: each stage the case has not reached whose
// deadline (minutes after the report) has passed, in lifecycle order, as
// {"stage","due","sla_minutes","minutes_overdue"}. None for a case of a source the
// settings leave out.
func dispatchLate(c cases.Case, set SLA, now time.Time) []map[string]any {
	if !slices.Contains(set.Sources, string(c.Source)) || !slices.Contains(dispatchStatuses, c.Status) {
		return nil
	}
	var out []map[string]any
	for _, st := range []struct {
		stage   string
		minutes int
		reached *time.Time
	}{
		{"assign", set.AssignMinutes, c.AssignedAt},
		{"accept", set.AcceptMinutes, c.AcceptedAt},
		{"arrive", set.ArriveMinutes, c.ArrivedAt},
		{"resolve", set.ResolveMinutes, c.ResolvedAt},
	} {
		if st.minutes == 0 || st.reached != nil {
			continue
		}
		due := c.ReportedAt.Add(time.Duration(st.minutes) * time.Minute)
		if now.After(due) {
			out = append(out, map[string]any{"stage": st.stage, "due": due, "sla_minutes": st.minutes,
				"minutes_overdue": int(now.Sub(due) / time.Minute)})
		}
	}
	return out
}
