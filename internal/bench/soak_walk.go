package bench

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"
)

// A walking officer, as the soak's devices report it: mostly straight along a street
// with small wobbles, now and then a turn at a corner, now and then a stop (a talk, a
// check, a case), turning back at the edge of the area it patrols.
const (
	walkMinSpeedMS = 0.9 // slowest pace of a walker, m/s
	walkMaxSpeedMS = 1.6 // fastest pace
	walkTurnEvery  = 2 * time.Minute
	walkStopEvery  = 10 * time.Minute
	walkStopMin    = 30 * time.Second
	walkStopMax    = 5 * time.Minute
	walkWobbleRad  = 0.12 // standard deviation of the heading's drift per step
)

// walker generates one officer's walk inside an area. It is not safe for concurrent use.
type walker struct {
	pos      orb.Point // WGS-84 [lon, lat]
	heading  float64   // radians, counter-clockwise from east
	speedMS  float64
	stopLeft time.Duration
	inside   func(orb.Point) bool
	rng      *rand.Rand
}

// newWalker starts a walker at start, which must be inside, at a pace of its own.
func newWalker(start orb.Point, inside func(orb.Point) bool, rng *rand.Rand) *walker {
	return &walker{
		pos:     start,
		heading: rng.Float64() * 2 * math.Pi,
		speedMS: walkMinSpeedMS + rng.Float64()*(walkMaxSpeedMS-walkMinSpeedMS),
		inside:  inside,
		rng:     rng,
	}
}

// chance returns the probability that an event happening on average once every mean
// happens within dt.
func chance(dt, mean time.Duration) float64 {
	return 1 - math.Exp(-dt.Seconds()/mean.Seconds())
}

// step moves the walker on by dt and returns its position and speed (m/s). It never
// leaves the area: a step that would is tried again in other directions, and a walker
// boxed in everywhere stays where it is.
func (w *walker) step(dt time.Duration) (orb.Point, float64) {
	if w.stopLeft > 0 {
		w.stopLeft -= dt
		return w.pos, 0
	}
	if w.rng.Float64() < chance(dt, walkStopEvery) {
		w.stopLeft = walkStopMin + time.Duration(w.rng.Int64N(int64(walkStopMax-walkStopMin)))
		return w.pos, 0
	}
	if w.rng.Float64() < chance(dt, walkTurnEvery) {
		if w.rng.IntN(2) == 0 {
			w.heading += math.Pi / 2
		} else {
			w.heading -= math.Pi / 2
		}
	} else {
		w.heading += w.rng.NormFloat64() * walkWobbleRad
	}
	d := w.speedMS * dt.Seconds()
	for range 8 {
		next := offsetMeters(w.pos, d*math.Cos(w.heading), d*math.Sin(w.heading))
		if w.inside(next) {
			w.pos = next
			return next, w.speedMS
		}
		// At the edge: turn back, somewhere within a half-turn of the way we came.
		w.heading += math.Pi/2 + w.rng.Float64()*math.Pi
	}
	return w.pos, 0
}
