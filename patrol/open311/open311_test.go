package open311

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// The fixed clock of the tests: 2026-11-27 12:00 in Beijing.
var testNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))

// Tokens of the fake authenticator.
const (
	reporterKey = "rep-token"
	adminKey    = "adm-token"
	officerKey  = "off-token"
)

// fakeBackend is an in-memory Backend: a map of cases. Cases in hidden are forbidden to
// the public; err, when set, is what every method returns.
type fakeBackend struct {
	mu      sync.Mutex
	sectors []cases.Sector
	cases   map[int64]cases.Case
	hidden  map[int64]bool
	nextID  int64
	err     error

	filters []cases.Filter // every List call's filter
	created []cases.NewCase
	who     []auth.Identity // every call's identity
}

var _ Backend = (*fakeBackend)(nil)

func newFakeBackend() *fakeBackend {
	return &fakeBackend{
		sectors: []cases.Sector{
			{Code: "urban_management", NameZH: "城市管理", NameEN: "Urban management", Core: true},
			{Code: "work_safety", NameZH: "安全生产", NameEN: "Work safety", Core: true},
			{Code: "ecology", NameZH: "生态环境", NameEN: "Ecology and environment"},
		},
		cases:  map[int64]cases.Case{},
		hidden: map[int64]bool{},
		nextID: 100,
	}
}

func strPtr(s string) *string { return &s }

// add stores a case reported `ago` before testNow and returns its ID.
func (b *fakeBackend) add(sector string, status cases.Status, ago time.Duration) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextID++
	at := testNow.Add(-ago)
	b.cases[b.nextID] = cases.Case{
		ID: b.nextID, Sector: sector, Title: "t", Description: "case " + sector,
		Lat: 31.2304, Lon: 121.4737, Squadron: strPtr("sq-1"), Status: status,
		Source: cases.SourceCitizenApp, ReportedAt: at, CreatedAt: at, UpdatedAt: at.Add(time.Hour),
	}
	return b.nextID
}

func (b *fakeBackend) Sectors(ctx context.Context) ([]cases.Sector, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return nil, b.err
	}
	return slices.Clone(b.sectors), nil
}

func (b *fakeBackend) Create(ctx context.Context, who auth.Identity, nc cases.NewCase) (cases.Case, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.who = append(b.who, who)
	if b.err != nil {
		return cases.Case{}, b.err
	}
	b.created = append(b.created, nc)
	b.nextID++
	c := cases.Case{
		ID: b.nextID, Sector: nc.Sector, Title: nc.Title, Description: nc.Description,
		Lat: nc.Lat, Lon: nc.Lon, Source: nc.Source, Status: cases.StatusReported,
		ReportedAt: testNow, CreatedAt: testNow, UpdatedAt: testNow,
		Outside: nc.Lat < 0, // how tests get an "outside every township" case
	}
	b.cases[c.ID] = c
	return c, nil
}

func (b *fakeBackend) List(ctx context.Context, who auth.Identity, f cases.Filter) ([]cases.Case, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.who = append(b.who, who)
	b.filters = append(b.filters, f)
	if b.err != nil {
		return nil, b.err
	}
	var out []cases.Case
	// Map order: the handler must sort.
	for _, c := range b.cases {
		switch {
		case b.hidden[c.ID] && who.Role == "":
		case f.Sector != "" && c.Sector != f.Sector:
		case f.Open != nil && c.Status.Open() != *f.Open:
		case !f.From.IsZero() && c.ReportedAt.Before(f.From):
		case !f.To.IsZero() && !c.ReportedAt.Before(f.To):
		default:
			out = append(out, c)
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func (b *fakeBackend) Get(ctx context.Context, who auth.Identity, id int64) (cases.Case, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.who = append(b.who, who)
	if b.err != nil {
		return cases.Case{}, b.err
	}
	c, ok := b.cases[id]
	if !ok {
		return cases.Case{}, apperr.NotFoundf("no case %d", id)
	}
	if b.hidden[id] && who.Role == "" {
		return cases.Case{}, apperr.Forbiddenf("case %d is not public", id)
	}
	return c, nil
}

// fakeTokens authenticates the three test keys.
type fakeTokens map[string]auth.Identity

func (t fakeTokens) Authenticate(ctx context.Context, token string) (auth.Identity, error) {
	id, ok := t[token]
	if !ok {
		return auth.Identity{}, apperr.New(apperr.Unauthorized, "unknown token")
	}
	return id, nil
}

func newTestHandler(b *fakeBackend) *Handler {
	h := NewHandler(b, auth.Guard{Tokens: fakeTokens{
		reporterKey: {TokenID: 1, Name: "12345 hotline", Role: auth.Reporter},
		adminKey:    {TokenID: 2, Name: "admin", Role: auth.Admin},
		officerKey:  {TokenID: 3, Name: "officer", Role: auth.Officer, Officer: "o-1"},
	}})
	h.Now = func() time.Time { return testNow }
	return h
}

// do sends a request to the handler's routes and returns the recorded response.
func do(t *testing.T, h *Handler, method, target, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return newRecorder(h, r)
}

// newRecorder serves r with the handler's routes.
func newRecorder(h *Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.Routes().ServeHTTP(rec, r)
	return rec
}

// checkContentType fails unless the response is in format ext.
func checkContentType(t *testing.T, rec *httptest.ResponseRecorder, ext string) {
	t.Helper()
	want := contentTypeJSON
	if ext == "xml" {
		want = contentTypeXML
		if !strings.HasPrefix(rec.Body.String(), `<?xml version="1.0" encoding="utf-8"?>`) {
			t.Errorf("XML body lacks the declaration: %s", rec.Body)
		}
	}
	if got := rec.Header().Get("Content-Type"); got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
}

// decodeErrors reads a spec error document in either format.
func decodeErrors(t *testing.T, rec *httptest.ResponseRecorder, ext string) []apiError {
	t.Helper()
	checkContentType(t, rec, ext)
	var errs []apiError
	if ext == "xml" {
		var doc struct {
			XMLName xml.Name   `xml:"errors"`
			Errors  []apiError `xml:"error"`
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatalf("error body is not the XML error document: %v: %s", err, rec.Body)
		}
		errs = doc.Errors
	} else if err := json.Unmarshal(rec.Body.Bytes(), &errs); err != nil {
		t.Fatalf("error body is not the JSON error document: %v: %s", err, rec.Body)
	}
	if len(errs) != 1 || errs[0].Code != rec.Code || errs[0].Description == "" {
		t.Errorf("errors = %+v, want one with code %d and a description", errs, rec.Code)
	}
	return errs
}

// wantError fails unless the response is an error document with the given status.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, ext string, status int) string {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d (body %s)", rec.Code, status, rec.Body)
	}
	errs := decodeErrors(t, rec, ext)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].Description
}

// decodeRequests reads a service_requests document in either format.
func decodeRequests(t *testing.T, rec *httptest.ResponseRecorder, ext string) []serviceRequest {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200 (body %s)", rec.Code, rec.Body)
	}
	checkContentType(t, rec, ext)
	var list []serviceRequest
	if ext == "xml" {
		var doc struct {
			XMLName  xml.Name         `xml:"service_requests"`
			Requests []serviceRequest `xml:"request"`
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatalf("body is not a service_requests document: %v: %s", err, rec.Body)
		}
		list = doc.Requests
	} else if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatalf("body is not a JSON array of requests: %v: %s", err, rec.Body)
	}
	return list
}

func ids(list []serviceRequest) []string {
	out := make([]string, len(list))
	for i, r := range list {
		out[i] = r.ServiceRequestID
	}
	return out
}

// formats are the extensions every resource answers in.
func formats() []string { return []string{"json", "xml"} }

func TestUnknownFormatIs404(t *testing.T) {
	b := newFakeBackend()
	id := b.add("ecology", cases.StatusReported, time.Hour)
	h := newTestHandler(b)
	for _, target := range []string{"/services.csv", "/services/ecology.html", "/requests.geojson",
		"/requests/" + itoa(id) + ".txt", "/request/" + itoa(id) + ".yaml"} {
		t.Run(target, func(t *testing.T) {
			wantError(t, do(t, h, "GET", target, "", ""), "xml", http.StatusNotFound)
		})
	}
	t.Run("POST requests.csv", func(t *testing.T) {
		wantError(t, do(t, h, "POST", "/requests.csv", formContentType, "api_key="+reporterKey), "xml", http.StatusNotFound)
	})
}

func TestUnmatchedRoutes(t *testing.T) {
	h := newTestHandler(newFakeBackend())
	tests := []struct {
		name, method, target, accept, wantExt string
		wantStatus                            int
	}{
		{"no extension, XML by default", "GET", "/services", "", "xml", 404},
		{"no extension, JSON when accepted", "GET", "/services", "application/json", "json", 404},
		{"unknown resource keeps its json extension", "GET", "/tokens/5.json", "", "json", 404},
		{"unknown resource keeps its xml extension", "GET", "/discovery.xml", "application/json", "xml", 404},
		{"method not allowed", "DELETE", "/requests.json", "", "json", 405},
		{"POST to a single request", "POST", "/requests/5.xml", "", "xml", 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			rec := httptest.NewRecorder()
			h.Routes().ServeHTTP(rec, r)
			wantError(t, rec, tt.wantExt, tt.wantStatus)
		})
	}
}

func TestErrorDocumentBytes(t *testing.T) {
	tests := []struct {
		name, ext string
		err       error
		want      string
	}{
		{"json", "json", apperr.Invalidf("lat is bad"), `[{"code":400,"description":"lat is bad"}]` + "\n"},
		{"xml", "xml", apperr.Invalidf("lat <is> bad"),
			`<?xml version="1.0" encoding="utf-8"?>` + "\n" +
				`<errors><error><code>400</code><description>lat &lt;is&gt; bad</description></error></errors>` + "\n"},
		{"internal error hides its cause", "json", apperr.Wrap(io.ErrUnexpectedEOF, apperr.Internal, "SELECT secret"),
			`[{"code":500,"description":"internal error"}]` + "\n"},
		{"plain error is internal", "xml", io.EOF,
			`<?xml version="1.0" encoding="utf-8"?>` + "\n" +
				`<errors><error><code>500</code><description>internal error</description></error></errors>` + "\n"},
		{"unauthorized is 403 per spec", "json", apperr.New(apperr.Unauthorized, "bad key"),
			`[{"code":403,"description":"bad key"}]` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := parseFormat(tt.ext)
			rec := httptest.NewRecorder()
			writeError(rec, httptest.NewRequest("GET", "/x", nil), f, tt.err)
			if got := rec.Body.String(); got != tt.want {
				t.Errorf("writeError(%v) body =\n%s\nwant\n%s", tt.err, got, tt.want)
			}
			checkContentType(t, rec, tt.ext)
		})
	}
}

func TestBackendErrors(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantDesc   string
	}{
		{"unavailable", apperr.New(apperr.Unavailable, "the database is unreachable"), 503, "the database is unreachable"},
		{"internal", apperr.Wrap(io.EOF, apperr.Internal, "relation cases does not exist"), 500, "internal error"},
	}
	for _, tt := range tests {
		for _, ext := range formats() {
			for _, target := range []string{"/services.", "/requests.", "/requests/101.", "/services/ecology."} {
				t.Run(tt.name+" "+target+ext, func(t *testing.T) {
					b := newFakeBackend()
					b.err = tt.err
					rec := do(t, newTestHandler(b), "GET", target+ext, "", "")
					if got := wantError(t, rec, ext, tt.wantStatus); got != tt.wantDesc {
						t.Errorf("description = %q, want %q", got, tt.wantDesc)
					}
					if tt.wantStatus == 503 && rec.Header().Get("Retry-After") == "" {
						t.Error("503 without Retry-After")
					}
				})
			}
		}
	}
}

func TestCancelledRequestGetsNoBody(t *testing.T) {
	b := newFakeBackend()
	b.err = context.Canceled
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/services.json", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	newTestHandler(b).Routes().ServeHTTP(rec, r)
	if rec.Code != 499 || rec.Body.Len() != 0 {
		t.Errorf("got %d %q, want 499 and no body", rec.Code, rec.Body)
	}
}

// TestMounted checks the routes under the prefix the application mounts them at.
func TestMounted(t *testing.T) {
	b := newFakeBackend()
	root := chi.NewRouter()
	root.Mount("/open311/v2", newTestHandler(b).Routes())
	srv := httptest.NewServer(root)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/open311/v2/services.xml")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != contentTypeXML {
		t.Errorf("GET services.xml: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}

	res, err = http.PostForm(srv.URL+"/open311/v2/requests.json", map[string][]string{
		"api_key": {reporterKey}, "service_code": {"ecology"}, "lat": {"31.2"}, "long": {"121.5"},
	})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST requests.json: %d", res.StatusCode)
	}
	loc := res.Header.Get("Location")
	if want := "/open311/v2/requests/101.json"; loc != want {
		t.Errorf("Location = %q, want %q", loc, want)
	}
	res, err = http.Get(srv.URL + loc)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET %s: %d", loc, res.StatusCode)
	}

	res, err = http.Get(srv.URL + "/open311/v2/nothing.json")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 || res.Header.Get("Content-Type") != contentTypeJSON {
		t.Errorf("GET nothing.json: %d %s, want 404 in JSON", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
