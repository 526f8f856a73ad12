package open311

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// formContentType is what GeoReport clients send, as the spec's example request.
const formContentType = "application/x-www-form-urlencoded; charset=utf-8"

// clientBody is the spec's example POST, with our service code and a place in Shanghai:
// every optional field a full client sends, attributes included.
const clientBody = "api_key=" + reporterKey + "&jurisdiction_id=city.gov&service_code=ecology" +
	"&lat=31.23041&long=121.47370&address_string=1234+5th+street&email=smit333%40sfgov.edu" +
	"&device_id=tt222111&account_id=123456&first_name=john&last_name=smith&phone=111111111" +
	"&description=A+large+sinkhole+is+destroying+the+street" +
	"&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg" +
	"&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001"

func TestCreateRequest(t *testing.T) {
	wantCase := cases.NewCase{
		Sector:      "ecology",
		Title:       "A large sinkhole is destroying the street",
		Description: "A large sinkhole is destroying the street\n\n地址 / address: 1234 5th street",
		Lat:         31.23041,
		Lon:         121.4737,
		Datum:       geo.WGS84,
		Source:      cases.SourceCitizenApp,
	}
	tests := []struct {
		name, ext, wantBody string
	}{
		{"json", "json", `[{"service_request_id":"101","service_notice":"","account_id":null}]` + "\n"},
		{"xml", "xml", `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
			`<service_requests><request><service_request_id>101</service_request_id>` +
			`<service_notice></service_notice><account_id></account_id></request></service_requests>` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			h := newTestHandler(b)
			rec := do(t, h, "POST", "/requests."+tt.ext, formContentType, clientBody)
			if rec.Code != http.StatusCreated {
				t.Fatalf("status = %d, want 201: %s", rec.Code, rec.Body)
			}
			checkContentType(t, rec, tt.ext)
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body =\n%s\nwant\n%s", got, tt.wantBody)
			}
			if got, want := rec.Header().Get("Location"), "/requests/101."+tt.ext; got != want {
				t.Errorf("Location = %q, want %q", got, want)
			}
			if len(b.created) != 1 {
				t.Fatalf("backend created %d cases, want 1", len(b.created))
			}
			if diff := cmp.Diff(wantCase, b.created[0]); diff != "" {
				t.Errorf("NewCase (-want +got):\n%s", diff)
			}
			if b.who[0].Role != auth.Reporter {
				t.Errorf("created as %+v, want the reporter", b.who[0])
			}
		})
	}
}

func TestCreateRequestVariants(t *testing.T) {
	multipartBody, multipartType := multipartForm(t, map[string]string{
		"api_key": reporterKey, "service_code": "work_safety", "lat": "30.5", "long": "114.3",
		"description": "脚手架松动\n第二行",
	})
	tests := []struct {
		name, target, contentType, body string
		header                          map[string]string
		want                            cases.NewCase
	}{
		{"minimal form", "/requests.json", formContentType,
			"api_key=" + reporterKey + "&service_code=urban_management&lat=31&long=121",
			nil, cases.NewCase{Sector: "urban_management", Title: "城市管理 (Urban management)",
				Lat: 31, Lon: 121, Datum: geo.WGS84, Source: cases.SourceCitizenApp}},
		{"no content type", "/requests.json", "",
			"api_key=" + reporterKey + "&service_code=ecology&lat=31&long=121&description=smoke",
			nil, cases.NewCase{Sector: "ecology", Title: "smoke", Description: "smoke",
				Lat: 31, Lon: 121, Datum: geo.WGS84, Source: cases.SourceCitizenApp}},
		{"multipart", "/requests.xml", multipartType, multipartBody,
			nil, cases.NewCase{Sector: "work_safety", Title: "脚手架松动", Description: "脚手架松动\n第二行",
				Lat: 30.5, Lon: 114.3, Datum: geo.WGS84, Source: cases.SourceCitizenApp}},
		{"api_key in the query string", "/requests.json?api_key=" + reporterKey, formContentType,
			"service_code=ecology&lat=31&long=121", nil,
			cases.NewCase{Sector: "ecology", Title: "生态环境 (Ecology and environment)",
				Lat: 31, Lon: 121, Datum: geo.WGS84, Source: cases.SourceCitizenApp}},
		{"bearer token instead of api_key", "/requests.json", formContentType,
			"service_code=ecology&lat=31&long=121", map[string]string{"Authorization": "Bearer " + adminKey},
			cases.NewCase{Sector: "ecology", Title: "生态环境 (Ecology and environment)",
				Lat: 31, Lon: 121, Datum: geo.WGS84, Source: cases.SourceCitizenApp}},
		{"datum and source extensions, admin key", "/requests.json", formContentType,
			"api_key=" + adminKey + "&service_code=ecology&lat=31.2&long=121.5&datum=GCJ02&source=hotline_12345",
			nil, cases.NewCase{Sector: "ecology", Title: "生态环境 (Ecology and environment)",
				Lat: 31.2, Lon: 121.5, Datum: geo.GCJ02, Source: cases.SourceHotline}},
		{"long first line becomes a short title", "/requests.json", formContentType,
			"api_key=" + reporterKey + "&service_code=ecology&lat=31&long=121&description=" +
				url.QueryEscape(strings.Repeat("河", 70)+"\nmore"),
			nil, cases.NewCase{Sector: "ecology", Title: strings.Repeat("河", 59) + "…",
				Description: strings.Repeat("河", 70) + "\nmore",
				Lat:         31, Lon: 121, Datum: geo.WGS84, Source: cases.SourceCitizenApp}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			r := httptest.NewRequest("POST", tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			rec := newRecorder(newTestHandler(b), r)
			if rec.Code != http.StatusCreated {
				t.Fatalf("status = %d, want 201: %s", rec.Code, rec.Body)
			}
			if len(b.created) != 1 {
				t.Fatalf("backend created %d cases, want 1", len(b.created))
			}
			if diff := cmp.Diff(tt.want, b.created[0]); diff != "" {
				t.Errorf("NewCase (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreateRequestOutsideNotice(t *testing.T) {
	// The fake backend marks a case with a negative latitude as outside every township.
	rec := do(t, newTestHandler(newFakeBackend()), "POST", "/requests.json", formContentType,
		"api_key="+reporterKey+"&service_code=ecology&lat=-1&long=121")
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), "outside every township") {
		t.Errorf("got %d %s, want 201 with the outside notice", rec.Code, rec.Body)
	}
}

// multipartForm encodes fields and a photo as multipart/form-data.
func multipartForm(t *testing.T, fields map[string]string) (body, contentType string) {
	t.Helper()
	return multipartWith(t, fields, filePart{"media", "photo.jpg", "", []byte("\xff\xd8\xff not really a jpeg")})
}

func TestCreateRequestErrors(t *testing.T) {
	good := url.Values{"api_key": {reporterKey}, "service_code": {"ecology"}, "lat": {"31.2"}, "long": {"121.5"}}
	with := func(changes ...string) string {
		v := url.Values{}
		for k, vs := range good {
			v[k] = vs
		}
		for i := 0; i+1 < len(changes); i += 2 {
			if changes[i+1] == "" {
				v.Del(changes[i])
			} else {
				v.Set(changes[i], changes[i+1])
			}
		}
		return v.Encode()
	}
	tests := []struct {
		name, contentType, body string
		wantStatus              int
		wantIn                  string
	}{
		{"missing api_key", formContentType, with("api_key", ""), 403, "api_key is required"},
		{"blank api_key", formContentType, with("api_key", "  "), 403, "api_key is required"},
		{"unknown api_key", formContentType, with("api_key", "guess"), 403, "api_key is not valid"},
		{"officer's key", formContentType, with("api_key", officerKey), 403, "role officer"},
		{"missing service_code", formContentType, with("service_code", ""), 400, "service_code is required"},
		{"unknown service_code", formContentType, with("service_code", "potholes"), 404, "potholes"},
		{"address only", formContentType, with("lat", "", "long", "", "address_string", "1 Main St"), 400, "lat and long are required"},
		{"lat without long", formContentType, with("long", ""), 400, "long is missing"},
		{"lat over 90", formContentType, with("lat", "91"), 400, "lat"},
		{"long under -180", formContentType, with("long", "-180.5"), 400, "long"},
		{"lat not a number", formContentType, with("lat", "31,2"), 400, "lat"},
		{"lat NaN", formContentType, with("lat", "NaN"), 400, "lat"},
		{"long Inf", formContentType, with("long", "Inf"), 400, "long"},
		{"unknown datum", formContentType, with("datum", "cgcs2000"), 400, "datum"},
		{"unknown source", formContentType, with("source", "patrol"), 400, "source"},
		{"description over 4000 characters", formContentType, with("description", strings.Repeat("字", 4001)), 400, "4000"},
		{"description not UTF-8", formContentType, good.Encode() + "&description=%ff%fe", 400, "UTF-8"},
		{"description with NUL", formContentType, good.Encode() + "&description=a%00b", 400, "control"},
		{"service_code with a newline", formContentType, with("service_code", "eco\nlogy"), 400, "control"},
		{"JSON body", "application/json", `{"service_code":"ecology"}`, 400, "not a form"},
		{"malformed content type", "text/;;", good.Encode(), 400, "Content-Type"},
		{"malformed form", formContentType, good.Encode() + "&x=%zz", 400, "malformed"},
		{"multipart without boundary", "multipart/form-data", good.Encode(), 400, "form body"},
		{"body over 64 KiB", formContentType, with("description", strings.Repeat("a", 70<<10)), 413, "64 KiB"},
	}
	for _, tt := range tests {
		for _, ext := range formats() {
			t.Run(tt.name+" "+ext, func(t *testing.T) {
				b := newFakeBackend()
				rec := do(t, newTestHandler(b), "POST", "/requests."+ext, tt.contentType, tt.body)
				if d := wantError(t, rec, ext, tt.wantStatus); !strings.Contains(d, tt.wantIn) {
					t.Errorf("description %q lacks %q", d, tt.wantIn)
				}
				if len(b.created) != 0 {
					t.Errorf("backend created %v", b.created)
				}
			})
		}
	}
}

// TestCreateRequestChunkedOverLimit sends a body of unknown length over the limit.
func TestCreateRequestChunkedOverLimit(t *testing.T) {
	body := "api_key=" + reporterKey + "&description=" + strings.Repeat("a", 70<<10)
	r := httptest.NewRequest("POST", "/requests.json", io.NopCloser(strings.NewReader(body)))
	r.ContentLength = -1
	r.Header.Set("Content-Type", formContentType)
	wantError(t, newRecorder(newTestHandler(newFakeBackend()), r), "json", http.StatusRequestEntityTooLarge)
}

func TestCreateRequestBackendErrors(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
	}{
		{"invalid", apperr.Invalidf("title too long"), 400},
		{"unavailable", apperr.New(apperr.Unavailable, "db down"), 503},
		{"internal", io.ErrUnexpectedEOF, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			h := newTestHandler(b)
			// Sectors must work for the request to reach Create: fail only Create.
			h.b = createFails{b, tt.err}
			rec := do(t, h, "POST", "/requests.xml", formContentType, clientBody)
			wantError(t, rec, "xml", tt.wantStatus)
		})
	}
}

// createFails is a backend whose Create fails.
type createFails struct {
	*fakeBackend
	err error
}

func (c createFails) Create(context.Context, auth.Identity, cases.NewCase) (cases.Case, error) {
	return cases.Case{}, c.err
}
