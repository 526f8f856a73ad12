package httpx

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// fuzzBody is the value FuzzDecodeJSON decodes into: a little of every JSON kind.
type fuzzBody struct {
	Name  string             `json:"name"`
	Lat   *float64           `json:"lat"`
	Count int                `json:"count"`
	Tags  []string           `json:"tags"`
	At    *time.Time         `json:"at"`
	Props map[string]float64 `json:"props"`
	Inner *struct {
		OK bool `json:"ok"`
	} `json:"inner"`
}

// FuzzDecodeJSON decodes arbitrary bodies with arbitrary content types under a body
// limit. Errors must be invalid or too_large (the latter only past the limit). What is
// accepted must be one valid JSON value sent as JSON (or with no content type) and must
// decode the same again from its re-encoding. Seeds: f.Add below.
func FuzzDecodeJSON(f *testing.F) {
	const limit = 512
	for _, s := range []struct{ ct, body string }{
		{"application/json", `{"name":"网格","lat":31.8,"count":3,"tags":["a"],"at":"2026-11-27T08:00:00+08:00","props":{"x":1},"inner":{"ok":true}}`},
		{"", `{"name":"x"}`},
		{"application/geo+json; charset=utf-8", `{}`},
		{"text/plain", `{}`},
		{"application/json", `{"name":"x"} {"name":"y"}`},
		{"application/json", `{"name":"x"} trailing`},
		{"application/json", `{"nme":"x"}`},
		{"application/json", `{"count":1e400}`},
		{"application/json", `{"count":1.5}`},
		{"application/json", `{"lat":"31.8"}`},
		{"application/json", `{"at":"yesterday"}`},
		{"application/json", `[1,2,3]`},
		{"application/json", `null`},
		{"application/json", `{"name":"a\u0000b"}`},
		{"application/json", ``},
		{"application/json", `{"name":`},
		{"application/json", strings.Repeat("[", 600)},
		{"application/json", `{"name":"` + strings.Repeat("x", 600) + `"}`},
		{"application/json; charset=\"", `{}`},
		{";;", `{}`},
	} {
		f.Add(s.ct, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, limit)
		var v fuzzBody
		err := DecodeJSON(r, &v)
		if err != nil {
			switch c := apperr.CodeOf(err); {
			case c == apperr.TooLarge && len(body) > limit:
			case c == apperr.Invalid && apperr.MessageOf(err) != "":
			default:
				t.Fatalf("DecodeJSON(%q, %q) error %v has code %s", contentType, body, err, c)
			}
			return
		}
		if len(body) > limit {
			t.Fatalf("DecodeJSON accepted %d bytes over the limit of %d", len(body), limit)
		}
		if !json.Valid(bytes.TrimSpace(body)) {
			t.Fatalf("DecodeJSON accepted %q, which is not one JSON value", body)
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", v, err)
		}
		r = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(out))
		var again fuzzBody
		if err := DecodeJSON(r, &again); err != nil {
			t.Fatalf("DecodeJSON of its own re-encoding %s: %v", out, err)
		}
		if !reflect.DeepEqual(normalizeTime(v), normalizeTime(again)) {
			t.Fatalf("DecodeJSON round trip: %+v, then %+v", v, again)
		}
	})
}

// normalizeTime drops the location pointer of At, which differs between a parsed and a
// re-parsed time of the same instant and offset.
func normalizeTime(v fuzzBody) fuzzBody {
	if v.At != nil {
		at := v.At.UTC()
		v.At = &at
	}
	return v
}

// FuzzQuery reads a raw query string with QueryInt, QueryFloat and TimeRange. Each
// either fails with invalid or returns a value within its bounds: the default when the
// parameter is absent, otherwise what strconv or time read from it.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{
		"", "limit=10", "limit=0", "limit=10001", "limit=-1", "limit=1e3", "limit=+5", "limit=%zz",
		"lat=31.8", "lat=NaN", "lat=Inf", "lat=-91", "lat=0x1p-2", "lat=1_0", "lat=", "lat=1&lat=100",
		"from=2026-11-01T00:00:00Z&to=2026-11-27T00:00:00Z", "from=2026-11-27T00:00:00Z&to=2026-11-01T00:00:00Z",
		"from=0001-01-01T00:00:00Z", "to=9999-12-31T23:59:59.999999999-23:59", "from=2026-11-27", "to=yesterday",
		"from=2025-01-01T00:00:00+08:00&to=2026-11-27T00:00:00+08:00",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	const span, maxWindow = 30 * 24 * time.Hour, 366 * 24 * time.Hour
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		n, err := QueryInt(q, "limit", 1000, 1, 10_000)
		if s := q.Get("limit"); err != nil {
			if apperr.CodeOf(err) != apperr.Invalid || s == "" {
				t.Fatalf("QueryInt(limit=%q) error %v", s, err)
			}
		} else if s == "" && n != 1000 {
			t.Fatalf("QueryInt without limit = %d, want the default", n)
		} else if want, _ := strconv.Atoi(s); s != "" && (n != want || n < 1 || n > 10_000) {
			t.Fatalf("QueryInt(limit=%q) = %d", s, n)
		}

		r := &http.Request{URL: &url.URL{RawQuery: raw}}
		lat, err := QueryFloat(r, "lat", -90, 90)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("QueryFloat(lat=%q) error %v", q.Get("lat"), err)
			}
		} else if math.IsNaN(lat) || lat < -90 || lat > 90 || q.Get("lat") == "" {
			t.Fatalf("QueryFloat(lat=%q) = %v", q.Get("lat"), lat)
		}

		from, to, err := TimeRange(q, now, span, maxWindow)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("TimeRange(%q) error %v", raw, err)
			}
			return
		}
		if !from.Before(to) || to.Sub(from) > maxWindow {
			t.Fatalf("TimeRange(%q) = %v .. %v, not a window of at most %v", raw, from, to, maxWindow)
		}
		if q.Get("to") == "" && !to.Equal(now) {
			t.Fatalf("TimeRange(%q) to = %v, want now", raw, to)
		}
		if q.Get("from") == "" && !from.Equal(to.Add(-span)) {
			t.Fatalf("TimeRange(%q) from = %v, want %v before to", raw, from, span)
		}
	})
}

// FuzzRequestID sends a request with an arbitrary X-Request-ID through the RequestIDs
// middleware. The ID in the response header and the context is the caller's exactly
// when that is 1 to 64 printable ASCII characters, a fresh one otherwise; either way it
// is safe to log and echo.
func FuzzRequestID(f *testing.F) {
	for _, s := range []string{"", "3f0c9e", "abc def", strings.Repeat("a", 64), strings.Repeat("a", 65), "é", "\x00", "a\nb", "~!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		var seen string
		h := RequestIDs(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = RequestID(r.Context()) }))
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set(RequestIDHeader, id)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		got := rec.Header().Get(RequestIDHeader)
		if got != seen || !acceptableID(got) {
			t.Fatalf("X-Request-ID %q: header %q, context %q", id, got, seen)
		}
		if acceptableID(id) != (got == id) {
			t.Fatalf("X-Request-ID %q (acceptable %v) answered as %q", id, acceptableID(id), got)
		}
		for _, c := range []byte(got) {
			if c < '!' || c > '~' {
				t.Fatalf("request ID %q holds byte %#x", got, c)
			}
		}
	})
}
