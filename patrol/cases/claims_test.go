package cases_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/patrol/cases"
)

// TestTimeClaimsBoundedByRole replays the back-dating of the issue: a reporter dating a
// case 20 days back and an admin dating one 1970-01-01 are refused; an officer's event
// beyond the window too; a supervisor may enter an older paper case, which is marked
// back-dated with both times in its history, and the hash chain stays whole.
func TestTimeClaimsBoundedByRole(t *testing.T) {
	c := newCity(t)
	now := time.Now()
	at := func(d time.Duration) string { return now.Add(-d).UTC().Format(time.RFC3339) }
	body := func(reported string) map[string]any {
		return map[string]any{"sector": "water", "title": "违规取水", "lat": 31.84, "lon": 120.22, "reported_at": reported}
	}
	for _, tc := range []struct {
		who, reported, want string
	}{
		{"reporter", at(20 * 24 * time.Hour), "reporter token may not date"},
		{"officer11", at(8 * 24 * time.Hour), "officer token may not date"},
		{"admin", "1970-01-01T00:00:00Z", "before 2000-01-01"},
		{"supA", "1999-12-31T23:00:00Z", "before 2000-01-01"},
	} {
		code, raw := c.do("POST", "/api/v1/cases", tc.who, body(tc.reported), nil)
		if code != 400 || !strings.Contains(raw, tc.want) {
			t.Errorf("%s reporting at %s: %d %s, want 400 %q", tc.who, tc.reported, code, raw, tc.want)
		}
	}

	// Within the window, a reporter's few minutes of delay are not back-dating.
	fresh := c.report("reporter", body(at(2*time.Minute)))
	if fresh.Backdated {
		t.Errorf("a case dated 2 minutes back is marked back-dated")
	}
	// A supervisor enters a paper case of 40 days ago.
	paper := c.report("supA", body(at(40*24*time.Hour)))
	if !paper.Backdated {
		t.Fatalf("a case dated 40 days back is not marked back-dated: %+v", paper)
	}
	var events []cases.Event
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d/events", paper.ID), "admin", nil, &events)
	if len(events) != 1 || events[0].ReceivedAt == nil || now.Sub(*events[0].ReceivedAt) > time.Minute ||
		now.Sub(events[0].At) < 39*24*time.Hour {
		t.Fatalf("history of the paper case = %+v, want the claimed and the received time", events)
	}

	// An officer may not date an event of the fresh case beyond the window; an admin may,
	// back to the report, and the case is then back-dated.
	c.event("admin", fresh.ID, map[string]any{"type": "assign", "officer": "a1-1"})
	if code, raw := c.event("officer11", fresh.ID, map[string]any{"type": "accept", "at": at(9 * 24 * time.Hour)}); code != 400 {
		t.Errorf("officer's event 9 days back: %d %s, want 400", code, raw)
	}
	paperEvent := map[string]any{"type": "assign", "officer": "a1-1", "at": at(39 * 24 * time.Hour)}
	if code, raw := c.event("admin", paper.ID, paperEvent); code != 201 {
		t.Fatalf("admin's event of the paper case: %d %s", code, raw)
	}
	var v cases.Verification
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d/verify", paper.ID), "analyst", nil, &v)
	if !v.OK || v.Events != 2 {
		t.Errorf("verify the back-dated case = %+v, want an intact chain of 2", v)
	}
	// The time of receipt is covered by the chain: changing it breaks the chain.
	ctx := context.Background()
	for _, sql := range []string{
		"ALTER TABLE case_events DISABLE TRIGGER case_events_no_update",
		fmt.Sprintf("UPDATE case_events SET received_at = at WHERE case_id = %d AND seq = 1", paper.ID),
		"ALTER TABLE case_events ENABLE TRIGGER case_events_no_update",
	} {
		if _, err := c.srv.DB.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d/verify", paper.ID), "analyst", nil, &v)
	if v.OK || v.Broken != 1 {
		t.Errorf("verify after rewriting the time of receipt = %+v, want broken at event 1", v)
	}
}
