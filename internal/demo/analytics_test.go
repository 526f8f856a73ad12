package demo_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/demo"
	"github.com/gridwatch/gridwatch/patrol/analytics"
)

type props = map[string]any

type collection struct {
	Features []struct {
		ID         string `json:"id"`
		Properties props  `json:"properties"`
	} `json:"features"`
}

// TestAnalyticsFindWhatTheDemoBuilt loads the whole demo city (townships, a day of
// patrols, 90 days of cases) and checks that the blind-zone report finds the townships
// built without non-core cases, and the hot spot report the clusters the generator made.
func TestAnalyticsFindWhatTheDemoBuilt(t *testing.T) {
	ctx := context.Background()
	srv, now, centres := loadWholeDemo(t)
	analyst, _, _ := srv.Tokens.Create(ctx, auth.TokenSpec{Name: "analyst", Role: auth.Analyst})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	get := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+analyst)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	window := "from=" + url.QueryEscape(now.Add(-demo.CaseWindow).Format(time.RFC3339)) + "&to=" + url.QueryEscape(now.Format(time.RFC3339))

	t.Run("blind zones by township", func(t *testing.T) {
		code, body := get("/api/v1/blindzones?level=township&" + window)
		var fc collection
		if err := json.Unmarshal([]byte(body), &fc); err != nil || code != 200 || len(fc.Features) != 17 {
			t.Fatalf("blindzones = %d %.300s", code, body)
		}
		var flagged []string
		for _, f := range fc.Features {
			if f.Properties["kind"] == "sector_gap" {
				flagged = append(flagged, f.ID)
			}
			t.Logf("%s: hours %v other %v expected %v p %v adj %v kind %v", f.ID, f.Properties["patrol_hours"], f.Properties["cases_other"], f.Properties["expected_other"], f.Properties["p_absence"], f.Properties["p_adjusted"], f.Properties["kind"])
			for _, k := range []string{"patrol_visits", "cases_total", "cases_core", "cases_other", "expected_other", "p_absence", "kind", "sectors_missing"} {
				if _, ok := f.Properties[k]; !ok {
					t.Fatalf("feature %s lacks %s", f.ID, k)
				}
			}
		}
		slices.Sort(flagged)
		if !slices.Equal(flagged, demo.BlindTownships) {
			t.Errorf("sector gaps = %v, want the demo's blind townships %v", flagged, demo.BlindTownships)
		}
		for _, f := range fc.Features {
			// A blind township holds 78 non-core items and cites none of them.
			unused, _ := f.Properties["items_unused"].([]any)
			if blind := slices.Contains(demo.BlindTownships, f.ID); blind != (len(unused) == 78) {
				t.Errorf("%s: %d items unused", f.ID, len(unused))
			}
		}
	})

	t.Run("powers usage", func(t *testing.T) {
		code, body := get("/api/v1/powers/usage?" + window)
		var u analytics.Usage
		if err := json.Unmarshal([]byte(body), &u); err != nil || code != 200 || len(u.Sectors) != 17*12 {
			t.Fatalf("usage = %d, %d sector rows, %v", code, len(u.Sectors), err)
		}
		zero := map[string]int{}
		for _, s := range u.Sectors {
			if s.ZeroUse {
				zero[s.Township]++
			}
			if s.Township == demo.Chengjiang && s.Sector == "urban_management" && (s.Items != 0 || s.Cases == 0) {
				t.Errorf("澄江 urban management: %d items held, %d cases; want none held, cases routed", s.Items, s.Cases)
			}
		}
		// The blind townships file no non-core case, but 90 days of some 2,100 cases over
		// 96 items leave few sectors expected to reach 3 cases with a significant
		// absence; a sector flagged elsewhere would be a false alarm.
		t.Logf("zero-use sectors by township: %v", zero)
		flagged := 0
		for tw, n := range zero {
			flagged += n
			if !slices.Contains(demo.BlindTownships, tw) {
				t.Errorf("township %s has %d zero-use sectors: only the blind townships should", tw, n)
			}
		}
		if flagged == 0 {
			t.Errorf("no zero-use sector in the blind townships")
		}
	})

	t.Run("hot spots of all cases", func(t *testing.T) {
		code, body := get("/api/v1/hotspots?" + window)
		var fc collection
		if err := json.Unmarshal([]byte(body), &fc); err != nil || code != 200 {
			t.Fatalf("hotspots = %d %.300s", code, body)
		}
		bins := map[string]float64{}
		for _, f := range fc.Features {
			bins[f.ID] = f.Properties["bin"].(float64)
		}
		if len(bins) < 12000 {
			t.Errorf("%d cells analysed, want the whole city zero-filled", len(bins))
		}
		for _, c := range centres {
			hot := 0
			for _, n := range h3.GridDisk(c, 1) {
				if bins[n.String()] >= 2 {
					hot++
				}
			}
			if hot < 4 {
				t.Errorf("cluster around %s: %d of its 7 cells hot at 95 %%, want most", c, hot)
			}
		}
	})

	// readCSV checks the byte-order mark Excel needs and reads the rows after it.
	readCSV := func(body string) ([][]string, error) {
		rest, ok := strings.CutPrefix(body, "\ufeff")
		if !ok {
			t.Errorf("csv starts %q, want a UTF-8 byte-order mark", body[:min(len(body), 8)])
		}
		return csv.NewReader(strings.NewReader(rest)).ReadAll()
	}
	t.Run("csv export", func(t *testing.T) {
		code, body := get("/api/v1/hotspots?format=csv&sector=non_core&" + window)
		rows, err := readCSV(body)
		if err != nil || code != 200 || len(rows) < 12000 || strings.Join(rows[0], ",") != "h3,township,count,gi_z,p,p_fdr,bin" {
			t.Errorf("csv = %d, %d rows, header %v, %v", code, len(rows), rows[0], err)
		}
		// One township and no level: its grid areas are compared (one unit cannot be).
		code, body = get("/api/v1/blindzones?township=320281001&format=csv&" + window)
		rows, err = readCSV(body)
		if err != nil || code != 200 || len(rows) < 3 || rows[1][1] != "grid" {
			t.Errorf("one township's blind zones csv = %d, %d rows, %v: %.200s", code, len(rows), err, body)
		}
		code, body = get("/api/v1/blindzones?level=grid&format=csv&" + window)
		rows, err = readCSV(body)
		if err != nil || code != 200 || len(rows) < 100 || rows[0][0] != "code" || rows[0][11] != "kind" {
			t.Errorf("blind zones csv = %d, %d rows, %v", code, len(rows), err)
		}
		code, body = get("/api/v1/hotspots/emerging?format=csv&step=month&" + window)
		rows, err = readCSV(body)
		if err != nil || code != 200 || len(rows) < 12000 || rows[0][2] != "category" || strings.Count(rows[1][7], ";") < 2 {
			t.Errorf("emerging csv = %d, %d rows, %v", code, len(rows), err)
		}
	})

	t.Run("emerging hot spots", func(t *testing.T) {
		code, body := get("/api/v1/hotspots/emerging?step=week&" + window)
		var fc collection
		if err := json.Unmarshal([]byte(body), &fc); err != nil || code != 200 {
			t.Fatalf("emerging = %d %.300s", code, body)
		}
		var answer struct {
			Step        string `json:"step"`
			Steps       []struct{ From, To time.Time }
			LeftOut     *struct{ From, To time.Time } `json:"left_out"`
			MostlySteps int                           `json:"mostly_steps"`
			Unreachable []string                      `json:"unreachable"`
		}
		if err := json.Unmarshal([]byte(body), &answer); err != nil {
			t.Fatal(err)
		}
		// 90 days of weekly steps: 12 whole weeks back from the end, and 6 days before
		// them analysed as a first step of their own.
		last := answer.Steps[len(answer.Steps)-1]
		if answer.Step != "week" || len(answer.Steps) != 13 || !last.To.Equal(now.Truncate(time.Second)) ||
			last.To.Sub(last.From) != 7*24*time.Hour || answer.LeftOut != nil || answer.MostlySteps != 12 ||
			answer.Unreachable == nil || len(answer.Unreachable) != 0 {
			t.Errorf("emerging steps = %+v, want 13 steps, the last a whole week ending at %v, nothing unreachable", answer, now)
		}
		code, body = get("/api/v1/hotspots/emerging?step=month&" + window)
		if err := json.Unmarshal([]byte(body), &answer); err != nil || code != 200 {
			t.Fatalf("monthly emerging = %d %.300s", code, body)
		}
		if len(answer.Steps) != 3 || answer.MostlySteps != 3 || !slices.Contains(answer.Unreachable, "intensifying_hot") ||
			!slices.Contains(answer.Unreachable, "historical_cold") {
			t.Errorf("monthly emerging steps = %+v, want 3 steps and the trend and historical categories unreachable", answer)
		}
		categories := map[string]int{}
		for _, f := range fc.Features {
			categories[f.Properties["category"].(string)]++
		}
		if categories["no_pattern"] == len(fc.Features) {
			t.Errorf("every cell has no pattern: %v", categories)
		}
		t.Logf("emerging categories: %v", categories)
	})

	t.Run("bad input", func(t *testing.T) {
		for _, q := range []string{
			"/api/v1/hotspots?sector=astrology",
			"/api/v1/hotspots?from=2026-11-01T00:00:00Z&to=2026-10-01T00:00:00Z",
			"/api/v1/hotspots?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
			"/api/v1/hotspots?k=0",
			"/api/v1/hotspots?k=6",
			"/api/v1/hotspots?permutations=100000",
			"/api/v1/hotspots?format=xlsx",
			"/api/v1/hotspots/emerging?step=fortnight",
			"/api/v1/blindzones?level=planet",
		} {
			if code, body := get(q); code != 400 || !strings.Contains(body, `"code":"invalid"`) {
				t.Errorf("%s = %d %.200s, want 400", q, code, body)
			}
		}
		// A window with no cases at all: zero variance.
		empty := "from=" + url.QueryEscape(now.Add(-400*24*time.Hour).Format(time.RFC3339)) + "&to=" + url.QueryEscape(now.Add(-380*24*time.Hour).Format(time.RFC3339))
		if code, body := get("/api/v1/hotspots?" + empty); code != 422 || !strings.Contains(body, "variance") {
			t.Errorf("zero-variance study area = %d %.200s, want 422", code, body)
		}
	})
}
