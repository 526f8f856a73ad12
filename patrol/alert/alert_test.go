package alert_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/alert"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// now is the test city's clock: fixes are hand-built around it.
var now = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// city is a township (a 10 × 8 km square) whose squadron Q1 has one grid area, the
// western half (lon < 120.25); a second township with a supervisor of its own; officers
// o1 and o2 of Q1 with their phones.
type city struct {
	*apptest.City
	t *testing.T
}

// Points inside and outside Q1's grid area, 1.1 km apart.
var (
	inside  = orb.Point{120.244, 31.84}
	outside = orb.Point{120.256, 31.84}
)

func newCity(t *testing.T) *city {
	t.Helper()
	spec := apptest.Spec{
		Townships: []grid.TownshipInput{
			{Code: "320281001", Name: "澄江", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)},
			{Code: "320281002", Name: "南闸", Geom: apptest.Box(120.30, 31.80, 120.40, 31.88)},
		},
		Squadrons: []grid.Squadron{{Code: "Q1", Name: "一中队", Township: "320281001"}},
		GridAreas: []grid.NewGridArea{{Code: "G1", Name: "西网格", Township: "320281001", Squadron: "Q1",
			Polygon: apptest.Box(120.20, 31.80, 120.25, 31.88)[0]}},
		Tokens: map[string]auth.TokenSpec{
			"admin":      {Role: auth.Admin},
			"supervisor": {Role: auth.Supervisor, Township: "320281001"},
			"other":      {Role: auth.Supervisor, Township: "320281002"},
			"analyst":    {Role: auth.Analyst},
		},
	}
	for _, id := range []string{"o1", "o2"} {
		spec.Officers = append(spec.Officers, officer.Officer{ID: id, Squadron: "Q1", DeviceID: "dev-" + id})
		spec.Tokens["phone "+id] = auth.TokenSpec{Role: auth.Device, Officer: id}
	}
	c := &city{City: apptest.NewCity(t, spec), t: t}
	c.Server.Positions.SetClock(func() time.Time { return now })
	c.Server.Watcher.SetClock(func() time.Time { return now })
	return c
}

// osmand sends one fix of an officer's phone through the OsmAnd endpoint, with extra
// parameters, and evaluates the rules over what was stored.
func (c *city) osmand(officer string, at time.Time, p orb.Point, extra url.Values) {
	c.t.Helper()
	c.sendOsmAnd(officer, at, p, extra)
	c.Server.Watcher.Drain(context.Background())
}

// sendOsmAnd sends one fix of an officer's phone through the OsmAnd endpoint and leaves
// it queued for the rules.
func (c *city) sendOsmAnd(officer string, at time.Time, p orb.Point, extra url.Values) {
	c.t.Helper()
	q := url.Values{"id": {"dev-" + officer}, "lat": {fmt.Sprint(p[1])}, "lon": {fmt.Sprint(p[0])},
		"timestamp": {fmt.Sprint(at.Unix())}}
	for k, v := range extra {
		q[k] = v
	}
	resp, err := http.Get(c.URL + "/osmand/" + c.Tokens["phone "+officer] + "?" + q.Encode())
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("osmand fix of %s at %s: status %d", officer, at, resp.StatusCode)
	}
}

// batch posts fixes of one officer through POST /positions and evaluates the rules.
func (c *city) batch(officer string, fixes ...fix) {
	c.t.Helper()
	var items []map[string]any
	for _, f := range fixes {
		items = append(items, map[string]any{"officer": officer, "time": f.at.Format(time.RFC3339), "lon": f.p[0], "lat": f.p[1]})
	}
	var res struct {
		Accepted int `json:"accepted"`
	}
	if st, body := c.Do("POST", "/api/v1/positions", "admin", map[string]any{"positions": items}, &res); st != 200 || res.Accepted != len(fixes) {
		c.t.Fatalf("POST /positions = %d %s, want all %d accepted", st, body, len(fixes))
	}
	c.Server.Watcher.Drain(context.Background())
}

type fix struct {
	at time.Time
	p  orb.Point
}

// alerts lists alerts as the admin sees them.
func (c *city) alerts(query string) []alert.Alert {
	c.t.Helper()
	var res struct {
		Alerts []alert.Alert `json:"alerts"`
	}
	if st, body := c.Do("GET", "/api/v1/alerts?"+query, "admin", nil, &res); st != 200 {
		c.t.Fatalf("GET /alerts?%s = %d %s", query, st, body)
	}
	return res.Alerts
}

// settings puts a township's settings as the admin and fails on anything but 200.
func (c *city) settings(township, body string) {
	c.t.Helper()
	var raw json.RawMessage = []byte(body)
	if st, b := c.Do("PUT", "/api/v1/alert-settings/"+township, "admin", raw, nil); st != 200 {
		c.t.Fatalf("PUT settings %s = %d %s", body, st, b)
	}
}

func TestSOSFromTheOsmAndAlarmIsOneAlertUntilResolved(t *testing.T) {
	c := newCity(t)
	events := c.liveEvents("alert")
	at := now.Add(-2 * time.Minute)
	c.osmand("o1", at, inside, url.Values{"alarm": {"sos"}})
	c.osmand("o1", at.Add(10*time.Second), inside, url.Values{"alarm": {"sos"}})
	got := c.alerts("rule=sos")
	if len(got) != 1 {
		t.Fatalf("%d sos alerts after two alarms, want 1: %+v", len(got), got)
	}
	a := got[0]
	if a.Officer != "o1" || a.Township != "320281001" || a.Status != alert.Open || !a.ObservedAt.Equal(at) ||
		a.Lon == nil || *a.Lon != inside[0] || *a.Lat != inside[1] || a.Detail["alarm"] != "sos" {
		t.Errorf("alert = %+v, want o1's open sos at %s with its position", a, at)
	}
	select {
	case ev := <-events:
		if !strings.Contains(ev, fmt.Sprintf(`"id":%d`, a.ID)) || !strings.Contains(ev, `"rule":"sos"`) {
			t.Errorf("live alert event = %s, want alert %d", ev, a.ID)
		}
	case <-time.After(5 * time.Second):
		t.Error("no alert event on the live feed")
	}

	// Acknowledged by the township's supervisor, not by another township's.
	path := fmt.Sprintf("/api/v1/alerts/%d/", a.ID)
	if st, body := c.Do("POST", path+"ack", "other", map[string]string{"note": "x"}, nil); st != http.StatusNotFound {
		t.Errorf("ack by another township's supervisor = %d %s, want 404", st, body)
	}
	if st, body := c.Do("POST", path+"ack", "analyst", nil, nil); st != http.StatusForbidden {
		t.Errorf("ack by an analyst = %d %s, want 403", st, body)
	}
	var acked alert.Alert
	if st, body := c.Do("POST", path+"ack", "supervisor", map[string]string{"note": "已派人"}, &acked); st != 200 ||
		acked.Status != alert.Acknowledged || acked.AckedBy == nil || *acked.AckedBy != "supervisor" || acked.AckNote != "已派人" {
		t.Fatalf("ack = %d %s, want acknowledged by supervisor with the note", st, body)
	}
	if st, _ := c.Do("POST", path+"ack", "supervisor", nil, nil); st != http.StatusConflict {
		t.Errorf("second ack = %d, want 409", st)
	}
	// An alarm while acknowledged is the same alert.
	c.osmand("o1", at.Add(20*time.Second), inside, url.Values{"alarm": {"sos"}})
	if got := c.alerts("rule=sos"); len(got) != 1 {
		t.Errorf("%d sos alerts after an alarm while acknowledged, want 1", len(got))
	}
	var resolved alert.Alert
	if st, body := c.Do("POST", path+"resolve", "admin", map[string]string{"note": "误触"}, &resolved); st != 200 ||
		resolved.Status != alert.Resolved || *resolved.ResolvedBy != "admin" {
		t.Fatalf("resolve = %d %s", st, body)
	}
	// After resolution a new alarm is a new alert.
	c.osmand("o1", at.Add(30*time.Second), inside, url.Values{"alarm": {"sos"}})
	if open := c.alerts("rule=sos&status=open"); len(open) != 1 || open[0].ID == a.ID {
		t.Errorf("open sos alerts after a new alarm = %+v, want one new", open)
	}
	if other := c.alertsAs("other", ""); len(other) != 0 {
		t.Errorf("another township's supervisor sees %d alerts, want 0", len(other))
	}
}

// TestSOSOfARefusedFixIsRaised: a phone in trouble may send a position the plausibility
// filter refuses (here a jump of 30 km in ten seconds); the fix is not stored, but its
// alarm raises the sos alert, at the position sent, saying the fix was refused — and
// moves nothing else of the officer's rules.
func TestSOSOfARefusedFixIsRaised(t *testing.T) {
	c := newCity(t)
	at := now.Add(-2 * time.Minute)
	c.osmand("o1", at, inside, nil)
	far := orb.Point{inside[0] + 0.3, inside[1]}
	c.osmand("o1", at.Add(10*time.Second), far, url.Values{"alarm": {"sos"}})
	var stored int
	if err := c.Server.DB.QueryRow(context.Background(), `SELECT count(*) FROM positions WHERE officer = 'o1'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != 1 {
		t.Fatalf("%d fixes of o1 stored, want 1: the jump must be refused for this test to mean anything", stored)
	}
	got := c.alerts("rule=sos")
	if len(got) != 1 || got[0].Lon == nil || *got[0].Lon != far[0] || got[0].Detail["fix_refused"] != true {
		t.Fatalf("sos alerts after a refused alarm fix = %+v, want one at the position sent, marked fix_refused", got)
	}
	if left := c.alerts("rule=left_area"); len(left) != 0 {
		t.Errorf("left_area alerts = %+v, want none: a refused fix moves no other rule", left)
	}
}

func (c *city) alertsAs(who, query string) []alert.Alert {
	c.t.Helper()
	var res struct {
		Alerts []alert.Alert `json:"alerts"`
	}
	if st, body := c.Do("GET", "/api/v1/alerts?"+query, who, nil, &res); st != 200 {
		c.t.Fatalf("GET /alerts as %s = %d %s", who, st, body)
	}
	return res.Alerts
}

func TestSOSFromTraccarJSON(t *testing.T) {
	c := newCity(t)
	body := fmt.Sprintf(`{"device_id":"dev-o2","location":{"timestamp":%q,"coords":{"latitude":31.84,"longitude":120.244},`+
		`"extras":{"alarm":"sos"}}}`, now.Add(-time.Minute).Format(time.RFC3339))
	resp, err := http.Post(c.URL+"/osmand/"+c.Tokens["phone o2"], "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c.Server.Watcher.Drain(context.Background())
	if got := c.alerts("rule=sos"); len(got) != 1 || got[0].Officer != "o2" {
		t.Errorf("sos alerts = %+v, want o2's", got)
	}
}

func TestMockLocationRaisedAndClearedByItself(t *testing.T) {
	c := newCity(t)
	at := now.Add(-10 * time.Minute)
	c.osmand("o1", at, inside, url.Values{"mock": {"true"}})
	c.osmand("o1", at.Add(time.Minute), inside, url.Values{"mock": {"true"}})
	got := c.alerts("rule=mock_location")
	if len(got) != 1 || got[0].Status != alert.Open {
		t.Fatalf("mock_location alerts = %+v, want one open", got)
	}
	c.osmand("o1", at.Add(2*time.Minute), inside, nil)
	got = c.alerts("rule=mock_location")
	if len(got) != 1 || got[0].Status != alert.Resolved || got[0].ResolvedBy == nil || *got[0].ResolvedBy != "" {
		t.Errorf("after a real fix: %+v, want the alert resolved by the system", got)
	}
	// Switched off, a mocked fix raises nothing.
	c.settings("320281001", `{"mock_location":{"enabled":false}}`)
	c.osmand("o1", at.Add(3*time.Minute), inside, url.Values{"mock": {"true"}})
	if open := c.alerts("rule=mock_location&status=open"); len(open) != 0 {
		t.Errorf("open mock_location alerts with the rule off = %+v", open)
	}
}

// An officer's first fix after a start resolves what an earlier run left open, and only
// that officer's; a raise and a clear of one alert in one pass are both written.
func TestFirstFixClearsWhatWasLeftOpen(t *testing.T) {
	c := newCity(t)
	ctx := context.Background()
	store := alert.NewStore(c.Server.DB)
	for _, ch := range []alert.Change{
		{Raise: true, Rule: alert.LeftArea, Officer: "o1", Township: "320281001", Time: now.Add(-time.Hour), Point: outside},
		{Raise: true, Rule: alert.MockLocation, Officer: "o1", Township: "320281001", Time: now.Add(-time.Hour), Point: inside},
		{Raise: true, Rule: alert.OffPlan, Subject: alert.RouteSubject("o1"), Officer: "o1", Township: "320281001", Time: now.Add(-time.Hour)},
		{Raise: true, Rule: alert.LeftArea, Officer: "o2", Township: "320281001", Time: now.Add(-time.Hour), Point: outside},
	} {
		ch.Detail = map[string]any{}
		if _, ok, err := store.Raise(ctx, ch); err != nil || !ok {
			t.Fatalf("Raise(%s %s) = %v, %v", ch.Rule, ch.Officer, ok, err)
		}
	}
	c.batch("o1", fix{now.Add(-10 * time.Minute), inside})
	for _, a := range c.alerts("") {
		if want := map[string]alert.Status{"o1": alert.Resolved, "o2": alert.Open}[a.Officer]; a.Status != want {
			t.Errorf("%s alert of %s is %s after o1's first fix, want %s", a.Rule, a.Officer, a.Status, want)
		}
	}
	// o2's first fix is mocked (mock_location raised), its second is not (cleared): one
	// pass over both.
	c.sendOsmAnd("o2", now.Add(-5*time.Minute), inside, url.Values{"mock": {"true"}})
	c.sendOsmAnd("o2", now.Add(-4*time.Minute), inside, nil)
	c.Server.Watcher.Drain(ctx)
	got := c.alerts("rule=mock_location")
	var o2 []alert.Alert
	for _, a := range got {
		if a.Officer == "o2" {
			o2 = append(o2, a)
		}
	}
	if len(o2) != 1 || o2[0].Status != alert.Resolved {
		t.Errorf("o2's mock_location alerts = %+v, want one, resolved", o2)
	}
	if open := c.alerts("status=open"); len(open) != 0 {
		t.Errorf("open alerts after both officers' fixes inside = %+v, want none", open)
	}
}

func TestLeftAreaAfterMinutesOutside(t *testing.T) {
	c := newCity(t)
	c.settings("320281001", `{"left_area":{"enabled":true,"minutes":10}}`)
	t0 := now.Add(-30 * time.Minute)
	c.batch("o1", fix{t0, inside})
	// Outside from t0+2m: 9 minutes out is not yet an alert.
	c.batch("o1", fix{t0.Add(2 * time.Minute), outside}, fix{t0.Add(6 * time.Minute), outside},
		fix{t0.Add(11 * time.Minute), outside})
	if got := c.alerts("rule=left_area"); len(got) != 0 {
		t.Fatalf("left_area after 9 minutes outside: %+v, want none", got)
	}
	c.batch("o1", fix{t0.Add(12 * time.Minute), outside}, fix{t0.Add(14 * time.Minute), outside})
	got := c.alerts("rule=left_area")
	if len(got) != 1 || got[0].Status != alert.Open || !got[0].ObservedAt.Equal(t0.Add(12*time.Minute)) {
		t.Fatalf("left_area after 10 minutes outside = %+v, want one, observed at the 10th minute", got)
	}
	// o2 inside all along raises nothing.
	c.batch("o2", fix{t0, inside}, fix{t0.Add(20 * time.Minute), inside})
	c.batch("o1", fix{t0.Add(16 * time.Minute), inside})
	got = c.alerts("rule=left_area")
	if len(got) != 1 || got[0].Status != alert.Resolved || got[0].Officer != "o1" {
		t.Errorf("after coming back = %+v, want o1's alert resolved", got)
	}
}

func TestOfflineByTheTicker(t *testing.T) {
	c := newCity(t)
	c.settings("320281001", `{"offline":{"enabled":true,"minutes":15,"duty_from":"00:00","duty_to":"00:00"}}`)
	c.batch("o1", fix{now.Add(-20 * time.Minute), inside})
	c.batch("o2", fix{now.Add(-5 * time.Minute), inside})
	ctx := context.Background()
	for range 2 { // a second check (or instance) raises nothing more
		if err := c.Server.Watcher.CheckAbsence(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := c.alerts("rule=offline")
	if len(got) != 1 || got[0].Officer != "o1" || !got[0].ObservedAt.Equal(now.Add(-20*time.Minute)) {
		t.Fatalf("offline alerts = %+v, want o1's, at its last fix", got)
	}
	c.batch("o1", fix{now.Add(-time.Minute), inside})
	if err := c.Server.Watcher.CheckAbsence(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.alerts("rule=offline"); len(got) != 1 || got[0].Status != alert.Resolved {
		t.Errorf("after a fix = %+v, want resolved", got)
	}
	// Off duty (08:00–20:00 China time; now is 16:00 China time, so 17:00–20:00 excludes it).
	c.settings("320281001", `{"offline":{"enabled":true,"minutes":15,"duty_from":"17:00","duty_to":"20:00"}}`)
	c.Server.Watcher.SetClock(func() time.Time { return now.Add(30 * time.Minute) })
	if err := c.Server.Watcher.CheckAbsence(ctx); err != nil {
		t.Fatal(err)
	}
	if open := c.alerts("rule=offline&status=open"); len(open) != 0 {
		t.Errorf("offline alerts off duty = %+v, want none", open)
	}
}

// TestRaisedOnceByManyInstances raises one condition from many stores at once, as
// instances on one database would: one alert.
func TestRaisedOnceByManyInstances(t *testing.T) {
	c := newCity(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	inserted := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, err := alert.NewStore(c.Server.DB).Raise(context.Background(), alert.Change{Raise: true,
				Rule: alert.SOS, Officer: "o1", Township: "320281001", Time: now, Point: inside, Detail: map[string]any{}})
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			if ok {
				inserted++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got := c.alerts(""); inserted != 1 || len(got) != 1 {
		t.Errorf("%d raises reported new, %d alerts stored; want 1 and 1", inserted, len(got))
	}
}

func TestBadSettingsNameTheField(t *testing.T) {
	c := newCity(t)
	for _, tc := range []struct{ body, field string }{
		{`{"panic":{"enabled":true}}`, "panic"},
		{`{"hotspot":{"enabled":true,"hour":24}}`, "hotspot.hour"},
		{`{"hotspot":{"enabled":true,"max_cells":0}}`, "hotspot.max_cells"},
		{`{"off_plan":{"enabled":true,"distance_m":10}}`, "off_plan.distance_m"},
		{`{"off_plan":{"enabled":true,"distance_m":5001}}`, "off_plan.distance_m"},
		{`{"off_plan":{"enabled":true,"away_minutes":0}}`, "off_plan.away_minutes"},
		{`{"case_overdue":{"enabled":true,"assign_minutes":-1}}`, "case_overdue.assign_minutes"},
		{`{"case_overdue":{"enabled":true,"resolve_minutes":10081}}`, "case_overdue.resolve_minutes"},
		{`{"case_overdue":{"enabled":true,"sources":["fax"]}}`, "case_overdue.sources"},
		{`{"off_plan":{"enabled":true,"minutes":241}}`, "off_plan.minutes"},
		{`{"case_overdue":{"enabled":1}}`, "case_overdue"},
		{`{"left_area":{"enabled":true,"minutes":999}}`, "left_area.minutes"},
		{`{"left_area":{"enabled":true,"minutes":-1}}`, "left_area.minutes"},
		{`{"offline":{"enabled":true,"minutes":0,"duty_from":"08:00","duty_to":"20:00"}}`, "offline.minutes"},
		{`{"offline":{"enabled":true,"minutes":5,"duty_from":"25:00","duty_to":"20:00"}}`, "offline.duty_from"},
		{`{"sos":{"enabled":true,"volume":3}}`, "sos.volume"},
		{`{"sos":true}`, "sos"},
	} {
		var raw json.RawMessage = []byte(tc.body)
		st, body := c.Do("PUT", "/api/v1/alert-settings/320281001", "admin", raw, nil)
		var p struct {
			Field string `json:"field"`
		}
		_ = json.Unmarshal(body, &p)
		if st != http.StatusBadRequest || p.Field != tc.field || !strings.Contains(string(body), tc.field) {
			t.Errorf("PUT %s = %d %s, want 400 naming %s", tc.body, st, body, tc.field)
		}
	}
	for _, q := range []string{"status=closed", "rule=panic"} {
		if st, body := c.Do("GET", "/api/v1/alerts?"+q, "admin", nil, nil); st != http.StatusBadRequest {
			t.Errorf("GET /alerts?%s = %d %s, want 400", q, st, body)
		}
	}
	// Nothing was stored: the defaults still hold.
	var set alert.Settings
	if st, _ := c.Do("GET", "/api/v1/alert-settings/320281001", "admin", nil, &set); st != 200 || !reflect.DeepEqual(set, alert.DefaultSettings()) {
		t.Errorf("settings after refusals = %+v, want the defaults", set)
	}
}

// liveEvents subscribes to the live feed as the admin and sends the data of each event
// of the given type.
func (c *city) liveEvents(name string) <-chan string {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", c.URL+"/api/v1/live", nil)
	req.Header.Set("Authorization", "Bearer "+c.Tokens["admin"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	out := make(chan string, 16)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				event = v
			} else if v, ok := strings.CutPrefix(line, "data: "); ok && event == name {
				out <- v
			}
		}
	}()
	return out
}

func TestCaseOverdueByTheTicker(t *testing.T) {
	c := newCity(t)
	ctx := context.Background()
	effective, err := powers.ParseDate("2018-03-01")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Server.Powers.ImportList(ctx, "seed", powers.ListImport{Effective: effective,
		Rows: []powers.ListRow{{Row: 2, Code: "AL-U1", Name: "占道经营", Sector: "urban_management", Department: "城管局",
			Category: "处罚", Townships: "全部"}}}); err != nil {
		t.Fatal(err)
	}
	// Filed 200 days ago and never decided: its deadlines have passed.
	reported := time.Now().Add(-200 * 24 * time.Hour)
	overdue, err := c.Server.Cases.CreateWithHistory(ctx, auth.Identity{Name: "seed", Role: auth.Admin},
		cases.NewCase{Item: "AL-U1", Title: "逾期", Lat: inside[1], Lon: inside[0], ReportedAt: reported},
		[]cases.NewEvent{{Type: cases.EventFile, At: reported.Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := c.Server.Watcher.CheckOverdue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := c.alerts("rule=case_overdue")
	if len(got) != 1 || got[0].Subject != fmt.Sprint(overdue.ID) || got[0].Township != "320281001" || got[0].Status != alert.Open {
		t.Fatalf("case_overdue alerts = %+v, want one open for case %d", got, overdue.ID)
	}
	if stages, _ := got[0].Detail["stages"].([]any); len(stages) == 0 {
		t.Errorf("detail = %v, want the overdue stages", got[0].Detail)
	}
	// With the rule off the condition no longer holds: resolved by the system.
	c.settings("320281001", `{"case_overdue":{"enabled":false}}`)
	if err := c.Server.Watcher.CheckOverdue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.alerts("rule=case_overdue"); len(got) != 1 || got[0].Status != alert.Resolved {
		t.Errorf("with the rule off = %+v, want resolved", got)
	}
}

func TestOffPlanWhenAPlannedCellIsMissed(t *testing.T) {
	c := newCity(t)
	ctx := context.Background()
	c.settings("320281001", `{"off_plan":{"enabled":true,"minutes":0}}`)
	start := now.Add(-time.Hour)
	var plan struct {
		ID     int64 `json:"id"`
		Routes []struct {
			Officer   string `json:"officer"`
			Waypoints []struct {
				H3    string    `json:"h3"`
				Lat   float64   `json:"lat"`
				Lon   float64   `json:"lon"`
				Leave time.Time `json:"leave"`
			} `json:"waypoints"`
		} `json:"routes"`
	}
	if st, body := c.Do("POST", "/api/v1/plans", "admin", map[string]any{"squadron": "Q1", "start": start.Format(time.RFC3339),
		"duration_min": 120, "speed_kmh": 5, "officers": []string{"o1"}}, &plan); st != http.StatusCreated {
		t.Fatalf("POST /plans = %d %s", st, body)
	}
	if len(plan.Routes) != 1 || len(plan.Routes[0].Waypoints) < 2 {
		t.Fatalf("plan = %+v, want a route of several cells", plan)
	}
	// Due by now: the cells whose leave time has passed.
	var due []int
	for i, wp := range plan.Routes[0].Waypoints {
		if wp.Leave.Before(now) {
			due = append(due, i)
		}
	}
	if len(due) == 0 || len(due) == len(plan.Routes[0].Waypoints) {
		t.Fatalf("%d of %d cells due by now: the test needs some, not all", len(due), len(plan.Routes[0].Waypoints))
	}
	// o1 has been patrolling, but elsewhere.
	c.batch("o1", fix{start.Add(time.Minute), outside})
	for range 2 {
		if err := c.Server.Watcher.CheckPlans(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := c.alerts("rule=off_plan")
	if len(got) != 1 || got[0].Officer != "o1" || got[0].Status != alert.Open {
		t.Fatalf("off_plan alerts = %+v, want o1's, open", got)
	}
	if missed, _ := got[0].Detail["missed"].([]any); len(missed) != len(due) {
		t.Errorf("missed cells = %v, want the %d due", got[0].Detail["missed"], len(due))
	}
	// o1 goes through every due cell, late: resolved.
	var late []fix
	for k, i := range due {
		wp := plan.Routes[0].Waypoints[i]
		late = append(late, fix{start.Add(time.Duration(10+3*k) * time.Minute), orb.Point{wp.Lon, wp.Lat}})
	}
	c.batch("o1", late...)
	if err := c.Server.Watcher.CheckPlans(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.alerts("rule=off_plan"); len(got) != 1 || got[0].Status != alert.Resolved {
		t.Errorf("after the cells were entered = %+v, want resolved", got)
	}
}

func TestOffPlanAwayFromTheRoute(t *testing.T) {
	c := newCity(t)
	c.settings("320281001", `{"off_plan":{"enabled":true,"minutes":30,"distance_m":300,"away_minutes":10}}`)
	start := now.Add(-time.Hour)
	var plan struct {
		ID     int64 `json:"id"`
		Routes []struct {
			Line struct {
				Coordinates [][2]float64 `json:"coordinates"`
			} `json:"line"`
		} `json:"routes"`
	}
	if st, body := c.Do("POST", "/api/v1/plans", "admin", map[string]any{"squadron": "Q1", "start": start.Format(time.RFC3339),
		"duration_min": 120, "speed_kmh": 5, "officers": []string{"o1"}}, &plan); st != http.StatusCreated {
		t.Fatalf("POST /plans = %d %s", st, body)
	}
	if len(plan.Routes) != 1 || len(plan.Routes[0].Line.Coordinates) < 2 {
		t.Fatalf("plan = %+v, want a route line", plan)
	}
	line := plan.Routes[0].Line.Coordinates
	onRoute := orb.Point(line[len(line)/2])
	// Far east in the township: kilometres from the route, which keeps to the western half.
	away := orb.Point{120.29, 31.86}
	t1 := start.Add(20 * time.Minute)
	// 5 minutes to go there (ingest refuses faster than 60 m/s), then 9 minutes away.
	c.batch("o1", fix{t1, onRoute}, fix{t1.Add(5 * time.Minute), away}, fix{t1.Add(10 * time.Minute), away},
		fix{t1.Add(14 * time.Minute), away})
	if got := c.alerts("rule=off_plan"); len(got) != 0 {
		t.Fatalf("off_plan after 9 minutes away = %+v, want none", got)
	}
	c.batch("o1", fix{t1.Add(15 * time.Minute), away}, fix{t1.Add(16 * time.Minute), away})
	got := c.alerts("rule=off_plan")
	if len(got) != 1 || got[0].Subject != alert.RouteSubject("o1") || got[0].Officer != "o1" || got[0].Status != alert.Open ||
		!got[0].ObservedAt.Equal(t1.Add(15*time.Minute)) {
		t.Fatalf("off_plan after 10 minutes away = %+v, want o1's route alert observed at the 10th minute", got)
	}
	if d, _ := got[0].Detail["distance_m"].(float64); d < 3000 || got[0].Detail["plan"] != float64(plan.ID) {
		t.Errorf("detail = %v, want plan %d and a distance of kilometres", got[0].Detail, plan.ID)
	}
	// The missed-cell half's check leaves the distance half's alert alone.
	if err := c.Server.Watcher.CheckPlans(context.Background()); err != nil {
		t.Fatal(err)
	}
	if open := c.alerts("rule=off_plan&status=open"); len(open) == 0 || open[0].ID != got[0].ID && open[len(open)-1].ID != got[0].ID {
		t.Fatalf("after CheckPlans the open off_plan alerts are %+v, want the route alert still open", open)
	}
	// Back within 300 m of the route: resolved by the system.
	c.batch("o1", fix{t1.Add(20 * time.Minute), onRoute})
	resolved := false
	for _, a := range c.alerts("rule=off_plan") {
		resolved = resolved || a.ID == got[0].ID && a.Status == alert.Resolved && a.ResolvedBy != nil && *a.ResolvedBy == ""
	}
	if !resolved {
		t.Errorf("after coming back = %+v, want alert %d resolved by the system", c.alerts("rule=off_plan"), got[0].ID)
	}
}

func TestCaseOverduePastTheDispatchSLA(t *testing.T) {
	c := newCity(t)
	ctx := context.Background()
	admin := auth.Identity{Name: "seed", Role: auth.Admin}
	newCase := func(title string, src cases.Source, ago time.Duration) cases.Case {
		t.Helper()
		cs, err := c.Server.Cases.Create(ctx, admin, cases.NewCase{Sector: "urban_management", Title: title,
			Lat: inside[1], Lon: inside[0], Source: src, ReportedAt: now.Add(-ago)})
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	// Defaults: assign 30 min, accept 60, arrive 120 after the report; hotline, citizen
	// app and referrals.
	late := newCase("40 分钟未派", cases.SourceHotline, 40*time.Minute)
	young := newCase("10 分钟", cases.SourceHotline, 10*time.Minute)
	newCase("巡查发现", cases.SourcePatrol, 3*time.Hour)
	for range 2 {
		if err := c.Server.Watcher.CheckOverdue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := c.alerts("rule=case_overdue")
	if len(got) != 1 || got[0].Subject != fmt.Sprint(late.ID) || got[0].Status != alert.Open {
		t.Fatalf("case_overdue alerts = %+v, want one open for case %d", got, late.ID)
	}
	dispatch, _ := got[0].Detail["dispatch"].([]any)
	if len(dispatch) != 1 || dispatch[0].(map[string]any)["stage"] != "assign" ||
		dispatch[0].(map[string]any)["minutes_overdue"] != float64(10) {
		t.Errorf("detail = %v, want the assign deadline, 10 minutes overdue", got[0].Detail)
	}
	// Assigned: the accept deadline (60 min) has not passed yet, so the alert resolves.
	if _, _, err := c.Server.Cases.AppendEvent(ctx, admin, late.ID, cases.NewEvent{Type: cases.EventAssign, Officer: "o1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Server.Watcher.CheckOverdue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.alerts("rule=case_overdue"); len(got) != 1 || got[0].Status != alert.Resolved {
		t.Fatalf("after the assignment = %+v, want resolved", got)
	}
	// Half an hour on, the accept deadline passes: a new alert naming it.
	c.Server.Watcher.SetClock(func() time.Time { return now.Add(30 * time.Minute) })
	if err := c.Server.Watcher.CheckOverdue(ctx); err != nil {
		t.Fatal(err)
	}
	open := c.alerts("rule=case_overdue&status=open")
	var stages []string
	for _, a := range open {
		for _, d := range a.Detail["dispatch"].([]any) {
			stages = append(stages, fmt.Sprint(a.Subject, ":", d.(map[string]any)["stage"]))
		}
	}
	// The case reported 10 minutes before now is now 40 minutes old: its assignment is late.
	slices.Sort(stages)
	want := []string{fmt.Sprint(late.ID, ":accept"), fmt.Sprint(young.ID, ":assign")}
	if slices.Sort(want); fmt.Sprint(stages) != fmt.Sprint(want) {
		t.Errorf("open alerts' dispatch stages = %v, want %v", stages, want)
	}
	// A stricter township setting for patrol cases too; a refused source is named.
	c.settings("320281001", `{"case_overdue":{"enabled":true,"assign_minutes":30,"sources":["patrol"]}}`)
	if err := c.Server.Watcher.CheckOverdue(ctx); err != nil {
		t.Fatal(err)
	}
	open = c.alerts("rule=case_overdue&status=open")
	if len(open) != 1 || open[0].Detail["case"] == fmt.Sprint(late.ID) {
		t.Errorf("with only patrol cases under the SLA = %+v, want the patrol case's alert alone", open)
	}
}

func TestHotspotForNewHotCellsOnce(t *testing.T) {
	c := newCity(t)
	ctx := context.Background()
	admin := auth.Identity{Name: "seed", Role: auth.Admin}
	report := func(p orb.Point, at time.Time) {
		t.Helper()
		if _, err := c.Server.Cases.Create(ctx, admin, cases.NewCase{Sector: "urban_management", Title: "占道",
			Lat: p[1], Lon: p[0], Source: cases.SourceHotline, ReportedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	// The analysis ends at the clock's day, China time: now is 16:00 on 27 November there.
	day := time.Date(2026, 11, 27, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	// A thin background over the eleven earlier weeks, one case a place in the south.
	for n := range 60 {
		report(orb.Point{120.205 + float64(n%10)*0.009, 31.805 + float64(n/10)*0.009}, day.AddDate(0, 0, -7*(1+n%11)-3))
	}
	// Fifteen cases in one northern cell in the last week: a new hot spot there.
	hot := orb.Point{120.275, 31.87}
	for n := range 15 {
		report(hot, day.AddDate(0, 0, -3).Add(time.Duration(n)*time.Minute))
	}
	hotCell := grid.CellAt(hot, grid.DefaultResolution).String()

	// Before the township's hour (16:00 China time now) nothing runs.
	c.settings("320281001", `{"hotspot":{"enabled":true,"hour":17}}`)
	if err := c.Server.Watcher.CheckHotspots(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.alerts("rule=hotspot"); len(got) != 0 {
		t.Fatalf("hotspot alerts before the hour = %+v, want none", got)
	}
	// At most max_cells a day: two, then the others of the ring the next run.
	c.settings("320281001", `{"hotspot":{"enabled":true,"hour":6,"max_cells":2}}`)
	if err := c.Server.Watcher.EvaluateHotspots(ctx, "320281001"); err != nil {
		t.Fatal(err)
	}
	if got := c.alerts("rule=hotspot"); len(got) != 2 {
		t.Fatalf("%d hotspot alerts with max_cells 2, want 2: %+v", len(got), got)
	}
	c.settings("320281001", `{"hotspot":{"enabled":true,"hour":6,"max_cells":10}}`)

	// Two instances, each running its day's analysis twice: one alert per cell.
	other := alert.NewWatcher(c.Server.Alerts, alert.Sources{HotSpots: c.Server.Analytics, Townships: c.Server.Grid})
	other.SetClock(func() time.Time { return now })
	for _, w := range []*alert.Watcher{c.Server.Watcher, other, c.Server.Watcher} {
		if err := w.CheckHotspots(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := other.EvaluateHotspots(ctx, "320281001"); err != nil {
		t.Fatal(err)
	}
	got := c.alerts("rule=hotspot")
	cells := map[string]int{}
	var hotAlert alert.Alert
	for _, a := range got {
		cells[a.Subject]++
		if a.Detail["category"] != "new_hot" || a.Township != "320281001" || a.Status != alert.Open || a.Lon == nil {
			t.Errorf("alert %+v, want an open new_hot alert of 320281001 at the cell's centre", a)
		}
		if a.Subject == hotCell {
			hotAlert = a
		}
	}
	if hotAlert.ID == 0 {
		t.Fatalf("hotspot alerts = %+v, want one for the cell %s", got, hotCell)
	}
	for cell, n := range cells {
		if n != 1 {
			t.Errorf("%d alerts for cell %s, want 1", n, cell)
		}
	}
	if len(cells) <= 2 || len(cells) > 7 {
		t.Errorf("%d cells alerted, want the hot cell and its ring (more than the first run's 2, at most 7)", len(cells))
	}
	// Resolved by a person, it is not raised again by the next day's analysis.
	if st, body := c.Do("POST", fmt.Sprintf("/api/v1/alerts/%d/resolve", hotAlert.ID), "admin", nil, nil); st != 200 {
		t.Fatalf("resolve = %d %s", st, body)
	}
	c.Server.Watcher.SetClock(func() time.Time { return now.Add(24 * time.Hour) })
	if err := c.Server.Watcher.CheckHotspots(ctx); err != nil {
		t.Fatal(err)
	}
	for _, a := range c.alerts("rule=hotspot&status=open") {
		if a.Subject == hotCell {
			t.Errorf("cell %s raised again after its alert was resolved: %+v", hotCell, a)
		}
	}
	// Three weeks on, the cluster is no longer in the last week: the others (its ring's)
	// resolve by themselves.
	if open := c.alerts("rule=hotspot&status=open"); len(open) == 0 {
		t.Fatal("no open hotspot alert left besides the resolved one: the test needs the ring's")
	}
	c.Server.Watcher.SetClock(func() time.Time { return now.Add(21 * 24 * time.Hour) })
	if err := c.Server.Watcher.CheckHotspots(ctx); err != nil {
		t.Fatal(err)
	}
	if open := c.alerts("rule=hotspot&status=open"); len(open) != 0 {
		t.Errorf("open hotspot alerts three weeks on = %+v, want none", open)
	}
}

func TestMetricsCountAlertsByRuleAndOutcome(t *testing.T) {
	c := newCity(t)
	at := now.Add(-10 * time.Minute)
	c.osmand("o1", at, inside, url.Values{"alarm": {"sos"}, "mock": {"true"}})
	c.osmand("o1", at.Add(time.Minute), inside, nil) // the mock alert resolves itself
	sos := c.alerts("rule=sos")
	if len(sos) != 1 {
		t.Fatalf("sos alerts = %+v, want 1", sos)
	}
	if st, body := c.Do("POST", fmt.Sprintf("/api/v1/alerts/%d/resolve", sos[0].ID), "admin", nil, nil); st != 200 {
		t.Fatalf("resolve = %d %s", st, body)
	}
	st, body := c.Do("GET", "/metrics", "admin", nil, nil)
	if st != 200 {
		t.Fatalf("GET /metrics = %d", st)
	}
	for _, want := range []string{
		`gridwatch_alerts_total{outcome="raised",rule="sos"} 1`,
		`gridwatch_alerts_total{outcome="resolved_by_person",rule="sos"} 1`,
		`gridwatch_alerts_total{outcome="resolved_by_system",rule="sos"} 0`,
		`gridwatch_alerts_total{outcome="raised",rule="mock_location"} 1`,
		`gridwatch_alerts_total{outcome="resolved_by_system",rule="mock_location"} 1`,
		`gridwatch_alert_fixes_evaluated_total 2`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !strings.Contains(string(body), `gridwatch_alert_evaluation_seconds_total{check="fixes"} `) ||
		strings.Contains(string(body), `gridwatch_alert_evaluation_seconds_total{check="fixes"} 0`+"\n") {
		t.Errorf("the time of the rules over fixes is not counted")
	}
}
