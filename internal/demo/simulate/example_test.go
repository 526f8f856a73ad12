package simulate_test

import (
	"fmt"
	"time"

	"github.com/gridwatch/gridwatch/internal/demo/simulate"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/gridwatch/gridwatch/patrol/track"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// One officer walks five hours in a grid area of 37 cells in central
// Jiangyin; ingest filters the fixes as the server would, and track finds
// the lunch break (the gap between two segments) and the stops.
func ExampleDay() {
	cst := time.FixedZone("CST", 8*3600) // China Standard Time, for printing
	base := orb.Point{120.28, 31.84}
	area := h3.GridDisk(h3.LatLngToCell(h3.LatLng{Lat: base[1], Lng: base[0]}, 9), 3)
	officers := []simulate.Officer{{ID: "jy-0412", DeviceID: "48241179", Area: area, Base: base, Mode: simulate.Walk}}
	shift := simulate.Shift{Start: time.Date(2024, 6, 17, 0, 30, 0, 0, time.UTC), Duration: 5 * time.Hour}
	fixes, err := simulate.Day(officers, shift, 1, simulate.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	items := make([]ingest.RawFix, len(fixes))
	for i, f := range fixes {
		items[i] = ingest.RawFix{Index: i, Fix: f}
	}
	accepted, rejected := ingest.Filter(items, nil, shift.Start.Add(shift.Duration), ingest.FilterConfig{})
	fmt.Printf("%d fixes: %d accepted, %d rejected\n", len(fixes), len(accepted), len(rejected))
	for _, r := range rejected {
		fmt.Println("rejected:", r.Code)
	}

	pts := make([]track.Point, len(accepted))
	for i, f := range accepted {
		pts[i] = track.Point{Time: f.Time, Pos: f.Point}
	}
	for _, s := range track.Segments(pts, track.SegmentOptions{}) {
		fmt.Printf("tracked %s–%s, %.1f km\n", s.Start.In(cst).Format("15:04"), s.End.In(cst).Format("15:04"), s.LengthM/1000)
	}
	for _, s := range track.Stops(pts, track.StopOptions{}) {
		fmt.Printf("stop %s–%s\n", s.Start.In(cst).Format("15:04"), s.End.In(cst).Format("15:04"))
	}
	// Output:
	// 1977 fixes: 1975 accepted, 2 rejected
	// rejected: implied_speed
	// rejected: zero_coordinates
	// tracked 08:30–10:10, 8.8 km
	// tracked 11:03–13:29, 10.8 km
	// stop 11:05–11:12
	// stop 11:28–11:38
	// stop 11:48–11:58
	// stop 12:24–12:33
}
