package cases_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// city has two townships side by side: A (120.20–120.30 E) with squadrons A1 (grid area
// over its west half) and A2, and B east of it; officers a1-1..a1-3 in A1, a2-1 in A2,
// b-1 in B; a token per role.
type city struct {
	t      testing.TB
	srv    *app.Server
	http   *httptest.Server
	tokens map[string]string
}

func newCity(t testing.TB) *city {
	t.Helper()
	tc := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{
			{Code: "A", Name: "甲镇", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)},
			{Code: "B", Name: "乙镇", Geom: apptest.Box(120.30, 31.80, 120.40, 31.88)},
		},
		Squadrons: []grid.Squadron{{Code: "A1", Name: "甲一", Township: "A"}, {Code: "A2", Name: "甲二", Township: "A"}, {Code: "B1", Name: "乙一", Township: "B"}},
		GridAreas: []grid.NewGridArea{{Code: "A1-G1", Name: "甲一网格", Township: "A", Squadron: "A1", Polygon: apptest.Box(120.20, 31.80, 120.25, 31.88)[0]}},
		Officers:  []officer.Officer{{ID: "a1-1", Squadron: "A1"}, {ID: "a1-2", Squadron: "A1"}, {ID: "a1-3", Squadron: "A1"}, {ID: "a2-1", Squadron: "A2"}, {ID: "b-1", Squadron: "B1"}},
		Tokens: map[string]auth.TokenSpec{
			"admin":     {Role: auth.Admin},
			"analyst":   {Role: auth.Analyst},
			"supA":      {Role: auth.Supervisor, Township: "A"},
			"supB":      {Role: auth.Supervisor, Township: "B"},
			"reporter":  {Role: auth.Reporter},
			"officer11": {Role: auth.Officer, Officer: "a1-1"},
			"officer12": {Role: auth.Officer, Officer: "a1-2"},
		},
	})
	return &city{t: t, srv: tc.Server, http: tc.HTTP, tokens: tc.Tokens}
}

func (c *city) do(method, path, who string, body any, out any) (int, string) {
	c.t.Helper()
	code, raw := apptest.Client{TB: c.t, URL: c.http.URL, Tokens: c.tokens}.Do(method, path, who, body, out)
	return code, string(raw)
}

func (c *city) report(who string, body map[string]any) cases.Case {
	c.t.Helper()
	var got cases.Case
	if code, raw := c.do("POST", "/api/v1/cases", who, body, &got); code != 201 {
		c.t.Fatalf("POST /cases = %d %s", code, raw)
	}
	return got
}

func (c *city) event(who string, id int64, body map[string]any) (int, string) {
	c.t.Helper()
	return c.do("POST", fmt.Sprintf("/api/v1/cases/%d/events", id), who, body, nil)
}

func TestSectors(t *testing.T) {
	c := newCity(t)
	var list []cases.Sector
	c.do("GET", "/api/v1/sectors", "reporter", nil, &list)
	core := 0
	for _, s := range list {
		if s.Core {
			core++
			if s.Code != "urban_management" && s.Code != "work_safety" {
				t.Errorf("core sector %s", s.Code)
			}
		}
	}
	if len(list) != 12 || core != 2 || list[0].NameZH == "" {
		t.Errorf("sectors = %+v", list)
	}
}

func TestIntakeLocatesCases(t *testing.T) {
	c := newCity(t)
	got := c.report("reporter", map[string]any{"sector": "eco_environment", "title": "河道排污", "lat": 31.84, "lon": 120.22, "source": "hotline_12345"})
	if got.Township == nil || *got.Township != "A" || got.Grid == nil || *got.Grid != "A1-G1" || got.Squadron == nil || *got.Squadron != "A1" ||
		got.Status != cases.StatusReported || got.H3 == "" || got.Outside || got.Reporter != "reporter" || got.Source != cases.SourceHotline {
		t.Errorf("case = %+v", got)
	}
	// In GCJ-02 the same place lands in the same cell.
	gcj := geo.FromWGS84(orb.Point{120.22, 31.84}, geo.GCJ02)
	again := c.report("admin", map[string]any{"sector": "eco_environment", "title": "同一地点", "lat": gcj[1], "lon": gcj[0], "datum": "gcj02"})
	if again.H3 != got.H3 {
		t.Errorf("GCJ-02 report in cell %s, want %s", again.H3, got.H3)
	}
	outside := c.report("admin", map[string]any{"sector": "urban_management", "title": "城外", "lat": 31.95, "lon": 120.5})
	if !outside.Outside || outside.Township != nil {
		t.Errorf("case outside every township = %+v, want kept and flagged", outside)
	}
	// Its rows are kept under no township (the routing key ""), and it moves on like any
	// other: the change, its history and its chain read it by that key.
	c.mustEvent("admin", outside.ID, map[string]any{"type": "refer", "department": "zrzy"})
	var read cases.Case
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d", outside.ID), "admin", nil, &read)
	if read.Status != cases.StatusReferred || read.Township != nil || !read.Outside {
		t.Errorf("case outside every township after a referral = %+v, want referred, township null", read)
	}
	var v cases.Verification
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d/verify", outside.ID), "analyst", nil, &v)
	if !v.OK || v.Events != 2 {
		t.Errorf("chain of the case outside every township = %+v, want 2 events, intact", v)
	}
	var all []cases.Case
	c.do("GET", "/api/v1/cases", "admin", nil, &all)
	listed := false
	for _, k := range all {
		if k.ID == outside.ID {
			listed = k.Township == nil && k.Outside
		}
	}
	if !listed {
		t.Errorf("the case list %+v: want the case outside every township (%d) with township null", all, outside.ID)
	}
	var events []cases.Event
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d/events", got.ID), "admin", nil, &events)
	if len(events) != 1 || events[0].Type != cases.EventReport || events[0].Actor != "reporter" {
		t.Errorf("history = %+v, want the report", events)
	}
}

func TestIntakeBadInput(t *testing.T) {
	c := newCity(t)
	before := countCases(c)
	tests := []struct {
		name, who string
		body      any
		want      int
	}{
		{"unknown sector", "admin", map[string]any{"sector": "astrology", "title": "x", "lat": 31.84, "lon": 120.22}, 400},
		{"latitude out of range", "admin", map[string]any{"sector": "water", "title": "x", "lat": 91, "lon": 120.22}, 400},
		{"missing coordinates", "admin", map[string]any{"sector": "water", "title": "x"}, 400},
		{"missing title", "admin", map[string]any{"sector": "water", "lat": 31.84, "lon": 120.22}, 400},
		{"title of only blanks", "admin", map[string]any{"sector": "water", "title": "  \t　 ", "lat": 31.84, "lon": 120.22}, 400},
		{"position (0, 0)", "admin", map[string]any{"sector": "water", "title": "x", "lat": 0, "lon": 0}, 400},
		{"unknown source", "admin", map[string]any{"sector": "water", "title": "x", "lat": 31.84, "lon": 120.22, "source": "rumour"}, 400},
		{"unknown field", "admin", map[string]any{"sector": "water", "title": "x", "lat": 31.84, "lon": 120.22, "colour": "red"}, 400},
		{"future report", "admin", map[string]any{"sector": "water", "title": "x", "lat": 31.84, "lon": 120.22, "reported_at": time.Now().Add(time.Hour)}, 400},
		{"supervisor reporting in another township", "supB", map[string]any{"sector": "water", "title": "x", "lat": 31.84, "lon": 120.22}, 403},
		{"analyst may not report", "analyst", map[string]any{"sector": "water", "title": "x", "lat": 31.84, "lon": 120.22}, 403},
	}
	for _, tt := range tests {
		if code, raw := c.do("POST", "/api/v1/cases", tt.who, tt.body, nil); code != tt.want || !strings.Contains(raw, `"code"`) {
			t.Errorf("%s: %d %s, want %d problem", tt.name, code, raw, tt.want)
		}
	}
	if n := countCases(c); n != before {
		t.Errorf("%d cases written by bad requests", n-before)
	}
	if code, _ := c.do("GET", "/api/v1/cases", "reporter", nil, nil); code != 403 {
		t.Errorf("reporter reading cases = %d, want 403", code)
	}
}

func countCases(c *city) int {
	var n int
	c.srv.DB.QueryRow(context.Background(), "SELECT count(*) FROM cases").Scan(&n)
	return n
}

func TestLifecyclePaths(t *testing.T) {
	c := newCity(t)
	body := map[string]any{"sector": "market_regulation", "title": "无证经营", "lat": 31.84, "lon": 120.22}

	// reported → assigned → accepted → on_site → resolved → closed
	k := c.report("reporter", body)
	steps := []struct {
		who  string
		body map[string]any
		want cases.Status
	}{
		{"supA", map[string]any{"type": "assign", "officer": "a1-1"}, cases.StatusAssigned},
		{"officer11", map[string]any{"type": "accept"}, cases.StatusAccepted},
		{"officer11", map[string]any{"type": "arrive", "note": "到场"}, cases.StatusOnSite},
		{"officer11", map[string]any{"type": "resolve", "note": "已责令整改"}, cases.StatusResolved},
		{"supA", map[string]any{"type": "close"}, cases.StatusClosed},
	}
	for _, s := range steps {
		var a struct{ Case cases.Case }
		code, raw := c.do("POST", fmt.Sprintf("/api/v1/cases/%d/events", k.ID), s.who, s.body, &a)
		if code != 201 || a.Case.Status != s.want {
			t.Fatalf("%v by %s: %d %s, want status %s", s.body, s.who, code, raw, s.want)
		}
	}
	var done cases.Case
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d", k.ID), "admin", nil, &done)
	if done.AssignedAt == nil || done.AcceptedAt == nil || done.ArrivedAt == nil || done.ResolvedAt == nil || done.ClosedAt == nil || *done.Officer != "a1-1" {
		t.Errorf("milestones not all set: %+v", done)
	}
	if code, raw := c.event("admin", k.ID, map[string]any{"type": "assign", "officer": "a1-2"}); code != 409 || !strings.Contains(raw, "closed") {
		t.Errorf("event on a closed case = %d %s, want 409", code, raw)
	}

	// reported → assigned → accepted → referred → closed
	r := c.report("reporter", body)
	c.event("supA", r.ID, map[string]any{"type": "assign", "officer": "a1-2"})
	c.event("officer12", r.ID, map[string]any{"type": "accept"})
	if code, raw := c.event("officer12", r.ID, map[string]any{"type": "refer"}); code != 400 {
		t.Errorf("refer without department = %d %s, want 400", code, raw)
	}
	if code, raw := c.event("officer12", r.ID, map[string]any{"type": "refer", "department": "市场监管局"}); code != 201 {
		t.Fatalf("refer = %d %s", code, raw)
	}
	if code, raw := c.event("supA", r.ID, map[string]any{"type": "close"}); code != 201 {
		t.Errorf("close after refer = %d %s", code, raw)
	}

	// Refusals, none of which writes anything.
	x := c.report("reporter", body)
	refusals := []struct {
		name, who string
		body      map[string]any
		want      int
		mention   string
	}{
		{"accept before assign", "admin", map[string]any{"type": "accept"}, 409, "allowed: assign, refer"},
		{"unknown event", "admin", map[string]any{"type": "teleport"}, 400, "unknown event"},
		{"assign an officer of another township", "admin", map[string]any{"type": "assign", "officer": "b-1"}, 400, "township"},
		{"assign an unknown officer", "admin", map[string]any{"type": "assign", "officer": "ghost"}, 400, "unknown officer"},
		{"supervisor of another township", "supB", map[string]any{"type": "assign", "officer": "a1-1"}, 403, "township"},
		{"officer assigning", "officer11", map[string]any{"type": "assign", "officer": "a1-1"}, 403, "officer"},
		{"reporter changing a case", "reporter", map[string]any{"type": "close"}, 403, ""},
	}
	for _, rf := range refusals {
		if code, raw := c.event(rf.who, x.ID, rf.body); code != rf.want || !strings.Contains(raw, rf.mention) {
			t.Errorf("%s: %d %s, want %d mentioning %q", rf.name, code, raw, rf.want, rf.mention)
		}
	}
	c.event("admin", x.ID, map[string]any{"type": "assign", "officer": "a1-1"})
	if code, _ := c.event("officer12", x.ID, map[string]any{"type": "accept"}); code != 403 {
		t.Errorf("another officer accepting = %d, want 403", code)
	}
	var hist []cases.Event
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d/events", x.ID), "admin", nil, &hist)
	if len(hist) != 2 {
		t.Errorf("history has %d events, want report and assign only", len(hist))
	}
	// Officers read their own cases only.
	if code, _ := c.do("GET", fmt.Sprintf("/api/v1/cases/%d", x.ID), "officer12", nil, nil); code != 403 {
		t.Errorf("officer reading another's case = %d, want 403", code)
	}
	var mine []cases.Case
	c.do("GET", "/api/v1/cases", "officer11", nil, &mine)
	for _, m := range mine {
		if m.Officer == nil || *m.Officer != "a1-1" {
			t.Errorf("officer's list holds case %d of %v", m.ID, m.Officer)
		}
	}
}

func TestHistoryIsUnalterableAndVerifiable(t *testing.T) {
	c := newCity(t)
	ctx := context.Background()
	k := c.report("reporter", map[string]any{"sector": "water", "title": "违规取水", "lat": 31.84, "lon": 120.22})
	c.event("admin", k.ID, map[string]any{"type": "assign", "officer": "a1-1", "note": "请尽快处理"})
	c.event("officer11", k.ID, map[string]any{"type": "accept"})

	var v cases.Verification
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d/verify", k.ID), "analyst", nil, &v)
	if !v.OK || v.Events != 3 {
		t.Fatalf("verify = %+v, want an intact chain of 3", v)
	}
	for _, sql := range []string{
		"UPDATE case_events SET note = 'nothing happened' WHERE case_id = $1",
		"DELETE FROM case_events WHERE case_id = $1",
		"DELETE FROM case_events WHERE case_id = $1 AND seq = 3",
	} {
		if _, err := c.srv.DB.Exec(ctx, sql, k.ID); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the database to refuse", sql, err)
		}
	}
	if _, err := c.srv.DB.Exec(ctx, "TRUNCATE case_events CASCADE"); err == nil {
		t.Error("TRUNCATE of the history succeeded")
	}
	// Someone with the power to switch the triggers off rewrites a note: the chain shows it.
	tamper := []string{
		"ALTER TABLE case_events DISABLE TRIGGER case_events_no_update",
		fmt.Sprintf("UPDATE case_events SET note = '无需处理' WHERE case_id = %d AND seq = 2", k.ID),
		"ALTER TABLE case_events ENABLE TRIGGER case_events_no_update",
	}
	for _, sql := range tamper {
		if _, err := c.srv.DB.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d/verify", k.ID), "analyst", nil, &v)
	if v.OK || v.Broken != 2 {
		t.Errorf("verify after tampering = %+v, want broken at event 2", v)
	}
}

func TestDispatchSuggestsNearestOnDutyOfficers(t *testing.T) {
	c := newCity(t)
	ctx := context.Background()
	now := time.Now()
	c.srv.Positions.SetClock(func() time.Time { return now })
	place := func(officer string, ago time.Duration, lat, lon float64) {
		f := ingest.Fix{Officer: officer, Time: now.Add(-ago), Point: orb.Point{lon, lat}}
		if _, err := c.srv.Positions.Ingest(ctx, []ingest.RawFix{{Fix: f}}); err != nil {
			t.Fatal(err)
		}
	}
	place("a1-1", time.Minute, 31.84, 120.23)     // ~1 km east of the case
	place("a1-2", 2*time.Minute, 31.841, 120.221) // ~150 m
	place("a1-3", 2*time.Hour, 31.84, 120.2201)   // nearest, but off duty
	place("a2-1", time.Minute, 31.84, 120.2202)   // near, other squadron
	k := c.report("reporter", map[string]any{"sector": "urban_management", "title": "占道经营", "lat": 31.84, "lon": 120.22})
	var list []cases.Suggestion
	if code, raw := c.do("GET", fmt.Sprintf("/api/v1/cases/%d/dispatch", k.ID), "supA", nil, &list); code != 200 {
		t.Fatalf("dispatch = %d %s", code, raw)
	}
	if len(list) != 2 || list[0].Officer != "a1-2" || list[1].Officer != "a1-1" || list[0].DistanceM > list[1].DistanceM || list[0].ETAS <= 0 {
		t.Fatalf("suggestions = %+v, want a1-2 then a1-1 (a1-3 off duty, a2-1 another squadron)", list)
	}
	var a struct{ Case cases.Case }
	if code, raw := c.do("POST", fmt.Sprintf("/api/v1/cases/%d/dispatch", k.ID), "supA", nil, &a); code != 201 || *a.Case.Officer != "a1-2" {
		t.Fatalf("one-call dispatch = %d %s, want a1-2 assigned", code, raw)
	}
	if code, _ := c.do("GET", fmt.Sprintf("/api/v1/cases/%d/dispatch", k.ID), "supB", nil, nil); code != 403 {
		t.Errorf("dispatch by another township's supervisor = %d, want 403", code)
	}
	// Arriving on site records where the officer is.
	c.event("admin", k.ID, map[string]any{"type": "accept"})
	c.event("admin", k.ID, map[string]any{"type": "arrive"})
	var hist []cases.Event
	c.do("GET", fmt.Sprintf("/api/v1/cases/%d/events", k.ID), "admin", nil, &hist)
	last := hist[len(hist)-1]
	if last.Type != cases.EventArrive || last.Lat == nil || *last.Lat != 31.841 {
		t.Errorf("arrive event = %+v, want a1-2's position", last)
	}
}

func TestSLA(t *testing.T) {
	c := newCity(t)
	base := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	for i, resolveAfter := range []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour} {
		k := c.report("admin", map[string]any{"sector": "urban_management", "title": "x", "lat": 31.84, "lon": 120.22, "reported_at": base.Add(time.Duration(i) * time.Minute)})
		at := k.ReportedAt
		for _, e := range []map[string]any{
			{"type": "assign", "officer": "a1-1", "at": at.Add(10 * time.Minute)},
			{"type": "accept", "at": at.Add(15 * time.Minute)},
			{"type": "arrive", "at": at.Add(30 * time.Minute)},
			{"type": "resolve", "at": at.Add(resolveAfter)},
		} {
			if code, raw := c.event("admin", k.ID, e); code != 201 {
				t.Fatalf("%v: %d %s", e, code, raw)
			}
		}
	}
	var list []cases.SLA
	c.do("GET", "/api/v1/cases/sla?township=A", "analyst", nil, &list)
	if len(list) != 1 || list[0].Cases != 3 || *list[0].AssignMedianS != 600 || *list[0].ArriveMedianS != 1800 || *list[0].ResolveMedianS != 7200 {
		t.Errorf("SLA = %s", mustJSON(list))
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
