package planning_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/patrol/planning"
	"github.com/gridwatch/gridwatch/patrol/roads"
)

// lattice is a full street lattice over township A: every street runs the whole width
// or height and meets every crossing street at a shared position.
type lattice struct {
	lon0, lat0, step float64
	nx, ny           int
}

var streetsOfA = lattice{lon0: 120.20, lat0: 31.80, step: 0.003, nx: 14, ny: 11}

func (l lattice) at(i, j int) orb.Point {
	return orb.Point{l.lon0 + float64(i)*l.step, l.lat0 + float64(j)*l.step}
}

func (l lattice) geojson() []byte {
	fc := geojson.NewFeatureCollection()
	for i := range l.nx {
		var ls orb.LineString
		for j := range l.ny {
			ls = append(ls, l.at(i, j))
		}
		fc.Append(geojson.NewFeature(ls))
	}
	for j := range l.ny {
		var ls orb.LineString
		for i := range l.nx {
			ls = append(ls, l.at(i, j))
		}
		fc.Append(geojson.NewFeature(ls))
	}
	b, _ := fc.MarshalJSON()
	return b
}

// nearest returns the lattice junction nearest to p.
func (l lattice) nearest(p orb.Point) (int, int) {
	bi, bj, best := 0, 0, math.Inf(1)
	for i := range l.nx {
		for j := range l.ny {
			if d := geo.DistanceMeters(p, l.at(i, j)); d < best {
				bi, bj, best = i, j, d
			}
		}
	}
	return bi, bj
}

// metres is the walk from a to b as the lattice allows it: straight (times the detour)
// to and from the nearest junctions, and between them north-south along any street and
// east-west along the northernmost row on the way, where degrees of longitude are shortest.
func (l lattice) metres(a, b orb.Point, detour float64) float64 {
	i1, j1 := l.nearest(a)
	i2, j2 := l.nearest(b)
	if i1 == i2 && j1 == j2 {
		return geo.DistanceMeters(a, b) * detour
	}
	ends := (geo.DistanceMeters(a, l.at(i1, j1)) + geo.DistanceMeters(b, l.at(i2, j2))) * detour
	north := max(j1, j2)
	ew := float64(abs(i1-i2)) * geo.DistanceMeters(l.at(0, north), l.at(1, north))
	ns := float64(abs(j1-j2)) * geo.DistanceMeters(l.at(0, 0), l.at(0, 1))
	return ends + ew + ns
}

func abs(x int) int { return max(x, -x) }

func (l lattice) onStreet(p orb.Point) bool {
	near := func(x, x0 float64) bool {
		k := math.Round((x - x0) / l.step)
		return math.Abs(x-(x0+k*l.step)) < 1e-9
	}
	return near(p[0], l.lon0) || near(p[1], l.lat0)
}

// TestPlansFollowRoads loads a street lattice, plans, and checks that travel times are
// those of walking the streets, that route lines run along them, and that the GPX has
// the street track.
func TestPlansFollowRoads(t *testing.T) {
	e := newEnv(t)
	net, err := roads.Parse(streetsOfA.geojson(), geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := roads.NewStore(e.srv.DB).Import(context.Background(), net)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Routing {
		if os.Getenv("CI") != "" {
			t.Fatal("pgRouting is missing under CI: scripts/devdb installs postgresql-15-pgrouting")
		}
		t.Skip("pgRouting is not installed")
	}
	p := e.plan(request(120, "a1", "a2"))
	if p.Travel != planning.TravelRoads {
		t.Fatalf("plan travel %q, want roads", p.Travel)
	}
	const speed = 5 / 3.6
	for _, r := range p.Routes {
		prev, want := orb.Point(r.Start), 0.0
		stops := map[orb.Point]bool{prev: true}
		for _, w := range r.Waypoints {
			at := orb.Point{w.Lon, w.Lat}
			want += streetsOfA.metres(prev, at, 1.3) / speed
			prev = at
			stops[at] = true
		}
		if math.Abs(r.TravelS-want) > want*0.005+1 {
			t.Errorf("route %s travels %.0f s, want %.0f s walking the streets", r.Officer, r.TravelS, want)
		}
		line, _ := r.Line.Geometry().(orb.LineString)
		off := 0
		for _, pt := range line {
			if !stops[pt] && !streetsOfA.onStreet(pt) {
				off++
			}
		}
		if len(line) <= len(r.Waypoints)+1 || off > 0 {
			t.Errorf("route %s: line of %d points for %d waypoints, %d off the streets", r.Officer, len(line), len(r.Waypoints), off)
		}
		if last := r.Waypoints[len(r.Waypoints)-1]; last.Leave.After(p.End) {
			t.Errorf("route %s ends %v, after the shift", r.Officer, last.Leave)
		}
	}

	_, raw := e.do("GET", fmt.Sprintf("/api/v1/plans/%d.gpx", p.ID), "supA", nil)
	var doc struct {
		Tracks []struct {
			Points []struct{} `xml:"trkseg>trkpt"`
		} `xml:"trk"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil || len(doc.Tracks) != 2 {
		t.Fatalf("GPX tracks: %v, %d tracks: %.300s", err, len(doc.Tracks), raw)
	}
	if line, _ := p.Routes[0].Line.Geometry().(orb.LineString); len(doc.Tracks[0].Points) != len(line) {
		t.Errorf("GPX track has %d points, the route line %d", len(doc.Tracks[0].Points), len(line))
	}
}
