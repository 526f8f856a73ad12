package ingest

import (
	"bytes"
	"errors"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/geo"
)

// The fuzz targets feed outside input to each parser and check that it
// never panics and returns either well-formed fixes or a typed error.
// Their seeds live in testdata/fuzz/<target name>.

func FuzzParseOsmAnd(f *testing.F) {
	f.Fuzz(func(t *testing.T, query string) {
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/osmand/k", RawQuery: query}, Header: http.Header{}}
		fixes, err := ParseOsmAnd(r, 1<<16)
		if err != nil {
			checkParseError(t, err)
			return
		}
		if len(fixes) != 1 {
			t.Fatalf("ParseOsmAnd(%q) = %d fixes, want 1", query, len(fixes))
		}
		checkFix(t, fixes[0], true)
		filterAll(t, Indexed(fixes, nil))
	})
}

func FuzzParseTraccarJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		r := &http.Request{
			Method: http.MethodPost, URL: &url.URL{Path: "/osmand/k"},
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   http.NoBody,
		}
		if len(body) > 0 {
			r.Body = readCloser{bytes.NewReader(body)}
		}
		fixes, err := ParseOsmAnd(r, 1<<16)
		if err != nil {
			checkParseError(t, err)
			return
		}
		if len(fixes) == 0 {
			t.Fatalf("ParseOsmAnd(%q) = no fixes and no error", body)
		}
		for _, fx := range fixes {
			checkFix(t, fx, true)
		}
		filterAll(t, Indexed(fixes, nil))
	})
}

// FuzzParseOsmAndBody sends OsmAnd requests with a query string and a body of any
// content type: a form, Traccar JSON or anything else. Besides the promises of every
// parser (typed errors, well-formed fixes), a request read as a form gives exactly the
// fix ParseOsmAndValues makes of the query string followed by the form.
func FuzzParseOsmAndBody(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "id=dev-1", []byte("lat=31.805&lon=120.205&timestamp=1764201600&speed=2"))
	f.Add("", "", []byte("id=dev-1&lat=31.805&lon=120.205&timestamp=2026-11-27T08:00:00%2B08:00&datum=gcj02"))
	f.Add("text/plain", "id=dev-1&lat=31.8", []byte("lat=1&lon=120.2&timestamp=1764201600000"))
	f.Add("application/json", "id=dev-1", []byte(`{"location":{"timestamp":"2026-11-27T00:00:00Z","coords":{"latitude":31.8,"longitude":120.2}}}`))
	f.Add("application/x-www-form-urlencoded", "", []byte("id=%zz&lat=31.8&lon=120.2&timestamp=1"))
	f.Add("multipart/form-data; boundary=x", "id=dev-1", []byte("--x\r\n"))
	f.Fuzz(func(t *testing.T, contentType, query string, body []byte) {
		r := &http.Request{
			Method: http.MethodPost, URL: &url.URL{Path: "/osmand/k", RawQuery: query},
			Header: http.Header{"Content-Type": {contentType}}, Body: readCloser{bytes.NewReader(body)},
		}
		fixes, err := ParseOsmAnd(r, 1<<12)
		if err != nil {
			checkParseError(t, err)
			return
		}
		if len(fixes) == 0 {
			t.Fatalf("ParseOsmAnd(%q, %q, %q) = no fixes and no error", contentType, query, body)
		}
		for _, fx := range fixes {
			checkFix(t, fx, true)
		}
		filterAll(t, Indexed(fixes, nil))
		if bodyKind(contentType, body) != kindForm {
			return
		}
		v := r.URL.Query()
		form, _ := url.ParseQuery(string(body))
		for k, vs := range form {
			v[k] = append(v[k], vs...)
		}
		want, err := ParseOsmAndValues(v)
		if err != nil || len(fixes) != 1 || !fixEqual(fixes[0], want) {
			t.Fatalf("form request gave %+v; ParseOsmAndValues of its values %+v, %v", fixes, want, err)
		}
	})
}

// fixEqual compares two fixes field by field, optional numbers by value.
func fixEqual(a, b Fix) bool {
	num := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.DeviceID == b.DeviceID && a.Officer == b.Officer && a.Time.Equal(b.Time) && a.Point == b.Point &&
		a.Datum == b.Datum && num(a.AccuracyM, b.AccuracyM) && num(a.SpeedMS, b.SpeedMS) && num(a.HeadingDeg, b.HeadingDeg) &&
		num(a.AltitudeM, b.AltitudeM) && num(a.BatteryPct, b.BatteryPct) && num(a.HDOP, b.HDOP)
}

func FuzzParseBatch(f *testing.F) {
	const maxFixes = 50
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := ParseBatch(bytes.NewReader(body), maxFixes)
		if err != nil {
			checkParseError(t, err)
			return
		}
		if len(items) > maxFixes {
			t.Fatalf("ParseBatch returned %d items, over the limit %d", len(items), maxFixes)
		}
		for i, it := range items {
			if it.Index != i {
				t.Fatalf("ParseBatch item %d has Index %d", i, it.Index)
			}
			if it.Reject != nil {
				checkRejection(t, *it.Reject, i)
				continue
			}
			checkFix(t, it.Fix, false)
		}
		filterAll(t, items)
	})
}

func FuzzParseGPX(f *testing.F) {
	const maxPoints = 100
	f.Fuzz(func(t *testing.T, doc []byte) {
		fixes, rejected, err := ParseGPX(bytes.NewReader(doc), maxPoints)
		if err != nil {
			checkParseError(t, err)
			return
		}
		if n := len(fixes) + len(rejected); n > maxPoints {
			t.Fatalf("ParseGPX returned %d points, over the limit %d", n, maxPoints)
		}
		for _, fx := range fixes {
			checkFix(t, fx, false)
			if fx.Datum != geo.WGS84 {
				t.Fatalf("ParseGPX fix in datum %q", fx.Datum)
			}
		}
		// Every track point is one fix or one rejection, so the
		// rejections' indices and the fixes fill 0..n-1 exactly.
		items := Indexed(fixes, rejected)
		if len(items) != len(fixes)+len(rejected) {
			t.Fatalf("Indexed made %d items of %d fixes and %d rejections", len(items), len(fixes), len(rejected))
		}
		for i, it := range items {
			if it.Index != i {
				t.Fatalf("ParseGPX indices do not fill 0..n-1: item %d has Index %d (rejections %v)", i, it.Index, rejected)
			}
			if it.Reject != nil {
				checkRejection(t, *it.Reject, i)
			}
		}
		filterAll(t, items)
	})
}

// readCloser adds a no-op Close to a reader.
type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// checkParseError fails unless err is one of the parsers' typed errors
// with a code and a message.
func checkParseError(t *testing.T, err error) {
	t.Helper()
	if tm, ok := errors.AsType[*TooManyError](err); ok {
		if tm.Code() != CodeTooMany {
			t.Fatalf("TooManyError code %q", tm.Code())
		}
		return
	}
	e, ok := errors.AsType[*Error](err)
	if !ok {
		t.Fatalf("error %v (%T) is neither *Error nor *TooManyError", err, err)
	}
	if e.Code == "" || e.Message == "" {
		t.Fatalf("error %#v lacks a code or a message", e)
	}
}

// checkRejection fails unless r is a complete rejection of item index.
func checkRejection(t *testing.T, r Rejection, index int) {
	t.Helper()
	if r.Index != index || r.Code == "" || r.Message == "" {
		t.Fatalf("rejection %+v of item %d is incomplete", r, index)
	}
}

// checkFix fails unless f keeps the promises of the Fix type. device
// tells whether f came from a device protocol (with a DeviceID) or not.
func checkFix(t *testing.T, f Fix, device bool) {
	t.Helper()
	if device && f.DeviceID == "" {
		t.Fatalf("device fix %+v has no DeviceID", f)
	}
	if f.Time.Location() != time.UTC {
		t.Fatalf("fix time %v is not UTC", f.Time)
	}
	if _, err := geo.ParseDatum(string(f.Datum)); err != nil || f.Datum == "" {
		t.Fatalf("fix datum %q is not a geo.Datum", f.Datum)
	}
	inf := math.Inf(1)
	for _, r := range []struct {
		name    string
		v       *float64
		lo, hi  float64
		openTop bool
	}{
		{"accuracy", f.AccuracyM, 0, inf, false},
		{"speed", f.SpeedMS, 0, inf, false},
		{"heading", f.HeadingDeg, 0, 360, true},
		{"altitude", f.AltitudeM, -inf, inf, false},
		{"battery", f.BatteryPct, 0, 100, false},
		{"hdop", f.HDOP, 0, inf, false},
	} {
		if r.v == nil {
			continue
		}
		v := *r.v
		if !finite(v) || v < r.lo || v > r.hi || (r.openTop && v == r.hi) {
			t.Fatalf("fix %s %v is outside [%v, %v]", r.name, v, r.lo, r.hi)
		}
	}
	if f.AccuracyM != nil && *f.AccuracyM == 0 {
		t.Fatalf("fix accuracy 0 should be unknown")
	}
}

// filterAll runs Filter over items and checks that every item comes out
// accepted or rejected exactly once.
func filterAll(t *testing.T, items []RawFix) {
	t.Helper()
	now := time.Date(2024, 6, 15, 14, 0, 0, 0, time.UTC)
	accepted, rejected := Filter(items, nil, now, FilterConfig{})
	if len(accepted)+len(rejected) != len(items) {
		t.Fatalf("Filter of %d items gave %d accepted and %d rejected", len(items), len(accepted), len(rejected))
	}
	for i := 1; i < len(rejected); i++ {
		if rejected[i].Index < rejected[i-1].Index {
			t.Fatalf("Filter rejections not sorted by index: %v", rejected)
		}
	}
	for _, f := range accepted {
		if Check(f, nil, now, FilterConfig{}) != nil {
			t.Fatalf("Filter accepted %+v, which Check refuses", f)
		}
		lon, lat := f.Point[0], f.Point[1]
		if !finite(lon) || !finite(lat) || math.Abs(lon) > 180 || math.Abs(lat) > 90 || (lon == 0 && lat == 0) {
			t.Fatalf("Filter accepted the position %v", f.Point)
		}
	}
}
