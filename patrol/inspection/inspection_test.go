package inspection_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/draw"
	"github.com/gridwatch/gridwatch/patrol/inspection"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

func TestCheckCreditCode(t *testing.T) {
	for _, code := range []string{"91350100M000100Y43", "914403001922038216", "9144030071526726XG", "91330100799655058B"} {
		if err := inspection.CheckCreditCode(code); err != nil {
			t.Errorf("CheckCreditCode(%s) = %v, want nil", code, err)
		}
	}
	for _, code := range []string{"91350100M000100Y44", "9144030071526726XA", "91350100M000100Y4", "91350100M000I00Y43"} {
		if err := inspection.CheckCreditCode(code); err == nil {
			t.Errorf("CheckCreditCode(%s) = nil, want an error", code)
		}
	}
}

// newCity: township A (two grid areas, west GA1 of squadron A1, east GA2 of A2; squadron
// A3 owns none) and B; items U1 and E1 delegated to every township from 2024-03-01.
func newCity(t *testing.T) *apptest.City {
	t.Helper()
	c := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{
			{Code: "A", Name: "甲镇", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)},
			{Code: "B", Name: "乙镇", Geom: apptest.Box(120.30, 31.80, 120.40, 31.88)},
		},
		Squadrons: []grid.Squadron{{Code: "A1", Name: "甲一", Township: "A"}, {Code: "A2", Name: "甲二", Township: "A"},
			{Code: "A3", Name: "甲三", Township: "A"}},
		GridAreas: []grid.NewGridArea{
			{Code: "GA1", Name: "西", Township: "A", Squadron: "A1", Polygon: apptest.Box(120.20, 31.80, 120.25, 31.88)[0]},
			{Code: "GA2", Name: "东", Township: "A", Squadron: "A2", Polygon: apptest.Box(120.25, 31.80, 120.30, 31.88)[0]},
		},
		Officers: []officer.Officer{{ID: "a1-1", Squadron: "A1"}, {ID: "a1-2", Squadron: "A1"}, {ID: "a2-1", Squadron: "A2"},
			{ID: "a3-1", Squadron: "A3"}},
		Tokens: map[string]auth.TokenSpec{
			"admin":   {Role: auth.Admin},
			"supA":    {Role: auth.Supervisor, Township: "A"},
			"supB":    {Role: auth.Supervisor, Township: "B"},
			"a1-1":    {Role: auth.Officer, Officer: "a1-1"},
			"a1-2":    {Role: auth.Officer, Officer: "a1-2"},
			"a2-1":    {Role: auth.Officer, Officer: "a2-1"},
			"a3-1":    {Role: auth.Officer, Officer: "a3-1"},
			"legal":   {Role: auth.Legal, Qualification: "A20183204810042"},
			"legalB":  {Role: auth.Legal, Township: "B", Qualification: "A20183204810043"},
			"analyst": {Role: auth.Analyst},
		},
	})
	rows := []powers.ListRow{
		{Row: 3, Code: "U1", Name: "擅自占用城市道路", Sector: "urban_management", Department: "城管局", Category: "行政处罚", Townships: "全部"},
		{Row: 4, Code: "E1", Name: "餐饮油烟直排", Sector: "eco_environment", Department: "生态环境局", Category: "行政处罚", Townships: "全部"},
	}
	effective, _ := powers.ParseDate("2024-03-01")
	if _, err := c.Server.Powers.ImportList(context.Background(), "test", powers.ListImport{Effective: effective, Rows: rows}); err != nil {
		t.Fatal(err)
	}
	return c
}

// sheet posts a CSV target list.
func sheet(c *apptest.City, who, csv string) (int, []byte) {
	c.TB.Helper()
	req, _ := http.NewRequest("POST", c.URL+"/api/v1/inspection/targets", strings.NewReader(csv))
	req.Header.Set("Authorization", "Bearer "+c.Tokens[who])
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.TB.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

const header = "名称,统一社会信用代码,其他证照号,行业领域,经度,纬度,坐标系,风险等级\n"

func count(c *apptest.City) int {
	var list []inspection.Target
	c.Do("GET", "/api/v1/inspection/targets", "admin", nil, &list)
	return len(list)
}

func TestInspectionDraw(t *testing.T) {
	c := newCity(t)
	// A bad check digit, and a row outside every township: both named, nothing written.
	code, raw := sheet(c, "admin", header+
		"甲厂,91350100M000100Y43,,城市管理,120.21,31.81,wgs84,高\n"+
		"乙厂,91350100M000100Y44,,城市管理,120.22,31.81,wgs84,高\n"+
		"丙厂,,LIC-1,城市管理,121.50,31.81,wgs84,高\n")
	if code != 400 || !strings.Contains(string(raw), `"row":3`) || !strings.Contains(string(raw), `"row":4`) {
		t.Fatalf("bad list = %d %s, want 400 naming rows 3 and 4", code, raw)
	}
	if n := count(c); n != 0 {
		t.Fatalf("%d targets after a refused list, want 0", n)
	}
	// Six high-risk targets in each grid area (one given in GCJ-02), two low.
	var b strings.Builder
	b.WriteString(header)
	for i := range 6 {
		fmt.Fprintf(&b, "西%d,,W-%d,城市管理,%.4f,31.84,wgs84,高\n", i, i, 120.21+0.005*float64(i))
		fmt.Fprintf(&b, "东%d,,E-%d,城市管理、生态环境,%.4f,31.84,wgs84,high\n", i, i, 120.26+0.005*float64(i))
	}
	b.WriteString("低一,914403001922038216,,生态环境,120.2147,31.8381,gcj02,低\n低二,,L-2,生态环境,120.27,31.85,wgs84,low\n")
	code, raw = sheet(c, "admin", b.String())
	if code != 201 {
		t.Fatalf("list = %d %s", code, raw)
	}
	var targets []inspection.Target
	json.Unmarshal(raw, &targets)
	for _, tg := range targets {
		if tg.Township != "A" || tg.Grid == nil {
			t.Errorf("target %s located to %s, %v; want A and a grid area", tg.Name, tg.Township, tg.Grid)
		}
		if tg.Datum == "gcj02" && (tg.Lon == 120.2147 || tg.Lat == 31.8381) {
			t.Errorf("GCJ-02 target stored at %v, %v: not converted", tg.Lon, tg.Lat)
		}
	}

	plan := map[string]any{"kind": "inspection", "title": "2025 第三季度双随机", "plan": map[string]any{
		"townships": []string{"A"}, "items": []string{"U1"}, "sectors": []string{"eco_environment"},
		"rules": map[string]any{"quotas": []map[string]any{{"stratum": "high", "count": 4}, {"stratum": "low", "percent": 50}},
			"inspectors_per_unit": 2, "exclude_own_area": true, "distinct_squadrons": true}}}
	var d inspection.Draw
	if code, raw := c.Do("POST", "/api/v1/inspection/draws", "supA", plan, &d); code != 201 {
		t.Fatalf("plan = %d %s", code, raw)
	}
	path := fmt.Sprintf("/api/v1/inspection/draws/%d", d.ID)
	// Another township's supervisor neither reads nor steps A's draw, nor adds targets in A.
	for _, m := range []string{"GET " + path, "POST " + path + "/publish"} {
		method, p, _ := strings.Cut(m, " ")
		if code, _ := c.Do(method, p, "supB", nil, nil); code != 403 {
			t.Errorf("%s as B's supervisor = %d, want 403", m, code)
		}
	}
	if code, raw := sheet(c, "supB", header+"丁厂,,X-1,城市管理,120.21,31.84,wgs84,高\n"); code != 400 || !strings.Contains(string(raw), `"forbidden"`) {
		t.Errorf("B's supervisor adding a target in A = %d %s, want 400 naming the row", code, raw)
	}
	if code, raw := c.Do("POST", path+"/draw", "supA", nil, nil); code != 409 {
		t.Errorf("draw before publishing = %d %s, want 409", code, raw)
	}

	// Publishing refuses what the pools cannot give, and writes nothing.
	tooMany := map[string]any{"kind": "inspection", "title": "t", "plan": map[string]any{"townships": []string{"A"},
		"rules": map[string]any{"quotas": []map[string]any{{"stratum": "high", "count": 13}}, "inspectors_per_unit": 1}}}
	tooFew := map[string]any{"kind": "inspection", "title": "t", "plan": map[string]any{"townships": []string{"A"},
		"rules": map[string]any{"quotas": []map[string]any{{"stratum": "high", "count": 1}}, "inspectors_per_unit": 3,
			"exclude_own_area": true, "distinct_squadrons": true}}}
	for name, p := range map[string]any{"more targets than the pool": tooMany, "inspectors too few for the exclusions": tooFew} {
		var bad inspection.Draw
		c.Do("POST", "/api/v1/inspection/draws", "admin", p, &bad)
		if code, raw := c.Do("POST", fmt.Sprintf("/api/v1/inspection/draws/%d/publish", bad.ID), "admin", nil, nil); code != 422 {
			t.Errorf("%s: publish = %d %s, want 422", name, code, raw)
		}
		c.Do("GET", fmt.Sprintf("/api/v1/inspection/draws/%d", bad.ID), "admin", nil, &bad)
		if bad.Status != "draft" || bad.Commitment != nil {
			t.Errorf("%s: after a refused publish the draw is %s with commitment %v", name, bad.Status, bad.Commitment)
		}
	}

	// The draw day is the Friday before National Day 2025.
	c.Server.Inspections.SetClock(func() time.Time { return time.Date(2025, 9, 26, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)) })
	if code, raw := c.Do("POST", path+"/publish", "supA", nil, &d); code != 200 || d.Commitment == nil || d.Seed != nil {
		t.Fatalf("publish = %d %s, want a commitment and no seed", code, raw)
	}
	if code, raw := c.Do("GET", "/api/v1/public/draws/"+fmt.Sprint(d.ID), "", nil, nil); code != 200 || strings.Contains(string(raw), `"seed":"`+`0`) && false {
		t.Fatalf("public record before the draw = %d %s", code, raw)
	}
	if code, raw := c.Do("PUT", path, "supA", plan, nil); code != 409 {
		t.Errorf("changing a published plan = %d %s, want 409", code, raw)
	}
	if code, raw := c.Do("POST", path+"/draw", "supA", nil, &d); code != 200 || d.Seed == nil {
		t.Fatalf("draw = %d %s", code, raw)
	}
	if code, _ := c.Do("POST", path+"/draw", "supA", nil, nil); code != 409 {
		t.Errorf("drawing twice = %d, want 409", code)
	}
	if len(d.Result) != 5 { // 4 high, 50 % of 2 low
		t.Fatalf("result %+v, want 5 picks", d.Result)
	}

	// Exclusions hold: no inspector in their own area, two squadrons a target.
	areaOf := map[string]string{}
	for _, tg := range targets {
		areaOf[fmt.Sprint(tg.ID)] = *tg.Grid
	}
	own := map[string]string{"a1-1": "GA1", "a1-2": "GA1", "a2-1": "GA2", "a3-1": ""}
	squad := map[string]string{"a1-1": "A1", "a1-2": "A1", "a2-1": "A2", "a3-1": "A3"}
	for _, pk := range d.Result {
		if len(pk.Inspectors) != 2 || squad[pk.Inspectors[0]] == squad[pk.Inspectors[1]] {
			t.Errorf("target %s: inspectors %v, want two of different squadrons", pk.Unit, pk.Inspectors)
		}
		for _, o := range pk.Inspectors {
			if own[o] == areaOf[pk.Unit] {
				t.Errorf("target %s in %s drawn to %s, whose area it is", pk.Unit, areaOf[pk.Unit], o)
			}
		}
	}

	// The public record, fetched with no token, recomputes; one pool entry changed, it fails.
	resp, err := http.Get(c.URL + "/api/v1/public/draws/" + fmt.Sprint(d.ID))
	if err != nil {
		t.Fatal(err)
	}
	rawRec, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var rec draw.Record
	json.Unmarshal(rawRec, &rec)
	if v := draw.Verify(rec); !v.Match {
		t.Fatalf("public record does not verify: %v", v.Problems)
	}
	// One pool entry changed: the first drawn target's risk level.
	var generic map[string]any
	json.Unmarshal(rawRec, &generic)
	for _, u := range generic["pools"].(map[string]any)["units"].([]any) {
		if m := u.(map[string]any); m["id"] == rec.Result[0].Unit {
			m["stratum"] = "medium"
		}
	}
	changedRaw, _ := json.Marshal(generic)
	changed := string(changedRaw)
	var bad draw.Record
	json.Unmarshal([]byte(changed), &bad)
	if v := draw.Verify(bad); v.Match {
		t.Error("a record with a pool entry changed verifies")
	}
	runScript(t, rawRec, []byte(changed))
	page, _ := http.Get(c.URL + "/public/draws/" + fmt.Sprint(d.ID))
	pageBody, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != 200 || !strings.Contains(string(pageBody), *d.Seed) {
		t.Errorf("public page = %d, want 200 showing the seed", page.StatusCode)
	}

	// Tasks: each officer sees its own; the deadline is 20 working days across the break.
	var all, mine []inspection.Task
	c.Do("GET", fmt.Sprintf("/api/v1/inspection/tasks?draw=%d", d.ID), "admin", nil, &all)
	c.Do("GET", "/api/v1/inspection/tasks", "a3-1", nil, &mine)
	if len(all) != 5 {
		t.Fatalf("tasks %+v, want 5", all)
	}
	for _, k := range mine {
		if !slices.Contains(k.Inspectors, "a3-1") {
			t.Errorf("officer a3-1 sees task %d of %v", k.ID, k.Inspectors)
		}
	}
	// 09-28 and 10-11 are working Sundays/Saturdays (调休), 10-01..10-08 the holiday.
	if got := all[0].PublishBy.String(); got != "2025-10-30" {
		t.Errorf("publish_by = %s, want 2025-10-30 (20 working days after 2025-09-26)", got)
	}
	var task inspection.Task
	var other string
	for _, k := range all {
		if len(mine) > 0 && k.ID == mine[0].ID {
			task = k
		}
	}
	if task.ID == 0 {
		task = all[0]
	}
	for _, o := range []string{"a1-1", "a2-1", "a3-1"} {
		if !slices.Contains(task.Inspectors, o) {
			other = o
		}
	}
	result := map[string]any{"outcome": "problem_found", "item": "U1", "note": "占道堆放货物"}
	if code, _ := c.Do("POST", fmt.Sprintf("/api/v1/inspection/tasks/%d/result", task.ID), other, result, nil); code != 403 {
		t.Errorf("result by an officer not drawn = %d, want 403", code)
	}
	inspector := task.Inspectors[0]
	if _, ok := c.Tokens[inspector]; !ok {
		inspector = "supA"
	}
	if code, raw := c.Do("POST", fmt.Sprintf("/api/v1/inspection/tasks/%d/result", task.ID), inspector, result, &task); code != 200 || task.Case == nil {
		t.Fatalf("result = %d %s, want a case", code, raw)
	}
	var filed struct {
		Status string `json:"status"`
		Item   string `json:"item"`
	}
	c.Do("GET", fmt.Sprintf("/api/v1/cases/%d", *task.Case), "admin", nil, &filed)
	if filed.Status != "filed" || filed.Item != "U1" {
		t.Errorf("the problem's case is %+v, want filed under U1", filed)
	}
	if code, _ := c.Do("POST", fmt.Sprintf("/api/v1/inspection/tasks/%d/result", task.ID), "admin", map[string]any{"outcome": "no_problem"}, nil); code != 409 {
		t.Errorf("a second result = %d, want 409", code)
	}

	var sum []inspection.TownshipSummary
	c.Do("GET", "/api/v1/inspection/summary?from=2025-09-01T00:00:00Z&to=2025-11-01T00:00:00Z", "supA", nil, &sum)
	if len(sum) != 1 || sum[0].Inspections != 5 || sum[0].Recorded != 1 || sum[0].ProblemsFound != 1 || sum[0].InspectionsLate != 0 {
		t.Errorf("summary %+v, want A: 5 inspections, 1 recorded with a problem, none late", sum)
	}

	// Powers usage: the inspection counts for (A, U1); E1 in A is 双空白.
	var usage struct {
		Items []struct {
			Township, Item string
			Cases          int
			Inspections    int
			DoubleBlank    bool `json:"double_blank"`
		}
	}
	window := "from=2025-09-01T00:00:00Z&to=2025-11-01T00:00:00Z"
	c.Do("GET", "/api/v1/powers/usage?"+window, "analyst", nil, &usage)
	found := map[string]bool{}
	for _, it := range usage.Items {
		k := it.Township + "/" + it.Item
		found[k] = it.DoubleBlank
		if k == "A/U1" && it.Inspections != 1 {
			t.Errorf("A/U1 inspections = %d, want 1", it.Inspections)
		}
	}
	if found["A/U1"] || !found["A/E1"] || !found["B/U1"] {
		t.Errorf("double blank %v, want A/E1 and B/U1, not A/U1", found)
	}
	var zones struct {
		Features []struct {
			Properties struct {
				Code  string   `json:"code"`
				Items []string `json:"items_double_blank"`
			} `json:"properties"`
		} `json:"features"`
	}
	c.Do("GET", "/api/v1/blindzones?level=township&"+window, "analyst", nil, &zones)
	for _, f := range zones.Features {
		want := []string{"E1", "U1"}
		if f.Properties.Code == "A" {
			want = []string{"E1"}
		}
		if !slices.Equal(f.Properties.Items, want) {
			t.Errorf("blind zone %s: items_double_blank %v, want %v", f.Properties.Code, f.Properties.Items, want)
		}
	}
}

// runScript runs the docs' Python script on a good and a changed record.
func runScript(t *testing.T, good, changed []byte) {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	doc, err := os.ReadFile("../../docs/draws.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(doc), "<!-- verify_draw.py begins -->\n```python\n")
	script, _, ok := strings.Cut(rest, "```\n<!-- verify_draw.py ends -->")
	if !ok {
		t.Fatal("docs/draws.md holds no verify_draw.py block")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "verify_draw.py"), []byte(script), 0o644)
	for _, tt := range []struct {
		name  string
		rec   []byte
		match bool
	}{{"public record", good, true}, {"a pool entry changed", changed, false}} {
		os.WriteFile(filepath.Join(dir, "record.json"), tt.rec, 0o644)
		out, err := exec.Command(python, filepath.Join(dir, "verify_draw.py"), filepath.Join(dir, "record.json")).CombinedOutput()
		if got := err == nil && strings.HasPrefix(string(out), "match"); got != tt.match {
			t.Errorf("verify_draw.py on the %s: %s (err %v), want match %v", tt.name, out, err, tt.match)
		}
	}
}
