package inspection_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/patrol/evidence"
	"github.com/gridwatch/gridwatch/patrol/inspection"
)

// drawnTasks draws n of n high-risk targets in township A, one inspector each, on the
// day at, and returns the city's tasks of the draw.
func drawnTasks(t *testing.T, n int, at time.Time) (*apptest.City, inspection.Draw, []inspection.Task) {
	t.Helper()
	c := newCity(t)
	var b strings.Builder
	b.WriteString(header)
	for i := range n {
		fmt.Fprintf(&b, "对象%d,,T-%d,城市管理,%.4f,31.84,wgs84,高\n", i, i, 120.21+0.01*float64(i))
	}
	if code, raw := sheet(c, "admin", b.String()); code != 201 {
		t.Fatalf("targets = %d %s", code, raw)
	}
	plan := map[string]any{"kind": "inspection", "title": "结果测试", "plan": map[string]any{"townships": []string{"A"},
		"items": []string{"U1"}, "rules": map[string]any{"quotas": []map[string]any{{"stratum": "high", "count": n}},
			"inspectors_per_unit": 1}}}
	var d inspection.Draw
	if code, raw := c.Do("POST", "/api/v1/inspection/draws", "supA", plan, &d); code != 201 {
		t.Fatalf("plan = %d %s", code, raw)
	}
	c.Server.Inspections.SetClock(func() time.Time { return at })
	path := fmt.Sprintf("/api/v1/inspection/draws/%d", d.ID)
	for _, step := range []string{"/publish", "/draw"} {
		if code, raw := c.Do("POST", path+step, "supA", nil, &d); code != 200 {
			t.Fatalf("%s = %d %s", step, code, raw)
		}
	}
	var tasks []inspection.Task
	c.Do("GET", fmt.Sprintf("/api/v1/inspection/tasks?draw=%d", d.ID), "admin", nil, &tasks)
	if len(tasks) != n {
		t.Fatalf("%d tasks, want %d", len(tasks), n)
	}
	return c, d, tasks
}

func countCases(t *testing.T, c *apptest.City) int {
	t.Helper()
	var n int
	if err := c.Server.DB.QueryRow(context.Background(), `SELECT count(*) FROM cases`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A problem found whose result cannot be written leaves no case: the case and the
// result are one transaction.
func TestRecordFilesNothingHalfWritten(t *testing.T) {
	c, _, tasks := drawnTasks(t, 2, time.Date(2025, 9, 26, 10, 0, 0, 0, time.UTC))
	ctx := context.Background()
	// An injected failure: the task's row refuses the result after the case is filed.
	// One statement an Exec: Citus sends DDL on to its nodes one command at a time.
	for _, ddl := range []string{`
		CREATE FUNCTION refuse_result() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'injected failure' USING ERRCODE = 'check_violation'; END $$`,
		`CREATE TRIGGER refuse_result BEFORE UPDATE ON inspection_tasks FOR EACH ROW EXECUTE FUNCTION refuse_result()`,
	} {
		if _, err := c.Server.DB.Exec(ctx, ddl); err != nil {
			t.Fatal(err)
		}
	}
	result := map[string]any{"outcome": "problem_found", "item": "U1", "note": "占道经营"}
	path := fmt.Sprintf("/api/v1/inspection/tasks/%d/result", tasks[0].ID)
	if code, raw := c.Do("POST", path, "admin", result, nil); code < 400 {
		t.Fatalf("result with its row refusing = %d %s, want an error", code, raw)
	}
	if n := countCases(t, c); n != 0 {
		t.Errorf("%d cases after a result that failed, want 0", n)
	}
	if _, err := c.Server.DB.Exec(ctx, `DROP TRIGGER refuse_result ON inspection_tasks`); err != nil {
		t.Fatal(err)
	}

	// Two results of one task at once: one files its case, the other is refused and files
	// none.
	codes := make(chan int, 2)
	for range 2 {
		go func() {
			code, _ := c.Do("POST", path, "admin", result, nil)
			codes <- code
		}()
	}
	got := []int{<-codes, <-codes}
	if !(got[0] == 200 && got[1] == 409 || got[0] == 409 && got[1] == 200) {
		t.Errorf("two results at once = %v, want 200 and 409", got)
	}
	if n := countCases(t, c); n != 1 {
		t.Errorf("%d cases after two results at once, want 1", n)
	}
	c.Do("GET", fmt.Sprintf("/api/v1/inspection/tasks?draw=%d", tasks[0].Draw), "admin", nil, &tasks)
	if tasks[0].Case == nil || tasks[1].Case != nil {
		t.Errorf("tasks' cases %v, %v: want the first's only", tasks[0].Case, tasks[1].Case)
	}
}

// A publication period crossing a year with no working-day calendar counts weekdays and
// says so, in the task and in the public record; one on the calendar says nothing.
func TestPublishByWithoutCalendar(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	// The build ships 2026's calendar, not 2027's: 2027-01-01 counts as a working Friday.
	c, d, tasks := drawnTasks(t, 1, time.Date(2026, 12, 10, 10, 0, 0, 0, cst))
	if got := tasks[0]; got.PublishBy.String() != "2027-01-07" || got.Calendar != "weekdays only" {
		t.Errorf("publish_by = %s, calendar %q; want 2027-01-07, weekdays only", got.PublishBy, got.Calendar)
	}
	var rec inspection.PublicRecord
	c.Do("GET", fmt.Sprintf("/api/v1/public/draws/%d", d.ID), "", nil, &rec)
	if len(rec.Tasks) != 1 || rec.Tasks[0].Calendar != "weekdays only" {
		t.Errorf("public tasks %+v, want the calendar said", rec.Tasks)
	}
	_, _, tasks = drawnTasks(t, 1, time.Date(2025, 9, 26, 10, 0, 0, 0, cst))
	if got := tasks[0]; got.PublishBy.String() != "2025-10-30" || got.Calendar != "" {
		t.Errorf("publish_by = %s, calendar %q; want 2025-10-30 on the calendar", got.PublishBy, got.Calendar)
	}
}

// upload posts one file as evidence of an inspection task, with its capture fields.
func upload(t *testing.T, c *apptest.City, task int64, who string, data []byte, fields map[string]string) (int, []byte) {
	t.Helper()
	return postFile(t, c, fmt.Sprintf("/api/v1/inspection/tasks/%d/evidence", task), who, data, fields)
}

// postFile posts one file, 现场.png, with form fields, as multipart/form-data.
func postFile(t *testing.T, c *apptest.City, path, who string, data []byte, fields map[string]string) (int, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	w, _ := mw.CreateFormFile("file", "现场.png")
	w.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.URL+path, &b)
	req.Header.Set("Authorization", "Bearer "+c.Tokens[who])
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// A result of any outcome carries evidence kept by the evidence store: content-addressed,
// its capture position checked against the inspector's track, frozen by the result,
// its hashes public, a changed file found by verification.
func TestResultEvidence(t *testing.T) {
	now := time.Now()
	c, d, tasks := drawnTasks(t, 2, now)
	task := tasks[0]
	inspector := task.Inspectors[0]
	other := "a3-1"
	if inspector == other {
		other = "a2-1"
	}
	// The inspector walks north along 120.22 E: 31.839 two minutes ago, 31.841 a minute ago.
	fixes := []map[string]any{
		{"officer": inspector, "time": now.Add(-2 * time.Minute), "lat": 31.839, "lon": 120.22, "accuracy": 5},
		{"officer": inspector, "time": now.Add(-time.Minute), "lat": 31.841, "lon": 120.22, "accuracy": 5},
	}
	if code, raw := c.Do("POST", "/api/v1/positions", "admin", map[string]any{"positions": fixes}, nil); code != 200 {
		t.Fatalf("positions = %d %s", code, raw)
	}
	photo := []byte("\x89PNG\r\n\x1a\n现场照片 no problem found")
	sum := sha256.Sum256(photo)
	hash := hex.EncodeToString(sum[:])
	fields := map[string]string{"kind": "photo", "lat": "31.8401", "lon": "120.2201",
		"captured_at": now.Add(-90 * time.Second).Format(time.RFC3339)}
	for _, who := range []string{other, "supB"} {
		if code, raw := upload(t, c, task.ID, who, photo, fields); code != 403 {
			t.Errorf("evidence by %s = %d %s, want 403", who, code, raw)
		}
	}
	var added struct {
		Task     int64             `json:"task"`
		Evidence []evidence.Record `json:"evidence"`
	}
	code, raw := upload(t, c, task.ID, inspector, photo, fields)
	json.Unmarshal(raw, &added)
	if code != 201 || added.Task != task.ID || len(added.Evidence) != 1 {
		t.Fatalf("evidence = %d %s", code, raw)
	}
	if e := added.Evidence[0]; e.SHA256 != hash || e.Task != task.ID || e.Case != 0 || e.Seq != 1 || e.PositionCheck == nil ||
		*e.PositionCheck != evidence.PositionOK || e.Officer == nil || *e.Officer != inspector {
		t.Errorf("evidence record %+v, want %s of task %d, position ok on %s's track", e, hash, task.ID, inspector)
	}
	path := fmt.Sprintf("/api/v1/inspection/tasks/%d", task.ID)
	if code, raw := c.Do("POST", path+"/result", inspector, map[string]any{"outcome": "no_problem", "note": "未发现问题"}, nil); code != 200 {
		t.Fatalf("result = %d %s", code, raw)
	}
	// The result freezes its evidence.
	if code, raw := upload(t, c, task.ID, inspector, []byte("later"), map[string]string{"kind": "photo"}); code != 409 {
		t.Errorf("evidence after the result = %d %s, want 409", code, raw)
	}
	var list []evidence.Record
	if code, raw := c.Do("GET", path+"/evidence", "analyst", nil, &list); code != 200 || len(list) != 1 || list[0].SHA256 != hash {
		t.Errorf("task evidence = %d %s, want the photo", code, raw)
	}
	if code, _ := c.Do("GET", path+"/evidence", "supB", nil, nil); code != 403 {
		t.Errorf("task evidence as B's supervisor = %d, want 403", code)
	}
	// The file to those who may read the task.
	if code, raw := c.Do("GET", "/api/v1/evidence/"+hash, "supA", nil, nil); code != 200 || !bytes.Equal(raw, photo) {
		t.Errorf("file as A's supervisor = %d, want the photo", code)
	}
	if code, _ := c.Do("GET", "/api/v1/evidence/"+hash, "supB", nil, nil); code != 403 {
		t.Errorf("file as B's supervisor = %d, want 403", code)
	}
	// The public record shows the recorded result's hashes, nothing of the open task.
	var rec inspection.PublicRecord
	c.Do("GET", fmt.Sprintf("/api/v1/public/draws/%d", d.ID), "", nil, &rec)
	for _, pt := range rec.Tasks {
		want := []string{}
		if pt.Target == task.Target {
			want = []string{hash}
		}
		if !slices.Equal(pt.Evidence, want) {
			t.Errorf("public task %d evidence %v, want %v", pt.Target, pt.Evidence, want)
		}
	}
	// One byte of the file changed: verification names it.
	var v evidence.TaskVerification
	if c.Do("GET", path+"/evidence/verify", "supA", nil, &v); !v.OK || v.Files != 1 {
		t.Fatalf("verify = %+v, want ok", v)
	}
	changed := bytes.Clone(photo)
	changed[10] ^= 1
	if err := os.WriteFile(c.Server.Evidence.Blobs().Path(hash), changed, 0o640); err != nil {
		t.Fatal(err)
	}
	if c.Do("GET", path+"/evidence/verify", "supA", nil, &v); v.OK || len(v.Problems) != 1 || !strings.Contains(v.Problems[0], "was changed") {
		t.Errorf("verify after a change = %+v, want the file named changed", v)
	}
}

// Township B's supervisor, and an officer not drawn, are refused on township A's existing
// draw and task (the authorization matrix calls these routes with ids that do not exist).
func TestOtherTownshipRefused(t *testing.T) {
	c, d, tasks := drawnTasks(t, 1, time.Date(2025, 9, 26, 10, 0, 0, 0, time.UTC))
	draw := fmt.Sprintf("/api/v1/inspection/draws/%d", d.ID)
	task := fmt.Sprintf("/api/v1/inspection/tasks/%d", tasks[0].ID)
	outsider := "a3-1"
	if slices.Contains(tasks[0].Inspectors, outsider) {
		outsider = "a2-1"
	}
	plan := map[string]any{"kind": "inspection", "title": "改", "plan": map[string]any{"townships": []string{"A"},
		"rules": map[string]any{"quotas": []map[string]any{{"stratum": "high", "count": 1}}, "inspectors_per_unit": 1}}}
	for _, call := range []struct {
		method, path, who string
		body              any
	}{
		{"GET", draw, "supB", nil},
		{"PUT", draw, "supB", plan},
		{"POST", draw + "/publish", "supB", nil},
		{"POST", draw + "/draw", "supB", nil},
		{"POST", task + "/result", "supB", map[string]any{"outcome": "no_problem"}},
		{"POST", task + "/result", outsider, map[string]any{"outcome": "no_problem"}},
		{"GET", task + "/evidence", "supB", nil},
		{"GET", task + "/evidence", outsider, nil},
		{"GET", task + "/evidence/verify", "supB", nil},
	} {
		if code, raw := c.Do(call.method, call.path, call.who, call.body, nil); code != 403 {
			t.Errorf("%s %s as %s = %d %s, want 403", call.method, call.path, call.who, code, raw)
		}
	}
	var list []inspection.Task
	if c.Do("GET", fmt.Sprintf("/api/v1/inspection/tasks?draw=%d", d.ID), "supB", nil, &list); len(list) != 0 {
		t.Errorf("B's supervisor lists A's tasks %+v, want none", list)
	}
	if c.Do("GET", "/api/v1/inspection/tasks", outsider, nil, &list); len(list) != 0 {
		t.Errorf("officer %s lists tasks %+v not drawn to it", outsider, list)
	}
	var rec inspection.Task
	c.Do("GET", fmt.Sprintf("/api/v1/inspection/tasks?draw=%d", d.ID), "admin", nil, &list)
	if rec = list[0]; rec.Outcome != nil {
		t.Errorf("task %d has outcome %s after refused results", rec.ID, *rec.Outcome)
	}
}
