// The checks that decode with orb's own MVT decoder, an implementation independent of
// ours, and the baseline benchmark that encodes with orb's encoder.

package mvt_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbmvt "github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/gridwatch/gridwatch/tiles/mvt"
	"github.com/gridwatch/gridwatch/tiles/mvt/mvttest"
)

// orbDecode fails t when orb's decoder rejects data.
func orbDecode(t *testing.T, data []byte) {
	t.Helper()
	if _, err := orbmvt.Unmarshal(data); err != nil {
		t.Fatalf("orbmvt.Unmarshal: %v", err)
	}
}

// TestEncodeHoleSurvivesOrb checks, with orb's decoder (which groups rings by winding),
// that a hole comes back as a hole of its polygon, not as a polygon of its own.
func TestEncodeHoleSurvivesOrb(t *testing.T) {
	poly := orb.Polygon{square(100, 100, 900, 900, false), square(300, 300, 600, 600, false)}
	data, err := mvt.Encode(testTile, mvt.Layer{Name: "l", Features: []mvt.Feature{{ID: 1, Geometry: poly}}})
	if err != nil {
		t.Fatal(err)
	}
	layers, err := orbmvt.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := layers[0].Features[0].Geometry.(orb.Polygon)
	if !ok || len(got) != 2 {
		t.Fatalf("decoded %#v, want a polygon with one hole", layers[0].Features[0].Geometry)
	}
	if a, b := got[0].Bound(), got[1].Bound(); !a.Contains(b.Min) || !a.Contains(b.Max) {
		t.Errorf("hole %v not inside exterior %v", b, a)
	}
	// Back in WGS-84 the exterior should sit where it started, within a pixel.
	layers.ProjectToWGS84(maptile.New(testTile.X, testTile.Y, maptile.Zoom(testTile.Z)))
	back := layers[0].Features[0].Geometry.(orb.Polygon)[0].Bound()
	want := poly[0].Bound()
	pixel := (testTile.Bound().Max[0] - testTile.Bound().Min[0]) / 4096
	if math.Abs(back.Min[0]-want.Min[0]) > 2*pixel || math.Abs(back.Max[1]-want.Max[1]) > 2*pixel {
		t.Errorf("exterior back in WGS-84 at %v, want %v", back, want)
	}
}

// TestEncodeMatchesOrbDecoder decodes a busy tile with orb's decoder and checks the
// feature count, types and properties against the input.
func TestEncodeMatchesOrbDecoder(t *testing.T) {
	fs := mvttest.Hexagons(testTile, 500)
	data, err := mvt.Encode(testTile, mvt.Layer{Name: "cells", Features: fs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readMVT(data, 64); err != nil {
		t.Fatalf("readMVT: %v", err)
	}
	layers, err := orbmvt.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 || len(layers[0].Features) != len(fs) {
		t.Fatalf("decoded %d layers, want 1 with %d features", len(layers), len(fs))
	}
	for i, f := range layers[0].Features {
		if _, ok := f.Geometry.(orb.Polygon); !ok {
			t.Fatalf("feature %d is a %T, want a polygon", i, f.Geometry)
		}
		if got, want := f.Properties["h3"], fs[i].Properties["h3"]; got != want {
			t.Errorf("feature %d h3 = %v, want %v", i, got, want)
		}
		if got, want := f.ID, float64(fs[i].ID); got != want {
			t.Errorf("feature %d id = %v, want %v", i, got, want)
		}
	}
}

// toGeoJSON converts features for orb's encoder.
func toGeoJSON(fs []mvt.Feature) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, f := range fs {
		g := geojson.NewFeature(orb.Clone(f.Geometry))
		g.ID = f.ID
		for k, v := range f.Properties {
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format(time.RFC3339)
			}
			g.Properties[k] = v
		}
		fc.Append(g)
	}
	return fc
}

// benchOrb is the baseline: the same features through orb's own pipeline (project,
// clip to a 64 unit buffer, marshal), without winding or property fixes.
func benchOrb(b *testing.B, t mvt.Tile, fs []mvt.Feature) {
	mt := maptile.New(t.X, t.Y, maptile.Zoom(t.Z))
	clipBound := orb.Bound{Min: orb.Point{-64, -64}, Max: orb.Point{4096 + 64, 4096 + 64}}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		b.StopTimer()
		fc := toGeoJSON(fs) // orb projects in place: a fresh copy for every round
		b.StartTimer()
		layers := orbmvt.Layers{orbmvt.NewLayer("l", fc)}
		layers.ProjectToTile(mt)
		layers.Clip(clipBound)
		layers.RemoveEmpty(0, 0)
		data, err := orbmvt.Marshal(layers)
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "tile-bytes")
}

// BenchmarkOrbEncodeHexagonsZ10 is the baseline of BenchmarkEncodeHexagonsZ10.
func BenchmarkOrbEncodeHexagonsZ10(b *testing.B) {
	benchOrb(b, benchZ10, mvttest.Hexagons(benchZ10, 10_000))
}

// BenchmarkOrbEncodePointsZ14 is the baseline of BenchmarkEncodePointsZ14.
func BenchmarkOrbEncodePointsZ14(b *testing.B) {
	benchOrb(b, benchZ14, points(benchZ14, 2000, rand.New(rand.NewPCG(1, 1))))
}
