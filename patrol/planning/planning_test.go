package planning_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/planning"
)

type env struct {
	t      *testing.T
	srv    *app.Server
	http   *httptest.Server
	tokens map[string]string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	tc := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{
			{Code: "A", Name: "甲", Geom: apptest.Box(120.20, 31.80, 120.24, 31.83)},
			{Code: "B", Name: "乙", Geom: apptest.Box(120.24, 31.80, 120.28, 31.83)},
		},
		Squadrons: []grid.Squadron{{Code: "A1", Name: "甲一", Township: "A", Base: &orb.Point{120.22, 31.815}}, {Code: "B1", Name: "乙一", Township: "B"}},
		GridAreas: []grid.NewGridArea{{Code: "A1-G1", Name: "网格", Township: "A", Squadron: "A1", Polygon: apptest.Box(120.20, 31.80, 120.24, 31.83)[0]}},
		Officers:  []officer.Officer{{ID: "a1", Name: "a1", Squadron: "A1"}, {ID: "a2", Name: "a2", Squadron: "A1"}, {ID: "b1", Name: "b1", Squadron: "B1"}},
		Tokens:    map[string]auth.TokenSpec{"supA": {Role: auth.Supervisor, Township: "A"}, "supB": {Role: auth.Supervisor, Township: "B"}, "admin": {Role: auth.Admin}},
	})
	return &env{t: t, srv: tc.Server, http: tc.HTTP, tokens: tc.Tokens}
}

func (e *env) do(method, path, who string, body any) (int, []byte) {
	e.t.Helper()
	return apptest.Client{TB: e.t, URL: e.http.URL, Tokens: e.tokens}.Do(method, path, who, body, nil)
}

var shift = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func request(minutes float64, officers ...string) map[string]any {
	return map[string]any{"squadron": "A1", "start": shift, "duration_min": minutes, "speed_kmh": 5, "officers": officers}
}

func (e *env) plan(body map[string]any) planning.Plan {
	e.t.Helper()
	code, raw := e.do("POST", "/api/v1/plans", "supA", body)
	if code != 201 {
		e.t.Fatalf("POST /plans = %d %s", code, raw)
	}
	var p planning.Plan
	if err := json.Unmarshal(raw, &p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func TestPlansRespectTheBudgetAndRepeat(t *testing.T) {
	e := newEnv(t)
	p := e.plan(request(120, "a1", "a2"))
	if p.ID == 0 || p.CreatedBy != "supA" || len(p.Routes) != 2 || p.Cells == 0 {
		t.Fatalf("plan = %+v", p)
	}
	seen := map[string]bool{}
	for _, r := range p.Routes {
		if r.StartFrom != "squadron_base" || r.Line == nil || len(r.Waypoints) == 0 {
			t.Errorf("route %s: from %s, %d waypoints", r.Officer, r.StartFrom, len(r.Waypoints))
		}
		for _, w := range r.Waypoints {
			if seen[w.H3] {
				t.Errorf("cell %s planned twice", w.H3)
			}
			seen[w.H3] = true
			if w.Leave.After(p.End) || w.ETA.Before(p.Start) || len(w.Reasons) == 0 {
				t.Errorf("waypoint %+v outside the shift or without reasons", w)
			}
		}
	}
	again := e.plan(request(120, "a1", "a2"))
	a, _ := json.Marshal(p.Routes)
	b, _ := json.Marshal(again.Routes)
	if !bytes.Equal(a, b) {
		t.Error("the same request planned different routes")
	}

	code, raw := e.do("GET", fmt.Sprintf("/api/v1/plans/%d.gpx", p.ID), "supA", nil)
	var doc struct {
		Routes []struct {
			Points []struct{} `xml:"rtept"`
		} `xml:"rte"`
	}
	if code != 200 || xml.Unmarshal(raw, &doc) != nil || len(doc.Routes) != 2 || len(doc.Routes[0].Points) != len(p.Routes[0].Waypoints)+1 {
		t.Errorf("GPX = %d %.300s", code, raw)
	}
	if code, _ := e.do("GET", fmt.Sprintf("/api/v1/plans/%d", p.ID), "supB", nil); code != 403 {
		t.Errorf("another township's supervisor reading the plan = %d, want 403", code)
	}
}

func TestPlanBadInputStoresNothing(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		who  string
		body map[string]any
		want int
	}{
		{"unknown squadron", "admin", map[string]any{"squadron": "ZZ", "start": shift, "duration_min": 60, "speed_kmh": 5, "officers": []string{"a1"}}, 400},
		{"no duration", "supA", request(0, "a1"), 400},
		{"over 24 hours", "supA", request(24*60+1, "a1"), 400},
		{"speed out of range", "supA", map[string]any{"squadron": "A1", "start": shift, "duration_min": 60, "speed_kmh": 500, "officers": []string{"a1"}}, 400},
		{"unknown officer", "supA", request(60, "ghost"), 400},
		{"officer of another township", "supA", request(60, "b1"), 403},
		{"another township's squadron", "supB", request(60, "a1"), 403},
		{"no officers", "supA", request(60), 400},
	} {
		if code, raw := e.do("POST", "/api/v1/plans", tc.who, tc.body); code != tc.want || !strings.Contains(string(raw), `"code"`) {
			t.Errorf("%s: %d %s, want %d", tc.name, code, raw, tc.want)
		}
	}
	var n int
	e.srv.DB.QueryRow(context.Background(), "SELECT count(*) FROM plans").Scan(&n)
	if n != 0 {
		t.Errorf("%d plans stored by bad requests", n)
	}
}

// TestComplianceOfAHandBuiltDay plans one officer, then sends fixes that reach the first
// two planned cells in time, the third 45 minutes after its planned leave (late: beyond
// the 30-minute tolerance, within the shift's window), none of the rest, and one cell off
// the plan.
func TestComplianceOfAHandBuiltDay(t *testing.T) {
	e := newEnv(t)
	p := e.plan(request(90, "a1"))
	wps := p.Routes[0].Waypoints
	if len(wps) < 4 {
		t.Fatalf("plan has %d waypoints, want at least 4", len(wps))
	}
	e.srv.Positions.SetClock(func() time.Time { return shift.Add(6 * time.Hour) })
	var items []ingest.RawFix
	add := func(tm time.Time, lon, lat float64) {
		items = append(items, ingest.RawFix{Index: len(items), Fix: ingest.Fix{Officer: "a1", Time: tm, Point: orb.Point{lon, lat}}})
	}
	add(wps[0].ETA, wps[0].Lon, wps[0].Lat)
	add(wps[1].ETA.Add(time.Minute), wps[1].Lon, wps[1].Lat)
	add(wps[2].Leave.Add(45*time.Minute), wps[2].Lon, wps[2].Lat)
	off := grid.Geometry(grid.CellAt(orb.Point{120.2005, 31.8005}, 9)).Center
	add(wps[2].Leave.Add(50*time.Minute), off[0], off[1])
	if end := p.End.Add(planning.LateTolerance); !wps[2].Leave.Add(50 * time.Minute).Before(end) {
		t.Fatalf("test assumption: the third waypoint leaves at %s, too late in a 90-minute shift", wps[2].Leave)
	}
	if _, err := e.srv.Positions.Ingest(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	code, raw := e.do("GET", fmt.Sprintf("/api/v1/plans/%d/compliance", p.ID), "supA", nil)
	var c planning.Compliance
	if code != 200 || json.Unmarshal(raw, &c) != nil {
		t.Fatalf("compliance = %d %s", code, raw)
	}
	oc := c.Officers[0]
	onPlan := false
	for _, w := range wps {
		onPlan = onPlan || w.H3 == grid.CellAt(off, 9).String()
	}
	wantUnplanned := 1
	if onPlan {
		wantUnplanned = 0
	}
	if len(oc.OnTime) != 2 || len(oc.Late) != 1 || len(oc.Missed) != len(wps)-3 || len(oc.Unplanned) != wantUnplanned ||
		oc.OnTime[0] != wps[0].H3 || oc.Late[0] != wps[2].H3 {
		t.Errorf("compliance = %s", raw)
	}
}
