package roads_test

import (
	"context"
	"errors"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/pgtest"
	"github.com/gridwatch/gridwatch/patrol/roads"
)

// uShape is a road from A up, across and down to B, and a one-way shortcut from B to A.
const uShape = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"环路"},
  "geometry":{"type":"LineString","coordinates":[[120.00,31.00],[120.00,31.01],[120.01,31.01],[120.01,31.00]]}},
 {"type":"Feature","properties":{"oneway":"yes"},
  "geometry":{"type":"LineString","coordinates":[[120.01,31.00],[120.00,31.00]]}}]}`

var (
	pointA = orb.Point{120.0001, 31.0}
	pointB = orb.Point{120.0099, 31.0}
	corner = orb.Point{120.00, 31.01}
	far    = orb.Point{121.0, 32.0}
)

// importUShape loads the U-shaped network into a fresh database and checks that
// pgRouting is there to use it; the project's test command installs it.
func importUShape(t *testing.T) *roads.Store {
	t.Helper()
	net, err := roads.Parse([]byte(uShape), geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	store := roads.NewStore(pgtest.NewPool(t))
	sum, err := store.Import(context.Background(), net)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Edges != 2 || sum.Vertices != 2 {
		t.Fatalf("summary %+v, want 2 edges between 2 vertices", sum)
	}
	if !sum.Routing {
		if os.Getenv("CI") != "" {
			t.Fatal("pgRouting is missing under CI: scripts/devdb installs postgresql-15-pgrouting")
		}
		t.Skip("pgRouting is not installed (apt-get install postgresql-15-pgrouting)")
	}
	return store
}

func TestTravelFollowsRoadsAndOneways(t *testing.T) {
	store := importUShape(t)
	ctx := context.Background()
	tr, err := store.NewTravel(ctx, []orb.Point{pointA, pointB, far}, 1, 1.3)
	if err != nil {
		t.Fatal(err)
	}
	snapA := geo.DistanceMeters(pointA, orb.Point{120, 31})
	snapB := geo.DistanceMeters(pointB, orb.Point{120.01, 31})
	loop := geo.DistanceMeters(orb.Point{120, 31}, corner) + geo.DistanceMeters(corner, orb.Point{120.01, 31.01}) +
		geo.DistanceMeters(orb.Point{120.01, 31.01}, orb.Point{120.01, 31})
	shortcut := geo.DistanceMeters(orb.Point{120.01, 31}, orb.Point{120, 31})
	ends := (snapA + snapB) * 1.3
	if got, want := tr.Metres(pointA, pointB), ends+loop; math.Abs(got-want) > 0.5 {
		t.Errorf("A→B %.1f m, want %.1f (round the loop: the shortcut is one-way)", got, want)
	}
	if got, want := tr.Metres(pointB, pointA), ends+shortcut; math.Abs(got-want) > 0.5 {
		t.Errorf("B→A %.1f m, want %.1f (the shortcut)", got, want)
	}
	if got, want := tr.Seconds(pointA, pointB), tr.Metres(pointA, pointB); got != want {
		t.Errorf("at 1 m/s seconds %v != metres %v", got, want)
	}
	// A point kilometres off the network travels in a straight line.
	if got, want := tr.Metres(pointA, far), geo.DistanceMeters(pointA, far)*1.3; math.Abs(got-want) > 1e-6 {
		t.Errorf("A→far %.1f m, want straight %.1f", got, want)
	}

	line, err := tr.Line(ctx, []orb.Point{pointA, pointB, pointA})
	if err != nil {
		t.Fatal(err)
	}
	want := orb.LineString{pointA, {120, 31}, corner, {120.01, 31.01}, {120.01, 31}, pointB, {120.01, 31}, {120, 31}, pointA}
	if !slices.Equal(line, want) {
		t.Errorf("line %v\nwant %v", line, want)
	}
}

func TestTravelWithoutRoads(t *testing.T) {
	store := roads.NewStore(pgtest.NewPool(t))
	_, err := store.NewTravel(context.Background(), []orb.Point{pointA, pointB}, 1, 1.3)
	if !errors.Is(err, roads.ErrNoNetwork) {
		t.Fatalf("err %v, want ErrNoNetwork", err)
	}
}

func TestImportReplacesTheNetwork(t *testing.T) {
	store := importUShape(t)
	net, err := roads.Parse([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
	  "geometry":{"type":"LineString","coordinates":[[120,31],[120.5,31]]}}]}`), geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := store.Import(context.Background(), net)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Edges != 1 || sum.Vertices != 2 || math.Abs(sum.LengthKm-47.7) > 0.1 {
		t.Errorf("summary %+v, want the new network alone (1 edge, 47.7 km)", sum)
	}
}
