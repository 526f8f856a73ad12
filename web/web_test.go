package web_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gridwatch/gridwatch/web"
)

// built is a bundle as scripts/web build lays it out.
var built = fstest.MapFS{
	"index.html":            {Data: []byte(`<!doctype html><script type="module" src="/assets/app-ABC.js"></script>`)},
	"assets/app-ABC.js":     {Data: []byte(`console.log("gridwatch")`)},
	"assets/app-ABC.js.gz":  {Data: gzipped(`console.log("gridwatch")`)},
	"assets/app-DEF.css":    {Data: []byte(`body{}`)},
	"assets/sub/nested.txt": {Data: []byte(`x`)},
	".gitkeep":              {Data: nil},
}

func gzipped(s string) []byte {
	var b strings.Builder
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return []byte(b.String())
}

func get(t *testing.T, h http.Handler, method, path string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPagesServeTheDocumentWithSecurityHeaders(t *testing.T) {
	h := web.NewHandler(built)
	for _, path := range web.Pages {
		t.Run(path, func(t *testing.T) {
			res := get(t, h, http.MethodGet, path, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200", path, res.StatusCode)
			}
			if b := body(t, res); !strings.Contains(b, "/assets/app-ABC.js") {
				t.Errorf("GET %s body = %q, want the document", path, b)
			}
			want := map[string]string{
				"Content-Type":            "text/html; charset=utf-8",
				"Cache-Control":           "no-cache",
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
				"Content-Security-Policy": web.ContentSecurityPolicy,
			}
			for k, v := range want {
				if got := res.Header.Get(k); got != v {
					t.Errorf("GET %s %s = %q, want %q", path, k, got, v)
				}
			}
			csp := res.Header.Get("Content-Security-Policy")
			for _, part := range []string{"default-src 'self'", "script-src 'self'", "worker-src 'self' blob:", "img-src 'self' data: blob:", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, part) {
					t.Errorf("CSP %q lacks %q", csp, part)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP %q allows inline or eval", csp)
			}
		})
	}
}

func TestAssetsAreCachedAndGzipped(t *testing.T) {
	h := web.NewHandler(built)
	res := get(t, h, http.MethodGet, "/assets/app-ABC.js", nil)
	if res.StatusCode != 200 || body(t, res) != `console.log("gridwatch")` {
		t.Fatalf("GET app.js = %d", res.StatusCode)
	}
	if got := res.Header.Get("Cache-Control"); !strings.Contains(got, "max-age=31536000") || !strings.Contains(got, "immutable") {
		t.Errorf("Cache-Control = %q, want a year, immutable", got)
	}
	if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/javascript") {
		t.Errorf("Content-Type = %q", got)
	}
	res = get(t, h, http.MethodGet, "/assets/app-ABC.js", map[string]string{"Accept-Encoding": "gzip, br"})
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); string(b) != `console.log("gridwatch")` {
		t.Errorf("gunzipped = %q", b)
	}
	// A coding refused with q=0 is not served, though the header names it.
	res = get(t, h, http.MethodGet, "/assets/app-ABC.js", map[string]string{"Accept-Encoding": "gzip;q=0, br"})
	if res.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0: Content-Encoding = %q, want none", res.Header.Get("Content-Encoding"))
	}
	// CSS has no .gz: served as is even to gzip clients.
	res = get(t, h, http.MethodGet, "/assets/app-DEF.css", map[string]string{"Accept-Encoding": "gzip"})
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Errorf("css = %d %q %q", res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Content-Type"))
	}
}

func TestEverythingElseIsAProblem(t *testing.T) {
	h := web.NewHandler(built)
	for _, tc := range []struct {
		name, method, path string
		want               int
	}{
		{"unknown page", "GET", "/nowhere", 404},
		{"unknown api path", "GET", "/api/v2/things", 404},
		{"missing asset", "GET", "/assets/app-XYZ.js", 404},
		{"the .gz itself", "GET", "/assets/app-ABC.js.gz", 404},
		{"a directory", "GET", "/assets/sub", 404},
		{"escaping", "GET", "/assets/../index.html", 404},
		{"post to a page", "POST", "/dispatch", 405},
		{"post elsewhere", "POST", "/elsewhere", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := get(t, h, tc.method, tc.path, nil)
			if res.StatusCode != tc.want {
				t.Fatalf("%s %s = %d, want %d", tc.method, tc.path, res.StatusCode, tc.want)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want a problem", ct)
			}
			var p struct{ Status int }
			if err := json.Unmarshal([]byte(body(t, res)), &p); err != nil || p.Status != tc.want {
				t.Errorf("problem = %+v, %v", p, err)
			}
		})
	}
}

func TestGlyphsAreEmpty(t *testing.T) {
	res := get(t, web.NewHandler(built), http.MethodGet, "/glyphs/Noto%20Sans%20Regular/0-255.pbf", nil)
	if res.StatusCode != 200 || body(t, res) != "" || res.Header.Get("Content-Type") != "application/x-protobuf" {
		t.Errorf("glyphs = %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

func TestWithoutABundlePagesAnswer503(t *testing.T) {
	h := web.NewHandler(fstest.MapFS{".gitkeep": {}})
	res := get(t, h, http.MethodGet, "/", map[string]string{"Accept": "text/html,application/xhtml+xml"})
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("GET / = %d, want 503", res.StatusCode)
	}
	if b := body(t, res); !strings.Contains(b, "make web") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("503 page = %q", b)
	}
	res = get(t, h, http.MethodGet, "/planner", nil)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("GET /planner = %d %q, want a 503 problem", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if b := body(t, res); !strings.Contains(b, "make web") || !strings.Contains(b, `"code":"unavailable"`) {
		t.Errorf("problem = %s", b)
	}
}

func TestTheEmbeddedBundleServes(t *testing.T) {
	// Built or not, the embedded bundle answers the wall: 200 with the document, or 503.
	res := get(t, web.Handler(), http.MethodGet, "/", nil)
	if res.StatusCode != 200 && res.StatusCode != 503 {
		t.Errorf("GET / = %d, want 200 or 503", res.StatusCode)
	}
}

// TestPageWithTrailingSlashRedirects: /dispatch/ was a 404; it and its like lead to the
// page, the query kept, and a path that only looks like one (//x.example/) does not.
func TestPageWithTrailingSlashRedirects(t *testing.T) {
	h := web.NewHandler(built)
	for path, want := range map[string]string{
		"/dispatch/":          "/dispatch",
		"/analyst//":          "/analyst",
		"/planner/?date=2026": "/planner?date=2026",
	} {
		res := get(t, h, http.MethodGet, path, nil)
		if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != want {
			t.Errorf("GET %s = %d Location %q, want 301 to %s", path, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
	for _, path := range []string{"//evil.example/", "/nowhere/"} {
		if res := get(t, h, http.MethodGet, path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
		}
	}
}
