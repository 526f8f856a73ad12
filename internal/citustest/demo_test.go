//go:build citus

package citustest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/demo"
	"github.com/gridwatch/gridwatch/internal/pgtest"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// patrolledSquadrons is how many of the demo's squadrons patrol in these tests; the
// others get an officer of their own first, which LoadPatrols leaves alone (a whole day
// of the demo's patrols is a million fixes, minutes of ingest per database here).
const patrolledSquadrons = 3

// demoNow is the fixed time the demo city is built at, so that both servers hold the same.
var demoNow = time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC)

// demoCity is the demo city on one server, served over HTTP with an analyst's and an
// admin's token.
type demoCity struct {
	srv            *app.Server
	url            string
	analyst, admin string
}

// loadDemo builds the demo city (townships, squadrons, grid areas, the powers catalog,
// 90 days of cases, a day shift of patrolledSquadrons squadrons) on a fresh database of
// the server at base.
func loadDemo(t *testing.T, base string) *demoCity {
	t.Helper()
	ctx := context.Background()
	srv, err := app.Open(ctx, app.Config{DatabaseURL: pgtest.NewDBAt(t, base)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.Positions.SetClock(func() time.Time { return demoNow })
	if _, err := srv.Calendar.LoadShipped(ctx); err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, srv.Grid, demo.DefaultSeed, 0); err != nil {
		t.Fatal(err)
	}
	squadrons, err := srv.Grid.Squadrons(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range squadrons[patrolledSquadrons:] {
		if _, err := srv.Officers.Create(ctx, officer.Officer{ID: q.Code + "-0", Name: "警员", Squadron: q.Code}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := demo.LoadPatrols(ctx, demo.Patrol{Grid: srv.Grid, Officers: srv.Officers, Positions: srv.Positions}, demo.DefaultSeed, demoNow); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadPowers(ctx, srv.Grid, srv.Powers); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadCases(ctx, srv.Grid, srv.Officers, srv.Cases, srv.Powers, demo.DefaultSeed, demoNow); err != nil {
		t.Fatal(err)
	}
	d := &demoCity{srv: srv}
	if d.analyst, _, err = srv.Tokens.Create(ctx, auth.TokenSpec{Name: "analyst", Role: auth.Analyst}); err != nil {
		t.Fatal(err)
	}
	if d.admin, _, err = srv.Tokens.Create(ctx, auth.TokenSpec{Name: "admin", Role: auth.Admin}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	d.url = ts.URL
	return d
}

// do sends a request with token and returns the status and the body.
func (d *demoCity) do(t *testing.T, method, path, token string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, d.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestDemoAnswersEqualSingleNode builds the demo city on a single node
// (GRIDWATCH_SINGLE_DATABASE_URL) and on the Citus coordinator (DATABASE_URL) and checks
// that they answer byte for byte alike: hot spots, blind zones, tiles of cases, coverage
// and tracks, and ingest's exactly-once (a batch sent twice is stored once).
func TestDemoAnswersEqualSingleNode(t *testing.T) {
	single := os.Getenv("GRIDWATCH_SINGLE_DATABASE_URL")
	if single == "" {
		t.Fatal("GRIDWATCH_SINGLE_DATABASE_URL is not set: scripts/test-citus sets it to a single-node PostGIS")
	}
	// The demo's loading is quiet; the tests after this one log as before.
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { slog.SetDefault(previous) })
	start := time.Now()
	one := loadDemo(t, single)
	t.Logf("demo city on one node in %s", time.Since(start).Round(time.Second))
	start = time.Now()
	cluster := loadDemo(t, pgtest.URL(t))
	t.Logf("demo city on Citus in %s", time.Since(start).Round(time.Second))

	window := "from=" + url.QueryEscape(demoNow.Add(-demo.CaseWindow).Format(time.RFC3339)) +
		"&to=" + url.QueryEscape(demoNow.Format(time.RFC3339))
	shift := demo.LastShift(demoNow)
	patrol := "from=" + url.QueryEscape(shift.Start.Format(time.RFC3339)) + "&to=" + url.QueryEscape(demoNow.Format(time.RFC3339))
	// Tiles where the first patrolled officer ended the shift, at z10 and z13.
	officerID, at := lastFix(t, one)
	x10, y10 := tileOf(at, 10)
	x13, y13 := tileOf(at, 13)
	reads := []string{
		"/api/v1/hotspots?" + window,
		"/api/v1/blindzones?level=township&" + window,
		"/api/v1/blindzones?level=grid&" + window,
		fmt.Sprintf("/tiles/cases/10/%d/%d.mvt?%s", x10, y10, window),
		fmt.Sprintf("/tiles/coverage/10/%d/%d.mvt?%s", x10, y10, patrol),
		fmt.Sprintf("/tiles/coverage/13/%d/%d.mvt?%s", x13, y13, patrol),
		fmt.Sprintf("/tiles/tracks/13/%d/%d.mvt?%s", x13, y13, patrol),
		fmt.Sprintf("/tiles/cases/13/%d/%d.mvt?%s", x13, y13, window),
	}
	for _, path := range reads {
		start := time.Now()
		c1, b1 := one.do(t, "GET", path, one.analyst, nil)
		took1 := time.Since(start)
		start = time.Now()
		c2, b2 := cluster.do(t, "GET", path, cluster.analyst, nil)
		took2 := time.Since(start)
		switch {
		case c1 != 200:
			t.Errorf("GET %s on one node = %d %.300s: want an answer with content to compare", path, c1, b1)
		case c1 != c2 || !bytes.Equal(b1, b2):
			t.Errorf("GET %s: one node %d (%d bytes), Citus %d (%d bytes) %.300s", path, c1, len(b1), c2, len(b2), b2)
		default:
			t.Logf("GET %s: %d, %d bytes alike; one node %s, Citus %s", path, c1, len(b1),
				took1.Round(time.Millisecond), took2.Round(time.Millisecond))
		}
	}

	// Exactly once: a batch of new fixes of that officer, walking on from where the
	// shift ended, sent twice: the answers alike, and the fixes stored once.
	var batch bytes.Buffer
	batch.WriteString(`{"positions":[`)
	for i := range 50 {
		if i > 0 {
			batch.WriteByte(',')
		}
		when := demoNow.Add(time.Duration(i-60) * time.Minute).Format(time.RFC3339)
		fmt.Fprintf(&batch, `{"officer":%q,"time":%q,"lat":%.6f,"lon":%.6f}`, officerID, when, at[1]+0.0001*float64(i), at[0])
	}
	batch.WriteString(`]}`)
	var answers [2][2][]byte
	for k, d := range []*demoCity{one, cluster} {
		for round := range 2 {
			code, body := d.do(t, "POST", "/api/v1/positions", d.admin, batch.Bytes())
			if code != 200 {
				t.Fatalf("POST /positions (round %d) = %d %.300s", round, code, body)
			}
			answers[k][round] = body
		}
	}
	for round := range 2 {
		if !bytes.Equal(answers[0][round], answers[1][round]) {
			t.Errorf("POST /positions, round %d: one node %s, Citus %s", round, answers[0][round], answers[1][round])
		}
	}
	t.Logf("POST /positions: first %s, again %s", answers[1][0], answers[1][1])
	counts := func(d *demoCity) string {
		var n, officers int
		if err := d.srv.DB.QueryRow(context.Background(), "SELECT count(*), count(DISTINCT officer) FROM positions").Scan(&n, &officers); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d fixes of %d officers", n, officers)
	}
	if a, b := counts(one), counts(cluster); a != b {
		t.Errorf("after the batch sent twice: one node %s, Citus %s", a, b)
	} else {
		t.Logf("after the batch sent twice: %s on both", a)
	}
}

// lastFix returns the first patrolled officer of the demo city on d (by ID) and where
// that officer was last.
func lastFix(t *testing.T, d *demoCity) (string, orb.Point) {
	t.Helper()
	var id string
	var p orb.Point
	err := d.srv.DB.QueryRow(context.Background(),
		"SELECT officer, ST_X(geom), ST_Y(geom) FROM officer_latest ORDER BY officer LIMIT 1").Scan(&id, &p[0], &p[1])
	if err != nil {
		t.Fatal(err)
	}
	return id, p
}

// tileOf returns the x and y of the web-mercator tile holding p at zoom z.
func tileOf(p orb.Point, z int) (int, int) {
	n := math.Exp2(float64(z))
	lat := p[1] * math.Pi / 180
	x := (p[0] + 180) / 360 * n
	y := (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2 * n
	return int(x), int(y)
}
