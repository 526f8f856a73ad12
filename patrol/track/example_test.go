package track_test

import (
	"fmt"
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/patrol/track"
	"github.com/paulmach/orb"
)

// walk returns n fixes 30 s apart from start, moving stepM metres north
// each time from pos.
func walk(pos orb.Point, start time.Time, n int, stepM float64) []track.Point {
	pts := make([]track.Point, n)
	for i := range pts {
		pts[i] = track.Point{Time: start.Add(time.Duration(i) * 30 * time.Second), Pos: pos}
		pos = geo.Destination(pos, 0, stepM)
	}
	return pts
}

// A morning walk, the phone off for 20 minutes, then a short walk: two
// segments.
func ExampleSegments() {
	start := time.Date(2024, 6, 17, 0, 0, 0, 0, time.UTC)
	pts := walk(orb.Point{120.28, 31.84}, start, 21, 40)
	more := walk(geo.Destination(pts[20].Pos, 0, 100), start.Add(30*time.Minute), 5, 40)
	for _, s := range track.Segments(append(pts, more...), track.SegmentOptions{SimplifyM: 5}) {
		fmt.Printf("%s–%s: %d fixes, %d in the line, %.0f m\n",
			s.Start.Format("15:04"), s.End.Format("15:04"), s.Points, len(s.Line), s.LengthM)
	}
	// Output:
	// 00:00–00:10: 21 fixes, 2 in the line, 800 m
	// 00:30–00:32: 5 fixes, 2 in the line, 160 m
}

// An officer walks 10 minutes, inspects a shop for 8 minutes and walks on.
func ExampleStops() {
	start := time.Date(2024, 6, 17, 0, 0, 0, 0, time.UTC)
	pts := walk(orb.Point{120.28, 31.84}, start, 20, 60)
	shop := walk(geo.Destination(pts[19].Pos, 0, 60), start.Add(10*time.Minute), 17, 0)
	after := walk(geo.Destination(shop[16].Pos, 0, 60), start.Add(18*time.Minute+30*time.Second), 10, 60)
	pts = append(append(pts, shop...), after...)
	for _, s := range track.Stops(pts, track.StopOptions{}) {
		fmt.Printf("%s–%s: %d fixes at %.5f, %.5f\n",
			s.Start.Format("15:04:05"), s.End.Format("15:04:05"), s.Points, s.Center[0], s.Center[1])
	}
	// Output:
	// 00:10:00–00:18:00: 17 fixes at 120.28000, 31.85079
}
