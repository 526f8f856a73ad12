package cases

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// fuzzNow is the server clock of the case fuzz targets.
var fuzzNow = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// FuzzCaseBody reads a POST /cases body as the handler does — DecodeJSON, the datum,
// then the new case's rules — for an officer and a reporter. Every failure is invalid
// (or too_large past the route's limit). An accepted case has a title of 1 to 200 bytes,
// a description of at most 4,000, a position in range, a known source and datum, and a
// report time that is set and not in the future. Seeds: f.Add below.
func FuzzCaseBody(f *testing.F) {
	for _, s := range []string{
		`{"sector":"ecology","title":"占道经营","description":"门前堆物","lat":31.805,"lon":120.205,"datum":"gcj02","source":"hotline_12345"}`,
		`{"sector":"ecology","title":"t","lat":31.8,"lon":120.2,"reported_at":"2026-11-27T07:00:00Z"}`,
		`{"sector":"ecology","title":"t","lat":31.8,"lon":120.2,"reported_at":"2026-11-27T09:00:00Z"}`,
		`{"sector":"ecology","title":"t","lat":31.8,"lon":120.2,"reported_at":"0001-01-01T00:00:00Z"}`,
		`{"sector":"ecology","title":"t","lat":120.2,"lon":31.8}`,
		`{"sector":"ecology","title":"t","lat":1e400,"lon":0}`,
		`{"sector":"ecology","title":"t","lat":"31.8","lon":120.2}`,
		`{"sector":"ecology","title":"","lat":31.8,"lon":120.2}`,
		`{"sector":"ecology","title":"t","lon":120.2}`,
		`{"sector":"ecology","title":"t","lat":31.8,"lon":120.2,"source":"fax"}`,
		`{"sector":"ecology","title":"t","lat":31.8,"lon":120.2,"datum":"mars"}`,
		`{"sector":"ecology","title":"a\u0000b","lat":31.8,"lon":120.2}`,
		`{"sector":"ecology","title":"t","lat":31.8,"lon":120.2,"officer":"x"}`,
		`{"sector":"ecology","title":"t","lat":null,"lon":null}`,
		`[]`, `null`, ``, `{"title":`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, who := range []auth.Identity{{Role: auth.Officer, Officer: "o1"}, {Role: auth.Reporter}} {
			nc, err := readCaseBody(body, who)
			if err != nil {
				if c := apperr.CodeOf(err); c != apperr.Invalid && !(c == apperr.TooLarge && len(body) > MaxCaseBody) {
					t.Fatalf("case body %q: error %v has code %s", body, err, c)
				}
				continue
			}
			switch {
			case nc.Title == "" || len(nc.Title) > 200 || len(nc.Description) > 4000:
				t.Fatalf("accepted title %q / description of %d bytes", nc.Title, len(nc.Description))
			case !(nc.Lat >= -90 && nc.Lat <= 90 && nc.Lon >= -180 && nc.Lon <= 180):
				t.Fatalf("accepted position %v, %v", nc.Lat, nc.Lon)
			case !slices.Contains(Sources, nc.Source):
				t.Fatalf("accepted source %q", nc.Source)
			case nc.ReportedAt.IsZero() || nc.ReportedAt.After(fuzzNow.Add(5*time.Minute)):
				t.Fatalf("accepted report time %v", nc.ReportedAt)
			}
			if _, err := geo.ParseDatum(string(nc.Datum)); err != nil || nc.Datum == "" {
				t.Fatalf("accepted datum %q", nc.Datum)
			}
		}
	})
}

// readCaseBody is the create handler's reading of a body, up to the store.
func readCaseBody(body []byte, who auth.Identity) (NewCase, error) {
	r := httptest.NewRequest(http.MethodPost, "/cases", bytes.NewReader(body))
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, MaxCaseBody)
	var req caseRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return NewCase{}, err
	}
	if req.Lat == nil || req.Lon == nil {
		return NewCase{}, apperr.Invalidf("lat and lon are required")
	}
	datum, err := geo.ParseDatum(req.Datum)
	if err != nil {
		return NewCase{}, apperr.Invalidf("%v", err)
	}
	nc := NewCase{Sector: req.Sector, Title: req.Title, Description: req.Description, Lat: *req.Lat, Lon: *req.Lon,
		Datum: datum, Source: req.Source}
	if req.ReportedAt != nil {
		nc.ReportedAt = *req.ReportedAt
	}
	return nc, nc.validate(who, fuzzNow)
}

// FuzzEventBody reads a POST /cases/{id}/events body and its event type. The decoder
// fails only with invalid; ParseEventType accepts exactly the API's event types (never
// intake's "report"), each of which some status allows, and nothing else.
func FuzzEventBody(f *testing.F) {
	for _, s := range []string{
		`{"type":"assign","officer":"officer-1","note":"派单","at":"2026-11-27T08:00:00+08:00"}`,
		`{"type":"refer","department":"住建局"}`, `{"type":"report"}`, `{"type":"Assign"}`, `{"type":""}`,
		`{"type":"close","at":"yesterday"}`, `{"type":1}`, `{"type":"accept","extra":1}`, `{}`, `[`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/cases/1/events", bytes.NewReader(body))
		var req eventRequest
		if err := httpx.DecodeJSON(r, &req); err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("event body %q: error %v", body, err)
			}
			return
		}
		typ, ok := ParseEventType(req.Type)
		if ok != slices.Contains(eventOrder, EventType(req.Type)) || (ok && typ == EventReport) {
			t.Fatalf("ParseEventType(%q) = %q, %v", req.Type, typ, ok)
		}
		if !ok {
			return
		}
		allowedSomewhere := false
		for _, s := range []Status{StatusReported, StatusAssigned, StatusAccepted, StatusOnSite, StatusResolved, StatusReferred, StatusClosed} {
			if next, ok := Next(s, typ); ok {
				allowedSomewhere = true
				if !validStatus(next) {
					t.Fatalf("Next(%s, %s) = unknown status %q", s, typ, next)
				}
			}
		}
		if !allowedSomewhere {
			t.Fatalf("event type %q is allowed in no status", typ)
		}
	})
}
