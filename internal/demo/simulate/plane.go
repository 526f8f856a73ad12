package simulate

import (
	"math"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// vec is a position or direction in a local plane, metres east and north.
type vec struct{ x, y float64 }

func (a vec) add(b vec) vec       { return vec{a.x + b.x, a.y + b.y} }
func (a vec) sub(b vec) vec       { return vec{a.x - b.x, a.y - b.y} }
func (a vec) scale(k float64) vec { return vec{a.x * k, a.y * k} }
func (a vec) dot(b vec) float64   { return a.x*b.x + a.y*b.y }
func (a vec) len() float64        { return math.Hypot(a.x, a.y) }
func (a vec) dist2(b vec) float64 { d := a.sub(b); return d.dot(d) }

// polar returns the vector of length r at angle theta, radians
// anticlockwise from east.
func polar(r, theta float64) vec { return vec{r * math.Cos(theta), r * math.Sin(theta)} }

// bearingDeg returns the direction of d in degrees clockwise from north, in
// [0, 360).
func bearingDeg(d vec) float64 { return math.Mod(math.Atan2(d.x, d.y)*180/math.Pi+360, 360) }

// segDist2 returns the squared distance from f to segment pq.
func segDist2(p, q, f vec) float64 { return f.dist2(closest(p, q, f)) }

// closest returns the point of segment pq nearest to f.
func closest(p, q, f vec) vec {
	d := q.sub(p)
	l2 := d.dot(d)
	if l2 == 0 {
		return p
	}
	return p.add(d.scale(min(1, max(0, f.sub(p).dot(d)/l2))))
}

// plane is an equirectangular projection to metres east and north of an
// origin, on the sphere of geo.EarthRadiusMeters. Over a grid area (a few
// kilometres) its scale error is a few parts in ten thousand.
type plane struct {
	lon0, lat0 float64
	kx, ky     float64 // metres per degree of longitude and latitude
}

// newPlane returns the projection with origin at origin, WGS-84.
func newPlane(origin orb.Point) plane {
	ky := geo.EarthRadiusMeters * math.Pi / 180
	return plane{lon0: origin[0], lat0: origin[1], kx: ky * math.Cos(origin[1]*math.Pi/180), ky: ky}
}

// project returns the position of p, WGS-84, in the plane.
func (pl plane) project(p orb.Point) vec {
	return vec{(p[0] - pl.lon0) * pl.kx, (p[1] - pl.lat0) * pl.ky}
}

// unproject returns the WGS-84 position of v.
func (pl plane) unproject(v vec) orb.Point {
	return orb.Point{pl.lon0 + v.x/pl.kx, pl.lat0 + v.y/pl.ky}
}

// cellVec returns the centre of cell c in the plane.
func cellVec(pl plane, c h3.Cell) vec { return pl.project(latLng(h3.CellToLatLng(c))) }

// latLng turns an H3 position into a WGS-84 [lon, lat] point.
func latLng(ll h3.LatLng) orb.Point { return orb.Point{ll.Lng, ll.Lat} }
