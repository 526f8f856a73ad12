package position_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/coverage"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// city is a server with one township (a 10 × 9 km square), one squadron and three
// officers with devices, and tokens for them.
type city struct {
	t      *testing.T
	srv    *app.Server
	http   *httptest.Server
	admin  string
	device map[string]string // officer → device token
}

var now = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func newCity(t *testing.T) *city {
	t.Helper()
	spec := apptest.Spec{
		Townships: []grid.TownshipInput{{Code: "320281001", Name: "澄江", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)}},
		Squadrons: []grid.Squadron{{Code: "Q1", Name: "一中队", Township: "320281001"}},
		Tokens:    map[string]auth.TokenSpec{"admin": {Role: auth.Admin}},
	}
	officers := []string{"o1", "o2", "o3"}
	for _, id := range officers {
		spec.Officers = append(spec.Officers, officer.Officer{ID: id, Squadron: "Q1", DeviceID: "dev-" + id})
		spec.Tokens["phone "+id] = auth.TokenSpec{Role: auth.Device, Officer: id}
	}
	tc := apptest.NewCity(t, spec)
	tc.Server.Positions.SetClock(func() time.Time { return now })
	c := &city{t: t, srv: tc.Server, http: tc.HTTP, admin: tc.Tokens["admin"], device: map[string]string{}}
	for _, id := range officers {
		c.device[id] = tc.Tokens["phone "+id]
	}
	return c
}

func (c *city) do(method, path, token, contentType string, body []byte) (int, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.http.URL+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type answer struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Rejected   []struct {
		Index int    `json:"index"`
		Code  string `json:"code"`
	} `json:"rejected"`
}

type fix struct {
	Officer  string   `json:"officer"`
	Time     string   `json:"time"`
	Lat      float64  `json:"lat"`
	Lon      float64  `json:"lon"`
	Accuracy *float64 `json:"accuracy,omitempty"`
	Datum    string   `json:"datum,omitempty"`
}

func (c *city) post(token string, fixes []fix) answer {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"positions": fixes})
	code, raw := c.do("POST", "/api/v1/positions", token, "application/json", body)
	if code != 200 {
		c.t.Fatalf("POST /positions = %d %s", code, raw)
	}
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		c.t.Fatal(err)
	}
	return a
}

func (c *city) count(sql string, args ...any) int {
	c.t.Helper()
	var n int
	if err := c.srv.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		c.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func at(d time.Duration) string { return now.Add(-time.Hour + d).Format(time.RFC3339) }

func TestBatchStoresOnceAndRejectsBadItems(t *testing.T) {
	c := newCity(t)
	fixes := []fix{
		{Officer: "o1", Time: at(0), Lat: 31.84, Lon: 120.25},
		{Officer: "o1", Time: at(10 * time.Second), Lat: 31.8401, Lon: 120.2501},
		{Officer: "o1", Time: at(20 * time.Second), Lat: 91, Lon: 120.25},                       // lat 91
		{Officer: "o1", Time: at(30 * time.Second), Lat: 120.25, Lon: 31.84},                    // swapped
		{Officer: "nobody", Time: at(40 * time.Second), Lat: 31.84, Lon: 120.25},                // unknown officer
		{Officer: "o2", Time: at(50 * time.Second), Lat: 0, Lon: 0},                             // null island
		{Officer: "o2", Time: now.Add(time.Hour).Format(time.RFC3339), Lat: 31.84, Lon: 120.25}, // future
		{Officer: "o2", Time: at(0), Lat: 31.85, Lon: 120.26, Datum: "gcj02"},
	}
	a := c.post(c.admin, fixes)
	if a.Accepted != 3 || a.Duplicates != 0 {
		t.Errorf("answer = %+v, want 3 accepted", a)
	}
	got := map[int]string{}
	for _, r := range a.Rejected {
		got[r.Index] = r.Code
	}
	want := map[int]string{2: "invalid_coordinates", 3: "invalid_coordinates", 4: "unknown_officer", 5: "zero_coordinates", 6: "future_time"}
	for i, code := range want {
		if got[i] != code {
			t.Errorf("item %d rejected as %q, want %q (all: %v)", i, got[i], code, got)
		}
	}
	// Re-sending the whole buffer stores nothing twice.
	again := c.post(c.admin, fixes)
	if again.Accepted != 0 || again.Duplicates != 3 {
		t.Errorf("re-send = %+v, want 0 accepted, 3 duplicates", again)
	}
	if n := c.count("SELECT count(*) FROM positions"); n != 3 {
		t.Errorf("%d positions stored, want 3", n)
	}
	// GCJ-02 input is stored in WGS-84: a few hundred metres from where it was given.
	var lon, lat float64
	c.srv.DB.QueryRow(context.Background(), "SELECT ST_X(geom), ST_Y(geom) FROM positions WHERE officer = 'o2'").Scan(&lon, &lat)
	if lon == 120.26 || lat == 31.85 || lon < 120.25 || lat > 31.86 {
		t.Errorf("GCJ-02 fix stored at %f, %f", lon, lat)
	}
	if n := c.count("SELECT count(*) FROM officer_latest"); n != 2 {
		t.Errorf("%d latest positions, want 2", n)
	}
}

func TestBatchBadInputIsAProblemAndWritesNothing(t *testing.T) {
	c := newCity(t)
	many := make([]fix, 10_001)
	for i := range many {
		many[i] = fix{Officer: "o1", Time: at(time.Duration(i) * time.Second), Lat: 31.84, Lon: 120.25}
	}
	manyBody, _ := json.Marshal(map[string]any{"positions": many})
	tests := []struct {
		name  string
		token string
		body  []byte
		want  int
	}{
		{"malformed JSON", c.admin, []byte(`{"positions":[{"officer":`), 400},
		{"not an object", c.admin, []byte(`[1,2]`), 400},
		{"unknown top-level field", c.admin, []byte(`{"positions":[],"x":1}`), 400},
		{"over 10,000 fixes", c.admin, manyBody, 413},
		{"over the byte limit", c.admin, append([]byte(`{"positions":[`), bytes.Repeat([]byte(" "), 5<<20)...), 413},
		{"no token", "", []byte(`{"positions":[]}`), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := c.do("POST", "/api/v1/positions", tt.token, "application/json", tt.body)
			if code != tt.want || !strings.Contains(string(body), `"code"`) {
				t.Errorf("status %d %s, want %d problem", code, body, tt.want)
			}
		})
	}
	if n := c.count("SELECT count(*) FROM positions"); n != 0 {
		t.Errorf("%d positions stored by bad requests", n)
	}
}

func TestDeviceTokenPostsForItsOfficerOnly(t *testing.T) {
	c := newCity(t)
	a := c.post(c.device["o1"], []fix{
		{Officer: "o1", Time: at(0), Lat: 31.84, Lon: 120.25},
		{Officer: "o2", Time: at(0), Lat: 31.84, Lon: 120.25},
	})
	if a.Accepted != 1 || len(a.Rejected) != 1 || a.Rejected[0].Code != "forbidden_officer" {
		t.Errorf("answer = %+v, want o1's fix stored and o2's refused", a)
	}
}

// TestRequestWithNothingToStoreKeepsItsRejections: a request whose every fix is refused
// before the store answers with those refusals.
func TestRequestWithNothingToStoreKeepsItsRejections(t *testing.T) {
	c := newCity(t)
	a := c.post(c.device["o1"], []fix{{Officer: "o2", Time: at(0), Lat: 31.84, Lon: 120.25}})
	if a.Accepted != 0 || len(a.Rejected) != 1 || a.Rejected[0].Code != "forbidden_officer" {
		t.Errorf("answer = %+v, want o2's fix refused", a)
	}
}

// TestOsmAndAsTraccarClientSendsIt replays the requests Traccar Client makes.
func TestOsmAndAsTraccarClientSendsIt(t *testing.T) {
	c := newCity(t)
	key := c.device["o1"]
	ts := now.Add(-10 * time.Minute)
	query := url.Values{"id": {"dev-o1"}, "lat": {"31.84"}, "lon": {"120.25"}, "timestamp": {fmt.Sprint(ts.Unix())},
		"speed": {"2.0"}, "bearing": {"90"}, "altitude": {"5"}, "accuracy": {"8"}, "batt": {"87"}}
	jsonBody := fmt.Sprintf(`{"location":{"timestamp":%q,"coords":{"latitude":31.8405,"longitude":120.2505,"accuracy":6,"speed":-1,"heading":-1,"altitude":4},"is_moving":true,"odometer":0,"battery":{"level":0.8,"is_charging":false}},"device_id":"dev-o1"}`,
		ts.Add(20*time.Second).Format("2006-01-02T15:04:05.000Z"))
	formQuery := url.Values{"deviceid": {"dev-o1"}, "lat": {"31.8402"}, "lon": {"120.2502"}, "timestamp": {ts.Add(10 * time.Second).Format(time.RFC3339)}}
	steps := []struct {
		name, method, path, contentType, body string
		want                                  int
	}{
		{"GET with query", "GET", "/osmand/" + key + "?" + query.Encode(), "", "", 200},
		{"POST form", "POST", "/osmand/" + key, "application/x-www-form-urlencoded", formQuery.Encode(), 200},
		{"POST Traccar 9 JSON", "POST", "/osmand/" + key, "application/json", jsonBody, 200},
		{"resend of the first", "GET", "/osmand/" + key + "?" + query.Encode(), "", "", 200},
		{"implausible fix still answered 200", "GET", "/osmand/" + key + "?id=dev-o1&lat=31.84&lon=121.5&timestamp=" + fmt.Sprint(ts.Add(30*time.Second).Unix()), "", "", 200},
		{"bad key", "GET", "/osmand/gw_nope?" + query.Encode(), "", "", 401},
		{"device of another officer", "GET", "/osmand/" + key + "?id=dev-o2&lat=31.84&lon=120.25&timestamp=" + fmt.Sprint(ts.Unix()), "", "", 403},
		{"unknown device", "GET", "/osmand/" + key + "?id=dev-x&lat=31.84&lon=120.25&timestamp=" + fmt.Sprint(ts.Unix()), "", "", 404},
		{"missing lat", "GET", "/osmand/" + key + "?id=dev-o1&lon=120.25&timestamp=" + fmt.Sprint(ts.Unix()), "", "", 400},
		{"NaN latitude", "GET", "/osmand/" + key + "?id=dev-o1&lat=NaN&lon=120.25&timestamp=" + fmt.Sprint(ts.Unix()), "", "", 400},
		{"latitude 91", "GET", "/osmand/" + key + "?id=dev-o1&lat=91&lon=120.25&timestamp=" + fmt.Sprint(ts.Unix()), "", "", 400},
		{"Inf longitude", "GET", "/osmand/" + key + "?id=dev-o1&lat=31.84&lon=Inf&timestamp=" + fmt.Sprint(ts.Unix()), "", "", 400},
		{"malformed JSON", "POST", "/osmand/" + key, "application/json", `{"location":`, 400},
		{"oversize body", "POST", "/osmand/" + key, "application/x-www-form-urlencoded", strings.Repeat("a", 70<<10), 413},
	}
	for _, s := range steps {
		code, body := c.do(s.method, s.path, "", s.contentType, []byte(s.body))
		if code != s.want {
			t.Errorf("%s: %d %s, want %d", s.name, code, body, s.want)
		}
	}
	if n := c.count("SELECT count(*) FROM positions WHERE officer = 'o1'"); n != 3 {
		t.Errorf("%d fixes stored, want the 3 distinct plausible ones", n)
	}
	var speed float64
	c.srv.DB.QueryRow(context.Background(), "SELECT speed_ms FROM positions WHERE time = $1", ts).Scan(&speed)
	if speed < 1.02 || speed > 1.03 {
		t.Errorf("speed %.3f m/s, want 2 knots = 1.029 m/s", speed)
	}
}

// TestOsmAndRemembersDevices checks that an OsmAnd device's officer is answered from
// memory for officer.DeviceTTL, then read again: a device moved to another officer
// outside the API is still taken for its old officer until then, and refused after.
func TestOsmAndRemembersDevices(t *testing.T) {
	c := newCity(t)
	clock := now
	c.srv.Officers.SetClock(func() time.Time { return clock })
	key := c.device["o1"]
	send := func(offset time.Duration) int {
		t.Helper()
		code, body := c.do("GET", "/osmand/"+key+"?id=dev-o1&lat=31.84&lon=120.25&timestamp="+fmt.Sprint(now.Add(-10*time.Minute+offset).Unix()), "", "", nil)
		if code != 200 && code != 404 {
			t.Fatalf("OsmAnd fix at %s: %d %s", offset, code, body)
		}
		return code
	}
	if code := send(0); code != 200 {
		t.Fatalf("first fix: %d, want 200", code)
	}
	if _, err := c.srv.DB.Exec(context.Background(), "UPDATE officers SET device_id = 'dev-new' WHERE id = 'o1'"); err != nil {
		t.Fatal(err)
	}
	if code := send(5 * time.Second); code != 200 {
		t.Errorf("within the TTL: %d, want 200 (the device answered from memory)", code)
	}
	clock = clock.Add(officer.DeviceTTL)
	if code := send(10 * time.Second); code != 404 {
		t.Errorf("after the TTL: %d, want 404 (the device read again, and gone)", code)
	}
	if n := c.count("SELECT count(*) FROM positions WHERE officer = 'o1'"); n != 2 {
		t.Errorf("%d fixes stored, want 2", n)
	}
}

func TestGPXUpload(t *testing.T) {
	c := newCity(t)
	c.srv.Positions.SetClock(func() time.Time { return time.Date(2014, 8, 23, 0, 0, 0, 0, time.UTC) })
	doc, err := os.ReadFile("../ingest/testdata/gpx/visnjan.gpx")
	if err != nil {
		t.Fatal(err)
	}
	code, raw := c.do("POST", "/api/v1/officers/o1/gpx", c.device["o1"], "application/gpx+xml", doc)
	var a answer
	json.Unmarshal(raw, &a)
	if code != 200 || a.Accepted < 400 || a.Accepted+len(a.Rejected) != 413 {
		t.Fatalf("GPX upload = %d %s", code, raw)
	}
	code, raw = c.do("POST", "/api/v1/officers/o1/gpx", c.device["o1"], "application/gpx+xml", doc)
	json.Unmarshal(raw, &a)
	if a.Accepted != 0 || a.Duplicates < 400 {
		t.Errorf("second upload = %s, want duplicates only", raw)
	}
	untimed := bytes.Replace(doc, []byte("<time>2014-08-22T16:49:07Z</time>"), nil, 1)
	c.do("POST", "/api/v1/officers/o1/gpx", c.device["o1"], "application/gpx+xml", untimed)
	for _, bad := range []struct {
		name, path, token string
		body              []byte
		want              int
	}{
		{"another officer's track", "/api/v1/officers/o2/gpx", c.device["o1"], doc, 403},
		{"unknown officer", "/api/v1/officers/zz/gpx", c.admin, doc, 404},
		{"not XML", "/api/v1/officers/o1/gpx", c.admin, []byte("{}"), 400},
		{"truncated XML", "/api/v1/officers/o1/gpx", c.admin, doc[:len(doc)/2], 400},
	} {
		if code, body := c.do("POST", bad.path, bad.token, "application/gpx+xml", bad.body); code != bad.want {
			t.Errorf("%s: %d %s, want %d", bad.name, code, body, bad.want)
		}
	}
}

// TestCoverageMatchesBruteForce sends random walks in shuffled, overlapping, late
// batches and compares the coverage table with a recomputation from all stored fixes.
func TestCoverageMatchesBruteForce(t *testing.T) {
	c := newCity(t)
	rng := rand.New(rand.NewPCG(7, 7))
	var all []fix
	for _, id := range []string{"o1", "o2", "o3"} {
		p := orb.Point{120.25, 31.84}
		tm := now.Add(-8 * time.Hour)
		for i := 0; i < 600; i++ {
			step := time.Duration(5+rng.IntN(10)) * time.Second
			if rng.IntN(80) == 0 {
				step = time.Duration(6+rng.IntN(20)) * time.Minute // a gap
			}
			tm = tm.Add(step)
			p = orb.Point{p[0] + (rng.Float64()-0.5)*0.0008, p[1] + (rng.Float64()-0.5)*0.0008}
			all = append(all, fix{Officer: id, Time: tm.Format(time.RFC3339Nano), Lat: p[1], Lon: p[0]})
		}
	}
	// Batches of random size from a shuffled order: late and out-of-order fixes, plus
	// some sent twice.
	order := rng.Perm(len(all))
	for i := 0; i < len(order); {
		n := 1 + rng.IntN(120)
		var batch []fix
		for _, j := range order[i:min(i+n, len(order))] {
			batch = append(batch, all[j])
			if rng.IntN(20) == 0 {
				batch = append(batch, all[rng.IntN(len(all))])
			}
		}
		if a := c.post(c.admin, batch); len(a.Rejected) > 0 {
			t.Fatalf("plausible fixes rejected: %+v", a.Rejected)
		}
		i += n
	}
	if n := c.count("SELECT count(*) FROM positions"); n != len(all) {
		t.Fatalf("%d positions stored, want %d", n, len(all))
	}
	wantVisits := c.checkCoverage([]string{"o1", "o2", "o3"})

	// The API sums buckets per cell.
	code, raw := c.do("GET", "/api/v1/coverage?township=320281001&from="+url.QueryEscape(now.Add(-9*time.Hour).Format(time.RFC3339)), c.admin, "", nil)
	var cells []coverage.Cell
	json.Unmarshal(raw, &cells)
	visits, visited := 0, 0
	for _, cell := range cells {
		visits += cell.Visits
		if cell.LastVisit != nil {
			visited++
		}
	}
	if code != 200 || visits != wantVisits || visited == 0 || visited == len(cells) {
		t.Errorf("GET /coverage = %d: %d visits over %d visited of %d cells, want %d visits and unvisited cells listed",
			code, visits, visited, len(cells), wantVisits)
	}
}

// checkCoverage compares the coverage table with a recomputation from the stored fixes
// of the officers, and returns the visits of the recomputation.
func (c *city) checkCoverage(officers []string) (visits int) {
	t := c.t
	t.Helper()
	type key struct {
		coverage.Key
		officer string
	}
	expected := map[key]coverage.Tally{}
	for _, id := range officers {
		rows, _ := c.srv.DB.Query(context.Background(), "SELECT time, h3 FROM positions WHERE officer = $1 ORDER BY time", id)
		var chain []coverage.Fix
		for rows.Next() {
			var f coverage.Fix
			rows.Scan(&f.Time, &f.H3)
			chain = append(chain, f)
		}
		rows.Close()
		for k, v := range coverage.Contributions(chain, false) {
			expected[key{k, id}] = v
		}
	}
	rows, err := c.srv.DB.Query(context.Background(), "SELECT h3, hour, officer, visits, dwell_s, last_visit FROM coverage")
	if err != nil {
		t.Fatal(err)
	}
	got := map[key]coverage.Tally{}
	for rows.Next() {
		var k key
		var v coverage.Tally
		rows.Scan(&k.H3, &k.Hour, &k.officer, &v.Visits, &v.DwellS, &v.Last)
		k.Hour = k.Hour.UTC()
		got[k] = v
	}
	rows.Close()
	if len(got) != len(expected) {
		t.Errorf("%d coverage rows, want %d", len(got), len(expected))
	}
	bad := 0
	for k, w := range expected {
		g := got[k]
		if g.Visits != w.Visits || abs(g.DwellS-w.DwellS) > 1e-6 || !g.Last.Equal(w.Last) {
			if bad++; bad <= 5 {
				t.Errorf("bucket %v: got %+v, want %+v", k, g, w)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d buckets differ from the brute-force recomputation", bad, len(expected))
	}
	for _, w := range expected {
		visits += w.Visits
	}
	return visits
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestLiveStreamsLatestThenNewPositions(t *testing.T) {
	c := newCity(t)
	c.post(c.admin, []fix{{Officer: "o1", Time: at(0), Lat: 31.84, Lon: 120.25}})
	req, _ := http.NewRequest("GET", c.http.URL+"/api/v1/live", nil)
	req.Header.Set("Authorization", "Bearer "+c.admin)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q", ct)
	}
	events := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "data: ") {
				events <- strings.TrimPrefix(line, "data: ")
			}
		}
		close(events)
	}()
	first := <-events
	if !strings.Contains(first, `"officer":"o1"`) {
		t.Fatalf("first event %s, want o1's latest position", first)
	}
	c.post(c.admin, []fix{{Officer: "o2", Time: at(time.Minute), Lat: 31.845, Lon: 120.255}})
	select {
	case e := <-events:
		var p map[string]any
		json.Unmarshal([]byte(e), &p)
		keys := make([]string, 0, len(p))
		for k := range p {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if p["officer"] != "o2" || strings.Join(keys, ",") != "h3,lat,lon,officer,time" {
			t.Errorf("event %s", e)
		}
	case <-ctx.Done():
		t.Fatal("no event for the new position")
	}
}

func TestTrackAndStops(t *testing.T) {
	c := newCity(t)
	var fixes []fix
	start := now.Add(-2 * time.Hour)
	add := func(d time.Duration, lat, lon float64) {
		fixes = append(fixes, fix{Officer: "o1", Time: start.Add(d).Format(time.RFC3339), Lat: lat, Lon: lon})
	}
	// Walk east for 10 minutes, stand 10 minutes, walk on; a 20-minute gap; walk again.
	for i := 0; i < 60; i++ {
		add(time.Duration(i)*10*time.Second, 31.84, 120.25+float64(i)*0.0001)
	}
	for i := 0; i < 60; i++ {
		add(10*time.Minute+time.Duration(i)*10*time.Second, 31.84+float64(i%3)*0.00001, 120.256)
	}
	for i := 0; i < 30; i++ {
		add(20*time.Minute+time.Duration(i)*10*time.Second, 31.84, 120.256+float64(i)*0.0001)
	}
	for i := 0; i < 30; i++ {
		add(45*time.Minute+time.Duration(i)*10*time.Second, 31.845, 120.26+float64(i)*0.0001)
	}
	if a := c.post(c.admin, fixes); a.Accepted != len(fixes) {
		t.Fatalf("answer %+v", a)
	}
	window := "?from=" + url.QueryEscape(start.Add(-time.Minute).Format(time.RFC3339)) + "&to=" + url.QueryEscape(now.Format(time.RFC3339))
	code, raw := c.do("GET", "/api/v1/officers/o1/track"+window, c.admin, "", nil)
	var fc struct {
		Features []struct {
			Geometry struct {
				Type string `json:"type"`
			} `json:"geometry"`
			Properties struct {
				Points  int     `json:"points"`
				LengthM float64 `json:"length_m"`
			} `json:"properties"`
		} `json:"features"`
	}
	json.Unmarshal(raw, &fc)
	if code != 200 || len(fc.Features) != 2 || fc.Features[0].Properties.Points != 150 || fc.Features[0].Geometry.Type != "LineString" {
		t.Fatalf("track = %d %s, want two lines split at the gap", code, raw)
	}
	if l := fc.Features[0].Properties.LengthM; l < 800 || l > 1000 {
		t.Errorf("first line is %.0f m, want about 890 m", l)
	}
	code, raw = c.do("GET", "/api/v1/officers/o1/stops"+window, c.admin, "", nil)
	var stops []struct {
		Start, End time.Time
		Lat, Lon   float64
		H3         string
	}
	json.Unmarshal(raw, &stops)
	if code != 200 || len(stops) != 1 || stops[0].End.Sub(stops[0].Start) < 9*time.Minute || stops[0].H3 == "" {
		t.Errorf("stops = %d %s, want the one 10-minute stop", code, raw)
	}
	for _, bad := range []string{"?from=yesterday", "?from=2026-11-27T08:00:00Z&to=2026-11-01T00:00:00Z", "?from=2026-01-01T00:00:00Z&to=2026-11-01T00:00:00Z", "?simplify=-1"} {
		if code, _ := c.do("GET", "/api/v1/officers/o1/track"+bad, c.admin, "", nil); code != 400 {
			t.Errorf("track%s = %d, want 400", bad, code)
		}
	}
	if code, _ := c.do("GET", "/api/v1/officers/zz/track", c.admin, "", nil); code != 404 {
		t.Errorf("unknown officer track = %d, want 404", code)
	}
}

// A large batch goes in with binary COPY, encoded by the store itself; small ones with
// INSERT. Both must store the same rows: times to the microsecond, coordinates, cells,
// readings and their absence.
func TestCopyStoresWhatInsertStores(t *testing.T) {
	c := newCity(t)
	rng := rand.New(rand.NewPCG(18, 18))
	const n = 600 // over copyMin
	items := map[string][]map[string]any{}
	p := orb.Point{120.25, 31.84}
	tm := now.Add(-3 * time.Hour)
	for i := range n {
		tm = tm.Add(5*time.Second + time.Duration(rng.IntN(1_000_000))*time.Microsecond)
		p = orb.Point{p[0] + (rng.Float64()-0.5)*0.0004, p[1] + (rng.Float64()-0.5)*0.0004}
		acc, speed, heading := 3+rng.Float64()*20, rng.Float64()*2, rng.Float64()*359.9
		for _, id := range []string{"o1", "o2"} {
			it := map[string]any{"officer": id, "time": tm.Format(time.RFC3339Nano), "lat": p[1], "lon": p[0]}
			if i%3 != 0 {
				it["accuracy"], it["speed"], it["heading"] = acc, speed, heading
			}
			items[id] = append(items[id], it)
		}
	}
	post := func(batch []map[string]any) {
		body, _ := json.Marshal(map[string]any{"positions": batch})
		if code, raw := c.do("POST", "/api/v1/positions", c.admin, "application/json", body); code != 200 || !strings.Contains(string(raw), fmt.Sprintf(`"accepted":%d`, len(batch))) {
			t.Fatalf("POST /positions of %d fixes = %d %s", len(batch), code, raw)
		}
	}
	post(items["o1"]) // one transaction: COPY
	for lo := 0; lo < n; lo += 50 {
		post(items["o2"][lo : lo+50]) // INSERT
	}
	rows := func(officer string) string {
		var s string
		if err := c.srv.DB.QueryRow(context.Background(), `
			SELECT string_agg(format('%s %s %s %s %s %s %s %s %s %s %s', time, township, lon, lat, h3, accuracy_m,
				speed_ms, heading_deg, altitude_m, battery_pct, ST_AsText(geom)), E'\n' ORDER BY time)
			FROM positions WHERE officer = $1`, officer).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	copied, inserted := rows("o1"), rows("o2")
	if got := strings.Count(copied, "\n") + 1; got != n {
		t.Fatalf("%d rows copied, want %d", got, n)
	}
	if copied != inserted {
		a, b := strings.Split(copied, "\n"), strings.Split(inserted, "\n")
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("row %d copied as\n%s\ninserted as\n%s", i, a[i], b[i])
			}
		}
	}
	if !strings.Contains(copied, "POINT(") {
		t.Errorf("unexpected rows: %.300s", copied)
	}
}
