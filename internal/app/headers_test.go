package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
)

// TestAuthenticatedAnswersAreNotCachedNorSniffed: every answer to a token — JSON, a CSV
// download, /metrics — says no-store and nosniff, so that no shared cache keeps it and
// no browser renders a CSV as HTML.
func TestAuthenticatedAnswersAreNotCachedNorSniffed(t *testing.T) {
	tc := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{{Code: "320281001", Name: "澄江", Geom: apptest.Box(120.20, 31.80, 120.22, 31.82)}},
		Tokens:    map[string]auth.TokenSpec{"admin": {Role: auth.Admin}},
	})
	// One case, so that hot spots have something to vary.
	if code, raw := tc.Do("POST", "/api/v1/cases", "admin", map[string]any{"sector": "water", "title": "违规取水",
		"lat": 31.81, "lon": 120.21}, nil); code != 201 {
		t.Fatalf("POST /cases = %d %s", code, raw)
	}
	for _, tt := range []struct{ path, contentType string }{
		{"/api/v1/me", "application/json"},
		{"/api/v1/townships", "application/json"},
		{"/api/v1/hotspots?format=csv", "text/csv"},
		{"/metrics", "text/plain"},
	} {
		req, _ := http.NewRequest("GET", tc.HTTP.URL+tt.path, nil)
		req.Header.Set("Authorization", "Bearer "+tc.Tokens["admin"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != 200 || !strings.HasPrefix(h.Get("Content-Type"), tt.contentType) ||
			h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s = %d %q, Cache-Control %q, X-Content-Type-Options %q; want 200 %s, no-store, nosniff",
				tt.path, resp.StatusCode, h.Get("Content-Type"), h.Get("Cache-Control"), h.Get("X-Content-Type-Options"), tt.contentType)
		}
	}
}
