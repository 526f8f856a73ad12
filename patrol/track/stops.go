package track

import (
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
)

// The defaults of [StopOptions] besides [DefaultMaxGap].
const (
	// DefaultStopRadiusM is how far, 50 m, a fix may be from the first fix
	// of a stop: a building and its forecourt, more than GPS jitter.
	DefaultStopRadiusM = 50.0
	// DefaultMinStopDuration is the shortest stop, 5 minutes: longer than
	// waiting at a crossing, as long as a short inspection.
	DefaultMinStopDuration = 5 * time.Minute
)

// StopOptions tunes [Stops]. The zero value asks for the defaults; a zero
// or negative field means its default.
type StopOptions struct {
	// RadiusM is the largest great-circle distance, in metres, from the
	// first fix of a stop to any other of its fixes. Default
	// [DefaultStopRadiusM].
	RadiusM float64
	// MinDuration is the shortest time from the first to the last fix of a
	// stop. Default [DefaultMinStopDuration].
	MinDuration time.Duration
	// MaxGap is the longest time between consecutive fixes of a stop.
	// Default [DefaultMaxGap].
	MaxGap time.Duration
}

// withDefaults returns o with every zero or negative field set to its
// default.
func (o StopOptions) withDefaults() StopOptions {
	if !(o.RadiusM > 0) {
		o.RadiusM = DefaultStopRadiusM
	}
	if o.MinDuration <= 0 {
		o.MinDuration = DefaultMinStopDuration
	}
	if o.MaxGap <= 0 {
		o.MaxGap = DefaultMaxGap
	}
	return o
}

// Stop is a place where an officer stayed.
type Stop struct {
	Start time.Time // time of the stop's first fix
	End   time.Time // time of its last fix
	// Center is the arithmetic mean of the longitudes and of the latitudes
	// of the stop's fixes, WGS-84 [lon, lat]; over a radius of metres this
	// is the centroid to well under a millimetre.
	Center orb.Point
	Points int // the number of fixes in the stop
	// H3 is the cell holding the most of the stop's fixes, ties going to
	// the cell seen first; points with H3 0 are not counted, and H3 is 0
	// when none of the stop's fixes has a cell.
	H3 int64
}

// Stops finds the stops in pts, one officer's points sorted by time.
//
// The rule: starting with i at the first point, let the run of i be pts[i]
// and the points after it, up to but not including the first point j that
// is more than opt.RadiusM from pts[i] (by [geo.DistanceMeters]), that
// comes more than opt.MaxGap after the point before it, or that is earlier
// than the point before it; a run may also end with the input. If the last
// point of the run is at least opt.MinDuration after pts[i], the run is a
// stop and the search goes on from j; otherwise it goes on from i+1. So a
// distance of exactly RadiusM, a duration of exactly MinDuration and a gap
// of exactly MaxGap all keep a stop.
//
// Compared with Li et al. (2008), the duration is measured to the last fix
// inside the radius rather than to the first one outside it, so a stop never
// takes in the time spent walking away or a silence; and a run cut by a gap
// or by the end of the input is a stop when it lasts long enough, whereas
// the paper's loop drops it.
//
// Because the first fix anchors the run, a stop can be anchored on a fix
// of the approach, up to RadiusM out; jitter that later takes a fix beyond
// RadiusM from that anchor then ends the stop early, and the rest of the
// stay is a stop of its own only if it lasts MinDuration.
//
// The cost is one distance per point of each run tried: about n times the
// number of fixes in MinDuration in the worst case, linear on a moving
// track. Stops are returned in time order; nil when there are none.
func Stops(pts []Point, opt StopOptions) []Stop {
	opt = opt.withDefaults()
	var (
		stops []Stop
		cells []cellCount // reused by every stop
	)
	for i := 0; i < len(pts); {
		j := i + 1
		for j < len(pts) && inRun(pts[i], pts[j-1], pts[j], opt) {
			j++
		}
		if pts[j-1].Time.Sub(pts[i].Time) < opt.MinDuration {
			i++
			continue
		}
		var s Stop
		s, cells = makeStop(pts[i:j], cells)
		stops = append(stops, s)
		i = j
	}
	return stops
}

// inRun reports whether p, which follows prev, continues the run that
// starts at first.
func inRun(first, prev, p Point, opt StopOptions) bool {
	dt := p.Time.Sub(prev.Time)
	return dt >= 0 && dt <= opt.MaxGap && geo.DistanceMeters(first.Pos, p.Pos) <= opt.RadiusM
}

// cellCount is how many points of a run lie in one cell.
type cellCount struct {
	cell int64
	n    int
}

// makeStop summarises run; cells is scratch space, returned for reuse.
func makeStop(run []Point, cells []cellCount) (Stop, []cellCount) {
	s := Stop{Start: run[0].Time, End: run[len(run)-1].Time, Points: len(run)}
	var lon, lat float64
	cells = cells[:0]
	for _, p := range run {
		lon += p.Pos[0]
		lat += p.Pos[1]
		if p.H3 != 0 {
			cells = count(cells, p.H3)
		}
	}
	n := float64(len(run))
	s.Center = orb.Point{lon / n, lat / n}
	best := 0
	for _, c := range cells {
		// Strictly greater, so that the first cell seen wins a tie.
		if c.n > best {
			s.H3, best = c.cell, c.n
		}
	}
	return s, cells
}

// count adds one point in cell to cells. A stop spans a handful of cells,
// so a linear search beats a map; consecutive fixes usually share a cell,
// so the last entry is tried first.
func count(cells []cellCount, cell int64) []cellCount {
	if k := len(cells) - 1; k >= 0 && cells[k].cell == cell {
		cells[k].n++
		return cells
	}
	for k := range cells {
		if cells[k].cell == cell {
			cells[k].n++
			return cells
		}
	}
	return append(cells, cellCount{cell: cell, n: 1})
}
