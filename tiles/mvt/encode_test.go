package mvt_test

import (
	"bytes"
	"database/sql/driver"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/tiles/mvt"
	"github.com/gridwatch/gridwatch/tiles/mvt/mvttest"
)

// testTile is a zoom 14 tile in the middle of Beijing.
var testTile = mvt.Covering(orb.Point{116.4, 39.9}, 14)

// ring returns a closed WGS-84 ring through the given tile points of testTile.
func ring(pts ...[2]float64) orb.Ring {
	r := make(orb.Ring, 0, len(pts)+1)
	for _, p := range pts {
		r = append(r, mvttest.Pixel(testTile, p[0], p[1]))
	}
	return append(r, r[0])
}

// square is the ring through the corners of [x0,x1]×[y0,y1] in tile units, clockwise
// on screen (y down) when cw is true.
func square(x0, y0, x1, y1 float64, cw bool) orb.Ring {
	if cw {
		return ring([2]float64{x0, y0}, [2]float64{x1, y0}, [2]float64{x1, y1}, [2]float64{x0, y1})
	}
	return ring([2]float64{x0, y0}, [2]float64{x0, y1}, [2]float64{x1, y1}, [2]float64{x1, y0})
}

// encode encodes features in one layer "l" of testTile and checks the result with the
// independent reader.
func encode(t *testing.T, features ...mvt.Feature) mvtLayer {
	t.Helper()
	data, err := mvt.Encode(testTile, mvt.Layer{Name: "l", Features: features})
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	if data == nil {
		return mvtLayer{}
	}
	tile, err := readMVT(data, mvt.BufferPixels)
	if err != nil {
		t.Fatalf("readMVT: %v", err)
	}
	if len(tile.layers) != 1 || tile.layers[0].name != "l" {
		t.Fatalf("layers = %+v, want one named l", tile.layers)
	}
	orbDecode(t, data)
	return tile.layers[0]
}

func TestEncodeWinding(t *testing.T) {
	tests := []struct {
		name    string
		geom    orb.Geometry
		wantPos []bool // sign of each encoded ring's area: true for an exterior
	}{
		{"exterior clockwise", orb.Polygon{square(100, 100, 900, 900, true)}, []bool{true}},
		{"exterior counter-clockwise (RFC 7946)", orb.Polygon{square(100, 100, 900, 900, false)}, []bool{true}},
		{"hole wound like its exterior", orb.Polygon{square(100, 100, 900, 900, true), square(300, 300, 600, 600, true)}, []bool{true, false}},
		{"both reversed", orb.Polygon{square(100, 100, 900, 900, false), square(300, 300, 600, 600, true)}, []bool{true, false}},
		{"two holes", orb.Polygon{square(100, 100, 900, 900, false), square(200, 200, 300, 300, false), square(500, 500, 700, 700, true)}, []bool{true, false, false}},
		{"multipolygon", orb.MultiPolygon{
			{square(100, 100, 900, 900, false), square(300, 300, 600, 600, false)},
			{square(1000, 1000, 2000, 2000, true)},
		}, []bool{true, false, true}},
		{"hole across the tile edge", orb.Polygon{square(-1000, -1000, 3000, 3000, true), square(-500, 100, 500, 900, true)}, []bool{true, false}},
		{"ring", square(100, 100, 900, 900, false), []bool{true}},
		{"bound", orb.Bound{Min: mvttest.Pixel(testTile, 10, 20), Max: mvttest.Pixel(testTile, 30, 5)}, []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := encode(t, mvt.Feature{ID: 1, Geometry: tt.geom})
			if len(l.features) != 1 {
				t.Fatalf("got %d features, want 1", len(l.features))
			}
			f := l.features[0]
			var got []bool
			for _, a := range f.areas {
				got = append(got, a > 0)
			}
			if diff := cmp.Diff(tt.wantPos, got); diff != "" {
				t.Errorf("ring is exterior (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEncodeClipping(t *testing.T) {
	const lo, hi = -mvt.BufferPixels, 4096 + mvt.BufferPixels
	tests := []struct {
		name     string
		geom     orb.Geometry
		wantType uint64
		// wantBox, when set, is the bounding box of all encoded coordinates.
		wantBox *[4]int64
	}{
		{"polygon larger than the tile becomes the buffered tile",
			orb.Polygon{square(-5000, -5000, 9000, 9000, false)}, 3, &[4]int64{lo, lo, hi, hi}},
		{"polygon across the west edge",
			orb.Polygon{square(-1000, 100, 500, 900, true)}, 3, &[4]int64{lo, 100, 500, 900}},
		{"hole across the edge stays a hole",
			orb.Polygon{square(-1000, -1000, 3000, 3000, true), square(-500, 100, 500, 900, true)}, 3, &[4]int64{lo, lo, 3000, 3000}},
		{"line across the tile",
			orb.LineString{mvttest.Pixel(testTile, -3000, 2048), mvttest.Pixel(testTile, 7000, 2048)}, 2, &[4]int64{lo, 2048, hi, 2048}},
		{"line leaving and coming back gives two pieces",
			orb.LineString{mvttest.Pixel(testTile, 100, 100), mvttest.Pixel(testTile, 100, -500), mvttest.Pixel(testTile, 300, -500), mvttest.Pixel(testTile, 300, 100)}, 2, &[4]int64{100, lo, 300, 100}},
		{"point in the buffer kept", mvttest.Pixel(testTile, -30, 4100), 1, &[4]int64{-30, 4100, -30, 4100}},
		{"point outside the buffer dropped", mvttest.Pixel(testTile, -100, 100), 0, nil},
		{"point far away dropped", orb.Point{0, 0}, 0, nil},
		{"polygon outside dropped", orb.Polygon{square(5000, 5000, 6000, 6000, true)}, 0, nil},
		{"line outside dropped", orb.LineString{mvttest.Pixel(testTile, -500, 0), mvttest.Pixel(testTile, -500, 4000)}, 0, nil},
		{"multipoint keeps the points inside", orb.MultiPoint{mvttest.Pixel(testTile, 1, 2), mvttest.Pixel(testTile, -1000, 2), mvttest.Pixel(testTile, 3, 4)}, 1, &[4]int64{1, 2, 3, 4}},
		{"polygon below a pixel dropped", orb.Polygon{square(10.1, 10.1, 10.3, 10.3, true)}, 0, nil},
		{"line within a pixel dropped", orb.LineString{mvttest.Pixel(testTile, 10.1, 10.1), mvttest.Pixel(testTile, 10.2, 10.3)}, 0, nil},
		{"NaN dropped", orb.Point{math.NaN(), 39.9}, 0, nil},
		{"point at the pole, far away, dropped", orb.Point{0, 89}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := encode(t, mvt.Feature{ID: 7, Geometry: tt.geom})
			if tt.wantType == 0 {
				if len(l.features) != 0 {
					t.Fatalf("got %d features, want none", len(l.features))
				}
				return
			}
			if len(l.features) != 1 {
				t.Fatalf("got %d features, want 1", len(l.features))
			}
			f := l.features[0]
			if f.typ != tt.wantType {
				t.Errorf("type = %d, want %d", f.typ, tt.wantType)
			}
			var all [][2]int64
			all = append(all, f.points...)
			for _, r := range append(f.lines, f.rings...) {
				all = append(all, r...)
			}
			box := [4]int64{math.MaxInt64, math.MaxInt64, math.MinInt64, math.MinInt64}
			for _, p := range all {
				box[0], box[1] = min(box[0], p[0]), min(box[1], p[1])
				box[2], box[3] = max(box[2], p[0]), max(box[3], p[1])
			}
			if tt.wantBox != nil && box != *tt.wantBox {
				t.Errorf("coordinates span %v, want %v", box, *tt.wantBox)
			}
		})
	}
}

func TestEncodeLinePieces(t *testing.T) {
	l := encode(t, mvt.Feature{Geometry: orb.LineString{
		mvttest.Pixel(testTile, 100, 100), mvttest.Pixel(testTile, 100, -500), mvttest.Pixel(testTile, 300, -500), mvttest.Pixel(testTile, 300, 100),
	}})
	want := [][][2]int64{{{100, 100}, {100, -64}}, {{300, -64}, {300, 100}}}
	if diff := cmp.Diff(want, l.features[0].lines, cmp.AllowUnexported()); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestEncodeCollectionSplit(t *testing.T) {
	l := encode(t, mvt.Feature{
		ID: 9,
		Geometry: orb.Collection{
			mvttest.Pixel(testTile, 10, 10),
			orb.LineString{mvttest.Pixel(testTile, 0, 0), mvttest.Pixel(testTile, 100, 100)},
			orb.Collection{orb.Polygon{square(100, 100, 200, 200, false)}},
			orb.Point{0, 0}, // outside: no feature
		},
		Properties: map[string]any{"name": "x"},
	})
	var types []uint64
	for _, f := range l.features {
		types = append(types, f.typ)
		if !f.hasID || f.id != 9 || f.props["name"].v != "x" {
			t.Errorf("feature %+v lacks the collection's id or properties", f)
		}
	}
	if diff := cmp.Diff([]uint64{1, 2, 3}, types); diff != "" {
		t.Errorf("feature types (-want +got):\n%s", diff)
	}
}

func TestEncodeIDs(t *testing.T) {
	at := mvttest.Pixel(testTile, 5, 5)
	l := encode(t,
		mvt.Feature{ID: 42, Geometry: at},
		mvt.Feature{ID: 0, Geometry: at},
		mvt.Feature{ID: 1<<63 + 12345, Geometry: at},
	)
	type id struct {
		ID  uint64
		Has bool
	}
	var got []id
	for _, f := range l.features {
		got = append(got, id{f.id, f.hasID})
	}
	want := []id{{42, true}, {0, false}, {1<<63 + 12345, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}

// status is a named string type, as domain packages declare them.
type status string

// level is a named integer type with a String method.
type level int

func (l level) String() string { return fmt.Sprintf("L%d", int(l)) }

// nullInt is a stand-in for pgtype.Int8: a driver.Valuer that may be NULL.
type nullInt struct {
	v     int64
	valid bool
}

func (n nullInt) Value() (driver.Value, error) {
	if !n.valid {
		return nil, nil
	}
	return n.v, nil
}

func TestEncodeProperties(t *testing.T) {
	when := time.Date(2025, 3, 4, 13, 14, 15, 999, time.FixedZone("CST", 8*3600))
	s := "pointed"
	var nilPtr *string
	props := map[string]any{
		"str":      "a",
		"bool":     true,
		"int":      12,
		"neg":      int64(-3),
		"uint":     uint64(math.MaxUint64),
		"int8":     int8(-8),
		"f32":      float32(1.5),
		"f64":      2.25,
		"time":     when,
		"list":     []string{"urban", "safety"},
		"empty":    []string{},
		"status":   status("open"),
		"level":    level(3),
		"ptr":      &s,
		"nilptr":   nilPtr,
		"nil":      nil,
		"nan":      math.NaN(),
		"zerotime": time.Time{},
		"valuer":   nullInt{v: -5, valid: true},
		"null":     nullInt{},
		"duration": 90 * time.Second,
	}
	l := encode(t, mvt.Feature{ID: 1, Geometry: mvttest.Pixel(testTile, 1, 1), Properties: props})
	want := map[string]mvtValue{
		"str":      {"string", "a"},
		"bool":     {"bool", true},
		"int":      {"uint", uint64(12)},
		"neg":      {"sint", int64(-3)},
		"uint":     {"uint", uint64(math.MaxUint64)},
		"int8":     {"sint", int64(-8)},
		"f32":      {"float", float32(1.5)},
		"f64":      {"double", 2.25},
		"time":     {"string", "2025-03-04T05:14:15Z"},
		"list":     {"string", "urban,safety"},
		"empty":    {"string", ""},
		"status":   {"string", "open"},
		"level":    {"string", "L3"},
		"ptr":      {"string", "pointed"},
		"valuer":   {"sint", int64(-5)},
		"duration": {"string", "1m30s"},
	}
	if diff := cmp.Diff(want, l.features[0].props, cmp.AllowUnexported(mvtValue{})); diff != "" {
		t.Errorf("properties (-want +got):\n%s", diff)
	}
}

func TestEncodePropertyValuesShared(t *testing.T) {
	at := mvttest.Pixel(testTile, 5, 5)
	var fs []mvt.Feature
	for i := range 100 {
		fs = append(fs, mvt.Feature{ID: uint64(i + 1), Geometry: at, Properties: map[string]any{
			"sector": []string{"a", "b"}[i%2], "n": i % 3, "far": nil,
		}})
	}
	// A feature outside the tile must not add its keys or values.
	fs = append(fs, mvt.Feature{Geometry: orb.Point{0, 0}, Properties: map[string]any{"outside": "zzz"}})
	l := encode(t, fs...)
	if diff := cmp.Diff([]string{"n", "sector"}, l.keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if len(l.values) != 5 {
		t.Errorf("got %d values %v, want 5 (3 numbers, 2 strings)", len(l.values), l.values)
	}
}

func TestEncodeEmpty(t *testing.T) {
	tests := []struct {
		name   string
		layers []mvt.Layer
	}{
		{"no layers", nil},
		{"no features", []mvt.Layer{{Name: "a"}}},
		{"nil geometry", []mvt.Layer{{Name: "a", Features: []mvt.Feature{{ID: 1}}}}},
		{"all outside", []mvt.Layer{{Name: "a", Features: []mvt.Feature{{Geometry: orb.Point{0, 0}}}}, {Name: "b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := mvt.Encode(testTile, tt.layers...)
			if err != nil || data != nil {
				t.Errorf("Encode = %v, %v; want nil, nil", data, err)
			}
		})
	}
}

func TestEncodeLayers(t *testing.T) {
	in := mvt.Feature{Geometry: mvttest.Pixel(testTile, 1, 1)}
	data, err := mvt.Encode(testTile,
		mvt.Layer{Name: "cases", Features: []mvt.Feature{in}},
		mvt.Layer{Name: "empty"},
		mvt.Layer{Name: "small", Extent: 256, Features: []mvt.Feature{{Geometry: mvttest.Pixel(testTile, 4096+64, 0)}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	tile, err := readMVT(data, 64)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range tile.layers {
		got = append(got, fmt.Sprintf("%s/%d/%d", l.name, l.extent, len(l.features)))
	}
	if diff := cmp.Diff([]string{"cases/4096/1", "small/256/1"}, got); diff != "" {
		t.Errorf("layers (-want +got):\n%s", diff)
	}
	// At extent 256 the buffer is 4 units: the point at 4096+64 of 4096 is at 256+4.
	if p := tile.layers[1].features[0].points[0]; p != [2]int64{260, 0} {
		t.Errorf("point at extent 256 = %v, want [260 0]", p)
	}
}

func TestEncodeErrors(t *testing.T) {
	at := mvttest.Pixel(testTile, 1, 1)
	tests := []struct {
		name   string
		tile   mvt.Tile
		layers []mvt.Layer
		want   string
	}{
		{"invalid tile", mvt.Tile{Z: 1, X: 2}, []mvt.Layer{{Name: "a"}}, "not a valid tile"},
		{"no name", testTile, []mvt.Layer{{}}, "without a name"},
		{"duplicate name", testTile, []mvt.Layer{{Name: "a"}, {Name: "a"}}, "two layers"},
		{"extent", testTile, []mvt.Layer{{Name: "a", Extent: 1 << 21}}, "extent"},
		{"property type", testTile, []mvt.Layer{{Name: "a", Features: []mvt.Feature{
			{ID: 5, Geometry: at, Properties: map[string]any{"bad": struct{}{}}},
		}}}, `feature 0 (id 5): property "bad": unsupported property type struct {}`},
		{"bytes from a valuer", testTile, []mvt.Layer{{Name: "a", Features: []mvt.Feature{
			{Geometry: at, Properties: map[string]any{"b": bytesValuer{}}},
		}}}, "bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mvt.Encode(tt.tile, tt.layers...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Encode error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

type bytesValuer struct{}

func (bytesValuer) Value() (driver.Value, error) { return []byte("x"), nil }

// TestEncodeDeterministic checks that equal input gives equal bytes, whatever the order
// Go's maps are iterated in: ETags rely on it.
func TestEncodeDeterministic(t *testing.T) {
	fs := mvttest.Hexagons(testTile, 300)
	first, err := mvt.Encode(testTile, mvt.Layer{Name: "cells", Features: fs})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := mvt.Encode(testTile, mvt.Layer{Name: "cells", Features: fs})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("two encodings of the same features differ")
		}
	}
}
