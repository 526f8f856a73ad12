package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgtest"
	"github.com/gridwatch/gridwatch/internal/ratelimit"
)

// TestRateLimits runs a server with tiny limits behind a (pretend) reverse proxy and
// checks each limit: per token on ingest, per address on bad tokens and Open311, with
// 429, Retry-After and a rate_limited problem, and nobody else slowed down.
func TestRateLimits(t *testing.T) {
	ctx := context.Background()
	two := ratelimit.Rate{PerSecond: 0.01, Burst: 2}
	srv, err := app.Open(ctx, app.Config{DatabaseURL: pgtest.NewDB(t), TrustProxy: true,
		RateLimits: &app.RateLimits{Ingest: two, Export: two, Open311: two, BadTokens: two}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	tokens := map[string]string{}
	for _, name := range []string{"gateway-1", "gateway-2"} {
		tok, _, err := srv.Tokens.Create(ctx, auth.TokenSpec{Name: name, Role: auth.Admin})
		if err != nil {
			t.Fatal(err)
		}
		tokens[name] = tok
	}
	send := func(method, path, token, from string) (*http.Response, string) {
		t.Helper()
		body := strings.NewReader(`{"positions":[]}`)
		req, _ := http.NewRequest(method, hs.URL+path, body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", from)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	wantLimited := func(what string, resp *http.Response, body string) {
		t.Helper()
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusTooManyRequests || secs < 1 || !strings.Contains(body, `"code":"rate_limited"`) {
			t.Errorf("%s: %d Retry-After %q %s, want 429 rate_limited with Retry-After", what, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}

	for i := range 2 {
		if resp, body := send("POST", "/api/v1/positions", tokens["gateway-1"], "10.0.0.1"); resp.StatusCode != 200 {
			t.Fatalf("ingest %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := send("POST", "/api/v1/positions", tokens["gateway-1"], "10.0.0.1")
	wantLimited("third batch of one token", resp, body)
	if resp, body := send("POST", "/api/v1/positions", tokens["gateway-2"], "10.0.0.1"); resp.StatusCode != 200 {
		t.Errorf("another token from the same address: %d %s", resp.StatusCode, body)
	}
	if resp, _ := send("GET", "/api/v1/me", tokens["gateway-1"], "10.0.0.1"); resp.StatusCode != 200 {
		t.Errorf("a route without a limit answered %d to the limited token", resp.StatusCode)
	}

	// Analysis tiles count against the analyses' limit of the token, other layers do not.
	// (This city has no cells: the analysis answers 400, and counts all the same.)
	for i := range 2 {
		if resp, body := send("GET", "/tiles/hotspots/12/3418/1663.mvt", tokens["gateway-1"], "10.0.0.1"); resp.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("hot spot tile %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	resp, body = send("GET", "/tiles/blindzones/12/3418/1663.mvt", tokens["gateway-1"], "10.0.0.1")
	wantLimited("third analysis tile of one token", resp, body)
	if resp, body := send("GET", "/tiles/cells/12/3418/1663.mvt", tokens["gateway-1"], "10.0.0.1"); resp.StatusCode != 200 && resp.StatusCode != 204 {
		t.Errorf("a cells tile answered %d %s to a token out of analysis tiles", resp.StatusCode, body)
	}

	// Bad tokens: two go through to 401, then the address waits, even with a good token.
	for i := range 2 {
		if resp, _ := send("GET", "/api/v1/me", "gw_guessed", "10.0.0.66"); resp.StatusCode != 401 {
			t.Fatalf("bad token %d: %d, want 401", i+1, resp.StatusCode)
		}
	}
	resp, body = send("GET", "/api/v1/me", "gw_guessed", "10.0.0.66")
	wantLimited("third bad token from one address", resp, body)
	resp, body = send("GET", "/api/v1/me", tokens["gateway-2"], "10.0.0.66")
	wantLimited("a good token from the guessing address", resp, body)
	if resp, _ := send("GET", "/api/v1/me", tokens["gateway-2"], "10.0.0.2"); resp.StatusCode != 200 {
		t.Errorf("another address answered %d after someone else's bad tokens", resp.StatusCode)
	}

	for i := range 2 {
		if resp, body := send("GET", "/open311/v2/services.json", "", "10.0.0.3"); resp.StatusCode != 200 {
			t.Fatalf("Open311 %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	// Open311 answers in the spec's error document, with the same status and Retry-After.
	resp, body = send("GET", "/open311/v2/services.json", "", "10.0.0.3")
	wantLimited("third Open311 request from one address", resp, strings.Replace(body, `"code":429`, `"code":"rate_limited"`, 1))
}
