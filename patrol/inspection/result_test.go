package inspection_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apptest"
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
	_, err := c.Server.DB.Exec(ctx, `
		CREATE FUNCTION refuse_result() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'injected failure' USING ERRCODE = 'check_violation'; END $$;
		CREATE TRIGGER refuse_result BEFORE UPDATE ON inspection_tasks FOR EACH ROW EXECUTE FUNCTION refuse_result();`)
	if err != nil {
		t.Fatal(err)
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
