package roads

import (
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/apperr"
)

func TestParseNodesCrossingLines(t *testing.T) {
	// A horizontal road crossing a vertical one at a shared position, and a spur that
	// touches nothing: the crossing cuts both roads, the spur stays one edge.
	data := []byte(`{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"name":"东街","highway":"residential"},
	  "geometry":{"type":"LineString","coordinates":[[120.00,31.00],[120.01,31.00],[120.02,31.00]]}},
	 {"type":"Feature","properties":{"oneway":"yes"},
	  "geometry":{"type":"LineString","coordinates":[[120.01,30.99],[120.01,31.00],[120.01,31.01]]}},
	 {"type":"Feature","properties":{},
	  "geometry":{"type":"MultiLineString","coordinates":[[[121,32],[121.001,32],[121.002,32]]]}}]}`)
	net, err := Parse(data, geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	if len(net.Edges) != 5 || len(net.Vertices) != 7 {
		t.Fatalf("%d edges, %d vertices; want 5 and 7", len(net.Edges), len(net.Vertices))
	}
	e := net.Edges[0]
	if e.Name != "东街" || e.Kind != "residential" || e.Oneway || len(e.Line) != 2 {
		t.Errorf("first edge %+v", e)
	}
	if want := geo.DistanceMeters(e.Line[0], e.Line[1]); math.Abs(e.LengthM-want) > 1e-9 || want < 900 {
		t.Errorf("length %v, want %v", e.LengthM, want)
	}
	// The crossing is one vertex shared by four edges.
	mid := net.Edges[0].Target
	touching := 0
	for _, e := range net.Edges {
		if e.Source == mid || e.Target == mid {
			touching++
		}
	}
	if touching != 4 {
		t.Errorf("%d edges meet at the crossing, want 4", touching)
	}
	if !net.Edges[2].Oneway || !net.Edges[3].Oneway {
		t.Error("the one-way road lost its flag")
	}
	if spur := net.Edges[4]; len(spur.Line) != 3 {
		t.Errorf("the spur was cut: %v", spur.Line)
	}
}

func TestParseOnewayAgainstTheLine(t *testing.T) {
	data := []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"oneway":"-1"},
	  "geometry":{"type":"LineString","coordinates":[[120,31],[120.01,31]]}}]}`)
	net, err := Parse(data, geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	e := net.Edges[0]
	if !e.Oneway || net.Vertices[e.Source][0] != 120.01 {
		t.Errorf("oneway=-1 must run from the line's end: %+v, vertices %v", e, net.Vertices)
	}
}

func TestParseNamesEveryBadFeature(t *testing.T) {
	data := []byte(`{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[120,31]}},
	 {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[120,31],[120,31]]}},
	 {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[120,31],[200,31]]}},
	 {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[120,31],[120.1,31]]}}]}`)
	_, err := Parse(data, geo.WGS84)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
		t.Fatalf("err %v, want invalid", err)
	}
	bad, _ := ae.Extra["errors"].([]FeatureError)
	want := []string{"not_linear", geo.ReasonTooFewPoints, geo.ReasonCoordinateOutOfRange}
	if len(bad) != len(want) {
		t.Fatalf("errors %+v, want %v", bad, want)
	}
	for i, fe := range bad {
		if fe.Index != i || fe.Reason != want[i] {
			t.Errorf("error %d: %+v, want index %d reason %s", i, fe, i, want[i])
		}
	}
}

func TestParseConvertsDatum(t *testing.T) {
	p := geo.WGS84ToGCJ02([2]float64{120.3, 31.9})
	q := geo.WGS84ToGCJ02([2]float64{120.31, 31.9})
	data := []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
	  "geometry":{"type":"LineString","coordinates":[[` + ftoa(p[0]) + `,` + ftoa(p[1]) + `],[` + ftoa(q[0]) + `,` + ftoa(q[1]) + `]]}}]}`)
	net, err := Parse(data, geo.GCJ02)
	if err != nil {
		t.Fatal(err)
	}
	if d := geo.DistanceMeters(net.Vertices[0], [2]float64{120.3, 31.9}); d > 1 {
		t.Errorf("GCJ-02 input is %.1f m off after conversion", d)
	}
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
