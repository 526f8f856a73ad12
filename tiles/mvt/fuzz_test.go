package mvt_test

import (
	"encoding/binary"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/tiles/mvt"
	"github.com/gridwatch/gridwatch/tiles/mvt/mvttest"
)

// FuzzParseTile checks that ParseTile either rejects its input as invalid or returns a
// valid tile whose canonical form is exactly the input. Seeds: testdata/fuzz/FuzzParseTile.
func FuzzParseTile(f *testing.F) {
	f.Add("14", "13490", "6208")
	f.Fuzz(func(t *testing.T, z, x, y string) {
		tl, err := mvt.ParseTile(z, x, y)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("ParseTile(%q, %q, %q) error %v is not invalid", z, x, y, err)
			}
			return
		}
		if !tl.Valid() || tl.Z > mvt.DefaultMaxZoom {
			t.Fatalf("ParseTile(%q, %q, %q) = %v, not a valid tile", z, x, y, tl)
		}
		if got, want := tl.String(), z+"/"+x+"/"+y; got != want {
			t.Fatalf("ParseTile(%q, %q, %q) = %v, not the input", z, x, y, got)
		}
	})
}

// fuzzTiles are the tiles FuzzEncode encodes into: the world, a continent, a city block
// and the deepest zoom.
var fuzzTiles = []mvt.Tile{{}, {Z: 5, X: 26, Y: 12}, testTile, {Z: 22, X: 3453590, Y: 1589455}}

// FuzzEncode builds a geometry from fuzz bytes, in and around a tile, encodes it, and
// checks the result with the independent reader: valid command streams, coordinates in
// the buffered tile, exterior rings clockwise and of non-zero area. Bytes: the tile, the
// geometry kind, then int16 pairs of tile coordinates (a quarter unit of a 4096 extent
// each), a zero pair ending a ring or line. Seeds: testdata/fuzz/FuzzEncode.
func FuzzEncode(f *testing.F) {
	f.Add([]byte{2, 2, 0, 1, 0, 1, 0, 16, 0, 1, 0, 16, 0, 16})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		tl := fuzzTiles[int(data[0])%len(fuzzTiles)]
		kind := data[1] % 5
		var paths [][]orb.Point
		var cur []orb.Point
		for b := data[2:]; len(b) >= 4; b = b[4:] {
			x, y := int16(binary.BigEndian.Uint16(b)), int16(binary.BigEndian.Uint16(b[2:]))
			if x == 0 && y == 0 {
				paths, cur = append(paths, cur), nil
				continue
			}
			cur = append(cur, mvttest.Pixel(tl, float64(x)/4, float64(y)/4))
		}
		paths = append(paths, cur)
		var g orb.Geometry
		switch kind {
		case 0:
			var mp orb.MultiPoint
			for _, p := range paths {
				mp = append(mp, p...)
			}
			g = mp
		case 1:
			var mls orb.MultiLineString
			for _, p := range paths {
				mls = append(mls, p)
			}
			g = mls
		case 2, 3:
			var poly orb.Polygon
			for _, p := range paths {
				poly = append(poly, orb.Ring(p))
			}
			if kind == 3 {
				g = orb.MultiPolygon{poly, poly}
			} else {
				g = poly
			}
		default:
			var c orb.Collection
			for _, p := range paths {
				if len(p) > 0 {
					c = append(c, p[0], orb.LineString(p), orb.Polygon{orb.Ring(p)})
				}
			}
			g = c
		}
		out, err := mvt.Encode(tl, mvt.Layer{Name: "f", Features: []mvt.Feature{{ID: 1, Geometry: g}}})
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		if out == nil {
			return
		}
		if _, err := readMVT(out, mvt.BufferPixels); err != nil {
			t.Fatalf("readMVT: %v", err)
		}
	})
}

// FuzzParseTileMaxZoom parses tile coordinates under any maximum zoom: accepted tiles
// are valid, at most at min(maxZoom, ZoomLimit), and print back as the input; refusals
// are invalid and echo at most a short part of the input.
func FuzzParseTileMaxZoom(f *testing.F) {
	f.Add("22", "3453590", "1589455", uint32(22))
	f.Add("30", "1073741823", "0", uint32(40))
	f.Add("31", "0", "0", uint32(31))
	f.Add("4", "16", "0", uint32(30))
	f.Add("04", "1", "1", uint32(30))
	f.Add("1", "-0", "1", uint32(30))
	f.Add("0", "0", "0", uint32(0))
	f.Add("9999999999", "0", "0", uint32(1<<31))
	f.Add("14", "13490", "6208"+string(make([]byte, 100)), uint32(14))
	f.Fuzz(func(t *testing.T, z, x, y string, maxZoom uint32) {
		tl, err := mvt.ParseTileMaxZoom(z, x, y, maxZoom)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("ParseTileMaxZoom(%q, %q, %q, %d) error %v is not invalid", z, x, y, maxZoom, err)
			}
			if msg := apperr.MessageOf(err); len(msg) > 200 {
				t.Fatalf("ParseTileMaxZoom error message of %d bytes echoes the input", len(msg))
			}
			return
		}
		if !tl.Valid() || tl.Z > min(maxZoom, mvt.ZoomLimit) {
			t.Fatalf("ParseTileMaxZoom(%q, %q, %q, %d) = %v", z, x, y, maxZoom, tl)
		}
		if got, want := tl.String(), z+"/"+x+"/"+y; got != want {
			t.Fatalf("ParseTileMaxZoom(%q, %q, %q, %d) = %v, not the input", z, x, y, maxZoom, got)
		}
	})
}
