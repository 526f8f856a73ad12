package inspection_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/patrol/inspection"
)

// closedCase takes a case citing U1 in A through the whole penalty procedure; with
// reasons written in the decision or not.
func closedCase(t *testing.T, c *apptest.City, reasons string) int64 {
	t.Helper()
	var cs struct{ ID int64 }
	if code, raw := c.Do("POST", "/api/v1/cases", "admin", map[string]any{"item": "U1", "title": "占道经营", "lat": 31.84,
		"lon": 120.22}, &cs); code != 201 {
		t.Fatalf("report = %d %s", code, raw)
	}
	for _, ev := range []map[string]any{
		{"type": "assign", "officer": "a1-1"}, {"type": "file"}, {"type": "investigate"},
		{"type": "notify", "hearing": "waived"}, {"type": "decide", "amount_yuan": 200, "level": "一般", "note": reasons},
		{"type": "deliver"}, {"type": "execute"}, {"type": "close"},
	} {
		who := "admin"
		if ev["type"] == "investigate" {
			who = "a1-1"
		}
		if code, raw := c.Do("POST", fmt.Sprintf("/api/v1/cases/%d/events", cs.ID), who, ev, nil); code != 201 {
			t.Fatalf("%s = %d %s", ev["type"], code, raw)
		}
	}
	return cs.ID
}

func TestCaseReview(t *testing.T) {
	c := newCity(t)
	id := closedCase(t, c, "当事人占道经营，经责令改正拒不改正，依法从一般阶次处罚")
	now := time.Now()
	plan := map[string]any{"kind": "case_review", "title": "2026 第四季度案卷评查", "plan": map[string]any{
		"closed_from": now.Add(-time.Hour).Format(time.RFC3339), "closed_to": now.Add(time.Hour).Format(time.RFC3339),
		"rules": map[string]any{"quotas": []map[string]any{{"stratum": "A", "count": 1}}}}}
	var d inspection.Draw
	if code, raw := c.Do("POST", "/api/v1/inspection/draws", "admin", plan, &d); code != 201 {
		t.Fatalf("plan = %d %s", code, raw)
	}
	path := fmt.Sprintf("/api/v1/inspection/draws/%d", d.ID)
	if code, raw := c.Do("POST", path+"/publish", "admin", nil, nil); code != 200 {
		t.Fatalf("publish = %d %s", code, raw)
	}
	if code, raw := c.Do("POST", path+"/draw", "admin", nil, &d); code != 200 || len(d.Result) != 1 || d.Result[0].Unit != fmt.Sprint(id) {
		t.Fatalf("draw = %d %s, want case %d", code, raw, id)
	}
	var reviews []inspection.Review
	c.Do("GET", fmt.Sprintf("/api/v1/inspection/reviews?draw=%d", d.ID), "legal", nil, &reviews)
	if len(reviews) != 1 {
		t.Fatalf("reviews %+v, want 1", reviews)
	}
	var rv inspection.Review
	c.Do("GET", fmt.Sprintf("/api/v1/inspection/reviews/%d", reviews[0].ID), "legal", nil, &rv)
	// The record: every deadline met, no evidence, no legal review, every document's
	// event recorded, reasons written.
	want := inspection.Checks{DeadlinesMet: true, EvidencePresent: false, EvidencePosition: false, ReviewBefore: false,
		DocumentsMade: true, ReasonsWritten: true}
	if rv.Checks == nil || *rv.Checks != want {
		t.Errorf("pre-filled checks %+v, want %+v", rv.Checks, want)
	}
	score := map[string]any{"scores": map[string]int{"procedure": 20, "evidence": 10, "documents": 25, "reasoning": 22},
		"findings": "未见现场照片等证据，补充取证材料归档"}
	if code, _ := c.Do("POST", fmt.Sprintf("/api/v1/inspection/reviews/%d/score", rv.ID), "admin", score, nil); code != 403 {
		t.Errorf("scoring by an admin = %d, want 403 (legal reviewers score)", code)
	}
	if code, raw := c.Do("POST", fmt.Sprintf("/api/v1/inspection/reviews/%d/score", rv.ID), "legal", score, &rv); code != 200 {
		t.Fatalf("score = %d %s", code, raw)
	}
	if rv.Score == nil || *rv.Score != 77 || rv.Fixup == nil || rv.Fixup.ClosedAt != nil || *rv.Checks != want {
		t.Fatalf("scored review %+v, want 77 with an open fix-up and the checks kept", rv)
	}
	if code, _ := c.Do("POST", fmt.Sprintf("/api/v1/inspection/reviews/%d/score", rv.ID), "legal", score, nil); code != 409 {
		t.Errorf("scoring twice = %d, want 409", code)
	}
	if code, raw := c.Do("POST", fmt.Sprintf("/api/v1/inspection/reviews/%d/fixup/close", rv.ID), "supA",
		map[string]any{"closure": "已补充现场照片三张并归档"}, &rv); code != 200 || rv.Fixup.ClosedAt == nil {
		t.Errorf("close fix-up = %d %s", code, raw)
	}
}
