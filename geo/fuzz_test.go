package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// FuzzReadGeometry feeds arbitrary bytes to ReadGeometry. A rejection must wrap
// ErrInvalidGeoJSON. An accepted geometry must come from positions the input really
// spells — every position of the input an array of two or more numbers, checked here
// with a decoder of its own — and must survive a write and a second read unchanged.
// Seeds: f.Add below and testdata/fuzz/FuzzReadGeometry.
func FuzzReadGeometry(f *testing.F) {
	for _, s := range []string{
		`{"type":"Point","coordinates":[120.28,31.91]}`,
		`{"type":"Point","coordinates":[120.28,31.91,12.5]}`,
		`{"type":"LineString","coordinates":[[120.28,31.91],[120.29,31.92]]}`,
		`{"type":"Polygon","coordinates":[[[120.2,31.8],[120.21,31.8],[120.21,31.81],[120.2,31.8]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[120.2,31.8],[120.21,31.8],[120.21,31.81],[120.2,31.8]]],[]]}`,
		`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"LineString","coordinates":[]}]}`,
		`{"type":"GeometryCollection","geometries":[null]}`,
		`{"type":"Polygon","coordinates":[[[120.2,31.8],[null,31.81],[120.2,31.8]]]}`,
		`{"type":"Polygon","coordinates":[[[120.2,31.8],[120.3],[],[120.2,31.8]]]}`,
		`{"type":"Point","coordinates":[null,null]}`,
		`{"type":"Point","coordinates":"120,31"}`,
		`{"type":"Point","coordinates":[1e400,2]}`,
		`{"type":"Circle","coordinates":[1,2]}`,
		`{"type":"Polygon"}`,
		`null`, ``, `[`, `{"type":"Polygon","coordinates":[[[1,2],[3,4]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ReadGeometry(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidGeoJSON) {
				t.Fatalf("ReadGeometry(%q) error %v does not wrap ErrInvalidGeoJSON", data, err)
			}
			return
		}
		if g == nil {
			t.Fatalf("ReadGeometry(%q) = nil geometry and no error", data)
		}
		var doc any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("ReadGeometry accepted %q, which is not JSON: %v", data, err)
		}
		if bad, ok := badPosition(doc); ok {
			t.Fatalf("ReadGeometry(%q) accepted the position %v", data, bad)
		}
		out, err := geojson.NewGeometry(g).MarshalJSON()
		if err != nil || string(out) == "null" {
			// NaN/Inf cannot be written (validation rejects them later), and orb writes
			// an empty GeometryCollection as null.
			return
		}
		again, err := ReadGeometry(out)
		if err != nil {
			t.Fatalf("ReadGeometry(%s), written back from %q: %v", out, data, err)
		}
		if !orb.Equal(g, again) {
			t.Fatalf("ReadGeometry round trip of %q: %v, then %v", data, g, again)
		}
	})
}

// badPosition finds, in a decoded geometry object, a position that is not an array of
// two or more numbers: the innermost arrays of "coordinates", at the depth of the type.
func badPosition(doc any) (any, bool) {
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, false
	}
	if gs, ok := m["geometries"].([]any); ok && m["coordinates"] == nil {
		for _, g := range gs {
			if bad, ok := badPosition(g); ok {
				return bad, true
			}
		}
		return nil, false
	}
	depth := map[any]int{"Point": 0, "MultiPoint": 1, "LineString": 1, "Polygon": 2, "MultiLineString": 2, "MultiPolygon": 3}
	d, known := depth[m["type"]]
	if !known {
		return nil, false
	}
	var walk func(v any, d int) (any, bool)
	walk = func(v any, d int) (any, bool) {
		if d == 0 {
			a, ok := v.([]any)
			if !ok || len(a) < 2 {
				return v, true
			}
			for _, n := range a {
				if _, ok := n.(json.Number); !ok {
					return v, true
				}
			}
			return nil, false
		}
		a, _ := v.([]any)
		for _, c := range a {
			if bad, ok := walk(c, d-1); ok {
				return bad, true
			}
		}
		return nil, false
	}
	return walk(m["coordinates"], d)
}

// FuzzDatum parses a datum name and converts a position to and from it. A name is
// accepted exactly when it is a datum's name in any case (or empty, WGS-84), and then
// parses back from its canonical form; other names are errors wrapping
// ErrUnknownDatum. Conversions of a finite position give a finite one, leave positions
// outside China alone for GCJ-02, and round-trip over China within the documented
// bounds: 1 mm for GCJ-02, 0.25 m for BD-09. Seeds: f.Add below.
func FuzzDatum(f *testing.F) {
	f.Add("wgs84", 120.28, 31.91)
	f.Add("GCJ02", 120.28, 31.91)
	f.Add("bd09", 116.404, 39.915)
	f.Add("Bd09", 72.004, 0.8293)
	f.Add("", -0.1276, 51.5072)
	f.Add("mars", 120.28, 31.91)
	f.Add("wgs84 ", 0.0, 0.0)
	f.Add("gcj-02", 137.8347, 55.8271)
	f.Add("\x00", math.NaN(), math.Inf(1))
	f.Add("bd09", 180.0, -90.0)
	f.Fuzz(func(t *testing.T, name string, lon, lat float64) {
		d, err := ParseDatum(name)
		want := map[string]Datum{"": WGS84, "wgs84": WGS84, "gcj02": GCJ02, "bd09": BD09}[strings.ToLower(name)]
		if err != nil {
			if !errors.Is(err, ErrUnknownDatum) {
				t.Fatalf("ParseDatum(%q) error %v does not wrap ErrUnknownDatum", name, err)
			}
			if want != "" {
				t.Fatalf("ParseDatum(%q) = %v, want %s", name, err, want)
			}
			return
		}
		if d != want {
			t.Fatalf("ParseDatum(%q) = %q, want %q", name, d, want)
		}
		if again, err := ParseDatum(string(d)); err != nil || again != d {
			t.Fatalf("ParseDatum(%q) = %q, %v; want %q back", d, again, err, d)
		}
		if !isFinite(lon) || !isFinite(lat) || math.Abs(lon) > 180 || math.Abs(lat) > 90 {
			return
		}
		p := orb.Point{lon, lat}
		w := ToWGS84(p, d)
		back := FromWGS84(p, d)
		for _, q := range []orb.Point{w, back} {
			if !isFinite(q[0]) || !isFinite(q[1]) {
				t.Fatalf("converting %v (%s) gave %v", p, d, q)
			}
			// BD-09's constant offset applies everywhere; nothing moves further.
			if math.Abs(q[0]-lon) > 0.05 || math.Abs(q[1]-lat) > 0.05 {
				t.Fatalf("converting %v (%s) moved it to %v", p, d, q)
			}
		}
		if d == GCJ02 && !InChina(p) && back != p {
			t.Fatalf("WGS84ToGCJ02(%v) = %v, want it unchanged outside China", p, back)
		}
		// Round trips, well inside China (the rectangle's edges are documented not to
		// round-trip).
		if lon < 73 || lon > 136.8 || lat < 2 || lat > 54.8 {
			return
		}
		tol := map[Datum]float64{WGS84: 0, GCJ02: 1, BD09: 0.25}[d]
		if m := DistanceMeters(ToWGS84(back, d), p); m > tol {
			t.Fatalf("ToWGS84(FromWGS84(%v, %s)) is %.3g m away, want at most %g m", p, d, m, tol)
		}
	})
}
