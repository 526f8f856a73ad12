package planning_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/patrol/planning"
)

func TestListPlansNewestFirstWithinScope(t *testing.T) {
	e := newEnv(t)
	first := e.plan(request(60, "a1"))
	later := request(120, "a1", "a2")
	later["start"] = shift.Add(24 * time.Hour)
	second := e.plan(later)

	list := func(path, who string, want int) []planning.Summary {
		t.Helper()
		code, raw := e.do("GET", path, who, nil)
		if code != want {
			t.Fatalf("GET %s as %s = %d %s, want %d", path, who, code, raw, want)
		}
		var out []planning.Summary
		if code == 200 {
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}

	got := list("/api/v1/plans?squadron=A1", "supA", 200)
	if len(got) != 2 || got[0].ID != second.ID || got[1].ID != first.ID {
		t.Fatalf("GET /plans?squadron=A1 = %+v, want plans %d then %d", got, second.ID, first.ID)
	}
	if s := got[0]; s.Officers != 2 || s.Township != "A" || s.CreatedBy != "supA" || !s.End.Equal(s.Start.Add(120*time.Minute)) {
		t.Errorf("summary = %+v, want 2 officers, township A, by supA, 120 min", s)
	}
	stops := 0
	for _, r := range second.Routes {
		stops += len(r.Waypoints)
	}
	if got[0].Stops != stops {
		t.Errorf("stops = %d, want %d", got[0].Stops, stops)
	}
	if got := list("/api/v1/plans?limit=1", "admin", 200); len(got) != 1 || got[0].ID != second.ID {
		t.Errorf("limit=1: %+v", got)
	}
	// A supervisor of another township sees none of them, and may not ask for them.
	if got := list("/api/v1/plans", "supB", 200); len(got) != 0 {
		t.Errorf("supB sees %+v", got)
	}
	list("/api/v1/plans?township=A", "supB", 403)
	list("/api/v1/plans?limit=0", "admin", 400)
}
