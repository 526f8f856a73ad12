package democity

import (
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// The local plane in which the shapes are built: kilometres east (x) and north (y) of
// the city's centre, an equirectangular projection true to scale along the centre's
// parallel. Over the city's ±0.15° of latitude its areas are within 0.01 % of those on
// the sphere.
const (
	centreLon      = 120.28    // degrees east, WGS-84
	centreLat      = 31.84     // degrees north, WGS-84
	earthRadiusKm  = 6371.0088 // mean radius of the WGS-84 ellipsoid
	outlineAreaKm2 = 987.0     // the real city's area, km², measured in the local plane

	outlineVertices = 144  // vertices of the county outline, one every 2.5°
	seatJitterKm    = 1.0  // how far the seed may move a township's seat
	kernelMarginKm  = 0.25 // how far inside the outline's kernel every seat must lie
)

// vec is a point or vector of the local plane, in kilometres.
type vec struct{ x, y float64 }

func (a vec) sub(b vec) vec             { return vec{a.x - b.x, a.y - b.y} }
func (a vec) scale(k float64) vec       { return vec{a.x * k, a.y * k} }
func (a vec) dot(b vec) float64         { return a.x*b.x + a.y*b.y }
func (a vec) cross(b vec) float64       { return a.x*b.y - a.y*b.x }
func (a vec) lerp(b vec, t float64) vec { return vec{a.x + t*(b.x-a.x), a.y + t*(b.y-a.y)} }

// lonLat converts a point of the local plane to WGS-84 [lon, lat] degrees.
func (a vec) lonLat() orb.Point {
	const degPerKm = 180 / (math.Pi * earthRadiusKm)
	return orb.Point{
		centreLon + a.x*degPerKm/math.Cos(centreLat*math.Pi/180),
		centreLat + a.y*degPerKm,
	}
}

// seatLayout places each township's seat (镇政府/街道办 location) relative to the
// outline: u runs west (-1) to east (+1) over the outline's half-width, v south (-1) to
// north (+1) over its half-height. The layout follows the real city's geography only
// roughly: 澄江 on the river in the middle, the western sub-districts strung along the
// river, the big towns to the south and east.
func seatLayout() map[string]vec {
	return map[string]vec{
		"320281001": {-0.02, 0.55},  // 澄江: the central sub-district, on the river
		"320281004": {-0.03, 0.12},  // 南闸: south of 澄江
		"320281005": {0.20, 0.22},   // 云亭: east-south-east of 澄江
		"320281006": {0.22, 0.58},   // 城东: east of 澄江, on the river
		"320281008": {-0.24, 0.55},  // 夏港: along the river, west of 澄江
		"320281009": {-0.44, 0.52},  // 申港: further west along the river
		"320281010": {-0.63, 0.50},  // 利港: further west still
		"320281101": {-0.84, 0.22},  // 璜土: the far west
		"320281106": {-0.40, -0.08}, // 月城: south-west
		"320281107": {-0.18, -0.50}, // 青阳: south
		"320281108": {0.10, -0.28},  // 徐霞客: south, a little east
		"320281113": {0.58, 0.34},   // 华士: east
		"320281114": {0.40, 0.08},   // 周庄: east
		"320281115": {0.80, 0.24},   // 新桥: far east
		"320281116": {0.44, -0.36},  // 长泾: south-east
		"320281117": {0.84, -0.22},  // 顾山: far east, south of 新桥
		"320281119": {0.34, -0.72},  // 祝塘: south-east, on the southern border
	}
}

// Shapes returns the synthetic boundaries of the 17 townships for seed: a GeoJSON
// FeatureCollection of one Polygon feature per township, in the order of [Townships],
// with properties "code" and "name", in WGS-84 [lon, lat] degrees. The rings are closed,
// exteriors counter-clockwise (RFC 7946), and neighbours share their border vertices
// exactly. The same seed always gives the same shapes; see the package comment for how
// they are made.
func Shapes(seed int64) *geojson.FeatureCollection {
	towns := Townships()
	d := newDiagram(seed, towns)
	fc := geojson.NewFeatureCollection()
	for i, t := range towns {
		f := geojson.NewFeature(orb.Polygon{d.cell(i)})
		f.Properties["code"] = t.Code
		f.Properties["name"] = t.Name
		fc.Append(f)
	}
	return fc
}

// newDiagram draws the outline and the seats of towns for seed.
func newDiagram(seed int64, towns []Township) *diagram {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6a69616e6779696e)) // "jiangyin"
	out, halfW, halfH := newOutline(rng)
	layout := seatLayout()
	seats := make([]vec, len(towns))
	for i, t := range towns {
		uv := layout[t.Code]
		angle, r := 2*math.Pi*rng.Float64(), seatJitterKm*math.Sqrt(rng.Float64())
		s := vec{uv.x*halfW + r*math.Cos(angle), uv.y*halfH + r*math.Sin(angle)}
		seats[i] = intoKernel(out, s)
	}
	return &diagram{outline: out, seats: seats, nodes: map[nodeKey]node{}}
}

// newOutline draws the county outline: a super-ellipse about 45 km by 25 km made
// irregular by a few random low harmonics of its radius, with two random waves along its
// northern (river) side, scaled to outlineAreaKm2. Every vertex is placed on its own ray
// from the centre, at angles increasing counter-clockwise, so the outline is
// star-shaped about the centre and its ring runs counter-clockwise. It also returns the
// scaled half-width and half-height of the underlying super-ellipse.
func newOutline(rng *rand.Rand) (ring []vec, halfW, halfH float64) {
	const (
		a, b, p   = 22.5, 12.5, 2.6 // half-width, half-height (km) and exponent
		harmonics = 6               // radial harmonics 2..harmonics+1
	)
	var amp, phase [harmonics]float64
	for m := range harmonics {
		amp[m] = (0.02 + 0.04*rng.Float64()) / math.Sqrt(float64(m+1))
		phase[m] = 2 * math.Pi * rng.Float64()
	}
	// Wavelengths (km) and amplitudes (km) of the river bank's meanders.
	waves := [2]struct{ length, amp, phase float64 }{
		{17, 0.35 + 0.2*rng.Float64(), 2 * math.Pi * rng.Float64()},
		{7, 0.10 + 0.1*rng.Float64(), 2 * math.Pi * rng.Float64()},
	}
	ring = make([]vec, outlineVertices)
	for k := range ring {
		theta := 2 * math.Pi * float64(k) / outlineVertices
		c, s := math.Cos(theta), math.Sin(theta)
		r := math.Pow(math.Pow(math.Abs(c)/a, p)+math.Pow(math.Abs(s)/b, p), -1/p)
		f := 1.0
		for m := range harmonics {
			f += amp[m] * math.Sin(float64(m+2)*theta+phase[m])
		}
		r *= f
		if s > 0 {
			// The river bank: meanders fading out towards the east and west ends.
			x, w := r*c, 0.0
			for _, wv := range waves {
				w += wv.amp * math.Sin(2*math.Pi*x/wv.length+wv.phase)
			}
			r += s * s * s * w
		}
		ring[k] = vec{r * c, r * s}
	}
	k := math.Sqrt(outlineAreaKm2 / planarArea(ring))
	for i := range ring {
		ring[i] = ring[i].scale(k)
	}
	return ring, a * k, b * k
}

// planarArea returns the signed area of a ring of the local plane, positive when it
// runs counter-clockwise.
func planarArea(ring []vec) float64 {
	var sum float64
	for i, p := range ring {
		sum += p.cross(ring[(i+1)%len(ring)])
	}
	return sum / 2
}

// kernelSlack returns how far p lies inside the kernel of ring: the least distance from
// p to the lines of the ring's edges, negative when p sees some edge from behind.
func kernelSlack(ring []vec, p vec) float64 {
	slack := math.Inf(1)
	for i, a := range ring {
		e := ring[(i+1)%len(ring)].sub(a)
		slack = min(slack, e.cross(p.sub(a))/math.Hypot(e.x, e.y))
	}
	return slack
}

// intoKernel pulls p towards the centre until it lies kernelMarginKm inside the kernel
// of ring (the centre always does: the rings of newOutline are star-shaped about it,
// with room to spare). A seat inside the kernel sees the whole outline, which is what
// makes its clipped Voronoi region connected; see diagram.cell.
func intoKernel(ring []vec, p vec) vec {
	if kernelSlack(ring, p) >= kernelMarginKm {
		return p
	}
	// The kernel shrunk by the margin is convex and holds the centre: bisect on the
	// segment from the centre to p.
	lo, hi := 0.0, 1.0
	for range 50 {
		mid := (lo + hi) / 2
		if kernelSlack(ring, p.scale(mid)) >= kernelMarginKm {
			lo = mid
		} else {
			hi = mid
		}
	}
	return p.scale(lo)
}
