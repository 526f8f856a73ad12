package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgtest"
	"github.com/gridwatch/gridwatch/migrations"
)

// env is a running server on a fresh database with one token per role.
type env struct {
	t      *testing.T
	srv    *app.Server
	http   *httptest.Server
	tokens map[auth.Role]string
}

func newEnv(t *testing.T) *env { return newEnvWith(t, app.Config{}) }

// newEnvWith is newEnv with a configuration (its database is always a fresh one).
func newEnvWith(t *testing.T, cfg app.Config) *env {
	t.Helper()
	ctx := context.Background()
	cfg.DatabaseURL = pgtest.NewDB(t)
	if cfg.EvidenceDir == "" {
		cfg.EvidenceDir = t.TempDir()
	}
	srv, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, http: httptest.NewServer(srv.Handler()), tokens: map[auth.Role]string{}}
	t.Cleanup(e.http.Close)
	apptest.AddTownship(t, srv.DB, "320281001", "澄江")
	for _, r := range auth.Roles {
		spec := auth.TokenSpec{Name: "test-" + string(r), Role: r}
		if r == auth.Officer || r == auth.Device {
			spec.Officer = "officer-1"
		}
		if r == auth.Supervisor {
			spec.Township = "320281001"
		}
		if r == auth.Legal {
			spec.Qualification = "A20193204810001"
		}
		tok, _, err := srv.Tokens.Create(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[r] = tok
	}
	return e
}

// do sends a request with the role's token ("" role: no token) and returns the response
// with its body read.
func (e *env) do(method, path string, role auth.Role, body io.Reader, header ...string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") == "text/event-stream" {
		return resp, nil // a live stream does not end; its status and headers are the answer
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// wantProblem checks that a response is a problem document with the status and code.
func wantProblem(t *testing.T, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d (%s)", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p struct {
		Code   string `json:"code"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem is not JSON: %s", body)
	}
	if p.Code != code || p.Status != status || p.Detail == "" {
		t.Errorf("problem = %+v, want code %s status %d and a detail", p, code, status)
	}
}

func TestHealthz(t *testing.T) {
	e := newEnv(t)
	resp, body := e.do("GET", "/healthz", "", nil)
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Errorf("GET /healthz = %d %s", resp.StatusCode, body)
	}
}

func TestMeAnswersForEveryRole(t *testing.T) {
	e := newEnv(t)
	for _, role := range auth.Roles {
		t.Run(string(role), func(t *testing.T) {
			resp, body := e.do("GET", "/api/v1/me", role, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("status = %d (%s)", resp.StatusCode, body)
			}
			var me map[string]any
			if err := json.Unmarshal(body, &me); err != nil {
				t.Fatal(err)
			}
			if me["role"] != string(role) || me["name"] != "test-"+string(role) {
				t.Errorf("me = %v", me)
			}
			wantTownship := any(nil)
			if role == auth.Supervisor {
				wantTownship = "320281001"
			}
			if me["township"] != wantTownship {
				t.Errorf("township = %v, want %v", me["township"], wantTownship)
			}
			if _, present := me["officer"]; !present {
				t.Error("officer member missing (must be null when none)")
			}
		})
	}
}

func TestAuthFailuresAreProblems(t *testing.T) {
	e := newEnv(t)
	t.Run("no token", func(t *testing.T) {
		resp, body := e.do("GET", "/api/v1/me", "", nil)
		wantProblem(t, resp, body, 401, "unauthorized")
		if resp.Header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	})
	t.Run("bad token", func(t *testing.T) {
		resp, body := e.do("GET", "/api/v1/me", "", nil, "Authorization", "Bearer gw_forged")
		wantProblem(t, resp, body, 401, "unauthorized")
	})
	t.Run("wrong role for metrics", func(t *testing.T) {
		resp, body := e.do("GET", "/metrics", auth.Analyst, nil)
		wantProblem(t, resp, body, 403, "forbidden")
	})
	t.Run("unknown route", func(t *testing.T) {
		resp, body := e.do("GET", "/nowhere", auth.Admin, nil)
		wantProblem(t, resp, body, 404, "not_found")
	})
	t.Run("wrong method", func(t *testing.T) {
		resp, body := e.do("DELETE", "/healthz", "", nil)
		wantProblem(t, resp, body, 405, "method_not_allowed")
	})
}

func TestMetricsCountByRoutePattern(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/api/v1/me", auth.Admin, nil)
	e.do("POST", "/api/v1/positions", auth.Admin,
		strings.NewReader(`{"positions":[{"officer":"nobody","time":"2026-01-01T00:00:00Z","lat":31.8,"lon":120.2}]}`),
		"Content-Type", "application/json")
	e.do("GET", "/tiles/cells/12/3418/1663.mvt", auth.Admin, nil)
	resp, body := e.do("GET", "/metrics", auth.Admin, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics = %d", resp.StatusCode)
	}
	for _, want := range []string{
		`gridwatch_http_requests_total{code="200",method="GET",route="/api/v1/me"} 1`,
		`gridwatch_http_request_duration_seconds_bucket{method="GET",route="/api/v1/me"`,
		`gridwatch_db_pool_max_conns`,
		`go_goroutines`,
		`gridwatch_ingest_group_requests_count 1`,
		`gridwatch_ingest_group_fixes_bucket`,
		`gridwatch_ingest_group_wait_seconds_bucket`,
		`gridwatch_ingest_stage_seconds_total{stage="write"}`,
		`gridwatch_tile_cache_builds_total 1`,
		`gridwatch_tile_cache_misses_total 1`,
		`gridwatch_tile_cache_hits_total 0`,
		`gridwatch_tile_cache_evictions_total 0`,
		`gridwatch_tile_cache_bytes`,
		`gridwatch_tile_analysis_computations_total 0`,
		`gridwatch_alerts_total{outcome="raised",rule="hotspot"} 0`,
		`gridwatch_alert_evaluation_seconds_total{check="fixes"}`,
		`gridwatch_alert_fixes_evaluated_total`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestOpenRefusesUnmigratedDatabase(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewEmptyDB(t)
	_, err := app.Open(ctx, app.Config{DatabaseURL: url})
	if err == nil || !strings.Contains(err.Error(), "gridwatch migrate") {
		t.Fatalf("Open on an empty database: err = %v, want advice to migrate", err)
	}
	srv, err := app.Open(ctx, app.Config{DatabaseURL: url, Migrate: true})
	if err != nil {
		t.Fatalf("Open with Migrate: %v", err)
	}
	defer srv.Close()
	current, err := migrations.Current(ctx, srv.DB)
	latest, _ := migrations.Latest()
	if err != nil || current != latest {
		t.Errorf("after --migrate the schema is at %d (%v), want %d", current, err, latest)
	}
	// A second migration run is a no-op.
	if err := app.Migrate(ctx, srv.DB); err != nil {
		t.Errorf("second Migrate: %v", err)
	}
}

func TestOpenFailsClearlyWithoutDatabase(t *testing.T) {
	_, err := app.Open(context.Background(), app.Config{DatabaseURL: "postgres://nobody:secret@127.0.0.1:1/none?connect_timeout=2"})
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error leaks the password: %v", err)
	}
}
