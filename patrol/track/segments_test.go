package track

import (
	"math"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
)

// at returns a point d metres from the city centre on bearing b, at t0 plus
// sec seconds.
func at(sec int, b, d float64) Point {
	return Point{Time: t0.Add(time.Duration(sec) * time.Second), Pos: geo.Destination(cityCentre(), b, d)}
}

func TestSegments(t *testing.T) {
	// Three points 10 m apart on a line north, 10 s apart.
	line := []Point{at(0, 0, 0), at(10, 0, 10), at(20, 0, 20)}
	farther := geo.DistanceMeters(line[2].Pos, at(0, 0, 2020).Pos)
	tests := []struct {
		name   string
		pts    []Point
		opt    SegmentOptions
		points []int // Points of each segment
	}{
		{name: "no points", pts: nil, points: nil},
		{name: "one point", pts: line[:1], points: []int{1}},
		{name: "no gap", pts: line, points: []int{3}},
		{name: "gap over MaxGap", pts: append(line[:3:3], at(20+301, 0, 30)), points: []int{3, 1}},
		{name: "gap of exactly MaxGap", pts: append(line[:3:3], at(20+300, 0, 30)), points: []int{4}},
		{name: "custom MaxGap", pts: append(line[:3:3], at(20+61, 0, 30)),
			opt: SegmentOptions{MaxGap: time.Minute}, points: []int{3, 1}},
		{name: "jump over MaxJumpM", pts: append(line[:3:3], at(30, 0, 2021), at(40, 0, 2030)), points: []int{3, 2}},
		{name: "jump of exactly MaxJumpM", pts: append(line[:3:3], at(30, 0, 2020)),
			opt: SegmentOptions{MaxJumpM: farther}, points: []int{4}},
		{name: "jump a hair over a custom MaxJumpM", pts: append(line[:3:3], at(30, 0, 2020)),
			opt: SegmentOptions{MaxJumpM: math.Nextafter(farther, 0)}, points: []int{3, 1}},
		{name: "time going backwards", pts: append(line[:3:3], at(15, 0, 30)), points: []int{3, 1}},
		{name: "isolated fix between gaps",
			pts:    append(line[:2:2], at(1000, 0, 30), at(2000, 0, 40), at(2005, 0, 45)),
			points: []int{2, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs := Segments(tt.pts, tt.opt)
			var got []int
			for _, s := range segs {
				got = append(got, s.Points)
			}
			if !equalInts(got, tt.points) {
				t.Fatalf("Segments() points per segment = %v, want %v", got, tt.points)
			}
			checkSegments(t, tt.pts, segs)
		})
	}
}

// checkSegments checks the invariants of Segments without simplification:
// segments follow the input in order, each line is its points' positions,
// times and lengths match.
func checkSegments(t *testing.T, pts []Point, segs []Segment) {
	t.Helper()
	i := 0
	for k, s := range segs {
		run := pts[i : i+s.Points]
		if !s.Start.Equal(run[0].Time) || !s.End.Equal(run[len(run)-1].Time) {
			t.Errorf("segment %d: Start, End = %v, %v, want %v, %v", k, s.Start, s.End, run[0].Time, run[len(run)-1].Time)
		}
		if s.Points == 1 {
			if s.Line != nil || s.LengthM != 0 {
				t.Errorf("segment %d of one point: Line = %v, LengthM = %v, want nil, 0", k, s.Line, s.LengthM)
			}
		} else {
			want := 0.0
			for j, p := range run {
				if s.Line[j] != p.Pos {
					t.Errorf("segment %d: Line[%d] = %v, want %v", k, j, s.Line[j], p.Pos)
				}
				if j > 0 {
					want += geo.DistanceMeters(run[j-1].Pos, p.Pos)
				}
			}
			if math.Abs(s.LengthM-want) > 1e-9 {
				t.Errorf("segment %d: LengthM = %v, want %v", k, s.LengthM, want)
			}
		}
		i += s.Points
	}
	if i != len(pts) {
		t.Errorf("segments hold %d points, want %d", i, len(pts))
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSegmentsSimplify checks that the tolerance is in metres whatever the
// direction: at 31.8° N a degree of longitude is 15 % shorter than one of
// latitude, so a tolerance taken in degrees would treat the two cases
// differently.
func TestSegmentsSimplify(t *testing.T) {
	// bump walks 11 points 50 m apart on bearing b, the middle one moved
	// offM metres to the right.
	bump := func(b, offM float64) []Point {
		var pts []Point
		for i := range 11 {
			p := at(10*i, b, 50*float64(i))
			if i == 5 {
				p.Pos = geo.Destination(p.Pos, b+90, offM)
			}
			pts = append(pts, p)
		}
		return pts
	}
	corner := []Point{at(0, 0, 0), at(10, 0, 50), at(20, 0, 100), at(30, 0, 100)}
	corner[3].Pos = geo.Destination(corner[2].Pos, 90, 50)
	tests := []struct {
		name string
		pts  []Point
		tolM float64
		want int // points in the simplified line
	}{
		{name: "north, offsets under the tolerance", pts: bump(0, 4.9), tolM: 5, want: 2},
		{name: "north, offsets over the tolerance", pts: bump(0, 5.1), tolM: 5, want: 3},
		{name: "east, offsets under the tolerance", pts: bump(90, 4.9), tolM: 5, want: 2},
		{name: "east, offsets over the tolerance", pts: bump(90, 5.1), tolM: 5, want: 3},
		{name: "corner kept", pts: corner, tolM: 5, want: 3},
		{name: "two points", pts: corner[:2], tolM: 5, want: 2},
		{name: "zero tolerance keeps all", pts: bump(0, 0.1), tolM: 0, want: 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs := Segments(tt.pts, SegmentOptions{SimplifyM: tt.tolM})
			if len(segs) != 1 {
				t.Fatalf("Segments() = %d segments, want 1", len(segs))
			}
			s := segs[0]
			if len(s.Line) != tt.want || s.Points != len(tt.pts) {
				t.Fatalf("Segments() line of %d points from %d, want %d from %d", len(s.Line), s.Points, tt.want, len(tt.pts))
			}
			if s.Line[0] != tt.pts[0].Pos || s.Line[len(s.Line)-1] != tt.pts[len(tt.pts)-1].Pos {
				t.Errorf("simplified line %v does not keep the end points", s.Line)
			}
			in := make(map[orb.Point]bool)
			for _, p := range tt.pts {
				in[p.Pos] = true
			}
			for _, p := range s.Line {
				if !in[p] {
					t.Errorf("simplified line has %v, not an input point", p)
				}
			}
			if want := lengthM(s.Line); s.LengthM != want {
				t.Errorf("LengthM = %v, want the simplified line's %v", s.LengthM, want)
			}
		})
	}
}

// TestSegmentsLinesIndependent checks that appending to one segment's line
// cannot overwrite the next one's points, which share a backing array.
func TestSegmentsLinesIndependent(t *testing.T) {
	pts := []Point{at(0, 0, 0), at(10, 0, 10), at(1000, 0, 20), at(1010, 0, 30)}
	segs := Segments(pts, SegmentOptions{})
	if len(segs) != 2 {
		t.Fatalf("Segments() = %d segments, want 2", len(segs))
	}
	_ = append(segs[0].Line, orb.Point{1, 1})
	if segs[1].Line[0] != pts[2].Pos {
		t.Fatalf("appending to the first line changed the second: %v", segs[1].Line)
	}
}

func TestSegmentsDay(t *testing.T) {
	pts := day(10000)
	segs := Segments(pts, SegmentOptions{})
	// The lunch silence is the only gap.
	if len(segs) != 2 {
		t.Fatalf("Segments(day) = %d segments, want 2", len(segs))
	}
	checkSegments(t, pts, segs)
	simple := Segments(pts, SegmentOptions{SimplifyM: 10})
	for k := range simple {
		if n := len(simple[k].Line); n >= segs[k].Points/4 {
			t.Errorf("segment %d simplified to %d of %d points, want far fewer", k, n, segs[k].Points)
		}
		// Jitter while standing adds length; simplification removes most.
		if simple[k].LengthM >= segs[k].LengthM {
			t.Errorf("segment %d: simplified length %.0f m, raw %.0f m: want shorter", k, simple[k].LengthM, segs[k].LengthM)
		}
	}
}
