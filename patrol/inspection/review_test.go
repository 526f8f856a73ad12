package inspection_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/patrol/inspection"
)

// closedCase takes a case citing U1 in A through the whole penalty procedure, with the
// decision's reasons given; reviewed (and with a photo) when full.
func closedCase(t *testing.T, c *apptest.City, reasons string, full bool) int64 {
	t.Helper()
	var cs struct{ ID int64 }
	if code, raw := c.Do("POST", "/api/v1/cases", "admin", map[string]any{"item": "U1", "title": "占道经营", "lat": 31.84,
		"lon": 120.22}, &cs); code != 201 {
		t.Fatalf("report = %d %s", code, raw)
	}
	steps := []map[string]any{{"type": "assign", "officer": "a1-1"}, {"type": "file"}, {"type": "investigate"},
		{"type": "notify", "hearing": "waived"}}
	if full {
		photo(t, c, cs.ID)
		steps = append(steps, map[string]any{"type": "review", "outcome": "approve"})
	}
	steps = append(steps, map[string]any{"type": "decide", "amount_yuan": 200, "level": "一般", "note": reasons},
		map[string]any{"type": "deliver"}, map[string]any{"type": "execute"}, map[string]any{"type": "close"})
	for _, ev := range steps {
		who := "admin"
		switch ev["type"] {
		case "investigate":
			who = "a1-1"
		case "review":
			who = "legal"
		}
		if code, raw := c.Do("POST", fmt.Sprintf("/api/v1/cases/%d/events", cs.ID), who, ev, nil); code != 201 {
			t.Fatalf("%s = %d %s", ev["type"], code, raw)
		}
	}
	return cs.ID
}

// photo uploads a photo with a capture position as the admin, whose upload has no track
// to be checked against (position check no_track).
func photo(t *testing.T, c *apptest.City, id int64) {
	t.Helper()
	fields := map[string]string{"kind": "photo", "lat": "31.84", "lon": "120.22",
		"captured_at": time.Now().Add(-time.Minute).Format(time.RFC3339)}
	if code, raw := postFile(t, c, fmt.Sprintf("/api/v1/cases/%d/evidence", id), "admin", []byte("\x89PNG\r\n\x1a\n0123456789"), fields); code != 201 {
		t.Fatalf("evidence = %d %s", code, raw)
	}
}

func TestCaseReview(t *testing.T) {
	c := newCity(t)
	id := closedCase(t, c, "当事人占道经营，经责令改正拒不改正，依法从一般阶次处罚", false)
	other := closedCase(t, c, "", true)
	now := time.Now()
	plan := map[string]any{"kind": "case_review", "title": "2026 第四季度案卷评查", "plan": map[string]any{
		"closed_from": now.Add(-time.Hour).Format(time.RFC3339), "closed_to": now.Add(time.Hour).Format(time.RFC3339),
		"rules": map[string]any{"quotas": []map[string]any{{"stratum": "A", "count": 2}}}}}
	var d inspection.Draw
	if code, raw := c.Do("POST", "/api/v1/inspection/draws", "admin", plan, &d); code != 201 {
		t.Fatalf("plan = %d %s", code, raw)
	}
	path := fmt.Sprintf("/api/v1/inspection/draws/%d", d.ID)
	if code, raw := c.Do("POST", path+"/publish", "admin", nil, nil); code != 200 {
		t.Fatalf("publish = %d %s", code, raw)
	}
	if code, raw := c.Do("POST", path+"/draw", "admin", nil, &d); code != 200 || len(d.Result) != 2 {
		t.Fatalf("draw = %d %s, want both cases", code, raw)
	}
	var reviews []inspection.Review
	c.Do("GET", fmt.Sprintf("/api/v1/inspection/reviews?draw=%d", d.ID), "legal", nil, &reviews)
	if len(reviews) != 2 {
		t.Fatalf("reviews %+v, want 2", reviews)
	}
	// The records: every deadline met and every document's event recorded in both; the
	// first with reasons and nothing else, the second with a photo whose position could
	// not be checked (no track) and an approving review before the decision, no reasons.
	want := map[int64]inspection.Checks{
		id: {DeadlinesMet: true, DocumentsMade: true, ReasonsWritten: true},
		other: {DeadlinesMet: true, EvidencePresent: true, EvidencePosition: false, ReviewBefore: true, DocumentsMade: true,
			ReasonsWritten: false},
	}
	var rv inspection.Review
	for _, r := range reviews {
		var got inspection.Review
		c.Do("GET", fmt.Sprintf("/api/v1/inspection/reviews/%d", r.ID), "legal", nil, &got)
		if got.Checks == nil || *got.Checks != want[r.Case] {
			t.Errorf("case %d: pre-filled checks %+v, want %+v", r.Case, got.Checks, want[r.Case])
		}
		if r.Case == id {
			rv = got
		}
	}
	score := map[string]any{"scores": map[string]int{"procedure": 20, "evidence": 10, "documents": 25, "reasoning": 22},
		"findings": "未见现场照片等证据，补充取证材料归档"}
	if code, _ := c.Do("POST", fmt.Sprintf("/api/v1/inspection/reviews/%d/score", rv.ID), "admin", score, nil); code != 403 {
		t.Errorf("scoring by an admin = %d, want 403 (legal reviewers score)", code)
	}
	// Township B's tokens neither read nor score A's review.
	if code, _ := c.Do("GET", fmt.Sprintf("/api/v1/inspection/reviews/%d", rv.ID), "supB", nil, nil); code != 403 {
		t.Errorf("A's review read by B's supervisor = %d, want 403", code)
	}
	if code, _ := c.Do("POST", fmt.Sprintf("/api/v1/inspection/reviews/%d/score", rv.ID), "legalB", score, nil); code != 403 {
		t.Errorf("A's review scored by B's legal reviewer = %d, want 403", code)
	}
	// Scored on 2026-12-10: the fix-up's 20 working days cross into 2027, which has no
	// calendar in this build, and say so.
	c.Server.Inspections.SetClock(func() time.Time { return time.Date(2026, 12, 10, 10, 0, 0, 0, time.UTC) })
	code, raw := c.Do("POST", fmt.Sprintf("/api/v1/inspection/reviews/%d/score", rv.ID), "legal", score, &rv)
	c.Server.Inspections.SetClock(time.Now)
	if code != 200 {
		t.Fatalf("score = %d %s", code, raw)
	}
	if f := rv.Fixup; f == nil || f.Due.String() != "2027-01-07" || f.Calendar != "weekdays only" {
		t.Errorf("fix-up %+v, want due 2027-01-07 counted on weekdays only", f)
	}
	if rv.Score == nil || *rv.Score != 77 || rv.Fixup == nil || rv.Fixup.ClosedAt != nil || *rv.Checks != want[id] {
		t.Fatalf("scored review %+v, want 77 with an open fix-up and the checks kept", rv)
	}
	if code, _ := c.Do("POST", fmt.Sprintf("/api/v1/inspection/reviews/%d/score", rv.ID), "legal", score, nil); code != 409 {
		t.Errorf("scoring twice = %d, want 409", code)
	}
	if code, _ := c.Do("POST", fmt.Sprintf("/api/v1/inspection/reviews/%d/fixup/close", rv.ID), "supB",
		map[string]any{"closure": "x"}, nil); code != 403 {
		t.Errorf("A's fix-up closed by B's supervisor = %d, want 403", code)
	}
	if code, raw := c.Do("POST", fmt.Sprintf("/api/v1/inspection/reviews/%d/fixup/close", rv.ID), "supA",
		map[string]any{"closure": "已补充现场照片三张并归档"}, &rv); code != 200 || rv.Fixup.ClosedAt == nil {
		t.Errorf("close fix-up = %d %s", code, raw)
	}

	// The township's results, for the assessment.
	var sum []inspection.TownshipSummary
	c.Do("GET", "/api/v1/inspection/summary", "analyst", nil, &sum)
	if len(sum) != 1 || sum[0].Township != "A" || sum[0].Files != 2 || sum[0].Scored != 1 || sum[0].MeanScore == nil ||
		*sum[0].MeanScore != 77 || sum[0].FixupsClosed != 1 || sum[0].FixupsOpen != 0 || sum[0].Inspections != 0 {
		t.Errorf("summary %+v, want A: 2 files, 1 scored at 77, 1 fix-up closed", sum)
	}
}
