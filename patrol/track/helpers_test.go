package track

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
)

// t0 is the start of every synthetic track: 08:00 China Standard Time.
var t0 = time.Date(2024, 6, 17, 0, 0, 0, 0, time.UTC)

// cityCentre is central Jiangyin, WGS-84.
func cityCentre() orb.Point { return orb.Point{120.28, 31.84} }

// leg describes one piece of a synthetic track: n fixes every step, either
// walking at speedMS on bearingDeg or, with speedMS 0, standing still.
// gapBefore is a silence before its first fix, on top of step.
type leg struct {
	n          int
	step       time.Duration
	speedMS    float64
	bearingDeg float64
	gapBefore  time.Duration
}

// build turns legs into points starting at cityCentre and t0. Each point
// gets noise: a Gaussian offset of noiseM metres per axis, clamped at
// 3 noiseM, drawn from seed. H3 is a fake cell id: the 0.002° square holding
// the true position.
func build(legs []leg, noiseM float64, seed uint64) []Point {
	rng := rand.New(rand.NewPCG(seed, 7))
	pos, t := cityCentre(), t0
	var pts []Point
	for li, l := range legs {
		t = t.Add(l.gapBefore)
		for i := range l.n {
			if li > 0 || i > 0 {
				t = t.Add(l.step)
				pos = geo.Destination(pos, l.bearingDeg, l.speedMS*l.step.Seconds())
			}
			p := pos
			if noiseM > 0 {
				dx, dy := rng.NormFloat64()*noiseM, rng.NormFloat64()*noiseM
				if r := math.Hypot(dx, dy); r > 3*noiseM {
					dx, dy = dx*3*noiseM/r, dy*3*noiseM/r
				}
				p = geo.Destination(geo.Destination(p, 90, dx), 0, dy)
			}
			pts = append(pts, Point{Time: t, Pos: p, H3: fakeCell(pos)})
		}
	}
	return pts
}

// fakeCell numbers the 0.002° square that holds p.
func fakeCell(p orb.Point) int64 {
	return int64(math.Floor(p[0]/0.002))*1_000_000 + int64(math.Floor(p[1]/0.002))
}

// day returns about n points of a patrol day: walking at 1.3 m/s with a
// fix every 5 s and a turn every 200 fixes, a 10-minute stop every 1,000
// fixes, and a 40-minute lunch silence in the middle; 4 m of noise.
func day(n int) []Point {
	var legs []leg
	for k := 0; k*1000 < n; k++ {
		gap := time.Duration(0)
		if k == n/2000 {
			gap = 40 * time.Minute
		}
		for w := range 4 {
			legs = append(legs, leg{n: 200, step: 5 * time.Second, speedMS: 1.3,
				bearingDeg: float64((k*4 + w) * 97 % 360), gapBefore: gap})
			gap = 0
		}
		legs = append(legs, leg{n: 120, step: 5 * time.Second})
	}
	pts := build(legs, 4, 1)
	return pts[:min(n, len(pts))]
}
