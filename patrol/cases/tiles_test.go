package cases_test

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/patrol/cases"
)

// TestPointsAndCellTotals reports a core and a non-core case in township A and one in B,
// and reads them back for a bound over A with the filters the cases layer of the map
// tiles takes.
func TestPointsAndCellTotals(t *testing.T) {
	c := newCity(t)
	ctx := context.Background()
	core := c.report("admin", map[string]any{"sector": "urban_management", "title": "占道", "lat": 31.84, "lon": 120.22})
	other := c.report("admin", map[string]any{"sector": "fire", "title": "消防通道", "lat": 31.84, "lon": 120.221})
	c.report("admin", map[string]any{"sector": "fire", "title": "乙镇", "lat": 31.84, "lon": 120.35})
	overA := orb.Bound{Min: orb.Point{120.20, 31.80}, Max: orb.Point{120.30, 31.88}}
	for _, tc := range []struct {
		name string
		f    cases.Filter
		want []int64
	}{
		{"every sector", cases.Filter{}, []int64{core.ID, other.ID}},
		{"non-core", cases.Filter{Sector: cases.NonCore}, []int64{other.ID}},
		{"one sector", cases.Filter{Sector: "urban_management"}, []int64{core.ID}},
		{"status", cases.Filter{Statuses: []cases.Status{cases.StatusClosed}}, nil},
		{"other township", cases.Filter{Townships: []string{"B"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			points, err := c.srv.Cases.Points(ctx, overA, tc.f, 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, p := range points {
				got = append(got, p.ID)
			}
			if len(got) != len(tc.want) || (len(got) > 0 && (got[0] != tc.want[0] || got[len(got)-1] != tc.want[len(tc.want)-1])) {
				t.Errorf("Points(%+v) = %v, want %v", tc.f, got, tc.want)
			}
			totals, err := c.srv.Cases.CellTotals(ctx, overA, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, ct := range totals {
				n += ct.N
			}
			if n != len(tc.want) {
				t.Errorf("CellTotals(%+v) count %d cases, want %d", tc.f, n, len(tc.want))
			}
		})
	}
	if p, err := c.srv.Cases.Points(ctx, overA, cases.Filter{}, 1); err != nil || len(p) != 1 || p[0].Township != "A" || p[0].Sector != "urban_management" {
		t.Errorf("Points limited to 1 = %+v, %v", p, err)
	}
}
