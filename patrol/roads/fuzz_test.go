package roads

import (
	"math"
	"testing"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/apperr"
)

// FuzzParse checks road imports: a refusal is invalid or too_large; an accepted network
// has edges of at least two positions in range whose ends are their own vertices, with
// finite lengths, and every vertex is the end of some edge.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"路","oneway":"-1"},"geometry":{"type":"LineString","coordinates":[[120,31],[120.01,31],[120.02,31.01]]}},{"type":"Feature","properties":{"highway":"primary"},"geometry":{"type":"LineString","coordinates":[[120.01,30.99],[120.01,31],[120.01,31.01]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"oneway":true},"geometry":{"type":"MultiLineString","coordinates":[[[121,32],[121.001,32]],[[121.001,32],[121,32]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[120,31],[120,31],[120,31]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[120,31],[190,31]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[120,31],[120.1,31],[120,31]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[-180,0],[-179.99,0]]}}]}`,
		`{"type":"FeatureCollection","features":[]}`,
		`{"type":"Feature"}`,
		`[`,
	} {
		f.Add([]byte(seed), "wgs84")
		f.Add([]byte(seed), "bd09")
	}
	f.Fuzz(func(t *testing.T, data []byte, datumName string) {
		datum, err := geo.ParseDatum(datumName)
		if err != nil {
			return
		}
		net, err := Parse(data, datum)
		if err != nil {
			if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.TooLarge {
				t.Fatalf("error code %s: %v", c, err)
			}
			return
		}
		ends := make([]bool, len(net.Vertices))
		for i, e := range net.Edges {
			if len(e.Line) < 2 || e.Source < 0 || e.Source >= len(net.Vertices) || e.Target < 0 || e.Target >= len(net.Vertices) {
				t.Fatalf("edge %d: %d points, source %d, target %d of %d vertices", i, len(e.Line), e.Source, e.Target, len(net.Vertices))
			}
			if key(e.Line[0]) != key(net.Vertices[e.Source]) || key(e.Line[len(e.Line)-1]) != key(net.Vertices[e.Target]) {
				t.Fatalf("edge %d does not run between its vertices", i)
			}
			if math.IsNaN(e.LengthM) || math.IsInf(e.LengthM, 0) || e.LengthM < 0 {
				t.Fatalf("edge %d length %v", i, e.LengthM)
			}
			for _, p := range e.Line {
				if !inRange(p) {
					t.Fatalf("edge %d position %v", i, p)
				}
			}
			ends[e.Source], ends[e.Target] = true, true
		}
		for i, ok := range ends {
			if !ok {
				t.Fatalf("vertex %d ends no edge", i)
			}
		}
	})
}
