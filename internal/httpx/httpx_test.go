package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// decodeProblem reads a problem document from a recorded response.
func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != ProblemContentType {
		t.Fatalf("Content-Type = %q, want %q (body %s)", ct, ProblemContentType, rec.Body)
	}
	var p map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body is not JSON: %v: %s", err, rec.Body)
	}
	for _, k := range []string{"type", "title", "status", "detail", "code"} {
		if _, ok := p[k]; !ok {
			t.Errorf("problem lacks %q: %v", k, p)
		}
	}
	return p
}

func TestWriteErrorMapsCodes(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantDetail string
	}{
		{"invalid", apperr.Invalidf("lat out of range"), 400, "invalid", "lat out of range"},
		{"wrapped not found", fmt.Errorf("load: %w", apperr.NotFoundf("no township 9")), 404, "not_found", "no township 9"},
		{"conflict", apperr.Conflictf("dup"), 409, "conflict", "dup"},
		{"too large", apperr.New(apperr.TooLarge, "big"), 413, "too_large", "big"},
		{"unprocessable", apperr.New(apperr.Unprocessable, "zero variance"), 422, "unprocessable", "zero variance"},
		{"unavailable", apperr.New(apperr.Unavailable, "db down"), 503, "unavailable", "db down"},
		{"plain error hides its text", errors.New("pq: relation secret_table does not exist"), 500, "internal", "internal error"},
		{"internal apperr hides cause", apperr.Wrap(errors.New("SELECT boom"), apperr.Internal, "boom"), 500, "internal", "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, httptest.NewRequest("GET", "/x", nil), tt.err)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			p := decodeProblem(t, rec)
			if p["code"] != tt.wantCode || p["detail"] != tt.wantDetail || p["status"] != float64(tt.wantStatus) {
				t.Errorf("problem = %v, want code %s detail %q", p, tt.wantCode, tt.wantDetail)
			}
		})
	}
}

func TestWriteErrorExtraMembers(t *testing.T) {
	rec := httptest.NewRecorder()
	err := &apperr.Error{Code: apperr.Invalid, Message: "bad rows", Extra: map[string]any{"errors": []int{3, 5}}}
	WriteError(rec, httptest.NewRequest("POST", "/x", nil), err)
	p := decodeProblem(t, rec)
	if got := fmt.Sprint(p["errors"]); got != "[3 5]" {
		t.Errorf("errors member = %s, want [3 5]", got)
	}
}

func TestDecodeJSON(t *testing.T) {
	type inner struct {
		Lat float64 `json:"lat"`
	}
	type Embedded struct {
		Kind string `json:"kind"`
	}
	type body struct {
		Embedded
		Name  string           `json:"name"`
		N     int              `json:"n"`
		At    *time.Time       `json:"at"`
		Items []inner          `json:"items"`
		Tags  map[string]inner `json:"tags"`
		Any   any              `json:"any"`
		Raw   json.RawMessage  `json:"raw"`
	}
	tests := []struct {
		name, contentType, body string
		limit                   int64
		wantCode                apperr.Code
	}{
		{"ok", "application/json", `{"name":"a","n":1}`, 1024, ""},
		{"ok without content type", "", `{"name":"a"}`, 1024, ""},
		{"unknown field", "application/json", `{"name":"a","x":1}`, 1024, apperr.Invalid},
		{"NUL in a field", "application/json", `{"name":"a\u0000b"}`, 1024, apperr.Invalid},
		{"NUL deep in free JSON", "application/json", `{"any":{"k":["x","\u0000"]}}`, 1024, apperr.Invalid},
		{"NUL in a map key", "application/json", `{"tags":{"a\u0000":{"lat":1}}}`, 1024, apperr.Invalid},
		{"an escaped backslash before u0000 is text", "application/json", `{"name":"a\\u0000"}`, 1024, ""},
		{"wrong type", "application/json", `{"n":"one"}`, 1024, apperr.Invalid},
		{"syntax", "application/json", `{"name":`, 1024, apperr.Invalid},
		{"empty", "application/json", ``, 1024, apperr.Invalid},
		{"two values", "application/json", `{} {}`, 1024, apperr.Invalid},
		{"not json content type", "text/plain", `{}`, 1024, apperr.Invalid},
		{"over the limit", "application/json", `{"name":"` + strings.Repeat("x", 100) + `"}`, 50, apperr.TooLarge},
		// Keys are case-sensitive: "NAME" must not fill or override name.
		{"key in another case", "application/json", `{"NAME":"a"}`, 1024, apperr.Invalid},
		{"key in another case overriding", "application/json", `{"name":"a","Name":"b"}`, 1024, apperr.Invalid},
		{"nested key in another case", "application/json", `{"items":[{"lat":1},{"LAT":2}]}`, 1024, apperr.Invalid},
		{"map value key in another case", "application/json", `{"tags":{"X":{"Lat":2}}}`, 1024, apperr.Invalid},
		{"embedded key in another case", "application/json", `{"Kind":"k"}`, 1024, apperr.Invalid},
		{"exact keys everywhere", "application/json", `{"kind":"k","at":"2026-01-01T00:00:00Z","items":[{"lat":1}],"tags":{"ANY":{"lat":2}},"any":{"X":1},"raw":{"Y":[1]}}`, 1024, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/x", strings.NewReader(tt.body))
			r.ContentLength = -1 // make LimitBody rely on the reader, like a chunked upload
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, tt.limit)
			var v body
			err := DecodeJSON(r, &v)
			if got := apperr.CodeOf(err); got != tt.wantCode {
				t.Errorf("DecodeJSON(%q) code = %q (%v), want %q", tt.body, got, err, tt.wantCode)
			}
		})
	}
}

func TestLimitBodyRejectsDeclaredLength(t *testing.T) {
	h := LimitBody(10)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("handler ran for an over-size body")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/x", strings.NewReader(strings.Repeat("a", 11))))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", rec.Code)
	}
	decodeProblem(t, rec)
}

func TestRecoverTurnsPanicInto500(t *testing.T) {
	h := RequestIDs(Recover(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 500 {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	p := decodeProblem(t, rec)
	if p["detail"] != "internal error" || strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("panic text leaked: %s", rec.Body)
	}
	if p["request_id"] != rec.Header().Get(RequestIDHeader) {
		t.Errorf("request_id %v differs from header %q", p["request_id"], rec.Header().Get(RequestIDHeader))
	}
}

func TestRequestIDs(t *testing.T) {
	var seen string
	h := RequestIDs(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = RequestID(r.Context()) }))
	tests := []struct {
		name, in string
		keep     bool
	}{
		{"caller's id kept", "abc-123", true},
		{"none given", "", false},
		{"control characters replaced", "a\x01b", false},
		{"too long replaced", strings.Repeat("x", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tt.in != "" {
				r.Header.Set(RequestIDHeader, tt.in)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if seen == "" || rec.Header().Get(RequestIDHeader) != seen {
				t.Fatalf("context id %q, header %q", seen, rec.Header().Get(RequestIDHeader))
			}
			if (seen == tt.in) != tt.keep {
				t.Errorf("RequestID = %q for input %q, keep = %v", seen, tt.in, tt.keep)
			}
		})
	}
}

func TestHandlerFuncErrorAfterWriteIsNotWrittenTwice(t *testing.T) {
	h := HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		WriteJSON(w, http.StatusOK, map[string]int{"n": 1})
		return errors.New("late failure")
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "internal") {
		t.Errorf("got %d %s, want the 200 body alone", rec.Code, rec.Body)
	}
}

func TestObserveReportsRouteAndStatus(t *testing.T) {
	var got RequestInfo
	h := Observe(func(i RequestInfo) { got = i })(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("tea"))
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("PUT", "/pot", nil))
	if got.Status != http.StatusTeapot || got.Bytes != 3 || got.Method != "PUT" || got.Route != "unmatched" {
		t.Errorf("Observe reported %+v", got)
	}
}
