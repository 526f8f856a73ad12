package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/admission"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// admissionCity is a city of one township with cases, analyses bounded by cfg, and an
// analyst token whose admission key is returned.
func admissionCity(t *testing.T, cfg admission.Config) (*apptest.City, string) {
	t.Helper()
	tc := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{
			{Code: "A", Name: "甲镇", Geom: apptest.Box(120.20, 31.80, 120.24, 31.83)},
			{Code: "B", Name: "乙镇", Geom: apptest.Box(120.24, 31.80, 120.28, 31.83)},
		},
		Tokens:    map[string]auth.TokenSpec{"analyst": {Role: auth.Analyst}, "admin": {Role: auth.Admin}},
		Configure: func(c *app.Config) { c.Admission = cfg },
	})
	for i := range 12 {
		if code, raw := tc.Do("POST", "/api/v1/cases", "admin", map[string]any{"sector": "water", "title": "违规取水",
			"lat": 31.805 + float64(i%4)*0.001, "lon": 120.205 + float64(i/4)*0.01}, nil); code != 201 {
			t.Fatalf("POST /cases = %d %s", code, raw)
		}
	}
	id, err := tc.Server.Tokens.Authenticate(context.Background(), tc.Tokens["analyst"])
	if err != nil {
		t.Fatal(err)
	}
	return tc, "token:" + strconv.FormatInt(id.TokenID, 10)
}

type answer struct {
	status     int
	retryAfter string
	body       string
}

func get(t *testing.T, tc *apptest.City, who, path string) answer {
	t.Helper()
	req, _ := http.NewRequest("GET", tc.HTTP.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tc.Tokens[who])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return answer{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(b)}
}

// TestAnalysisOverBudgetIsRefusedBeforeWork: the hot spots with 9,999
// permutations at k = 5 over a year are refused at once, naming the parameter to
// reduce; the same analysis analytic passes. (The budget is scaled to this small city.)
func TestAnalysisOverBudgetIsRefusedBeforeWork(t *testing.T) {
	tc, _ := admissionCity(t, admission.Config{MaxCost: 1e6})
	window := "from=" + time.Now().Add(-364*24*time.Hour).UTC().Format(time.RFC3339)
	before := tc.Server.Analytics.Computations()
	for _, tt := range []struct{ path, param string }{
		{"/api/v1/hotspots?permutations=9999&k=5&" + window, "permutations"},
		{"/tiles/hotspots/12/3418/1663.mvt?permutations=9999&k=5&" + window, "permutations"},
		{"/api/v1/hotspots/emerging?step=day&k=5&time_k=5&from=" + time.Now().Add(-119*24*time.Hour).UTC().Format(time.RFC3339), "k"},
	} {
		a := get(t, tc, "analyst", tt.path)
		if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, "reduce "+tt.param) ||
			!strings.Contains(a.body, `"parameter":"`+tt.param+`"`) {
			t.Errorf("GET %s = %d %s, want 422 naming %s", tt.path, a.status, a.body, tt.param)
		}
	}
	if n := tc.Server.Analytics.Computations() - before; n != 0 {
		t.Errorf("%d analyses computed for refused requests", n)
	}
	if a := get(t, tc, "analyst", "/api/v1/hotspots?k=1&"+window); a.status != 200 {
		t.Errorf("analytic hot spots = %d %s", a.status, a.body)
	}
}

// TestAnalysesOfOneTokenAreBounded replays the burst: while a token's analysis runs, one
// more waits and the rest are refused at once with Retry-After, on the API and on
// analysis tiles alike; another token is not held back by it, and once the turn is free
// the token runs again.
func TestAnalysesOfOneTokenAreBounded(t *testing.T) {
	tc, key := admissionCity(t, admission.Config{Global: 4, PerToken: 1, Queue: 1, Wait: 500 * time.Millisecond})
	release, err := tc.Server.Admission.Admit(context.Background(), key) // the token's running analysis
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	answers := make([]answer, 8)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from := time.Now().Add(-time.Duration(30+i) * 24 * time.Hour).UTC().Format(time.RFC3339)
			path := fmt.Sprintf("/api/v1/blindzones?level=cell&k=2&from=%s", from)
			if i%2 == 1 {
				path = fmt.Sprintf("/tiles/blindzones/12/3418/1663.mvt?level=cell&k=2&from=%s", from)
			}
			answers[i] = get(t, tc, "analyst", path)
		}()
	}
	wg.Wait()
	for i, a := range answers {
		if secs, _ := strconv.Atoi(a.retryAfter); a.status != http.StatusTooManyRequests || secs < 1 {
			t.Errorf("analysis %d of a busy token = %d Retry-After %q %s, want 429 with Retry-After", i, a.status, a.retryAfter, a.body)
		}
	}
	if a := get(t, tc, "admin", "/api/v1/blindzones?level=cell&k=2"); a.status != 200 {
		t.Errorf("another token = %d %s", a.status, a.body)
	}
	release()
	if a := get(t, tc, "analyst", "/api/v1/blindzones?level=cell&k=2"); a.status != 200 {
		t.Errorf("the token after its turn = %d %s", a.status, a.body)
	}
}

// TestBusyServerAnswers503: with every turn of the server taken, an analysis waits the
// bound and gets 503 with Retry-After.
func TestBusyServerAnswers503(t *testing.T) {
	tc, _ := admissionCity(t, admission.Config{Global: 1, Wait: 300 * time.Millisecond})
	release, err := tc.Server.Admission.Admit(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	a := get(t, tc, "analyst", "/api/v1/hotspots")
	if secs, _ := strconv.Atoi(a.retryAfter); a.status != http.StatusServiceUnavailable || secs < 1 {
		t.Errorf("analysis on a busy server = %d Retry-After %q %s, want 503 with Retry-After", a.status, a.retryAfter, a.body)
	}
}

// TestIdenticalAnalysesShareOneComputation: concurrent identical analyses of one data
// version — API and tiles of several tokens — are computed once; the next one is served
// the kept result; a new case makes a new version and a new computation.
func TestIdenticalAnalysesShareOneComputation(t *testing.T) {
	tc, _ := admissionCity(t, admission.Config{Global: 1, PerToken: 4, Wait: 10 * time.Second})
	release, err := tc.Server.Admission.Admit(context.Background(), "") // hold the server's only turn
	if err != nil {
		t.Fatal(err)
	}
	hour := time.Now().UTC().Truncate(time.Hour)
	q := "from=" + hour.Add(-30*24*time.Hour).Format(time.RFC3339) + "&to=" + hour.Add(2*time.Hour).Format(time.RFC3339) + "&k=2"
	before := tc.Server.Analytics.Computations()
	var wg sync.WaitGroup
	answers := make([]answer, 6)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := []string{"analyst", "admin"}[i%2]
			answers[i] = get(t, tc, who, "/api/v1/hotspots?"+q)
		}()
	}
	time.Sleep(300 * time.Millisecond) // every request is waiting for the one computation
	release()
	wg.Wait()
	for i, a := range answers {
		if a.status != 200 || a.body != answers[0].body {
			t.Errorf("request %d = %d, want 200 and the shared answer", i, a.status)
		}
	}
	if a := get(t, tc, "analyst", "/api/v1/hotspots?"+q); a.status != 200 {
		t.Errorf("a later identical analysis = %d %s", a.status, a.body)
	}
	if n := tc.Server.Analytics.Computations() - before; n != 1 {
		t.Errorf("computations = %d, want 1 for 7 identical analyses", n)
	}
	if code, raw := tc.Do("POST", "/api/v1/cases", "admin", map[string]any{"sector": "water", "title": "新案件",
		"lat": 31.82, "lon": 120.26}, nil); code != 201 {
		t.Fatalf("POST /cases = %d %s", code, raw)
	}
	get(t, tc, "analyst", "/api/v1/hotspots?"+q)
	if n := tc.Server.Analytics.Computations() - before; n != 2 {
		t.Errorf("computations after a new case = %d, want 2", n)
	}
}

// TestPlanWaitsForItsAnalyses: a plan reads hot spots and blind zones; refused their
// turn, the plan is refused too (503 with Retry-After) instead of being made without
// them.
func TestPlanWaitsForItsAnalyses(t *testing.T) {
	tc := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{{Code: "A", Name: "甲镇", Geom: apptest.Box(120.20, 31.80, 120.24, 31.83)}},
		Squadrons: []grid.Squadron{{Code: "A1", Name: "甲一", Township: "A"}},
		GridAreas: []grid.NewGridArea{{Code: "A1-G1", Name: "甲一网格", Township: "A", Squadron: "A1", Polygon: apptest.Box(120.20, 31.80, 120.22, 31.82)[0]}},
		Officers:  []officer.Officer{{ID: "a1-1", Squadron: "A1"}},
		Tokens:    map[string]auth.TokenSpec{"admin": {Role: auth.Admin}},
		Configure: func(c *app.Config) { c.Admission = admission.Config{Global: 1, Wait: 300 * time.Millisecond} },
	})
	plan := map[string]any{"squadron": "A1", "start": time.Now().UTC().Format(time.RFC3339), "duration_min": 30,
		"speed_kmh": 5, "officers": []string{"a1-1"}}
	release, err := tc.Server.Admission.Admit(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	code, raw := tc.Do("POST", "/api/v1/plans", "admin", plan, nil)
	release()
	if code != http.StatusServiceUnavailable || !strings.Contains(string(raw), "busy with other analyses") {
		t.Errorf("plan on a server busy with analyses = %d %s, want 503", code, raw)
	}
	if code, raw := tc.Do("POST", "/api/v1/plans", "admin", plan, nil); code != http.StatusCreated {
		t.Errorf("plan once the turn is free = %d %s, want 201", code, raw)
	}
}
