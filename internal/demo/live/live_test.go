package live_test

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/demo/live"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// TestRunAgainstARealServer runs ten phones for five seconds, with short intervals,
// against a server on a test database: fixes are stored through both protocols, the
// hotline files cases, the SOS phone raises an sos alert, and Run returns promptly when
// its context ends, leaving no goroutine behind.
func TestRunAgainstARealServer(t *testing.T) {
	spec := apptest.Spec{
		Townships: []grid.TownshipInput{
			{Code: "320281001", Name: "澄江", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)},
		},
		Squadrons: []grid.Squadron{{Code: "Q1", Name: "一中队", Township: "320281001"}},
		GridAreas: []grid.NewGridArea{
			{Code: "G1", Name: "西网格", Township: "320281001", Squadron: "Q1", Polygon: apptest.Box(120.20, 31.80, 120.25, 31.88)[0]},
			{Code: "G2", Name: "东网格", Township: "320281001", Squadron: "Q1", Polygon: apptest.Box(120.25, 31.80, 120.30, 31.88)[0]},
		},
		Tokens: map[string]auth.TokenSpec{"admin": {Role: auth.Admin}},
	}
	for _, id := range []string{"o01", "o02", "o03", "o04", "o05", "o06", "o07", "o08", "o09", "o10"} {
		spec.Officers = append(spec.Officers, officer.Officer{ID: id, Squadron: "Q1", DeviceID: "dev-" + id})
	}
	c := apptest.NewCity(t, spec)
	ctx := context.Background()
	phones, err := live.Prepare(ctx, live.Stores{Grid: c.Server.Grid, Officers: c.Server.Officers, Tokens: c.Server.Tokens})
	if err != nil {
		t.Fatal(err)
	}
	if len(phones) != 10 || !phones[0].OsmAnd || phones[0].Role != live.SOS || phones[1].OsmAnd {
		t.Fatalf("phones = %+v, want ten with o01 the OsmAnd SOS phone", phones)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	before := runtime.NumGoroutine()
	run, stop := context.WithTimeout(ctx, 5*time.Second)
	defer stop()
	began := time.Now()
	n, err := live.Run(run, live.Config{BaseURL: c.URL, AdminToken: c.Tokens["admin"], Phones: phones, Client: client,
		// Fixes at least a second apart: OsmAnd timestamps are whole seconds, and a second fix
		// in the same second would be a duplicate, not stored (nor its alarm seen). Cases
		// every 0.3 s on average, so that the first is due early even on a busy machine.
		Tick: 50 * time.Millisecond, Options: live.Options{MinEvery: 1000 * time.Millisecond, MaxEvery: 1100 * time.Millisecond,
			SOSAfter: 1500 * time.Millisecond, WanderAfter: 2 * time.Second, SilentAfter: 2 * time.Second, CasesPerHour: 12000, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	// Run must return once its context ends rather than finish its queue: a hang detector,
	// not a timing check (a request in flight is cut off by the context, not its timeout).
	if took := time.Since(began); took > 30*time.Second {
		t.Errorf("Run took %v to stop after its 5 s context ended", took)
	}
	t.Logf("sent %+v", n)

	var osmand, json int
	if err := c.Server.DB.QueryRow(ctx, `SELECT count(*) FILTER (WHERE officer = 'o01'), count(*) FILTER (WHERE officer = 'o02')
		FROM positions`).Scan(&osmand, &json); err != nil {
		t.Fatal(err)
	}
	if osmand < 3 || json < 3 {
		t.Errorf("stored %d fixes of the OsmAnd phone o01 and %d of the JSON phone o02, want several of each", osmand, json)
	}
	if n.Failed > 0 {
		t.Errorf("%d requests failed", n.Failed)
	}
	var filed int
	if err := c.Server.DB.QueryRow(ctx, `SELECT count(*) FROM cases WHERE source = 'hotline_12345'`).Scan(&filed); err != nil {
		t.Fatal(err)
	}
	if filed < 1 || filed != n.Cases {
		t.Errorf("%d hotline cases stored, %d sent; want at least one, all stored", filed, n.Cases)
	}
	c.Server.Watcher.Drain(ctx) // the server evaluates alert rules in Serve, which apptest does not run
	alerts := listAlerts(t, c, "sos")
	if len(alerts) != 1 || alerts[0].Officer != "o01" {
		t.Errorf("sos alerts = %+v, want one of o01", alerts)
	}

	client.CloseIdleConnections()
	c.HTTP.CloseClientConnections()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if now := runtime.NumGoroutine(); now > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Run, %d before:\n%s", now, before, buf[:runtime.Stack(buf, true)])
	}
}

type alertItem struct {
	Rule    string `json:"rule"`
	Officer string `json:"officer"`
}

func listAlerts(t *testing.T, c *apptest.City, rule string) []alertItem {
	t.Helper()
	var page struct {
		Alerts []alertItem `json:"alerts"`
	}
	if status, body := c.Do("GET", "/api/v1/alerts?rule="+rule, "admin", nil, &page); status != 200 {
		t.Fatalf("GET alerts: %d %s", status, body)
	}
	return page.Alerts
}
