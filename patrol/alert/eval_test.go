package alert

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/cputime"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/position"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func TestObserve(t *testing.T) {
	type step struct {
		min    int
		inside bool
		mock   bool
		alarm  string
		want   string // the changes, as "+rule" (raise) and "-rule" (clear)
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"first fix inside clears what a previous run left", []step{{0, true, false, "", "-mock_location -off_plan -left_area"}, {1, true, false, "", ""}}},
		{"sos on every alarm", []step{{0, true, false, "sos", "+sos -mock_location -off_plan -left_area"}, {1, true, false, "sos", "+sos"}}},
		{"mock once, cleared by a real fix", []step{{0, true, true, "", "+mock_location -off_plan -left_area"}, {1, true, true, "", ""}, {2, true, false, "", "-mock_location"}}},
		{"outside for the rule's minutes", []step{{0, true, false, "", "-mock_location -off_plan -left_area"}, {1, false, false, "", ""},
			{10, false, false, "", ""}, {11, false, false, "", "+left_area"}, {12, false, false, "", ""}, {13, true, false, "", "-left_area"}}},
		{"a late fix changes nothing", []step{{5, true, false, "", "-mock_location -off_plan -left_area"}, {1, false, true, "", ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := NewEvaluator()
			set := DefaultSettings()
			for i, s := range tc.steps {
				f := Fix{Officer: "o1", Township: "t", Time: t0.Add(time.Duration(s.min) * time.Minute), Inside: s.inside, Mock: s.mock, Alarm: s.alarm}
				got := ""
				for _, c := range e.Observe(f, set, nil) {
					sign := "-"
					if c.Raise {
						sign = "+"
					}
					if got != "" {
						got += " "
					}
					got += sign + string(c.Rule)
				}
				if got != s.want {
					t.Errorf("step %d: Observe = %q, want %q", i, got, s.want)
				}
			}
		})
	}
}

func TestOnDuty(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 27, h, m, 0, 0, china) }
	for _, tc := range []struct {
		from, to string
		at       time.Time
		want     bool
	}{
		{"08:00", "20:00", at(8, 0), true},
		{"08:00", "20:00", at(20, 0), false},
		{"08:00", "20:00", at(7, 59), false},
		{"20:00", "08:00", at(23, 0), true},
		{"20:00", "08:00", at(3, 0), true},
		{"20:00", "08:00", at(12, 0), false},
		{"00:00", "00:00", at(12, 0), true},
	} {
		d := Duty{DutyFrom: tc.from, DutyTo: tc.to}
		if got := d.OnDuty(tc.at); got != tc.want {
			t.Errorf("Duty{%s, %s}.OnDuty(%s) = %v, want %v", tc.from, tc.to, tc.at.Format("15:04"), got, tc.want)
		}
	}
}

// benchSources serve a fleet's officers and a squadron's cells from memory, for the
// benchmark of evaluation alone.
type benchSources struct{ cells []grid.Cell }

func (benchSources) Get(_ context.Context, id string) (officer.Officer, error) {
	return officer.Officer{ID: id, Squadron: "Q1", Township: "t"}, nil
}
func (b benchSources) SquadronCells(context.Context, string) ([]grid.Cell, error) {
	return b.cells, nil
}
func (benchSources) CellTownships(context.Context, []string) ([]grid.CellTownship, error) {
	return nil, nil
}

// BenchmarkEvaluatePerFix measures what the Watcher's evaluation costs a fix (area
// lookup in memory, the officer's planned route measured, the rules), for 2,000 officers
// in groups of 100 fixes, 1 fix in 10 outside the area, each officer on a planned route
// of 100 vertices (about 6 km, as a road-following route) and 1 of their fixes in 10
// 500 m off it (a whole-line search), no alert changing state: a quiet city.
// BenchmarkPublishPerFix measures the part in the ingest path. The sub-benchmark
// without routes is the same city with no plan, for the cost of off_plan's distance half.
func BenchmarkEvaluatePerFix(b *testing.B) {
	b.Run("routes", func(b *testing.B) { benchmarkEvaluate(b, true) })
	b.Run("no-routes", func(b *testing.B) { benchmarkEvaluate(b, false) })
}

func benchmarkEvaluate(b *testing.B, routes bool) {
	var cells []grid.Cell
	for i := range 500 {
		cells = append(cells, grid.Cell(0x89283082803ffff+uint64(i)<<12))
	}
	src := benchSources{cells: cells}
	w := NewWatcher(nil, Sources{Officers: src, Cells: src})
	// left_area off, so that the outside fixes never reach the (absent) store; an
	// officer is never off the route twice in a row, so off_plan never raises.
	set := DefaultSettings()
	set.LeftArea.Enabled = false
	w.settings["t"] = set
	const officers, group, vertices = 2000, 100, 100
	// A zigzag eastwards: 60 m steps, alternately north-east and south-east.
	line := make(orb.LineString, vertices)
	for i := range line {
		line[i] = orb.Point{120.20 + float64(i)*0.0006, 31.84 + float64(i%2)*0.0003}
	}
	names := make([]string, officers)
	for i := range names {
		names[i] = fmt.Sprint("o", i)
		// Seen before: state and area warm, the first fix's clears done.
		w.areas[names[i]] = &area{key: "s:Q1", loaded: time.Now()}
		w.eval.officers[names[i]] = &officerState{known: true}
		if routes {
			w.routes[names[i]] = []*planRoute{newPlanRoute(1, t0, t0.Add(100_000*time.Hour), line)}
		}
	}
	w.routesAt = time.Now().Add(time.Hour) // no reload during the run
	ctx := context.Background()
	if _, err := w.cellsOf(ctx, "s:Q1", time.Now()); err != nil {
		b.Fatal(err)
	}
	batch := make([]Fix, group)
	n := 0
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		for j := range batch {
			cell := int64(cells[n%len(cells)])
			if n%10 == 0 {
				cell++ // not a cell of the area
			}
			k := n / officers // the officer's k-th fix: along the route, one vertex a fix
			p := line[k%(vertices-1)]
			if k%10 == 9 {
				p[1] += 0.0045 // 500 m north of the route
			}
			batch[j] = Fix{Officer: names[n%officers], Township: "t", Time: t0.Add(time.Duration(n) * time.Second),
				Point: p, cell: cell}
			n++
		}
		w.mu.Lock()
		w.queue = append(w.queue, batch...)
		w.mu.Unlock()
		w.Drain(ctx)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/fix")
	b.ReportMetric(float64((cputime.Process()-cpu).Nanoseconds())/float64(n), "cpu-ns/fix")
}

// BenchmarkPublishPerFix measures what the ingest path pays per fix for alerts: Publish
// queueing a group of 100 stored fixes.
func BenchmarkPublishPerFix(b *testing.B) {
	w := NewWatcher(nil, Sources{})
	batch := make([]position.Stored, 100)
	for i := range batch {
		batch[i] = position.Stored{Officer: fmt.Sprint("o", i), Township: "t", Time: t0, Lon: 120.25, Lat: 31.84}
	}
	n := 0
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		w.Publish(batch)
		n += len(batch)
		if len(w.queue) > 100_000 {
			w.queue = w.queue[:0]
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/fix")
	b.ReportMetric(float64((cputime.Process()-cpu).Nanoseconds())/float64(n), "cpu-ns/fix")
}

func TestWithin(t *testing.T) {
	// A route east along 31.84° N, then north: 1 km legs.
	kx := metresPerDegree * math.Cos(31.84*math.Pi/180)
	east := 1000 / kx
	north := 1000 / metresPerDegree
	r := newPlanRoute(1, t0, t0.Add(time.Hour), orb.LineString{{120.20, 31.84}, {120.20 + east, 31.84}, {120.20 + east, 31.84 + north}})
	for _, tc := range []struct {
		name   string
		p      orb.Point
		limitM float64
		wantM  float64 // when not within
		want   bool
	}{
		{"on the first leg", orb.Point{120.20 + east/2, 31.84}, 300, 0, true},
		{"200 m beside the second leg", orb.Point{120.20 + east + 200/kx, 31.84 + north/2}, 300, 0, true},
		{"500 m beside the second leg", orb.Point{120.20 + east + 500/kx, 31.84 + north/2}, 300, 500, false},
		{"400 m before the start", orb.Point{120.20 - 400/kx, 31.84}, 300, 400, false},
		{"beyond the corner, diagonally", orb.Point{120.20 + east + 300/kx, 31.84 - 400/metresPerDegree}, 300, 500, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := r.within(tc.p, tc.limitM)
			if ok != tc.want || (!ok && math.Abs(d-tc.wantM) > 1) || (ok && d > tc.limitM) {
				t.Errorf("within(%v, %v) = %.1f, %v; want %v (%.0f m)", tc.p, tc.limitM, d, ok, tc.want, tc.wantM)
			}
		})
	}
	// The search remembers the segment last found near.
	if _, ok := r.within(orb.Point{120.20 + east, 31.84 + north*0.9}, 50); !ok || r.near != 1 {
		t.Errorf("near = %d after a fix on the second leg, want 1", r.near)
	}
	if _, ok := r.within(orb.Point{120.20 + east*0.1, 31.84}, 50); !ok || r.near != 0 {
		t.Errorf("near = %d after a fix on the first leg, want 0", r.near)
	}
}

func TestObserveAwayFromTheRoute(t *testing.T) {
	e := NewEvaluator()
	set := DefaultSettings() // away_minutes 10
	var got []string
	for _, s := range []struct {
		min  int
		away bool
	}{{0, false}, {1, true}, {10, true}, {11, true}, {12, true}, {13, false}, {14, true}} {
		f := Fix{Officer: "o1", Township: "t", Time: t0.Add(time.Duration(s.min) * time.Minute), Inside: true,
			Plan: 7, Away: s.away, RouteM: 450}
		for _, c := range e.Observe(f, set, nil) {
			if c.Rule != OffPlan {
				continue
			}
			if c.Subject != "o1/route" || c.Officer != "o1" {
				t.Errorf("change %+v, want subject o1/route of officer o1", c)
			}
			sign := "-"
			if c.Raise {
				sign = "+"
				if c.Detail["plan"] != int64(7) || c.Detail["distance_m"] != 450.0 || !c.Detail["away_since"].(time.Time).Equal(t0.Add(time.Minute)) {
					t.Errorf("detail = %v, want plan 7, 450 m, away since the 1st minute", c.Detail)
				}
			}
			got = append(got, fmt.Sprint(sign, s.min))
		}
	}
	// The first fix clears what a previous run left; raised after 10 minutes away;
	// cleared when back; a new absence starts the count again.
	if want := "[-0 +11 -13]"; fmt.Sprint(got) != want {
		t.Errorf("off_plan changes = %v, want %s", got, want)
	}
}
