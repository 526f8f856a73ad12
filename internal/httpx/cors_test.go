package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCORS(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := CORS(ParseOrigins(" https://wall.example.org/ , ,https://ops.example.org"))(ok)
	send := func(method, origin string, preflight bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/api/v1/me", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if preflight {
			r.Header.Set("Access-Control-Request-Method", "POST")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := send("GET", "https://wall.example.org", false)
	if w.Code != http.StatusTeapot || w.Header().Get("Access-Control-Allow-Origin") != "https://wall.example.org" {
		t.Errorf("listed origin: %d %v", w.Code, w.Header())
	}
	if w.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Error("credentials allowed: the API uses bearer tokens only")
	}
	w = send("OPTIONS", "https://ops.example.org", true)
	if w.Code != http.StatusNoContent || w.Header().Get("Access-Control-Allow-Headers") == "" {
		t.Errorf("preflight: %d %v", w.Code, w.Header())
	}
	for _, origin := range []string{"https://evil.example.com", ""} {
		w = send("GET", origin, false)
		if w.Code != http.StatusTeapot || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("origin %q: %d %v, want no CORS header", origin, w.Code, w.Header())
		}
	}
	w = httptest.NewRecorder()
	CORS(nil)(ok).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if len(w.Header()) != 0 {
		t.Errorf("no origins configured, headers %v", w.Header())
	}
}
