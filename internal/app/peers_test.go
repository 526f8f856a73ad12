package app_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgtest"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// TestTwoInstancesShareLiveFeedAndTiles runs two servers on one database, as a scaled-out
// deployment does: a position posted to the first reaches a live feed held on the second,
// and the second's cached tracks and cases tiles are rebuilt after changes made through
// the first.
func TestTwoInstancesShareLiveFeedAndTiles(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	servers, clients := twoInstances(ctx, t, app.Config{})
	first, second := servers[0], servers[1]
	square := apptest.Box(120.20, 31.80, 120.24, 31.83)
	if _, err := first.Grid.Import(ctx, []grid.TownshipInput{{Code: "A", Name: "甲", Geom: square}}, 9); err != nil {
		t.Fatal(err)
	}
	if err := first.Grid.CreateSquadron(ctx, grid.Squadron{Code: "A1", Name: "甲一", Township: "A"}); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Officers.Create(ctx, officer.Officer{ID: "o1", Name: "王", Squadron: "A1"}, ""); err != nil {
		t.Fatal(err)
	}
	token, _, err := first.Tokens.Create(ctx, auth.TokenSpec{Name: "wall", Role: auth.Admin})
	if err != nil {
		t.Fatal(err)
	}
	for i := range clients {
		clients[i].Tokens["admin"] = token
	}
	deadline := time.Now().Add(10 * time.Second)
	for !first.Bus.Listening() || !second.Bus.Listening() {
		if time.Now().After(deadline) {
			t.Fatal("the instances never started listening")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Warm the second instance's caches of the tiles the changes will touch.
	fix := orb.Point{120.221, 31.815}
	tile := mvt.TilesAt(fix, 15, 15)[0]
	tracksPath := fmt.Sprintf("/tiles/tracks/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y)
	casesPath := fmt.Sprintf("/tiles/cases/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y)
	for _, path := range []string{tracksPath, casesPath} {
		if code, _ := clients[1].Do("GET", path, "admin", nil, nil); code != http.StatusNoContent {
			t.Fatalf("GET %s on the second instance = %d, want 204 (empty)", path, code)
		}
	}

	// A map wall on the second instance holds the live feed.
	req, _ := http.NewRequestWithContext(ctx, "GET", clients[1].URL+"/api/v1/live", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("live feed: %v %v", resp, err)
	}
	defer resp.Body.Close()
	events := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data:") {
				events <- sc.Text()
			}
		}
		close(events)
	}()

	at := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	// Two fixes: a track needs a line.
	body := map[string]any{"positions": []map[string]any{{"officer": "o1", "time": at.Add(-30 * time.Second), "lat": fix[1], "lon": fix[0] - 0.0003},
		{"officer": "o1", "time": at, "lat": fix[1], "lon": fix[0]}}}
	if code, raw := clients[0].Do("POST", "/api/v1/positions", "admin", body, nil); code != 200 {
		t.Fatalf("POST positions to the first instance = %d %s", code, raw)
	}
	for _, want := range []time.Time{at.Add(-30 * time.Second), at} {
		select {
		case ev := <-events:
			if !strings.Contains(ev, `"officer":"o1"`) || !strings.Contains(ev, want.Format(time.RFC3339)) {
				t.Errorf("the second instance's live feed sent %s, want the fix of %v", ev, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the positions posted to the first instance never reached the second's live feed")
		}
	}

	caseBody := map[string]any{"sector": "urban_management", "title": "占道经营", "lat": fix[1], "lon": fix[0]}
	if code, raw := clients[0].Do("POST", "/api/v1/cases", "admin", caseBody, nil); code != 201 {
		t.Fatalf("POST case to the first instance = %d %s", code, raw)
	}
	// The second instance hears both changes asynchronously: its tiles show them soon.
	for _, path := range []string{tracksPath, casesPath} {
		for code := 0; code != http.StatusOK; {
			if time.Now().After(deadline.Add(5 * time.Second)) {
				t.Fatalf("GET %s on the second instance still %d after the first instance's change", path, code)
			}
			code, _ = clients[1].Do("GET", path, "admin", nil, nil)
			time.Sleep(20 * time.Millisecond)
		}
	}
	if sent, _ := first.Bus.Counts(); sent < 2 {
		t.Errorf("the first instance sent %d messages, want at least 2", sent)
	}
}

// twoInstances opens two servers configured by cfg on one new database, as a scaled-out
// deployment runs them, each served over HTTP with its background work on, and returns
// them with a client of each.
func twoInstances(ctx context.Context, t *testing.T, cfg app.Config) ([2]*app.Server, [2]apptest.Client) {
	t.Helper()
	cfg.DatabaseURL = pgtest.NewDB(t)
	var servers [2]*app.Server
	var clients [2]apptest.Client
	for i := range servers {
		srv, err := app.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(hs.Close)
		srv.Background(ctx)
		servers[i], clients[i] = srv, apptest.Client{TB: t, URL: hs.URL, Tokens: map[string]string{}}
	}
	return servers, clients
}
