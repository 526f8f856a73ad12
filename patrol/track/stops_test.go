package track

import (
	"math"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
)

// twoStops is a walk with two stops: 100 fixes walking north (about
// 640 m), 10 minutes standing, 150 fixes walking east, 7 minutes standing,
// 60 fixes walking south. A fix every 5 s, walking at 1.3 m/s.
func twoStops(noiseM float64) []Point {
	const step = 5 * time.Second
	return build([]leg{
		{n: 100, step: step, speedMS: 1.3, bearingDeg: 0},
		{n: 120, step: step},
		{n: 150, step: step, speedMS: 1.3, bearingDeg: 90},
		{n: 84, step: step},
		{n: 60, step: step, speedMS: 1.3, bearingDeg: 180},
	}, noiseM, 42)
}

// wantStop is where and when a stop is expected, within tolerances.
type wantStop struct {
	start, end time.Time
	center     orb.Point
}

func TestStopsWalk(t *testing.T) {
	clean := twoStops(0)
	// The true stops: fixes 99..219 and 369..453 of the clean walk (the
	// last walking fix is where the standing starts).
	want := []wantStop{
		{start: clean[99].Time, end: clean[219].Time, center: clean[99].Pos},
		{start: clean[369].Time, end: clean[453].Time, center: clean[369].Pos},
	}
	tests := []struct {
		name    string
		pts     []Point
		slack   time.Duration // how far the ends may be off
		centerM float64       // how far the centre may be off, metres
	}{
		// Without noise the fix before and after each stop is 6.5 m away,
		// inside the radius: a stop takes in up to 7 walking fixes at each
		// end (45 m).
		{name: "exact", pts: clean, slack: 40 * time.Second, centerM: 10},
		{name: "4 m noise", pts: twoStops(4), slack: 60 * time.Second, centerM: 10},
		{name: "10 m noise", pts: twoStops(10), slack: 90 * time.Second, centerM: 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Stops(tt.pts, StopOptions{})
			if len(got) != len(want) {
				t.Fatalf("Stops() = %d stops %+v, want %d", len(got), got, len(want))
			}
			for i, s := range got {
				w := want[i]
				if d := s.Start.Sub(w.start).Abs(); d > tt.slack {
					t.Errorf("stop %d: Start = %v, want %v ± %v", i, s.Start, w.start, tt.slack)
				}
				if d := s.End.Sub(w.end).Abs(); d > tt.slack {
					t.Errorf("stop %d: End = %v, want %v ± %v", i, s.End, w.end, tt.slack)
				}
				if d := geo.DistanceMeters(s.Center, w.center); d > tt.centerM {
					t.Errorf("stop %d: Center %v is %.1f m from %v, want within %v m", i, s.Center, d, w.center, tt.centerM)
				}
				if s.Points != countBetween(tt.pts, s.Start, s.End) {
					t.Errorf("stop %d: Points = %d, want the %d fixes from Start to End", i, s.Points, countBetween(tt.pts, s.Start, s.End))
				}
				if s.H3 != fakeCell(w.center) {
					t.Errorf("stop %d: H3 = %d, want %d", i, s.H3, fakeCell(w.center))
				}
			}
		})
	}
}

func countBetween(pts []Point, from, to time.Time) int {
	n := 0
	for _, p := range pts {
		if !p.Time.Before(from) && !p.Time.After(to) {
			n++
		}
	}
	return n
}

// still returns n fixes at the city centre, one every step from t0 plus
// offset; offM moves every fix that many metres east.
func still(n int, offset, step time.Duration, offM float64) []Point {
	pts := make([]Point, n)
	for i := range pts {
		pts[i] = Point{Time: t0.Add(offset + time.Duration(i)*step), Pos: geo.Destination(cityCentre(), 90, offM)}
	}
	return pts
}

func TestStopsBoundaries(t *testing.T) {
	const min = time.Minute
	// A fix 50 m east of the centre, to put exactly on the radius.
	edge := geo.DistanceMeters(still(1, 0, 0, 0)[0].Pos, geo.Destination(cityCentre(), 90, 50))
	withEdge := func(i int) []Point {
		pts := still(11, 0, 30*time.Second, 0)
		pts[i].Pos = geo.Destination(cityCentre(), 90, 50)
		return pts
	}
	tests := []struct {
		name  string
		pts   []Point
		opt   StopOptions
		spans [][2]int // want: stops as first and last index into pts
	}{
		{name: "no points", pts: nil},
		{name: "one point", pts: still(1, 0, 0, 0)},
		{name: "exactly MinDuration", pts: still(11, 0, 30*time.Second, 0), spans: [][2]int{{0, 10}}},
		{name: "a nanosecond short of MinDuration", pts: still(11, 0, 30*time.Second, 0),
			opt: StopOptions{MinDuration: 5*min + 1}},
		{name: "custom MinDuration", pts: still(5, 0, 30*time.Second, 0),
			opt: StopOptions{MinDuration: 2 * min}, spans: [][2]int{{0, 4}}},
		{name: "fix at exactly RadiusM", pts: withEdge(5), opt: StopOptions{RadiusM: edge}, spans: [][2]int{{0, 10}}},
		{name: "fix a hair beyond RadiusM", pts: withEdge(5), opt: StopOptions{RadiusM: math.Nextafter(edge, 0)}},
		{name: "first fix off, the rest too short", pts: withEdge(0), opt: StopOptions{RadiusM: 10}}, // 1..10 lasts 4.5 minutes
		{name: "last fix off: the stop ends before it",
			pts:   append(still(11, 0, 30*time.Second, 0), still(1, 5*min+30*time.Second, 0, 60)...),
			spans: [][2]int{{0, 10}}},
		{name: "gap over MaxGap splits",
			pts:   append(still(13, 0, 30*time.Second, 0), still(13, 12*min+1, 30*time.Second, 0)...),
			spans: [][2]int{{0, 12}, {13, 25}}},
		{name: "gap of exactly MaxGap keeps one stop",
			pts:   append(still(3, 0, 30*time.Second, 0), still(3, 6*min, 30*time.Second, 0)...),
			spans: [][2]int{{0, 5}}},
		{name: "gap splits into two parts too short",
			pts: append(still(7, 0, 30*time.Second, 0), still(7, 3*min+7*min, 30*time.Second, 0)...)},
		{name: "custom MaxGap",
			pts: append(still(3, 0, 30*time.Second, 0), still(3, 6*min, 30*time.Second, 0)...),
			opt: StopOptions{MaxGap: 4 * min}},
		{name: "time going backwards ends the run",
			pts:   append(still(11, 0, 30*time.Second, 0), still(11, 4*min, 30*time.Second, 0)...),
			spans: [][2]int{{0, 10}, {11, 21}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Stops(tt.pts, tt.opt)
			if len(got) != len(tt.spans) {
				t.Fatalf("Stops() = %+v, want %d stops %v", got, len(tt.spans), tt.spans)
			}
			for i, sp := range tt.spans {
				s := got[i]
				if !s.Start.Equal(tt.pts[sp[0]].Time) || !s.End.Equal(tt.pts[sp[1]].Time) || s.Points != sp[1]-sp[0]+1 {
					t.Errorf("stop %d = %v..%v (%d points), want %v..%v (%d points)", i,
						s.Start, s.End, s.Points, tt.pts[sp[0]].Time, tt.pts[sp[1]].Time, sp[1]-sp[0]+1)
				}
			}
		})
	}
}

func TestStopsCenterAndCell(t *testing.T) {
	pts := still(11, 0, 30*time.Second, 0)
	cells := []int64{0, 7, 7, 0, 9, 9, 0, 0, 5, 5, 0} // 7 and 9 tie and 5 too; 7 comes first
	for i := range pts {
		pts[i].Pos = orb.Point{120 + float64(i)*1e-5, 31 - float64(i)*1e-5}
		pts[i].H3 = cells[i]
	}
	got := Stops(pts, StopOptions{})
	if len(got) != 1 {
		t.Fatalf("Stops() = %+v, want one stop", got)
	}
	want := orb.Point{120 + 5e-5, 31 - 5e-5}
	if math.Abs(got[0].Center[0]-want[0]) > 1e-12 || math.Abs(got[0].Center[1]-want[1]) > 1e-12 {
		t.Errorf("Center = %v, want %v", got[0].Center, want)
	}
	if got[0].H3 != 7 {
		t.Errorf("H3 = %d, want 7 (the first of the most frequent)", got[0].H3)
	}
	for i := range pts {
		pts[i].H3 = 0
	}
	if got := Stops(pts, StopOptions{}); got[0].H3 != 0 {
		t.Errorf("H3 = %d with no cells known, want 0", got[0].H3)
	}
}

func TestStopsDay(t *testing.T) {
	pts := day(10000)
	got := Stops(pts, StopOptions{})
	// day has a 10-minute stop after every 800 walking fixes. A stop may
	// be anchored on a fix of the approach, tens of metres out, and then
	// cut short when jitter takes a later fix beyond the radius.
	if len(got) != 10 {
		t.Fatalf("Stops(day) = %d stops, want 10", len(got))
	}
	for i, s := range got {
		if d := s.End.Sub(s.Start); d < 5*time.Minute || d > 11*time.Minute {
			t.Errorf("stop %d lasts %v, want 5 to 11 minutes", i, d)
		}
	}
}
