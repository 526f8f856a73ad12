package democity

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// borderTolDeg is how near (degrees) a point must be to a border to count as on it.
const borderTolDeg = 1e-9

// areaKm2 returns the area of a closed ring on the sphere of radius earthRadiusKm, edges
// straight in Lambert's cylindrical equal-area projection (as in orb's geo.Area),
// positive when the ring runs counter-clockwise.
func areaKm2(r orb.Ring) float64 {
	const rad = math.Pi / 180
	// Shoelace in (λ, sin φ), relative to the first vertex to keep the terms small.
	l0, m0 := r[0][0]*rad, math.Sin(r[0][1]*rad)
	var sum float64
	for i := 0; i+1 < len(r); i++ {
		l1, m1 := r[i][0]*rad-l0, math.Sin(r[i][1]*rad)-m0
		l2, m2 := r[i+1][0]*rad-l0, math.Sin(r[i+1][1]*rad)-m0
		sum += l1*m2 - l2*m1
	}
	return sum / 2 * earthRadiusKm * earthRadiusKm
}

// outlineRing returns the county outline of seed as a closed WGS-84 ring.
func outlineRing(seed int64) orb.Ring {
	d := newDiagram(seed, Townships())
	r := make(orb.Ring, 0, len(d.outline)+1)
	for _, p := range d.outline {
		r = append(r, p.lonLat())
	}
	return append(r, r[0])
}

// polygons returns the polygons of fc, failing unless each feature is a Polygon.
func polygons(t testing.TB, fc *geojson.FeatureCollection) []orb.Polygon {
	t.Helper()
	var out []orb.Polygon
	for i, f := range fc.Features {
		p, ok := f.Geometry.(orb.Polygon)
		if !ok {
			t.Fatalf("feature %d is a %T, want orb.Polygon", i, f.Geometry)
		}
		out = append(out, p)
	}
	return out
}

// orient returns the sign of the turn a→b→c: 1 left, -1 right, 0 straight.
func orient(a, b, c orb.Point) int {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// onSegment reports whether c, collinear with a and b, lies within their bounding box.
func onSegment(a, b, c orb.Point) bool {
	return min(a[0], b[0]) <= c[0] && c[0] <= max(a[0], b[0]) &&
		min(a[1], b[1]) <= c[1] && c[1] <= max(a[1], b[1])
}

// segmentsMeet reports whether the closed segments ab and cd share a point.
func segmentsMeet(a, b, c, d orb.Point) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if o1 != o2 && o3 != o4 && o1*o2 <= 0 && o3*o4 <= 0 && (o1 != 0 || o2 != 0) {
		return true
	}
	return o1 == 0 && onSegment(a, b, c) || o2 == 0 && onSegment(a, b, d) ||
		o3 == 0 && onSegment(c, d, a) || o4 == 0 && onSegment(c, d, b)
}

// checkRing returns why r is not a valid RFC 7946 exterior ring: closed, at least four
// positions, no repeated vertex, no self-intersection, counter-clockwise.
func checkRing(r orb.Ring) error {
	n := len(r) - 1 // edges
	switch {
	case len(r) < 4:
		return fmt.Errorf("%d positions, want at least 4", len(r))
	case r[0] != r[n]:
		return fmt.Errorf("not closed: %v != %v", r[0], r[n])
	case areaKm2(r) <= 0:
		return fmt.Errorf("clockwise (area %g km²)", areaKm2(r))
	}
	seen := map[orb.Point]int{}
	for i, p := range r[:n] {
		if j, ok := seen[p]; ok {
			return fmt.Errorf("vertex %v repeated at %d and %d", p, j, i)
		}
		seen[p] = i
	}
	for i := range n {
		a, b := r[i], r[i+1]
		// The next edge must not fold back onto this one.
		c := r[(i+2)%n]
		if orient(a, b, c) == 0 && (c[0]-b[0])*(b[0]-a[0])+(c[1]-b[1])*(b[1]-a[1]) < 0 {
			return fmt.Errorf("edges %d and %d fold back", i, i+1)
		}
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue // adjacent through the closing vertex
			}
			if segmentsMeet(a, b, r[j], r[j+1]) {
				return fmt.Errorf("edges %d and %d intersect", i, j)
			}
		}
	}
	return nil
}

// distToSegment returns the planar distance (degrees) from p to the segment ab.
func distToSegment(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = max(0, min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

// distToRing returns the planar distance (degrees) from p to the boundary r.
func distToRing(p orb.Point, r orb.Ring) float64 {
	d := math.Inf(1)
	for i := 0; i+1 < len(r); i++ {
		d = min(d, distToSegment(p, r[i], r[i+1]))
	}
	return d
}

func TestShapesFeatures(t *testing.T) {
	fc := Shapes(1)
	ts := Townships()
	if len(fc.Features) != len(ts) {
		t.Fatalf("Shapes(1) has %d features, want %d", len(fc.Features), len(ts))
	}
	for i, f := range fc.Features {
		if f.Properties["code"] != ts[i].Code || f.Properties["name"] != ts[i].Name {
			t.Errorf("feature %d: properties %v, want code %s, name %s", i, f.Properties, ts[i].Code, ts[i].Name)
		}
		p, ok := f.Geometry.(orb.Polygon)
		if !ok {
			t.Errorf("feature %d: %T, want orb.Polygon", i, f.Geometry)
			continue
		}
		if len(p) != 1 {
			// One ring, no hole: a single connected polygon.
			t.Errorf("%s: %d rings, want 1", ts[i].Name, len(p))
		}
		for _, pt := range p[0] {
			if pt[0] < 119.9 || pt[0] > 120.7 || pt[1] < 31.6 || pt[1] > 32.1 {
				t.Errorf("%s: vertex %v is not near Jiangyin [lon, lat]", ts[i].Name, pt)
				break
			}
		}
	}
}

func TestShapesValid(t *testing.T) {
	for seed := range int64(100) {
		fc := Shapes(seed)
		outline := areaKm2(outlineRing(seed))
		var sum float64
		for i, p := range polygons(t, fc) {
			if err := checkRing(p[0]); err != nil {
				t.Errorf("Shapes(%d): %s: %v", seed, fc.Features[i].Properties["name"], err)
			}
			sum += areaKm2(p[0])
		}
		if rel := math.Abs(sum-outline) / outline; rel > 1e-6 {
			t.Errorf("Shapes(%d): townships sum to %.9f km², outline %.9f km² (relative %g)", seed, sum, outline, rel)
		}
		if sum < 900 || sum > 1100 {
			t.Errorf("Shapes(%d): total area %.1f km², want 900 to 1,100", seed, sum)
		}
	}
}

func TestShapesCover(t *testing.T) {
	for _, seed := range []int64{1, 2, 42} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			polys := polygons(t, Shapes(seed))
			outline := outlineRing(seed)
			b := outline.Bound()
			rng := rand.New(rand.NewPCG(uint64(seed), 99))
			inside, skipped := 0, 0
			for range 5000 {
				p := orb.Point{
					b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]),
					b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1]),
				}
				var owners []int
				near := distToRing(p, outline) < borderTolDeg
				for i, poly := range polys {
					near = near || distToRing(p, poly[0]) < borderTolDeg
					if planar.PolygonContains(poly, p) {
						owners = append(owners, i)
					}
				}
				if near {
					skipped++
					continue
				}
				want := 0
				if planar.RingContains(outline, p) {
					want = 1
					inside++
				}
				if len(owners) != want {
					t.Errorf("point %v lies in townships %v, want %d of them", p, owners, want)
				}
			}
			if inside < 3000 {
				t.Errorf("only %d of 5000 sample points fell inside the outline", inside)
			}
			t.Logf("%d points inside the outline, %d on a border", inside, skipped)
		})
	}
}

func TestShapesSharedBorders(t *testing.T) {
	for _, seed := range []int64{0, 1, 2, 3, 42, -7} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			polys := polygons(t, Shapes(seed))
			type edge struct{ from, to orb.Point }
			owner := map[edge]int{}
			for i, p := range polys {
				for k := 0; k+1 < len(p[0]); k++ {
					e := edge{p[0][k], p[0][k+1]}
					if j, dup := owner[e]; dup {
						t.Fatalf("edge %v in townships %d and %d in the same direction", e, j, i)
					}
					owner[e] = i
				}
			}
			// An edge either has its exact reverse in a neighbour (a shared border) or
			// lies on the county outline. The latter must form the outline's one ring.
			next := map[orb.Point]orb.Point{}
			neighbours := map[[2]int]bool{}
			for i, p := range polys {
				for k := 0; k+1 < len(p[0]); k++ {
					e := edge{p[0][k], p[0][k+1]}
					if j, ok := owner[edge{e.to, e.from}]; ok {
						neighbours[[2]int{min(i, j), max(i, j)}] = true
						continue
					}
					if _, dup := next[e.from]; dup {
						t.Fatalf("two outer edges leave %v", e.from)
					}
					next[e.from] = e.to
				}
			}
			outline := outlineRing(seed)
			var start orb.Point
			for p := range next {
				start = p
				break
			}
			ring := orb.Ring{start}
			for p := next[start]; p != start; p = next[p] {
				if len(ring) > len(next) {
					t.Fatalf("outer edges do not close")
				}
				ring = append(ring, p)
			}
			ring = append(ring, start)
			if len(ring)-1 != len(next) {
				t.Errorf("outer edges form several rings: one of %d edges, %d in all", len(ring)-1, len(next))
			}
			// Planar areas in degrees: inserting a vertex on an edge leaves them
			// unchanged (Lambert-edge areas on the sphere change by parts in 10⁹).
			if got, want := planar.Area(ring), planar.Area(outline); math.Abs(got-want) > 1e-12*want {
				t.Errorf("outer ring encloses %.17g square degrees, outline %.17g", got, want)
			}
			for _, p := range ring {
				if d := distToRing(p, outline); d > borderTolDeg {
					t.Errorf("outer vertex %v is %g° off the outline", p, d)
				}
			}
			// No vertex of one township lies on another's border without being one of its
			// vertices, float64 for float64.
			for i, p := range polys {
				for _, v := range p[0] {
					for j, q := range polys {
						if i == j || distToRing(v, q[0]) > borderTolDeg {
							continue
						}
						found := false
						for _, w := range q[0] {
							found = found || w == v
						}
						if !found {
							t.Errorf("vertex %v of township %d touches township %d, which lacks it", v, i, j)
						}
					}
				}
			}
			if len(neighbours) < 30 {
				t.Errorf("%d pairs of neighbours share borders, want at least 30", len(neighbours))
			}
			t.Logf("%d pairs of neighbours, %d outer edges", len(neighbours), len(next))
		})
	}
}

func TestShapesGeography(t *testing.T) {
	centre := map[string]orb.Point{}
	fc := Shapes(1)
	for i, p := range polygons(t, fc) {
		c, _ := planar.CentroidArea(p)
		centre[fc.Features[i].Properties.MustString("name")] = c
	}
	tests := []struct {
		name string
		ok   func() bool
	}{
		{"澄江 near 31.91 N 120.27 E", func() bool {
			return math.Abs(centre["澄江"][1]-31.91) < 0.04 && math.Abs(centre["澄江"][0]-120.27) < 0.04
		}},
		{"璜土 is the westernmost", func() bool {
			for name, c := range centre {
				if name != "璜土" && c[0] < centre["璜土"][0] {
					return false
				}
			}
			return true
		}},
		{"利港, 申港, 夏港, 澄江 west to east", func() bool {
			return centre["利港"][0] < centre["申港"][0] && centre["申港"][0] < centre["夏港"][0] &&
				centre["夏港"][0] < centre["澄江"][0]
		}},
		{"river sub-districts north of the centre", func() bool {
			for _, n := range []string{"澄江", "城东", "夏港", "申港", "利港"} {
				if centre[n][1] < centreLat {
					return false
				}
			}
			return true
		}},
		{"城东 and 云亭 east of 澄江, 南闸 south", func() bool {
			return centre["城东"][0] > centre["澄江"][0] && centre["云亭"][0] > centre["澄江"][0] &&
				centre["南闸"][1] < centre["澄江"][1]
		}},
		{"月城, 青阳, 徐霞客 south of 澄江", func() bool {
			for _, n := range []string{"月城", "青阳", "徐霞客"} {
				if centre[n][1] > centre["南闸"][1]+0.02 {
					return false
				}
			}
			return true
		}},
		{"the eastern towns east of 澄江", func() bool {
			for _, n := range []string{"华士", "周庄", "新桥", "长泾", "顾山", "祝塘"} {
				if centre[n][0] < centre["澄江"][0]+0.05 {
					return false
				}
			}
			return true
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok() {
				t.Errorf("centres %v", centre)
			}
		})
	}
}

func TestShapesDeterministic(t *testing.T) {
	marshal := func(seed int64) string {
		b, err := json.Marshal(Shapes(seed))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if a, b := marshal(7), marshal(7); a != b {
		t.Errorf("Shapes(7) differs between calls")
	}
	seen := map[string]int64{}
	for _, seed := range []int64{0, 1, 2, 3, -1, math.MaxInt64} {
		s := marshal(seed)
		if other, dup := seen[s]; dup {
			t.Errorf("Shapes(%d) = Shapes(%d)", seed, other)
		}
		seen[s] = seed
	}
}

// The Sutherland–Hodgman clipping of diagram.cell is exact only for seats inside the
// kernel of the outline.
func TestSeatsInKernel(t *testing.T) {
	towns := Townships()
	for seed := range int64(300) {
		d := newDiagram(seed, towns)
		if s := kernelSlack(d.outline, vec{}); s < 2*kernelMarginKm {
			t.Errorf("seed %d: centre only %.3f km inside the kernel", seed, s)
		}
		if a := planarArea(d.outline); math.Abs(a-outlineAreaKm2) > 1e-9 {
			t.Errorf("seed %d: outline area %.6f km² in the plane, want %v", seed, a, outlineAreaKm2)
		}
		for i, s := range d.seats {
			if slack := kernelSlack(d.outline, s); slack < kernelMarginKm-1e-9 {
				t.Errorf("seed %d: seat of %s only %.3f km inside the kernel", seed, towns[i].Name, slack)
			}
		}
	}
}

func TestShapesAreas(t *testing.T) {
	fc := Shapes(1)
	var total float64
	for i, p := range polygons(t, fc) {
		a := areaKm2(p[0])
		total += a
		if a < 15 || a > 150 {
			t.Errorf("%s: %.1f km², want 15 to 150", fc.Features[i].Properties["name"], a)
		}
		t.Logf("%s %s %.1f km²", fc.Features[i].Properties["code"], fc.Features[i].Properties["name"], a)
	}
	t.Logf("total %.3f km²", total)
}
