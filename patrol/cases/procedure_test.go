package cases_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// newProcedureCity is the cases test city with legal reviewers — one of them the same
// person as officer b-1 — and item U1's bands. Township B holds U1 from 2024-03-01.
func newProcedureCity(t *testing.T) *city {
	t.Helper()
	return newProcedureCityWith(t, cases.ProcedureConfig{})
}

// newProcedureCityWith is newProcedureCity with the procedure configured by cfg.
func newProcedureCityWith(t *testing.T, cfg cases.ProcedureConfig) *city {
	t.Helper()
	tc := apptest.NewCity(t, apptest.Spec{
		Procedure: cfg,
		// The procedures replayed here happened in 2025: officers may date records that far
		// back in these tests (the claim window has tests of its own).
		Configure: func(c *app.Config) { c.ClaimWindow = 20 * 365 * 24 * time.Hour },
		Townships: []grid.TownshipInput{
			{Code: "A", Name: "甲镇", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)},
			{Code: "B", Name: "乙镇", Geom: apptest.Box(120.30, 31.80, 120.40, 31.88)},
		},
		Squadrons: []grid.Squadron{{Code: "A1", Name: "甲一", Township: "A"}, {Code: "B1", Name: "乙一", Township: "B"}},
		Officers:  []officer.Officer{{ID: "a1-1", Squadron: "A1"}, {ID: "b-1", Squadron: "B1"}},
		Tokens: map[string]auth.TokenSpec{
			"admin":     {Role: auth.Admin},
			"supA":      {Role: auth.Supervisor, Township: "A"},
			"supB":      {Role: auth.Supervisor, Township: "B"},
			"officerB":  {Role: auth.Officer, Officer: "b-1"},
			"legal":     {Role: auth.Legal, Qualification: "A20183204810042"},
			"legalB1":   {Role: auth.Legal, Officer: "b-1", Qualification: "A20193204810007"},
			"legalA":    {Role: auth.Legal, Township: "A", Qualification: "A20203204810011"},
			"analystRO": {Role: auth.Analyst},
		},
	})
	c := &city{t: t, srv: tc.Server, http: tc.HTTP, tokens: tc.Tokens}
	withCatalog(t, c)
	if _, err := c.srv.Powers.SetBands(context.Background(), "U1", []powers.Band{
		{Level: powers.Minor, MinYuan: 0, MaxYuan: 500, Conditions: "首次"},
		{Level: powers.Ordinary, MinYuan: 500, MaxYuan: 15000, Conditions: "一般"},
		{Level: powers.Serious, MinYuan: 15000, MaxYuan: 50000, Conditions: "拒不改正"},
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

// inB is a case in township B citing U1, reported at the time given.
func inB(at string) map[string]any {
	return map[string]any{"item": "U1", "title": "占道经营", "lat": 31.84, "lon": 120.35, "reported_at": at}
}

func (c *city) mustEvent(who string, id int64, body map[string]any) {
	c.t.Helper()
	if code, raw := c.event(who, id, body); code != 201 {
		c.t.Fatalf("%s on case %d as %s = %d %s", body["type"], id, who, code, raw)
	}
}

// toNotified files, investigates (as the officer) and notifies a new case in B.
func (c *city) toNotified(reported string) int64 {
	c.t.Helper()
	id := c.report("admin", inB(reported)).ID
	c.mustEvent("admin", id, map[string]any{"type": "assign", "officer": "b-1"})
	c.mustEvent("admin", id, map[string]any{"type": "file"})
	c.mustEvent("officerB", id, map[string]any{"type": "investigate", "note": "现场检查笔录"})
	c.mustEvent("admin", id, map[string]any{"type": "notify", "note": "事先告知书"})
	return id
}

// notifiedBeforeNationalDay reports a case on 2025-09-01, files it the next day,
// investigates it and gives notice on Friday 2025-09-26, before the National Day break:
// the party's 5 working days are 09-28 (调休), 29, 30, 10-09 and 10-10. Then it appends
// the events of more, in order.
func (c *city) notifiedBeforeNationalDay(more ...map[string]any) int64 {
	c.t.Helper()
	id := c.report("admin", inB("2025-09-01T09:00:00+08:00")).ID
	for _, ev := range append([]map[string]any{
		{"type": "file", "at": "2025-09-02T10:00:00+08:00"},
		{"type": "investigate", "at": "2025-09-10T10:00:00+08:00"},
		{"type": "notify", "at": "2025-09-26T10:00:00+08:00"},
	}, more...) {
		c.mustEvent("admin", id, ev)
	}
	return id
}

// TestHearingRequestWithinItsPeriod: the party asks for a hearing within five working
// days of the notice (行政处罚法 第六十四条); a request recorded later is refused, naming the
// period's last day, and leaves the case as it was.
func TestHearingRequestWithinItsPeriod(t *testing.T) {
	c := newProcedureCity(t)
	onTime := c.notifiedBeforeNationalDay()
	c.mustEvent("admin", onTime, map[string]any{"type": "notify", "hearing": "requested", "at": "2025-10-10T16:00:00+08:00"})

	late := c.notifiedBeforeNationalDay()
	code, raw := c.event("admin", late, map[string]any{"type": "notify", "hearing": "requested", "at": "2025-10-13T09:00:00+08:00"})
	if code != 409 || !strings.Contains(raw, "until 2025-10-10") || !strings.Contains(raw, "第六十四条") {
		t.Errorf("a request on 10-13 of a notice of 09-26 = %d %s, want 409 naming 2025-10-10", code, raw)
	}
	var events []cases.Event
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d/events", late), "admin", nil, &events)
	if n := len(events); events[n-1].Type != cases.EventNotify || strings.Contains(string(events[n-1].Detail), "requested") {
		t.Errorf("after the refused request the last event is %s %s, want the notice", events[n-1].Type, events[n-1].Detail)
	}
}

func TestProcedureDeadlinesAcrossNationalDay(t *testing.T) {
	c := newProcedureCity(t)
	id := c.notifiedBeforeNationalDay(
		map[string]any{"type": "notify", "hearing": "waived", "at": "2025-09-28T10:00:00+08:00"}, // the adjusted Sunday
		map[string]any{"type": "decide", "amount_yuan": 800, "level": "一般", "at": "2025-09-30T10:00:00+08:00"},
		map[string]any{"type": "deliver", "at": "2025-10-16T17:00:00+08:00"})
	var got cases.Case
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d", id), "admin", nil, &got)
	if got.Calendar != "" {
		t.Errorf("calendar = %q, want none: 2025 has one", got.Calendar)
	}
	want := map[string]struct {
		due string
		met string
	}{
		cases.StageDecide:         {"2025-12-01", "true"},  // 90 days of 09-02
		cases.StageHearingRequest: {"2025-10-10", "true"},  // 5 working days: 09-28 (调休), 29, 30, 10-09, 10-10
		cases.StageDeliver:        {"2025-10-16", "true"},  // 7 working days: 10-09, 10, 11 (调休), 13, 14, 15, 16
		cases.StageExecute:        {"2025-10-31", "false"}, // 15 days of delivery, never executed
	}
	if len(got.Deadlines) != len(want) {
		t.Fatalf("deadlines %+v, want %d", got.Deadlines, len(want))
	}
	for _, d := range got.Deadlines {
		w := want[d.Stage]
		met := "null"
		if d.Met != nil {
			met = fmt.Sprint(*d.Met)
		}
		if d.Due.String() != w.due || met != w.met {
			t.Errorf("deadline %s: due %s, met %s; want %s, %s", d.Stage, d.Due, met, w.due, w.met)
		}
	}

	var overdue []cases.OverdueStage
	c.do("GET", "/api/v1/cases/overdue", "analystRO", nil, &overdue)
	if len(overdue) != 1 || overdue[0].Case != id || overdue[0].Stage != cases.StageExecute {
		t.Errorf("overdue = %+v, want case %d's execute stage", overdue, id)
	}
	c.do("GET", "/api/v1/cases/overdue", "supA", nil, &overdue)
	if len(overdue) != 0 {
		t.Errorf("overdue for township A = %+v, want none (the case is B's)", overdue)
	}
	if code, _ := c.do("GET", "/api/v1/cases/overdue?township=B", "supA", nil, nil); code != 403 {
		t.Errorf("overdue of B for A's supervisor = %d, want 403", code)
	}

	// A year with no calendar counts weekdays, and says so.
	old := c.report("admin", inB("2024-09-25T09:00:00+08:00")).ID
	c.mustEvent("admin", old, map[string]any{"type": "file", "at": "2024-09-26T09:00:00+08:00"})
	c.mustEvent("admin", old, map[string]any{"type": "investigate", "at": "2024-09-26T10:00:00+08:00"})
	c.mustEvent("admin", old, map[string]any{"type": "notify", "at": "2024-09-27T10:00:00+08:00"})
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d", old), "admin", nil, &got)
	if got.Calendar != "weekdays only" {
		t.Errorf("calendar of a 2024 case = %q, want weekdays only", got.Calendar)
	}
	for _, d := range got.Deadlines {
		if d.Stage == cases.StageHearingRequest && d.Due.String() != "2024-10-04" {
			t.Errorf("2024 hearing request due %s, want 2024-10-04 (weekdays only)", d.Due)
		}
	}
}

// TestProcedureConfiguredPeriods: periods other than the law's move the deadlines the
// API computes, and each deadline's basis says it was configured.
func TestProcedureConfiguredPeriods(t *testing.T) {
	c := newProcedureCityWith(t, cases.ProcedureConfig{Periods: cases.Periods{DecideDays: 60, HearingRequestWorkdays: 3}})
	id := c.notifiedBeforeNationalDay()
	var got cases.Case
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d", id), "admin", nil, &got)
	want := map[string]struct{ due, basis string }{
		cases.StageDecide:         {"2025-11-01", "60 days of filing; configured, the law's: 90"},           // not 12-01
		cases.StageHearingRequest: {"2025-09-30", "3 working days of the notice; configured, the law's: 5"}, // 09-28 (调休), 29, 30; not 10-10
	}
	if len(got.Deadlines) != len(want) {
		t.Fatalf("deadlines %+v, want %d", got.Deadlines, len(want))
	}
	for _, d := range got.Deadlines {
		if w := want[d.Stage]; d.Due.String() != w.due || !strings.Contains(d.Basis, w.basis) {
			t.Errorf("deadline %s: due %s (%s), want %s (%s)", d.Stage, d.Due, d.Basis, w.due, w.basis)
		}
	}
}

func TestProcedureRules(t *testing.T) {
	c := newProcedureCity(t)

	t.Run("events out of order", func(t *testing.T) {
		id := c.report("admin", inB("2025-03-03T09:00:00+08:00")).ID
		code, raw := c.event("admin", id, map[string]any{"type": "notify"})
		if code != 409 || !strings.Contains(raw, "allowed: assign, refer, file") {
			t.Errorf("notify on a reported case = %d %s, want 409 naming assign, refer, file", code, raw)
		}
		c.mustEvent("admin", id, map[string]any{"type": "file"})
		code, raw = c.event("admin", id, map[string]any{"type": "decide", "amount_yuan": 100, "level": "轻微"})
		if code != 409 || !strings.Contains(raw, "allowed: investigate") {
			t.Errorf("decide on a filed case = %d %s, want 409 naming investigate", code, raw)
		}
	})
	t.Run("a case citing no item is not filed", func(t *testing.T) {
		id := c.report("admin", map[string]any{"sector": "urban_management", "title": "x", "lat": 31.84, "lon": 120.35}).ID
		if code, raw := c.event("admin", id, map[string]any{"type": "file"}); code != 409 || !strings.Contains(raw, "cites no item") {
			t.Errorf("file without item = %d %s, want 409", code, raw)
		}
	})
	t.Run("whoever recorded evidence may not review", func(t *testing.T) {
		id := c.report("admin", inB("2025-03-04T09:00:00+08:00")).ID
		c.mustEvent("admin", id, map[string]any{"type": "assign", "officer": "b-1"})
		c.mustEvent("admin", id, map[string]any{"type": "file"})
		c.mustEvent("admin", id, map[string]any{"type": "investigate", "note": "询问笔录"})
		c.uploadEvidence("officerB", id, []byte("photo of the stall"))
		c.mustEvent("admin", id, map[string]any{"type": "notify", "note": "事先告知书"})
		code, raw := c.event("legalB1", id, map[string]any{"type": "review", "outcome": "approve"})
		if code != 409 || !strings.Contains(raw, "查审分离") {
			t.Errorf("review by the officer who recorded evidence = %d %s, want 409 naming 查审分离", code, raw)
		}
		c.mustEvent("legal", id, map[string]any{"type": "review", "outcome": "approve"})
	})
	t.Run("the investigator may not review", func(t *testing.T) {
		id := c.toNotified("2025-03-03T09:00:00+08:00")
		code, raw := c.event("legalB1", id, map[string]any{"type": "review", "outcome": "approve"})
		if code != 409 || !strings.Contains(raw, "查审分离") {
			t.Errorf("review by the investigator = %d %s, want 409 naming 查审分离", code, raw)
		}
		if code, raw := c.event("admin", id, map[string]any{"type": "review", "outcome": "approve"}); code != 403 {
			t.Errorf("review by an admin = %d %s, want 403 (legal tokens only)", code, raw)
		}
		if code, raw := c.event("legalA", id, map[string]any{"type": "review", "outcome": "approve"}); code != 403 {
			t.Errorf("review by township A's reviewer of B's case = %d %s, want 403", code, raw)
		}
		if code, raw := c.event("legal", id, map[string]any{"type": "review", "outcome": "reject"}); code != 400 {
			t.Errorf("a reject without reasons = %d %s, want 400", code, raw)
		}
		c.mustEvent("legal", id, map[string]any{"type": "review", "outcome": "approve"})
		var events []cases.Event
		c.do("GET", fmt.Sprintf("/api/v1/cases/%d/events", id), "admin", nil, &events)
		if last := events[len(events)-1]; !strings.Contains(string(last.Detail), "A20183204810042") {
			t.Errorf("review detail %s, want the reviewer's qualification", last.Detail)
		}
		var v cases.Verification
		c.do("GET", fmt.Sprintf("/api/v1/cases/%d/verify", id), "admin", nil, &v)
		if !v.OK {
			t.Errorf("verify = %+v, want the chain whole", v)
		}
	})
	t.Run("a major decision needs an approving review", func(t *testing.T) {
		id := c.toNotified("2025-03-03T09:00:00+08:00")
		c.mustEvent("admin", id, map[string]any{"type": "notify", "hearing": "waived"})
		code, raw := c.event("admin", id, map[string]any{"type": "decide", "amount_yuan": 12000, "level": "一般"})
		if code != 409 || !strings.Contains(raw, "法制审核") {
			t.Errorf("a 12,000 yuan decision without review = %d %s, want 409", code, raw)
		}
		code, raw = c.event("admin", id, map[string]any{"type": "decide", "amount_yuan": 300, "level": "轻微", "licence_revoked": true})
		if code != 409 || !strings.Contains(raw, "licence") {
			t.Errorf("a licence revoked without review = %d %s, want 409", code, raw)
		}
		c.mustEvent("legal", id, map[string]any{"type": "review", "outcome": "reject", "note": "证据不足"})
		if code, raw := c.event("admin", id, map[string]any{"type": "decide", "amount_yuan": 12000, "level": "一般"}); code != 409 {
			t.Errorf("decide after a rejecting review = %d %s, want 409 (back to investigation)", code, raw)
		}
		c.mustEvent("officerB", id, map[string]any{"type": "investigate", "note": "补充调查"})
		c.mustEvent("admin", id, map[string]any{"type": "notify", "hearing": "requested"})
		c.mustEvent("admin", id, map[string]any{"type": "notify", "hearing": "held", "note": "听证笔录"})
		if code, raw := c.event("admin", id, map[string]any{"type": "decide", "amount_yuan": 800, "level": "一般"}); code != 409 ||
			!strings.Contains(raw, "a hearing requested") || !strings.Contains(raw, "法制审核") {
			t.Errorf("decide after a hearing without review = %d %s, want 409 naming the hearing", code, raw)
		}
		c.mustEvent("legal", id, map[string]any{"type": "review", "outcome": "approve"})
		c.mustEvent("admin", id, map[string]any{"type": "decide", "amount_yuan": 12000, "level": "一般"})
	})
	t.Run("a decision takes the party the notice named", func(t *testing.T) {
		id := c.toNotified("2025-03-03T09:00:00+08:00")
		if code, raw := c.event("admin", id, map[string]any{"type": "notify", "party": "company"}); code != 400 {
			t.Errorf("notify with party company = %d %s, want 400", code, raw)
		}
		c.mustEvent("admin", id, map[string]any{"type": "notify", "hearing": "waived", "party": "organization",
			"party_name": " 某某餐饮管理有限公司 "})
		c.mustEvent("admin", id, map[string]any{"type": "decide", "amount_yuan": 500, "level": "轻微"})
		var events []cases.Event
		c.do("GET", fmt.Sprintf("/api/v1/cases/%d/events", id), "admin", nil, &events)
		if last := string(events[len(events)-1].Detail); !strings.Contains(last, `"party":"organization","party_name":"某某餐饮管理有限公司"`) {
			t.Errorf("decide detail %s, want the notice's party, trimmed", last)
		}
	})
	t.Run("an amount outside the band", func(t *testing.T) {
		id := c.toNotified("2025-03-03T09:00:00+08:00")
		c.mustEvent("admin", id, map[string]any{"type": "notify", "hearing": "waived"})
		code, raw := c.event("admin", id, map[string]any{"type": "decide", "amount_yuan": 800, "level": "轻微"})
		if code != 422 || !strings.Contains(raw, "band 轻微: 0 to 500 yuan") {
			t.Errorf("800 yuan at 轻微 = %d %s, want 422 naming the band", code, raw)
		}
		c.mustEvent("admin", id, map[string]any{"type": "decide", "amount_yuan": 500, "level": "轻微"})
		for _, ev := range []string{"deliver", "execute", "close"} {
			c.mustEvent("admin", id, map[string]any{"type": ev})
		}
	})
}

// TestDecisionWaitsForTheParty: no decision while the party may still state its defence
// or ask for a hearing (5 working days of the notice, counted across the National Day
// break and its adjusted working days), unless it waived them; none while a hearing it
// asked for is not held; a hearing is held only when one was asked for.
func TestDecisionWaitsForTheParty(t *testing.T) {
	c := newProcedureCity(t)
	notified := func() int64 {
		t.Helper()
		id := c.report("admin", inB("2025-09-01T09:00:00+08:00")).ID
		c.mustEvent("admin", id, map[string]any{"type": "assign", "officer": "b-1", "at": "2025-09-01T09:30:00+08:00"})
		c.mustEvent("admin", id, map[string]any{"type": "file", "at": "2025-09-02T10:00:00+08:00"})
		c.mustEvent("officerB", id, map[string]any{"type": "investigate", "at": "2025-09-10T10:00:00+08:00"})
		// Friday before the break: 5 working days are 09-28 (调休), 29, 30, 10-09 and 10-10.
		c.mustEvent("admin", id, map[string]any{"type": "notify", "at": "2025-09-26T10:00:00+08:00"})
		return id
	}
	decide := func(id int64, at string) (int, string) {
		return c.event("admin", id, map[string]any{"type": "decide", "amount_yuan": 800, "level": "一般", "at": at})
	}

	t.Run("the period runs out", func(t *testing.T) {
		id := notified()
		for _, at := range []string{"2025-09-30T10:00:00+08:00", "2025-10-10T17:00:00+08:00"} {
			if code, raw := decide(id, at); code != 409 || !strings.Contains(raw, "until 2025-10-10") ||
				!strings.Contains(raw, "the earliest decision is on 2025-10-11") {
				t.Errorf("decide at %s = %d %s, want 409 naming 2025-10-11", at, code, raw)
			}
		}
		if code, raw := decide(id, "2025-10-11T09:00:00+08:00"); code != 201 { // the adjusted Saturday
			t.Errorf("decide the day after the period = %d %s, want 201", code, raw)
		}
	})
	t.Run("the party waives", func(t *testing.T) {
		id := notified()
		if code, raw := c.event("admin", id, map[string]any{"type": "notify", "hearing": "held", "at": "2025-09-28T10:00:00+08:00"}); code != 409 ||
			!strings.Contains(raw, "has not requested a hearing") {
			t.Errorf("a hearing held that nobody asked for = %d %s, want 409", code, raw)
		}
		c.mustEvent("admin", id, map[string]any{"type": "notify", "hearing": "waived", "at": "2025-09-28T10:00:00+08:00"})
		if code, raw := decide(id, "2025-09-29T10:00:00+08:00"); code != 201 {
			t.Errorf("decide after a waiver = %d %s, want 201", code, raw)
		}
	})
	t.Run("a requested hearing is held first", func(t *testing.T) {
		id := notified()
		// Reviewed before the party answered: its hearing request sends the case back to notified.
		c.mustEvent("legal", id, map[string]any{"type": "review", "outcome": "approve", "at": "2025-09-29T10:00:00+08:00"})
		c.mustEvent("admin", id, map[string]any{"type": "notify", "hearing": "requested", "at": "2025-09-30T10:00:00+08:00"})
		var kase cases.Case
		c.do("GET", fmt.Sprintf("/api/v1/cases/%d", id), "admin", nil, &kase)
		if kase.Status != cases.StatusNotified {
			t.Errorf("status after the request = %s, want notified", kase.Status)
		}
		for _, d := range kase.Deadlines {
			if d.Stage == cases.StageHearingRequest && (d.DoneAt == nil || d.Met == nil || !*d.Met || d.Due.String() != "2025-10-10") {
				t.Errorf("hearing request deadline %+v, want met, due 2025-10-10 (the round the review did not end)", d)
			}
		}
		if code, raw := decide(id, "2025-10-20T10:00:00+08:00"); code != 409 || !strings.Contains(raw, "requested a hearing") {
			t.Errorf("decide with the hearing not held = %d %s, want 409", code, raw)
		}
		c.mustEvent("admin", id, map[string]any{"type": "notify", "hearing": "held", "note": "听证笔录", "at": "2025-10-21T10:00:00+08:00"})
		if code, raw := decide(id, "2025-10-22T10:00:00+08:00"); code != 409 || !strings.Contains(raw, "法制审核") {
			t.Errorf("decide after the hearing without a new review = %d %s, want 409 (major: a hearing)", code, raw)
		}
		c.mustEvent("legal", id, map[string]any{"type": "review", "outcome": "approve", "at": "2025-10-22T10:00:00+08:00"})
		if code, raw := decide(id, "2025-10-23T10:00:00+08:00"); code != 201 {
			t.Errorf("decide after the hearing and review = %d %s, want 201", code, raw)
		}
		var v cases.Verification
		c.do("GET", fmt.Sprintf("/api/v1/cases/%d/verify", id), "admin", nil, &v)
		if !v.OK {
			t.Errorf("verify = %+v", v)
		}
	})
}

// uploadEvidence posts one document as evidence of case id, as who.
func (c *city) uploadEvidence(who string, id int64, content []byte) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", "document")
	part, _ := mw.CreateFormFile("file", "note.txt")
	part.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/cases/%d/evidence", c.http.URL, id), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.tokens[who])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 201 {
		raw, _ := io.ReadAll(resp.Body)
		c.t.Fatalf("evidence on case %d as %s = %d %s", id, who, resp.StatusCode, raw)
	}
}

// A decision entered after the fact may say when it was published (执法公示): kept in its
// detail; a time before the decision, after its entry, or on another event is refused.
func TestDecisionPublishedAt(t *testing.T) {
	c := newProcedureCity(t)
	id := c.notifiedBeforeNationalDay(map[string]any{"type": "notify", "hearing": "waived", "at": "2025-09-28T10:00:00+08:00"})
	if code, raw := c.event("admin", id, map[string]any{"type": "notify", "hearing": "waived", "published_at": "2025-09-29T10:00:00+08:00"}); code != 400 ||
		!strings.Contains(raw, "published_at") {
		t.Errorf("published_at on a notice = %d %s, want 400 naming published_at", code, raw)
	}
	decide := func(published string) (int, string) {
		return c.event("admin", id, map[string]any{"type": "decide", "amount_yuan": 800, "level": "一般",
			"at": "2025-09-30T10:00:00+08:00", "published_at": published})
	}
	for _, bad := range []string{"2025-09-30T09:59:00+08:00", time.Now().Add(time.Hour).Format(time.RFC3339)} {
		if code, raw := decide(bad); code != 400 || !strings.Contains(raw, "published_at") {
			t.Errorf("published_at %s = %d %s, want 400 naming published_at", bad, code, raw)
		}
	}
	if code, raw := decide("2025-10-14T16:00:00+08:00"); code != 201 {
		t.Fatalf("decide published 10-14 = %d %s", code, raw)
	}
	var events []cases.Event
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d/events", id), "admin", nil, &events)
	last := events[len(events)-1]
	if last.Type != cases.EventDecide || !strings.Contains(string(last.Detail), `"published_at":"2025-10-14T08:00:00Z"`) {
		t.Errorf("the decision's detail %s, want its publication time", last.Detail)
	}
}
