package open311

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func TestGetRequest(t *testing.T) {
	b := newFakeBackend()
	id := b.add("urban_management", cases.StatusReferred, 2*time.Hour)
	c := b.cases[id]
	c.Department = strPtr("市场监管局")
	b.cases[id] = c
	h := newTestHandler(b)

	reported := testNow.Add(-2 * time.Hour)
	want := serviceRequest{
		ServiceRequestID: itoa(id),
		Status:           "closed",       // referred is no longer open
		StatusNotes:      "已办结 / closed", // the public status, never the officer's

		ServiceName:       "城市管理 (Urban management)",
		ServiceCode:       "urban_management",
		Description:       "case urban_management",
		AgencyResponsible: "市场监管局",
		RequestedDatetime: reported.Format(time.RFC3339),
		UpdatedDatetime:   reported.Add(time.Hour).Format(time.RFC3339),
		Lat:               31.23, // coarsened for the public
		Long:              121.474,
	}
	for _, path := range []string{"/requests/", "/request/"} {
		for _, ext := range formats() {
			t.Run(path+"{id}."+ext, func(t *testing.T) {
				got := decodeRequests(t, do(t, h, "GET", path+itoa(id)+"."+ext, "", ""), ext)
				if len(got) != 1 {
					t.Fatalf("got %d requests, want a list of one", len(got))
				}
				got[0].XMLName = want.XMLName
				if diff := cmp.Diff(want, got[0]); diff != "" {
					t.Errorf("request (-want +got):\n%s", diff)
				}
			})
		}
	}
	if got := b.who[0]; got != (auth.Identity{}) {
		t.Errorf("GET without api_key passed identity %+v, want the zero identity", got)
	}
}

func TestGetRequestJSONShape(t *testing.T) {
	b := newFakeBackend()
	id := b.add("ecology", cases.StatusAssigned, time.Hour)
	rec := do(t, newTestHandler(b), "GET", "/requests/"+itoa(id)+".json", "", "")
	for _, part := range []string{
		`"service_request_id":"` + itoa(id) + `"`, `"status":"open"`,
		`"status_notes":"处理中 / in progress"`, `"agency_responsible":null`,
		`"service_notice":null`, `"expected_datetime":null`, `"address":null`, `"media_url":null`,
		`"requested_datetime":"2026-11-27T11:00:00+08:00"`, `"lat":31.23,`, `"long":121.474,`,
	} {
		if !strings.Contains(rec.Body.String(), part) {
			t.Errorf("body lacks %s: %s", part, rec.Body)
		}
	}
	// A staff key reads the case as it is.
	staff := do(t, newTestHandler(b), "GET", "/requests/"+itoa(id)+".json?api_key="+adminKey, "", "")
	for _, part := range []string{`"status_notes":"已派遣 / assigned to an officer"`, `"agency_responsible":"sq-1"`, `"lat":31.2304`, `"long":121.4737`} {
		if !strings.Contains(staff.Body.String(), part) {
			t.Errorf("staff body lacks %s: %s", part, staff.Body)
		}
	}
	xmlRec := do(t, newTestHandler(b), "GET", "/requests/"+itoa(id)+".xml", "", "")
	for _, part := range []string{"<service_requests><request>", "<service_notice></service_notice>", "<long>121.474</long>"} {
		if !strings.Contains(xmlRec.Body.String(), part) {
			t.Errorf("XML lacks %s: %s", part, xmlRec.Body)
		}
	}
}

func TestGetRequestErrors(t *testing.T) {
	b := newFakeBackend()
	hidden := b.add("ecology", cases.StatusReported, time.Hour)
	b.hidden[hidden] = true
	h := newTestHandler(b)
	tests := []struct {
		name, target string
		wantStatus   int
	}{
		{"no such request", "/requests/999", 404},
		{"not a number", "/requests/abc", 404},
		{"zero", "/request/0", 404},
		{"negative", "/requests/-4", 404},
		{"overflow", "/requests/99999999999999999999", 404},
		{"not public", "/requests/" + itoa(hidden), 403},
		{"bad api_key", "/requests/" + itoa(hidden) + ".EXT?api_key=nope", 403},
	}
	for _, tt := range tests {
		for _, ext := range formats() {
			t.Run(tt.name+" "+ext, func(t *testing.T) {
				target := tt.target + "." + ext
				if strings.Contains(tt.target, ".EXT") {
					target = strings.Replace(tt.target, "EXT", ext, 1)
				}
				wantError(t, do(t, h, "GET", target, "", ""), ext, tt.wantStatus)
			})
		}
	}
	t.Run("api_key of an admin sees it", func(t *testing.T) {
		got := decodeRequests(t, do(t, h, "GET", "/requests/"+itoa(hidden)+".json?api_key="+adminKey, "", ""), "json")
		if len(got) != 1 {
			t.Errorf("got %d requests, want 1", len(got))
		}
	})
	t.Run("bearer token works like api_key", func(t *testing.T) {
		r, _ := http.NewRequest("GET", "/requests/"+itoa(hidden)+".json", nil)
		r.Header.Set("Authorization", "Bearer "+adminKey)
		rec := newRecorder(h, r)
		if rec.Code != 200 {
			t.Errorf("status = %d: %s", rec.Code, rec.Body)
		}
	})
}

// listFixture holds cases of every kind, reported at various times before testNow.
type listFixture struct {
	b                                         *fakeBackend
	urbanOpen, urbanClosed, safety, ecoOld    int64
	ecoRecent, ecoResolved, urbanAncient, dup int64
}

func newListFixture() listFixture {
	b := newFakeBackend()
	f := listFixture{b: b}
	f.urbanOpen = b.add("urban_management", cases.StatusReported, 1*time.Hour)
	f.urbanClosed = b.add("urban_management", cases.StatusClosed, 2*time.Hour)
	f.safety = b.add("work_safety", cases.StatusOnSite, 3*time.Hour)
	f.ecoOld = b.add("ecology", cases.StatusAssigned, 30*24*time.Hour)
	f.ecoRecent = b.add("ecology", cases.StatusAccepted, 30*time.Minute)
	f.ecoResolved = b.add("ecology", cases.StatusResolved, 10*24*time.Hour)
	f.urbanAncient = b.add("urban_management", cases.StatusReported, 100*24*time.Hour) // outside 90 days
	f.dup = b.add("work_safety", cases.StatusReported, 3*time.Hour)                    // same time as safety
	return f
}

func TestListRequests(t *testing.T) {
	f := newListFixture()
	h := newTestHandler(f.b)
	s := itoa
	tests := []struct {
		name  string
		query string
		want  []int64
	}{
		{"default: last 90 days, newest first", "",
			[]int64{f.ecoRecent, f.urbanOpen, f.urbanClosed, f.dup, f.safety, f.ecoResolved, f.ecoOld}},
		{"jurisdiction_id is ignored", "jurisdiction_id=city.gov.cn",
			[]int64{f.ecoRecent, f.urbanOpen, f.urbanClosed, f.dup, f.safety, f.ecoResolved, f.ecoOld}},
		{"status open", "status=open",
			[]int64{f.ecoRecent, f.urbanOpen, f.dup, f.safety, f.ecoOld}},
		{"status closed", "status=closed", []int64{f.urbanClosed, f.ecoResolved}},
		{"status both, comma", "status=open,closed",
			[]int64{f.ecoRecent, f.urbanOpen, f.urbanClosed, f.dup, f.safety, f.ecoResolved, f.ecoOld}},
		{"status both, repeated", "status=closed&status=open",
			[]int64{f.ecoRecent, f.urbanOpen, f.urbanClosed, f.dup, f.safety, f.ecoResolved, f.ecoOld}},
		{"service_code", "service_code=ecology", []int64{f.ecoRecent, f.ecoResolved, f.ecoOld}},
		{"service_code comma list", "service_code=ecology,%20work_safety",
			[]int64{f.ecoRecent, f.dup, f.safety, f.ecoResolved, f.ecoOld}},
		{"service_code and status", "service_code=urban_management&status=closed", []int64{f.urbanClosed}},
		{"start_date only: 90 days from it", "start_date=2026-11-27T09:00:00%2B08:00",
			[]int64{f.ecoRecent, f.urbanOpen, f.urbanClosed, f.dup, f.safety}},
		{"end_date only: 90 days before it", "end_date=2026-11-17T12:00:00Z",
			[]int64{f.ecoResolved, f.ecoOld}},
		{"both dates, Z zone", "start_date=2026-08-01T00:00:00Z&end_date=2026-09-01T00:00:00Z",
			[]int64{f.urbanAncient}},
		{"zone plus sent unescaped arrives as a space", "start_date=2026-11-27T09:00:00+08:00&end_date=2026-11-27T11:10:00+08:00",
			[]int64{f.urbanOpen, f.urbanClosed, f.dup, f.safety}},
		{"minutes precision", "start_date=2026-11-27T03:00Z", []int64{f.ecoRecent, f.urbanOpen}},
		{"ids override everything", "service_request_id=" + s(f.urbanAncient) + "," + s(f.ecoOld) + "&status=closed&service_code=work_safety",
			[]int64{f.urbanAncient, f.ecoOld}},
		{"ids: unknown ones left out, repeats once", "service_request_id=" + s(f.safety) + ",999," + s(f.safety),
			[]int64{f.safety}},
		{"ids: none found", "service_request_id=998,999", nil},
	}
	for _, tt := range tests {
		for _, ext := range formats() {
			t.Run(tt.name+" "+ext, func(t *testing.T) {
				got := ids(decodeRequests(t, do(t, h, "GET", "/requests."+ext+"?"+tt.query, "", ""), ext))
				want := make([]string, len(tt.want))
				for i, id := range tt.want {
					want[i] = itoa(id)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("GET requests.%s?%s (-want +got):\n%s", ext, tt.query, diff)
				}
			})
		}
	}
}

func TestListRequestsFilterPassedToBackend(t *testing.T) {
	f := newListFixture()
	h := newTestHandler(f.b)
	rec := do(t, h, "GET", "/requests.json?status=open&service_code=ecology,work_safety", "", "")
	if rec.Code != 200 {
		t.Fatalf("status = %d: %s", rec.Code, rec.Body)
	}
	open := true
	want := []cases.Filter{
		{Sector: "ecology", Open: &open, From: testNow.Add(-maxWindow), To: testNow, Limit: 1000},
		{Sector: "work_safety", Open: &open, From: testNow.Add(-maxWindow), To: testNow, Limit: 1000},
	}
	if diff := cmp.Diff(want, f.b.filters); diff != "" {
		t.Errorf("filters (-want +got):\n%s", diff)
	}
}

func TestListRequestsAtMost1000(t *testing.T) {
	b := newFakeBackend()
	for i := range 700 {
		b.add("ecology", cases.StatusReported, time.Duration(i)*time.Minute)
		b.add("work_safety", cases.StatusReported, time.Duration(i)*time.Minute+30*time.Second)
	}
	h := newTestHandler(b)
	for _, query := range []string{"", "service_code=ecology,work_safety"} {
		t.Run(query, func(t *testing.T) {
			got := decodeRequests(t, do(t, h, "GET", "/requests.json?"+query, "", ""), "json")
			if len(got) != maxRequests {
				t.Errorf("got %d requests, want %d", len(got), maxRequests)
			}
		})
	}
}

func TestListRequestsErrors(t *testing.T) {
	h := newTestHandler(newListFixture().b)
	many := make([]string, maxIDs+1)
	for i := range many {
		many[i] = itoa(int64(i + 1))
	}
	tests := []struct {
		name, query string
		wantStatus  int
		wantIn      string // part of the description
	}{
		{"unknown service_code", "service_code=potholes", 400, "potholes"},
		{"one unknown code among good ones", "service_code=ecology,potholes", 400, "potholes"},
		{"bad status", "status=pending", 400, "pending"},
		{"bad start_date", "start_date=yesterday", 400, "start_date"},
		{"date without zone", "end_date=2026-11-01T00:00:00", 400, "end_date"},
		{"date only", "start_date=2026-11-01", 400, "start_date"},
		{"start after end", "start_date=2026-11-02T00:00:00Z&end_date=2026-11-01T00:00:00Z", 400, "after"},
		{"span over 90 days", "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400, "90 days"},
		{"id not a number", "service_request_id=12,abc", 400, "abc"},
		{"id negative", "service_request_id=-1", 400, "-1"},
		{"too many ids", "service_request_id=" + strings.Join(many, ","), 400, "at most"},
		{"bad api_key", "api_key=nope", 403, "api_key"},
	}
	for _, tt := range tests {
		for _, ext := range formats() {
			t.Run(tt.name+" "+ext, func(t *testing.T) {
				d := wantError(t, do(t, h, "GET", "/requests."+ext+"?"+tt.query, "", ""), ext, tt.wantStatus)
				if !strings.Contains(d, tt.wantIn) {
					t.Errorf("description %q lacks %q", d, tt.wantIn)
				}
			})
		}
	}
}

func TestListRequestsHiddenFromPublic(t *testing.T) {
	f := newListFixture()
	f.b.hidden[f.urbanOpen] = true
	h := newTestHandler(f.b)
	for _, query := range []string{"", "service_request_id=" + itoa(f.urbanOpen) + "," + itoa(f.safety)} {
		t.Run("public "+query, func(t *testing.T) {
			for _, r := range decodeRequests(t, do(t, h, "GET", "/requests.json?"+query, "", ""), "json") {
				if r.ServiceRequestID == itoa(f.urbanOpen) {
					t.Errorf("hidden request %d listed to the public", f.urbanOpen)
				}
			}
		})
	}
	t.Run("admin", func(t *testing.T) {
		q := url.Values{"api_key": {adminKey}, "service_request_id": {itoa(f.urbanOpen)}}
		if got := decodeRequests(t, do(t, h, "GET", "/requests.xml?"+q.Encode(), "", ""), "xml"); len(got) != 1 {
			t.Errorf("admin got %d requests, want 1", len(got))
		}
	})
}
