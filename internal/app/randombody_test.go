package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
)

// TestRandomRequestsNeverFail sends every route of the router — found by walking it, so
// that no route can be missed — a deterministic stream of hostile requests: random bytes,
// truncated and garbled JSON, valid JSON of the wrong shape, realistic bodies with one
// value made absurd, huge numbers, deep nesting, wrong content types, odd query strings
// and path parameters, with an admin token and with none. No answer may be a 5xx or leak
// internals, every error must be a well-formed problem document (the Open311 tree: the
// spec's error document) with a documented code, and the server must still be healthy
// afterwards.
func TestRandomRequestsNeverFail(t *testing.T) {
	const perRoute = 30
	e := newUnlimitedEnv(t)
	fx := seedRandomBodyData(t, e)

	routes := walkRoutes(t, e)
	rng := rand.New(rand.NewPCG(2026, 10))
	client := &http.Client{Timeout: 20 * time.Second}
	sent := 0
	start := time.Now()
	for _, rt := range routes {
		for i := range perRoute {
			req := fx.randomRequest(rng, rt, i)
			sent++
			resp, body, err := send(client, e.http.URL, req)
			if err != nil {
				t.Fatalf("%s: %v", req, err)
			}
			checkAnswer(t, req, resp, body)
			// The token guards whole trees, unmatched paths included; /api/v1/public/ is
			// the public's (执法公示).
			guarded := (strings.HasPrefix(req.path, "/api/v1/") && !strings.HasPrefix(req.path, "/api/v1/public/")) ||
				strings.HasPrefix(req.path, "/tiles/")
			if guarded && req.header.Get("Authorization") != "Bearer "+fx.tokens[auth.Admin] && resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s\n→ %d without a valid token, want 401", req, resp.StatusCode)
			}
		}
	}
	resp, body := e.do("GET", "/healthz", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz after the random requests = %d %s", resp.StatusCode, body)
	}
	t.Logf("%d routes, %d requests in %v", len(routes), sent, time.Since(start).Round(time.Millisecond))
}

// TestRandomBodyFindings replays what the random requests found: text PostgreSQL cannot
// store (NUL, invalid UTF-8) in paths, queries and bodies was a 500 with the SQL error in
// the log; a null or short GeoJSON position was read as 0, stretching a township to
// the prime meridian and splitting it for minutes, and a null in a squadron's base put it
// on the prime meridian. Each is now a 400.
func TestRandomBodyFindings(t *testing.T) {
	e := newUnlimitedEnv(t)
	fx := seedRandomBodyData(t, e)
	tests := []struct {
		name, method, path, body string
	}{
		{"NUL in a path", "GET", "/api/v1/officers/%00/track", ""},
		{"invalid UTF-8 in a path", "GET", "/api/v1/townships/%FF%FE", ""},
		{"NUL in a query", "GET", "/api/v1/cases?township=a%00b", ""},
		{"NUL in a case title", "POST", "/api/v1/cases", `{"sector":"` + fx.sector + `","title":"a\u0000b","lat":31.805,"lon":120.205}`},
		{"NUL in an event note", "POST", "/api/v1/cases/" + fx.caseID + "/events", `{"type":"assign","officer":"officer-1","note":"\u0000"}`},
		{"null position", "POST", "/api/v1/townships", strings.Replace(townshipBody, "[120.2,31.81]", "[null,31.81]", 1)},
		{"short position", "POST", "/api/v1/townships", strings.Replace(townshipBody, "[120.2,31.81]", "[120.2]", 1)},
		{"null in a squadron base", "POST", "/api/v1/squadrons", `{"code":"sq9","name":"n","township":"320281001","base":[null,31.805]}`},
		{"null position in a grid area", "POST", "/api/v1/grids",
			`{"code":"g9","name":"n","township":"320281001","geometry":{"type":"Polygon","coordinates":[[[120.2,31.8],[120.21,31.8],[null,31.81],[120.2,31.8]]]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(tt.method, tt.path, auth.Admin, strings.NewReader(tt.body), "Content-Type", "application/json")
			wantProblem(t, resp, body, http.StatusBadRequest, "invalid")
			for _, l := range leaks {
				if strings.Contains(string(body), l) {
					t.Errorf("the answer holds %q: %s", l, body)
				}
			}
		})
	}
}

// newUnlimitedEnv is newEnv with the rate limits off: the random requests hold many bad
// tokens, and one address sending them would soon get only 429s, the handlers nothing.
func newUnlimitedEnv(t *testing.T) *env {
	return newEnvWith(t, app.Config{RateLimits: &app.RateLimits{}})
}

// route is a method and a full chi pattern of the router.
type route struct{ method, pattern string }

// walkRoutes lists every route of the server's chi router (mounted sub-routers
// included) and checks that the declared /api/v1 and tile route tables are all among
// them. Routes that answer any method (OsmAnd) are kept for the methods clients use.
func walkRoutes(t *testing.T, e *env) []route {
	t.Helper()
	mux, ok := e.srv.Handler().(chi.Routes)
	if !ok {
		t.Fatalf("the server's handler is a %T, not a chi router", e.srv.Handler())
	}
	var routes []route
	seen := map[route]bool{}
	err := chi.Walk(mux, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		pattern = strings.ReplaceAll(pattern, "/*/", "/")
		rt := route{method, pattern}
		if seen[rt] {
			return nil
		}
		seen[rt] = true
		switch method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete:
			routes = append(routes, rt)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("chi.Walk: %v", err)
	}
	for _, group := range e.srv.APIRoutes() {
		for _, r := range group {
			if !seen[route{r.Method, "/api/v1" + r.Pattern}] {
				t.Errorf("route %s /api/v1%s is declared but not found by walking the router", r.Method, r.Pattern)
			}
		}
	}
	for _, r := range e.srv.Tiles.Routes() {
		if !seen[route{r.Method, "/tiles" + r.Pattern}] {
			t.Errorf("route %s /tiles%s is declared but not found by walking the router", r.Method, r.Pattern)
		}
	}
	for _, want := range []route{{"GET", "/healthz"}, {"GET", "/osmand/{key}"}, {"POST", "/open311/v2/requests.{format}"}} {
		if !seen[want] {
			t.Errorf("route %s %s not found by walking the router", want.method, want.pattern)
		}
	}
	if len(routes) < 50 {
		t.Fatalf("walking the router found only %d routes", len(routes))
	}
	slices.SortFunc(routes, func(a, b route) int { return strings.Compare(a.pattern+" "+a.method, b.pattern+" "+b.method) })
	return routes
}

// fixture is what the seeded database holds, for realistic path parameters and bodies.
type fixture struct {
	tokens map[auth.Role]string
	sector string
	cell   string
	caseID string
	item   string // a powers item, held by the township
	now    time.Time
}

// seedRandomBodyData gives the test database a township with cells, a squadron, a grid
// area, an officer with a device, a fix and a case, so that realistic requests reach the
// code behind the lookups.
func seedRandomBodyData(t *testing.T, e *env) *fixture {
	t.Helper()
	fx := &fixture{tokens: e.tokens, now: time.Now().UTC().Truncate(time.Second)}
	mustPost := func(path, contentType, body string, out any) {
		t.Helper()
		resp, b := e.do("POST", path, auth.Admin, strings.NewReader(body), "Content-Type", contentType)
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
			t.Fatalf("seed POST %s = %d %s", path, resp.StatusCode, b)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("seed POST %s: %v", path, err)
			}
		}
	}
	mustPost("/api/v1/townships", "application/json", townshipBody, nil)
	var cells struct {
		Features []struct {
			ID any `json:"id"`
		} `json:"features"`
	}
	resp, b := e.do("GET", "/api/v1/cells?township=320281001", auth.Admin, nil)
	if err := json.Unmarshal(b, &cells); err != nil || resp.StatusCode != 200 || len(cells.Features) == 0 {
		t.Fatalf("seed: GET cells = %d %s", resp.StatusCode, b)
	}
	fx.cell = fmt.Sprint(cells.Features[0].ID)
	mustPost("/api/v1/squadrons", "application/json", `{"code":"sq1","name":"一中队","township":"320281001","base":[120.205,31.805]}`, nil)
	mustPost("/api/v1/grids", "application/json", `{"code":"g1","name":"一网格","township":"320281001","squadron":"sq1","cells":["`+fx.cell+`"]}`, nil)
	mustPost("/api/v1/officers", "application/json", `{"id":"officer-1","name":"张三","squadron":"sq1","device_id":"dev-1"}`, nil)
	mustPost("/api/v1/positions", "application/json", fx.positionsBody(), nil)
	var sectors []struct {
		Code string `json:"code"`
	}
	resp, b = e.do("GET", "/api/v1/sectors", auth.Admin, nil)
	if err := json.Unmarshal(b, &sectors); err != nil || resp.StatusCode != 200 || len(sectors) == 0 {
		t.Fatalf("seed: GET sectors = %d %s", resp.StatusCode, b)
	}
	fx.sector = sectors[len(sectors)-1].Code
	var c struct {
		ID int64 `json:"id"`
	}
	mustPost("/api/v1/cases", "application/json", fx.caseBody(), &c)
	fx.caseID = strconv.FormatInt(c.ID, 10)
	var imported struct {
		Adjustment int64 `json:"adjustment"`
	}
	mustPost("/api/v1/powers/import?effective=2018-03-01", "text/csv", powersListCSV, &imported)
	fx.item = "U-001"
	return fx
}

// powersListCSV is a powers list as cities publish them: a title row, a 序号 column, a
// legal basis with a line break, a department cell left blank under a merged one.
const powersListCSV = "江阴市镇街赋权清单,,,,,,,\n" +
	"序号,事项编码,事项名称,所属领域,实施部门,法律依据,事项类别,适用镇街\n" +
	"1,U-001,擅自占用城市道路,城市管理,城管局,\"《城市道路管理条例》\n第二十七条\",行政处罚,全部\n" +
	"2,,餐饮油烟直排,生态环境,,《大气污染防治法》,行政处罚,\"澄江、320281001\"\n"

const townshipBody = `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"320281001","name":"澄江"},` +
	`"geometry":{"type":"Polygon","coordinates":[[[120.2,31.8],[120.21,31.8],[120.21,31.81],[120.2,31.81],[120.2,31.8]]]}}]}`

func (fx *fixture) positionsBody() string {
	return `{"positions":[{"officer":"officer-1","time":"` + fx.now.Add(-time.Minute).Format(time.RFC3339) +
		`","lat":31.805,"lon":120.205,"accuracy":5,"speed":1.2,"heading":90,"datum":"wgs84"}]}`
}

func (fx *fixture) caseBody() string {
	return `{"sector":"` + fx.sector + `","title":"占道经营","description":"门前堆物","lat":31.805,"lon":120.205,"datum":"wgs84","source":"hotline_12345"}`
}

// template returns a realistic body for the route, its content type, and whether its
// numbers are coordinates of an area (which must not be mutated into a huge but valid
// polygon: a county-sized split is slow, not wrong).
func (fx *fixture) template(rt route) (body, contentType string, geometry bool) {
	now := fx.now.Format(time.RFC3339)
	switch rt.method + " " + rt.pattern {
	case "POST /api/v1/townships":
		return townshipBody, "application/json", true
	case "POST /api/v1/squadrons":
		return `{"code":"sq2","name":"二中队","township":"320281001","base":[120.205,31.805]}`, "application/json", false
	case "POST /api/v1/grids":
		return `{"code":"g2","name":"二网格","township":"320281001","squadron":"sq1","geometry":{"type":"Polygon","coordinates":[[[120.2,31.8],[120.21,31.8],[120.21,31.81],[120.2,31.8]]]},"datum":"gcj02"}`, "application/json", true
	case "POST /api/v1/officers":
		return `{"id":"officer-2","name":"李四","squadron":"sq1","device_id":"dev-2"}`, "application/json", false
	case "POST /api/v1/positions":
		return fx.positionsBody(), "application/json", false
	case "POST /api/v1/officers/{id}/gpx":
		return `<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>` +
			`<trkpt lat="31.805" lon="120.205"><ele>5</ele><time>` + now + `</time></trkpt></trkseg></trk></gpx>`, "application/gpx+xml", false
	case "POST /api/v1/cases":
		// A case citing the township's item (its sector is the item's), so that mutations
		// reach intake's routing.
		return `{"item":"` + fx.item + `","title":"占道经营","description":"门前堆物","lat":31.805,"lon":120.205,` +
			`"reported_at":"` + now + `","source":"patrol"}`, "application/json", false
	case "POST /api/v1/cases/{id}/events":
		return `{"type":"assign","officer":"officer-1","note":"派单","at":"` + now + `"}`, "application/json", false
	case "POST /api/v1/cases/{id}/evidence":
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for k, v := range map[string]string{"kind": "photo", "captured_at": now, "lat": "31.805", "lon": "120.205", "mock_location": "false"} {
			_ = mw.WriteField(k, v)
		}
		w, _ := mw.CreateFormFile("file", "现场.png")
		_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n0123456789"))
		_ = mw.Close()
		return b.String(), mw.FormDataContentType(), false
	case "POST /api/v1/cases/{id}/dispatch":
		return `{"officer":"officer-1","note":"就近"}`, "application/json", false
	case "POST /api/v1/plans":
		return `{"squadron":"sq1","start":"` + now + `","duration_min":60,"speed_kmh":5,"officers":["officer-1"],"dwell_min":5,` +
			`"detour_factor":1.3,"weights":{"hotspot":1,"staleness":1,"blind_zone":0.5,"open_cases":1}}`, "application/json", false
	case "POST /osmand/{key}", "PUT /osmand/{key}":
		return `{"location":{"timestamp":"` + now + `","coords":{"latitude":31.805,"longitude":120.205,"accuracy":5,"speed":1,"heading":90},` +
			`"battery":{"level":0.5},"is_moving":true},"device_id":"dev-1"}`, "application/json", false
	case "POST /api/v1/powers/adjustments":
		return `{"effective":"2018-06-01","document":"澄政发〔2018〕40号","grant":[{"item":"` + fx.item + `","townships":["320281001"]}],"revoke":[]}`, "application/json", false
	case "PUT /api/v1/powers/items/{code}/bands":
		return `[{"level":"轻微","min_yuan":0,"max_yuan":500,"conditions":"首次"},{"level":"严重","min_yuan":2000,"max_yuan":5000,"conditions":"拒不改正"}]`, "application/json", false
	case "PUT /api/v1/assessment/weights":
		return `{"weights":{"patrol":0.3,"arrival":0.2,"resolution":0.2,"repeat":0.1,"volume":0.2}}`, "application/json", false
	case "POST /api/v1/powers/import":
		return powersListCSV, "text/csv", false
	case "POST /api/v1/powers/bands/import":
		return "事项编码,裁量阶次,适用情形,处罚标准\n" + fx.item + ",轻微,首次,处500元以上1000元以下罚款\n", "text/csv", false
	case "POST /api/v1/calendar":
		return `{"year":2030,"source":"国务院办公厅通知","holidays":["2030-01-01","2030-10-01"],"workdays":["2030-09-29"]}`, "application/json", false
	case "POST /api/v1/inspection/targets":
		return `[{"name":"甲厂","credit_code":"91350100M000100Y43","sectors":["` + fx.sector + `"],"lon":120.205,"lat":31.805,` +
			`"datum":"gcj02","risk":"high"}]`, "application/json", false
	case "POST /api/v1/inspection/draws", "PUT /api/v1/inspection/draws/{id}":
		return `{"kind":"inspection","title":"双随机","plan":{"townships":["320281001"],"items":["` + fx.item + `"],` +
			`"rules":{"quotas":[{"stratum":"high","count":1},{"stratum":"low","percent":10}],"inspectors_per_unit":1,` +
			`"exclude_own_area":true,"distinct_squadrons":true}}}`, "application/json", false
	case "POST /api/v1/inspection/tasks/{id}/result":
		return `{"outcome":"problem_found","item":"` + fx.item + `","note":"占道"}`, "application/json", false
	case "POST /api/v1/inspection/reviews/{id}/score":
		return `{"scores":{"procedure":20,"evidence":20,"documents":20,"reasoning":20},"findings":"补充证据","fix_due":"2030-01-01"}`,
			"application/json", false
	case "POST /api/v1/inspection/reviews/{id}/fixup/close":
		return `{"closure":"已整改"}`, "application/json", false
	case "POST /api/v1/alerts/{id}/ack", "POST /api/v1/alerts/{id}/resolve":
		return `{"note":"已到场"}`, "application/json", false
	case "PUT /api/v1/alert-settings/{township}":
		return `{"sos":{"enabled":true},"offline":{"enabled":true,"minutes":15,"duty_from":"08:00","duty_to":"20:00"},` +
			`"left_area":{"enabled":true,"minutes":10},"mock_location":{"enabled":false},"case_overdue":{"enabled":true},` +
			`"off_plan":{"enabled":true,"minutes":30}}`, "application/json", false
	case "POST /api/v1/webhooks":
		return `{"url":"https://platform.example/hook","events":["alert.raised","case.event","decision.made"],"secret":"0123456789abcdef"}`,
			"application/json", false
	case "POST /open311/v2/requests.{format}":
		return url.Values{"api_key": {fx.tokens[auth.Reporter]}, "service_code": {fx.sector}, "lat": {"31.805"}, "long": {"120.205"},
			"description": {"路灯不亮"}, "address_string": {"人民路1号"}}.Encode(), "application/x-www-form-urlencoded", false
	}
	return `{"a":1}`, "application/json", false
}

// request is one generated request.
type request struct {
	method, path, query string
	header              http.Header
	body                []byte
	kind                string // how the body was made, for failure messages
}

func (r request) String() string {
	b := r.body
	if len(b) > 300 {
		b = append(b[:300:300], "…"...)
	}
	return fmt.Sprintf("%s %s?%s [%s, %s, auth %q] %q", r.method, r.path, r.query, r.kind,
		r.header.Get("Content-Type"), shortAuth(r.header.Get("Authorization")), b)
}

func shortAuth(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

var paramPattern = regexp.MustCompile(`\{([^}:]+)(:[^}]*)?\}`)

// randomRequest makes the i-th request to rt.
func (fx *fixture) randomRequest(rng *rand.Rand, rt route, i int) request {
	req := request{method: rt.method, header: http.Header{}}
	// A tenth of the requests use a method the route does not have.
	if rng.IntN(10) == 0 {
		req.method = pick(rng, []string{"PATCH", "DELETE", "PUT", "GET", "POST"})
	}
	req.path = paramPattern.ReplaceAllStringFunc(rt.pattern, func(m string) string {
		name := paramPattern.FindStringSubmatch(m)[1]
		return url.PathEscape(fx.pathParam(rng, name))
	})
	req.query = fx.randomQuery(rng)
	switch n := rng.IntN(8); {
	case i%2 == 0:
		req.header.Set("Authorization", "Bearer "+fx.tokens[auth.Admin])
	case n == 0:
		req.header.Set("Authorization", pick(rng, []string{"Bearer", "Bearer ", "Basic YTpi", "Bearer gw_" + url.QueryEscape(randomText(rng)),
			"bearer " + fx.tokens[auth.Admin] + "x", strings.Repeat("A", 5000)}))
	}
	if rng.IntN(6) == 0 {
		req.header.Set("X-Request-ID", pick(rng, []string{"", "abc", strings.Repeat("z", 100), "a b", "\u00e9\u00e9"}))
	}
	tmpl, ct, geometry := fx.template(rt)
	req.body, ct, req.kind = randomBody(rng, tmpl, ct, geometry, fx)
	if ct != "-" {
		req.header.Set("Content-Type", ct)
	}
	if rng.IntN(5) == 0 {
		req.header.Set("Content-Type", pick(rng, []string{"", "text/plain", "application/xml", "multipart/form-data",
			"multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/json; charset=utf-16",
			"application/geo+json", ";;;", "application/json; a=\"", strings.Repeat("x/", 1000)}))
	}
	if rng.IntN(8) == 0 {
		req.header.Set("Accept-Encoding", "gzip")
		req.header.Set("If-None-Match", pick(rng, []string{`"x"`, "*", ""}))
	}
	return req
}

// pathParam returns a value for the chi URL parameter name: realistic half the time.
func (fx *fixture) pathParam(rng *rand.Rand, name string) string {
	if rng.IntN(2) == 0 {
		switch name {
		case "id":
			return pick(rng, []string{fx.caseID, "officer-1", "1", fx.caseID + ".gpx", "1.gpx"})
		case "year":
			return pick(rng, []string{"2025", "2026", "2030", "1999"})
		case "code":
			return pick(rng, []string{"320281001", fx.sector, "sq1", fx.item})
		case "layer":
			return pick(rng, []string{"townships", "grids", "cells", "coverage", "tracks", "cases", "hotspots", "blindzones"})
		case "z":
			return pick(rng, []string{"14", "12", "0", "22", "8"})
		case "x":
			return pick(rng, []string{"13665", "3416", "0", "853"})
		case "y":
			return pick(rng, []string{"6641", "1660", "0", "415"})
		case "sha256":
			return pick(rng, []string{strings.Repeat("ab", 32), strings.Repeat("AB", 32), strings.Repeat("0", 63)})
		case "format":
			return pick(rng, []string{"json", "xml", "JSON"})
		case "key":
			return pick(rng, []string{fx.tokens[auth.Device], fx.tokens[auth.Admin], fx.tokens[auth.Reporter]})
		}
	}
	return pick(rng, []string{
		"0", "-1", "9223372036854775807", "9223372036854775808", "99999999999999999999", "1e5", "0x10", "1.5",
		"\x00", "a\x00b", "%", "%zz", "..", ".", " ", "\t", "null", "中文网格", "\xff\xfe", "8a309a4a2a4ffff",
		"gw_" + randomText(rng), strings.Repeat("a", 2000), randomText(rng), randomText(rng),
	})
}

// queryKeys are the parameters the routes read, and a few they do not.
var queryKeys = []string{
	"lat", "lon", "long", "datum", "township", "grid", "squadron", "officer", "sector", "status", "from", "to",
	"limit", "k", "permutations", "step", "time_k", "format", "level", "res", "id", "deviceid", "timestamp",
	"speed", "bearing", "heading", "altitude", "accuracy", "hdop", "batt", "service_request_id", "service_code",
	"start_date", "end_date", "api_key", "description", "jurisdiction_id", "zzz",
}

// oddValues are query and form values meant to break parsers.
var oddValues = []string{
	"", "0", "-0", "1", "-1", "5", "13", "31.805", "120.205", "91", "-181", "NaN", "nan", "Inf", "-Inf", "+Inf",
	"1e400", "-1e400", "1e-400", "4.9e-324", "1.7976931348623157e308", "99999999999999999999999", "9223372036854775808",
	"0x1p3", "1_000", " 1", "1 ", "abc", "\x00", "a\x00b", "\xff", "中文", "true", "null", "[]", "{}",
	"2026-11-27T08:00:00+08:00", "2026-11-27T08:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
	"0000-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-27", "1700000000", "1700000000000", "-62135596800",
	"99999999999999", "2026-11-27T08:00:00 08:00", "yesterday", "all", "non_core", "open", "closed", "open,closed",
	"day", "week", "month", "cell", "grid", "township", "csv", "geojson", "wgs84", "gcj02", "bd09", "WGS84", "mars",
	"1,2,3", ",,,", strings.Repeat("1,", 200), "320281001", "320281001,nowhere", "officer-1", "sq1", "reported",
	strings.Repeat("x", 3000),
}

func (fx *fixture) randomQuery(rng *rand.Rand) string {
	q := url.Values{}
	for range rng.IntN(6) {
		v := pick(rng, oddValues)
		if rng.IntN(8) == 0 {
			v = randomText(rng)
		}
		q.Add(pick(rng, queryKeys), v)
	}
	s := q.Encode()
	if rng.IntN(12) == 0 {
		s += pick(rng, []string{"&%zz", "&=", "&&&", ";a=b", "&a=%", "&lat=1&lat=2"})
	}
	return s
}

// randomBody returns a body, its content type ("-" for no header) and how it was made.
func randomBody(rng *rand.Rand, tmpl, ct string, geometry bool, fx *fixture) ([]byte, string, string) {
	switch rng.IntN(12) {
	case 0:
		return nil, pick(rng, []string{"-", ct}), "empty"
	case 1:
		b := make([]byte, rng.IntN(2000))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b, ct, "random bytes"
	case 2:
		return []byte(tmpl)[:rng.IntN(len(tmpl))], ct, "truncated"
	case 3:
		b := []byte(tmpl)
		for range 1 + rng.IntN(4) {
			b[rng.IntN(len(b))] = pick(rng, []byte(`{}[]",:0\ `))
		}
		return b, ct, "garbled"
	case 4:
		return randomJSON(rng, 0), "application/json", "wrong shape"
	case 5:
		var b []byte
		if rng.IntN(2) == 0 {
			b = bytes.Repeat([]byte("["), 1+rng.IntN(100000))
		} else {
			b = bytes.Repeat([]byte(`{"a":`), 1+rng.IntN(20000))
		}
		return b, "application/json", "deep nesting"
	case 6:
		if ct == "application/x-www-form-urlencoded" || strings.HasPrefix(tmpl, "<") {
			break
		}
		big := "1" + strings.Repeat("0", 400)
		return []byte(regexp.MustCompile(`-?\d+(\.\d+)?`).ReplaceAllString(tmpl, big)), ct, "huge numbers"
	case 7:
		return []byte(fx.randomQuery(rng)), "application/x-www-form-urlencoded", "form"
	}
	switch {
	case ct == "application/x-www-form-urlencoded":
		return mutateForm(rng, tmpl), ct, "mutated form"
	case ct == "text/csv":
		return mutateCSV(rng, tmpl), ct, "mutated csv"
	case strings.HasPrefix(ct, "multipart/"):
		return mutateMultipart(rng, tmpl), ct, "mutated multipart"
	case strings.HasPrefix(tmpl, "<"):
		return mutateXML(rng, tmpl), ct, "mutated xml"
	}
	b, err := mutateJSON(rng, tmpl, geometry)
	if err != nil {
		panic(err)
	}
	return b, ct, "mutated json"
}

// mutateMultipart changes one thing in a multipart body: a field's value made odd, the
// body cut short, or a few bytes garbled.
func mutateMultipart(rng *rand.Rand, tmpl string) []byte {
	switch rng.IntN(3) {
	case 0:
		lines := strings.Split(tmpl, "\r\n")
		for range 5 {
			// A value line follows the blank line after a field's header.
			i := 3 + rng.IntN(len(lines)-3)
			if lines[i-1] == "" && strings.HasPrefix(lines[i-2], "Content-Disposition") {
				lines[i] = pick(rng, oddValues)
				break
			}
		}
		return []byte(strings.Join(lines, "\r\n"))
	case 1:
		return []byte(tmpl[:rng.IntN(len(tmpl))])
	}
	b := []byte(tmpl)
	for range 1 + rng.IntN(4) {
		b[rng.IntN(len(b))] = byte(rng.IntN(256))
	}
	return b
}

// weirdValue returns an absurd JSON value. In geometry, numbers stay out of every
// coordinate's range: a valid polygon the size of a continent would be split, slowly.
func weirdValue(rng *rand.Rand, geometry bool) any {
	numbers := []string{"1e400", "-1e400", "181", "-181", "1e308", "123456789012345678901234567890"}
	if !geometry {
		numbers = append(numbers, "91", "0", "-1", "1.5", "-0", "4.9e-324", "1e-400", "86400000", "9223372036854775807", "1441")
	}
	switch rng.IntN(6) {
	case 0:
		return json.Number(pick(rng, numbers))
	case 1:
		return pick(rng, []string{"", "\x00", "a\x00b", "\ufffd", "NaN", "Infinity", "2026-13-45T99:99:99Z", "0001-01-01T00:00:00Z",
			"9999-12-31T23:59:59Z", "0000-01-01T00:00:00+14:00", strings.Repeat("长", 3000), randomText(rng), "officer-1", "wgs84", "mars"})
	case 2:
		return pick(rng, []any{nil, true, false})
	case 3:
		return []any{json.Number("1"), "a", nil, []any{}}
	case 4:
		return map[string]any{"x": json.Number("1"), "": nil}
	}
	return randomText(rng)
}

// mutateJSON parses tmpl and changes one thing in it: a value made weird, a member
// dropped or added, an array emptied or its item repeated.
func mutateJSON(rng *rand.Rand, tmpl string, geometry bool) ([]byte, error) {
	dec := json.NewDecoder(strings.NewReader(tmpl))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("template %s: %w", tmpl, err)
	}
	// Collect setters for every place in the document.
	type place struct {
		set func(any)
		get func() any
		del func()
	}
	var places []place
	var walk func(any)
	walk = func(n any) {
		switch x := n.(type) {
		case map[string]any:
			for k, c := range x {
				places = append(places, place{set: func(v any) { x[k] = v }, get: func() any { return x[k] }, del: func() { delete(x, k) }})
				walk(c)
			}
		case []any:
			for i, c := range x {
				places = append(places, place{set: func(v any) { x[i] = v }, get: func() any { return x[i] }})
				walk(c)
			}
		}
	}
	walk(v)
	for range 1 + rng.IntN(2) {
		if len(places) == 0 {
			break
		}
		p := places[rng.IntN(len(places))]
		switch rng.IntN(6) {
		case 0:
			if p.del != nil {
				p.del()
				continue
			}
			p.set(weirdValue(rng, geometry))
		case 1:
			if m, ok := v.(map[string]any); ok {
				m[pick(rng, []string{"extra", "lat", "Lat", "officers", "\x00"})] = weirdValue(rng, geometry)
				continue
			}
			p.set(weirdValue(rng, geometry))
		case 2:
			if a, ok := p.get().([]any); ok && len(a) > 0 {
				if rng.IntN(2) == 0 {
					p.set([]any{})
				} else if !geometry {
					p.set(slices.Repeat(a[:1], 1+rng.IntN(200)))
				}
				continue
			}
			p.set(weirdValue(rng, geometry))
		default:
			p.set(weirdValue(rng, geometry))
		}
	}
	return json.Marshal(v)
}

func mutateForm(rng *rand.Rand, tmpl string) []byte {
	q, _ := url.ParseQuery(tmpl)
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	})
	for range 1 + rng.IntN(3) {
		k := pick(rng, keys)
		switch rng.IntN(3) {
		case 0:
			q.Del(k)
		case 1:
			q.Add(k, pick(rng, oddValues))
		default:
			q.Set(k, pick(rng, oddValues))
		}
	}
	return []byte(q.Encode())
}

// mutateCSV replaces one to three cells of a CSV list with odd values.
func mutateCSV(rng *rand.Rand, tmpl string) []byte {
	lines := strings.Split(tmpl, "\n")
	for range 1 + rng.IntN(3) {
		i := rng.IntN(len(lines))
		cells := strings.Split(lines[i], ",")
		cells[rng.IntN(len(cells))] = pick(rng, append(oddValues, "全部", "事项名称", `"`, "\r\n", "城市管理"))
		lines[i] = strings.Join(cells, ",")
	}
	return []byte(strings.Join(lines, "\n"))
}

func mutateXML(rng *rand.Rand, tmpl string) []byte {
	repl := pick(rng, []string{`lat="91"`, `lat="NaN"`, `lat=""`, `lat="1e400"`, `lat="&amp;"`, `lat="31.8" lat="31.8"`, ``})
	s := strings.Replace(tmpl, `lat="31.805"`, repl, 1)
	switch rng.IntN(4) {
	case 0:
		s = strings.Replace(s, "<time>", "<time>x", 1)
	case 1:
		s = strings.Replace(s, "<trkseg>", "<trkseg>"+strings.Repeat(`<trkpt lat="1" lon="1"/>`, rng.IntN(300)), 1)
	case 2:
		s = `<!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>` + strings.Replace(s, "<ele>5", "<ele>&b;", 1)
	}
	return []byte(s)
}

// randomJSON returns a random JSON value, nested up to a few levels.
func randomJSON(rng *rand.Rand, depth int) []byte {
	var v func(int) any
	v = func(d int) any {
		n := rng.IntN(7)
		if d > 3 {
			n = rng.IntN(4)
		}
		switch n {
		case 0:
			return nil
		case 1:
			return rng.IntN(2) == 0
		case 2:
			return json.Number(pick(rng, []string{"0", "-1", "1e400", "3.14", "123456789012345678901234567890"}))
		case 3:
			return randomText(rng)
		case 4, 5:
			a := make([]any, rng.IntN(4))
			for i := range a {
				a[i] = v(d + 1)
			}
			return a
		}
		m := map[string]any{}
		for range rng.IntN(4) {
			m[pick(rng, []string{"positions", "type", "features", "code", "lat", "lon", "officer", "location", "id", randomText(rng)})] = v(d + 1)
		}
		return m
	}
	b, _ := json.Marshal(v(depth))
	return b
}

// randomText returns a short random string. Its alphabet lacks 'p', 'x' and ':' so that
// an echo of it can never look like a leaked "panic", "pgx" or "ERROR:".
func randomText(rng *rand.Rand) string {
	alphabet := []rune("abcdefghijklmnoqrstuvwyzABCDEFGHIJKLMNOQRSTUVWYZ0123456789 -_.,;/\\'\"%&=+#?!*()[]{}<>|\x00\x01\x7f中文网格é\ufffd")
	r := make([]rune, rng.IntN(24))
	for i := range r {
		r[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(r)
}

func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

// send sends req and returns the response with its body read. A live event stream is
// closed after its headers: it never ends by itself.
func send(client *http.Client, base string, req request) (*http.Response, []byte, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	target := base + req.path
	if req.query != "" {
		target += "?" + req.query
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, target, bytes.NewReader(req.body))
	if err != nil {
		return nil, nil, err
	}
	hr.Header = req.header
	resp, err := client.Do(hr)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return resp, nil, nil
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil && !errors.Is(err, context.Canceled) {
		return nil, nil, fmt.Errorf("read body: %w", err)
	}
	return resp, body, nil
}

// documentedCodes are the problem codes of docs/api.md "Errors", with their statuses.
var documentedCodes = map[string]int{
	"invalid": 400, "unauthorized": 401, "forbidden": 403, "not_found": 404, "method_not_allowed": 405,
	"conflict": 409, "too_large": 413, "unprocessable": 422, "rate_limited": 429,
}

// leaks are strings no answer may hold: a stack trace, a panic, SQL error text.
var leaks = []string{"goroutine ", "panic", "runtime error", "SQLSTATE", "ERROR:", "pq:", "pgx", "pgconn", ".go:"}

// checkAnswer checks one response against the test's promises.
func checkAnswer(t *testing.T, req request, resp *http.Response, body []byte) {
	t.Helper()
	if resp.StatusCode >= 500 {
		t.Errorf("%s\n→ %d %s", req, resp.StatusCode, body)
		return
	}
	for _, l := range leaks {
		if bytes.Contains(body, []byte(l)) {
			t.Errorf("%s\n→ %d: the answer holds %q: %s", req, resp.StatusCode, l, body)
		}
	}
	if resp.Header.Get("X-Request-ID") == "" {
		t.Errorf("%s\n→ %d without X-Request-ID", req, resp.StatusCode)
	}
	if resp.StatusCode < 400 {
		return
	}
	if strings.HasPrefix(req.path, "/open311/") {
		checkOpen311Error(t, req, resp, body)
		return
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s\n→ %d with Content-Type %q: %s", req, resp.StatusCode, ct, body)
		return
	}
	var p struct {
		Code   string `json:"code"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Errorf("%s\n→ %d problem is not JSON (%v): %s", req, resp.StatusCode, err, body)
		return
	}
	if want, ok := documentedCodes[p.Code]; !ok || want != resp.StatusCode || p.Status != resp.StatusCode || p.Detail == "" {
		t.Errorf("%s\n→ %d problem %+v: want a documented code of that status and a detail", req, resp.StatusCode, p)
	}
}

// checkOpen311Error checks the GeoReport error document: one error whose code is the status.
func checkOpen311Error(t *testing.T, req request, resp *http.Response, body []byte) {
	t.Helper()
	var errs []struct {
		Code        int    `json:"code" xml:"code"`
		Description string `json:"description" xml:"description"`
	}
	ct := resp.Header.Get("Content-Type")
	var err error
	switch {
	case strings.HasPrefix(ct, "application/json"):
		err = json.Unmarshal(body, &errs)
	case strings.HasPrefix(ct, "text/xml"):
		var doc struct {
			XMLName xml.Name `xml:"errors"`
			Errors  []struct {
				Code        int    `xml:"code"`
				Description string `xml:"description"`
			} `xml:"error"`
		}
		err = xml.Unmarshal(body, &doc)
		for _, e := range doc.Errors {
			errs = append(errs, struct {
				Code        int    `json:"code" xml:"code"`
				Description string `json:"description" xml:"description"`
			}{e.Code, e.Description})
		}
	default:
		err = fmt.Errorf("content type %q", ct)
	}
	if err != nil || len(errs) != 1 || errs[0].Code != resp.StatusCode || errs[0].Description == "" {
		t.Errorf("%s\n→ %d is not a GeoReport error document (%v): %s", req, resp.StatusCode, err, body)
	}
}
