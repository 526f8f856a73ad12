package cases

import (
	"testing"
	"time"
)

func TestFilterString(t *testing.T) {
	at := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	open := true
	for _, tc := range []struct {
		name  string
		a, b  Filter
		equal bool
	}{
		{"zero", Filter{}, Filter{}, true},
		{"townships in any order", Filter{Townships: []string{"B", "A", "A"}}, Filter{Townships: []string{"A", "B"}}, true},
		{"statuses in any order", Filter{Statuses: []Status{StatusClosed, StatusReported}},
			Filter{Statuses: []Status{StatusReported, StatusClosed}}, true},
		{"one instant in two zones", Filter{From: at}, Filter{From: at.In(time.FixedZone("CST", 8*3600))}, true},
		{"other sector", Filter{Sector: NonCore}, Filter{Sector: "fire"}, false},
		{"from is not to", Filter{From: at}, Filter{To: at}, false},
		{"officer", Filter{}, Filter{Officer: "o1"}, false},
		{"open", Filter{}, Filter{Open: &open}, false},
		{"limit", Filter{}, Filter{Limit: 10}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tc.a.String(), tc.b.String()
			if (a == b) != tc.equal {
				t.Errorf("String() = %q and %q, want equal %v", a, b, tc.equal)
			}
		})
	}
}
