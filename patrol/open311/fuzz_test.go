package open311

import (
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// FuzzParseCreateForm feeds arbitrary bodies and content types to the POST form reader
// and then to the whole create route. The reader must fail only with invalid or
// too_large; what it accepts must be in range and clean text; the route must never
// answer 500 or panic. Seeds: testdata/fuzz/FuzzParseCreateForm.
func FuzzParseCreateForm(f *testing.F) {
	f.Add(formContentType, clientBody)
	f.Add("", "api_key="+reporterKey+"&service_code=ecology&lat=31&long=121")
	body, ct := multipartWith(f, map[string]string{"api_key": reporterKey, "service_code": "ecology", "lat": "31", "long": "121"},
		filePart{"media", "p.jpg", "image/jpeg", jpeg}, filePart{"doc", "a.txt", "text/plain", []byte("text")})
	f.Add(ct, body)
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r := httptest.NewRequest("POST", "/requests.json", strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		h := newTestHandler(newFakeBackend())
		h.UseMedia(newFakeMedia(h.b.(*fakeBackend)))
		vals, err := h.readForm(httptest.NewRecorder(), r, h.media.NewIntake())
		if err != nil {
			if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.TooLarge {
				t.Fatalf("readForm error %v has code %s, want invalid or too_large", err, c)
			}
		} else if cf, err := parseCreateForm(vals); err != nil {
			if c := apperr.CodeOf(err); c != apperr.Invalid {
				t.Fatalf("parseCreateForm error %v has code %s, want invalid", err, c)
			}
		} else {
			checkCreateForm(t, cf)
		}

		// The whole route, on a fresh request with the same input.
		r = httptest.NewRequest("POST", "/requests.xml", strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		h = newTestHandler(newFakeBackend())
		h.UseMedia(newFakeMedia(h.b.(*fakeBackend)))
		rec := newRecorder(h, r)
		switch rec.Code {
		case http.StatusCreated, http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound,
			http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("POST answered %d: %s", rec.Code, rec.Body)
		}
	})
}

// checkCreateForm fails unless an accepted form holds what the case store may take.
func checkCreateForm(t *testing.T, cf createForm) {
	t.Helper()
	if math.IsNaN(cf.Lat) || math.Abs(cf.Lat) > 90 || math.IsNaN(cf.Lon) || math.Abs(cf.Lon) > 180 {
		t.Fatalf("accepted position %v, %v", cf.Lat, cf.Lon)
	}
	if cf.ServiceCode == "" {
		t.Fatal("accepted an empty service_code")
	}
	for _, s := range []string{cf.ServiceCode, cf.Description, cf.Address} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Fatalf("accepted text %q", s)
		}
	}
	if n := utf8.RuneCountInString(cf.Description); n > maxDescriptionRune {
		t.Fatalf("accepted a description of %d characters", n)
	}
	switch cf.Datum {
	case "wgs84", "gcj02", "bd09":
	default:
		t.Fatalf("accepted datum %q", cf.Datum)
	}
	tt := title(cf.Description, newFakeBackend().sectors[0])
	if !utf8.ValidString(tt) || utf8.RuneCountInString(tt) > maxTitleRunes {
		t.Fatalf("title %q is not valid UTF-8 of at most %d characters", tt, maxTitleRunes)
	}
}

// FuzzParseListQuery reads arbitrary query strings of GET requests. Failures are
// invalid. An accepted query has at most 100 distinct positive request IDs, distinct
// non-empty trimmed service codes, and a window from start to end of at most 90 days
// that, without dates, ends now. Seeds: f.Add below.
func FuzzParseListQuery(f *testing.F) {
	for _, s := range []string{
		"", "service_request_id=1,2,3", "service_request_id=0", "service_request_id=-1", "service_request_id=1,,1",
		"service_request_id=9223372036854775808", "service_code=ecology,%20ecology%20,&service_code=traffic",
		"status=open", "status=OPEN,closed", "status=pending", "start_date=2026-10-01T00:00:00Z",
		"end_date=2026-10-01T08:00:00%2B08:00", "start_date=2026-10-01T00:00:00 08:00", "start_date=2026-10-01",
		"start_date=2026-10-01T00:00Z&end_date=2026-12-30T00:00:00Z", "start_date=2026-10-01T00:00:00Z&end_date=2026-12-31T00:00:00Z",
		"start_date=2026-10-02T00:00:00Z&end_date=2026-10-01T00:00:00Z", "start_date=0001-01-01T00:00:00Z",
		"end_date=9999-12-31T23:59:59Z", "jurisdiction_id=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		lq, err := parseListQuery(q, testNow)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("parseListQuery(%q) error %v", raw, err)
			}
			return
		}
		if len(lq.ids) > maxIDs {
			t.Fatalf("parseListQuery(%q): %d IDs", raw, len(lq.ids))
		}
		for i, id := range lq.ids {
			if id <= 0 || slices.Contains(lq.ids[:i], id) {
				t.Fatalf("parseListQuery(%q): IDs %v", raw, lq.ids)
			}
		}
		for i, c := range lq.codes {
			if c == "" || c != strings.TrimSpace(c) || slices.Contains(lq.codes[:i], c) {
				t.Fatalf("parseListQuery(%q): codes %q", raw, lq.codes)
			}
		}
		if lq.to.Before(lq.from) || lq.to.Sub(lq.from) > maxWindow {
			t.Fatalf("parseListQuery(%q): window %v .. %v", raw, lq.from, lq.to)
		}
		if q.Get("start_date") == "" && q.Get("end_date") == "" && !lq.to.Equal(testNow) {
			t.Fatalf("parseListQuery(%q): default window ends %v, not now", raw, lq.to)
		}
	})
}
