package live

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/uber/h3-go/v4"
)

// Role is what a phone does besides patrolling.
type Role int

// The roles of [Plan]: most phones patrol; one of each incident role per simulation.
const (
	Patrol   Role = iota // walks in its grid area for the whole run
	SOS                  // patrols, and presses the SOS button once (OsmAnd alarm=sos)
	Wanderer             // patrols, then walks straight out of its grid area and stays out
	Silent               // patrols, then stops sending (a phone gone flat)
)

// String names the role for logs.
func (r Role) String() string {
	return [...]string{"patrol", "sos", "wanderer", "silent"}[r]
}

// Phone is one officer's phone of the simulation.
type Phone struct {
	Officer  string    // officer ID
	DeviceID string    // the device identifier the OsmAnd protocol sends
	Token    string    // the officer's device token
	Cells    []h3.Cell // the cells of the grid area the officer patrols; at least one
	OsmAnd   bool      // sends through /osmand/{key} instead of POST /api/v1/positions
	Role     Role
}

// WalkSpeedMS is the walking speed of the simulated officers, metres per second.
const WalkSpeedMS = 1.3

// A wanderer leaves on an e-bike, at LeaveSpeedMS, and stops LeaveM metres from where it
// left: far enough to be out of its squadron's other grid areas in most of the demo city,
// near enough to stay in the city.
const (
	LeaveSpeedMS = 4.0
	LeaveM       = 3000.0
)

// Walker moves one officer over the cells of their grid area: from cell centre to the
// centre of a neighbouring cell of the area, so every point lies in one of the two cells.
// A wanderer, once told to, leaves along a straight line away from the area's centre.
type Walker struct {
	cells   []h3.Cell
	in      map[h3.Cell]bool
	rng     *rand.Rand
	at      orb.Point // current position
	to      h3.Cell   // the cell being walked to
	from    h3.Cell   // the cell last reached
	leaving bool
	leftM   float64 // metres ridden since leaving
	bearing float64 // degrees clockwise from north, for leaving
}

// NewWalker starts a walker in a cell of cells drawn from seed; cells must not be empty.
func NewWalker(cells []h3.Cell, seed uint64) (*Walker, error) {
	if len(cells) == 0 {
		return nil, fmt.Errorf("live: a walker needs at least one cell")
	}
	w := &Walker{cells: cells, in: make(map[h3.Cell]bool, len(cells)), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for _, c := range cells {
		w.in[c] = true
	}
	w.from = cells[w.rng.IntN(len(cells))]
	w.to = w.from
	w.at = center(w.from)
	return w, nil
}

// center returns a cell's centre as [lon, lat].
func center(c h3.Cell) orb.Point {
	ll := c.LatLng()
	return orb.Point{ll.Lng, ll.Lat}
}

// At returns the walker's position.
func (w *Walker) At() orb.Point { return w.at }

// Leave makes the walker walk straight away from its area's centre from now on.
func (w *Walker) Leave() {
	if w.leaving {
		return
	}
	var c orb.Point
	for _, cell := range w.cells {
		p := center(cell)
		c[0] += p[0] / float64(len(w.cells))
		c[1] += p[1] / float64(len(w.cells))
	}
	dx, dy := w.at[0]-c[0], w.at[1]-c[1]
	if math.Hypot(dx, dy) < 1e-9 {
		dx, dy = 1, 0
	}
	w.bearing = math.Atan2(dx*math.Cos(c[1]*math.Pi/180), dy) * 180 / math.Pi
	w.leaving = true
}

// Step advances the walker by dt at walking speed and returns its new position.
func (w *Walker) Step(dt time.Duration) orb.Point {
	if w.leaving {
		d := min(LeaveSpeedMS*dt.Seconds(), LeaveM-w.leftM)
		if d > 0 {
			w.at = orbgeo.PointAtBearingAndDistance(w.at, w.bearing, d)
			w.leftM += d
		}
		return w.at
	}
	left := WalkSpeedMS * dt.Seconds()
	for left > 0 {
		if w.to == w.from {
			w.to = w.next()
			if w.to == w.from {
				return w.at // a single-cell area: stay at its centre
			}
		}
		target := center(w.to)
		d := orbgeo.Distance(w.at, target)
		if d <= left {
			w.at, w.from = target, w.to
			left -= d
			continue
		}
		f := left / d
		w.at = orb.Point{w.at[0] + (target[0]-w.at[0])*f, w.at[1] + (target[1]-w.at[1])*f}
		left = 0
	}
	return w.at
}

// next draws a neighbouring cell of the area to walk to, or the current cell when it has
// none.
func (w *Walker) next() h3.Cell {
	ring := w.from.GridDisk(1)
	var options []h3.Cell
	for _, c := range ring {
		if c != w.from && w.in[c] {
			options = append(options, c)
		}
	}
	if len(options) == 0 {
		return w.from
	}
	slices.Sort(options)
	return options[w.rng.IntN(len(options))]
}
