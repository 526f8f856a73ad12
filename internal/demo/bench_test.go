package demo_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/civil"
	"github.com/gridwatch/gridwatch/internal/demo"
	"github.com/gridwatch/gridwatch/internal/pgtest"
)

// BenchmarkDemoDayQueries measures the read side on the demo city (about 310 officers and
// a million fixes of one day shift, 90 days of cases): one officer's track and stops over
// the shift, coverage, hot spots, emerging hot spots, blind zones, the use of the
// delegated powers over the 90 days and the year's assessment, against a baseline
// route that answers from the database without work (GET /api/v1/me, which authenticates
// like the others).
func BenchmarkDemoDayQueries(b *testing.B) {
	ctx := context.Background()
	srv, now, _ := loadWholeDemo(b)
	token, _, err := srv.Tokens.Create(ctx, auth.TokenSpec{Name: "bench", Role: auth.Analyst})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	shift := demo.LastShift(now)
	window := "from=" + url.QueryEscape(shift.Start.Format(time.RFC3339)) + "&to=" + url.QueryEscape(shift.Start.Add(shift.Duration).Format(time.RFC3339))
	month := "from=" + url.QueryEscape(now.Add(-30*24*time.Hour).Format(time.RFC3339)) + "&to=" + url.QueryEscape(now.Format(time.RFC3339))
	quarter := "from=" + url.QueryEscape(now.Add(-demo.CaseWindow).Format(time.RFC3339)) + "&to=" + url.QueryEscape(now.Format(time.RFC3339))
	routes := []struct{ name, path string }{
		{"baseline-me", "/api/v1/me"},
		{"track", "/api/v1/officers/320281001-Q1-01/track?" + window},
		{"track-simplified-5m", "/api/v1/officers/320281001-Q1-01/track?simplify=5&" + window},
		{"stops", "/api/v1/officers/320281001-Q1-01/stops?" + window},
		{"coverage-township", "/api/v1/coverage?township=320281101&" + window},
		{"coverage-city", "/api/v1/coverage?" + window},
		{"hotspots-30d-city", "/api/v1/hotspots?" + month},
		{"hotspots-30d-city-999-permutations", "/api/v1/hotspots?permutations=999&" + month},
		{"hotspots-emerging-90d-weekly", "/api/v1/hotspots/emerging?step=week&" + quarter},
		{"blindzones-30d-township", "/api/v1/blindzones?level=township&" + month},
		{"blindzones-30d-grid", "/api/v1/blindzones?level=grid&" + month},
		{"blindzones-30d-cell", "/api/v1/blindzones?level=cell&" + month},
		{"powers-usage-90d", "/api/v1/powers/usage?" + quarter},
		{"powers-usage-90d-csv", "/api/v1/powers/usage?format=csv&" + quarter},
		// The year that holds the demo's end: its 90 days of cases and day of patrols, every
		// township, squadron and officer.
		{"assessment-year-all-levels", "/api/v1/assessment?period=year&from=" + now.In(civil.ChinaTime).Format(time.DateOnly)},
		{"assessment-year-all-levels-xlsx", "/api/v1/assessment?period=year&format=xlsx&from=" + now.In(civil.ChinaTime).Format(time.DateOnly)},
		{"assessment-year-township", "/api/v1/assessment?period=year&level=township&from=" + now.In(civil.ChinaTime).Format(time.DateOnly)},
		{"assessment-year-squadron", "/api/v1/assessment?period=year&level=squadron&from=" + now.In(civil.ChinaTime).Format(time.DateOnly)},
		{"assessment-year-officer", "/api/v1/assessment?period=year&level=officer&from=" + now.In(civil.ChinaTime).Format(time.DateOnly)},
	}
	for _, rt := range routes {
		b.Run(rt.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				req, _ := http.NewRequest("GET", ts.URL+rt.path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("%s: %d", rt.path, resp.StatusCode)
				}
			}
		})
	}
}

// loadWholeDemo opens a server on a fresh database with the whole demo city — townships,
// a day of patrols, 90 days of cases — and returns it with the time the demo ends at and
// the centres of the case clusters, with access logs off (they would bury benchmark
// figures).
func loadWholeDemo(tb testing.TB) (*app.Server, time.Time, []grid.Cell) {
	tb.Helper()
	ctx := context.Background()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv, err := app.Open(ctx, app.Config{DatabaseURL: pgtest.NewDB(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Close)
	now := time.Now()
	if err := demo.Load(ctx, srv.Grid, demo.DefaultSeed, 0); err != nil {
		tb.Fatal(err)
	}
	if err := demo.LoadPatrols(ctx, demo.Patrol{Grid: srv.Grid, Officers: srv.Officers, Positions: srv.Positions}, demo.DefaultSeed, now); err != nil {
		tb.Fatal(err)
	}
	if err := demo.LoadPowers(ctx, srv.Grid, srv.Powers); err != nil {
		tb.Fatal(err)
	}
	centres, err := demo.LoadCases(ctx, srv.Grid, srv.Officers, srv.Cases, srv.Powers, demo.DefaultSeed, now)
	if err != nil {
		tb.Fatal(err)
	}
	return srv, now, centres
}
