package geo

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
)

func TestReadFeatureCollection(t *testing.T) {
	tests := []struct {
		name         string
		data         string
		wantErr      bool
		wantFeatures int
	}{
		{
			name:         "one township",
			data:         `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"320281100"},"geometry":{"type":"Polygon","coordinates":[[[120.2,31.8],[120.3,31.8],[120.3,31.9],[120.2,31.8]]]}}]}`,
			wantFeatures: 1,
		},
		{name: "empty collection", data: `{"type":"FeatureCollection","features":[]}`},
		{name: "no features member", data: `{"type":"FeatureCollection"}`},
		{
			name:         "null geometry is kept",
			data:         `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}]}`,
			wantFeatures: 1,
		},
		{name: "not JSON", data: `{"type":`, wantErr: true},
		{name: "empty input", data: ``, wantErr: true},
		{name: "bare null", data: `null`, wantErr: true},
		{name: "array", data: `[]`, wantErr: true},
		{name: "a Feature", data: `{"type":"Feature","properties":{},"geometry":null}`, wantErr: true},
		{name: "a Polygon", data: `{"type":"Polygon","coordinates":[]}`, wantErr: true},
		{name: "wrong type case", data: `{"type":"featurecollection","features":[]}`, wantErr: true},
		{name: "null feature", data: `{"type":"FeatureCollection","features":[null]}`, wantErr: true},
		{name: "feature of wrong type", data: `{"type":"FeatureCollection","features":[{"type":"Point","coordinates":[1,2]}]}`, wantErr: true},
		{name: "unknown geometry type", data: `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Circle","coordinates":[1,2]}}]}`, wantErr: true},
		{name: "coordinates of wrong shape", data: `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[1,2]}}]}`, wantErr: true},
		// orb v0.14.0 panics on this one; ReadFeatureCollection must not.
		{name: "null in geometry collection", data: `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[null]}}]}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc, err := ReadFeatureCollection([]byte(tt.data))
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidGeoJSON) {
					t.Fatalf("ReadFeatureCollection(%s) error = %v, want one wrapping ErrInvalidGeoJSON", tt.data, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadFeatureCollection(%s) error = %v, want nil", tt.data, err)
			}
			if len(fc.Features) != tt.wantFeatures {
				t.Errorf("ReadFeatureCollection(%s) has %d features, want %d", tt.data, len(fc.Features), tt.wantFeatures)
			}
		})
	}
}

// Shapes used by the validation tests, in [lon, lat] near Jiangyin.
var (
	square = orb.Ring{{120, 31}, {121, 31}, {121, 32}, {120, 32}, {120, 31}}
	// hole is inside square and clockwise.
	hole = orb.Ring{{120.2, 31.2}, {120.2, 31.8}, {120.8, 31.8}, {120.8, 31.2}, {120.2, 31.2}}
)

func TestValidatePolygonal(t *testing.T) {
	tests := []struct {
		name       string
		g          orb.Geometry
		wantReason string // "" means valid
		wantInMsg  string
	}{
		{name: "square", g: orb.Polygon{square}},
		{name: "square with hole", g: orb.Polygon{square, hole}},
		{name: "clockwise exterior is still valid", g: orb.Polygon{reversed(square)}},
		{name: "multipolygon", g: orb.MultiPolygon{{square}, {{{122, 31}, {123, 31}, {123, 32}, {122, 31}}}}},
		{name: "repeated consecutive positions", g: orb.Polygon{{{120, 31}, {120, 31}, {121, 31}, {121, 32}, {121, 32}, {120, 31}, {120, 31}}}},
		{name: "vertex in the middle of a straight edge", g: orb.Polygon{{{120, 31}, {120.5, 31}, {121, 31}, {121, 32}, {120, 32}, {120, 31}}}},
		{name: "hole touching the shell at a vertex", g: orb.Polygon{square, {{120, 31}, {120.5, 31.8}, {120.8, 31.2}, {120, 31}}}},
		{name: "extreme but legal coordinates", g: orb.Polygon{{{-180, -90}, {180, -90}, {180, 90}, {-180, 90}, {-180, -90}}}},
		{name: "Jiangyin-sized ring", g: orb.Polygon{jaggedRing(2000, 1)}},

		{name: "null geometry", g: nil, wantReason: ReasonNotPolygonal, wantInMsg: "null"},
		{name: "point", g: orb.Point{120, 31}, wantReason: ReasonNotPolygonal, wantInMsg: "Point"},
		{name: "line string", g: orb.LineString{{120, 31}, {121, 31}}, wantReason: ReasonNotPolygonal, wantInMsg: "LineString"},
		{name: "bare ring", g: square, wantReason: ReasonNotPolygonal, wantInMsg: "orb.Ring"},
		{name: "bound", g: orb.Bound{Min: orb.Point{120, 31}, Max: orb.Point{121, 32}}, wantReason: ReasonNotPolygonal},
		{name: "collection of polygons", g: orb.Collection{orb.Polygon{square}}, wantReason: ReasonNotPolygonal, wantInMsg: "GeometryCollection"},
		{name: "polygon without rings", g: orb.Polygon{}, wantReason: ReasonEmpty},
		{name: "multipolygon without polygons", g: orb.MultiPolygon{}, wantReason: ReasonEmpty},
		{name: "empty ring", g: orb.Polygon{{}}, wantReason: ReasonTooFewPoints},
		{name: "three positions", g: orb.Polygon{{{120, 31}, {121, 31}, {120, 31}}}, wantReason: ReasonTooFewPoints},
		{name: "two distinct positions", g: orb.Polygon{{{120, 31}, {121, 31}, {120, 31}, {120, 31}}}, wantReason: ReasonTooFewPoints, wantInMsg: "distinct"},
		{name: "not closed", g: orb.Polygon{{{120, 31}, {121, 31}, {121, 32}, {120, 32}}}, wantReason: ReasonRingNotClosed},
		{name: "NaN", g: orb.Polygon{{{120, 31}, {math.NaN(), 31}, {121, 32}, {120, 31}}}, wantReason: ReasonNonFinite, wantInMsg: "vertex 1"},
		{name: "infinity", g: orb.Polygon{{{120, 31}, {121, math.Inf(-1)}, {121, 32}, {120, 31}}}, wantReason: ReasonNonFinite},
		{name: "longitude beyond 180", g: orb.Polygon{{{180, 31}, {181, 31}, {181, 32}, {180, 31}}}, wantReason: ReasonCoordinateOutOfRange},
		{name: "latitude beyond 90 with large longitude", g: orb.Polygon{{{120, 89}, {121, 89}, {121, 91}, {120, 89}}}, wantReason: ReasonCoordinateOutOfRange},
		{name: "swapped Jiangyin", g: orb.Polygon{{{31.8, 120.2}, {31.8, 120.3}, {31.9, 120.3}, {31.8, 120.2}}}, wantReason: ReasonLatLonSwapped, wantInMsg: "[lon, lat]"},
		{name: "bowtie", g: orb.Polygon{{{120, 31}, {121, 32}, {121, 31}, {120, 32}, {120, 31}}}, wantReason: ReasonSelfIntersection, wantInMsg: "edge 0-1 meets edge 2-3"},
		{name: "figure eight touching at a vertex", g: orb.Polygon{{{120, 31}, {121, 31}, {121, 32}, {121.5, 32}, {121.5, 31.5}, {121, 32}, {120, 32}, {120, 31}}}, wantReason: ReasonSelfIntersection},
		{name: "spike doubling back", g: orb.Polygon{{{120, 31}, {121, 31}, {121, 32}, {120.5, 32}, {120.5, 33}, {120.5, 32.5}, {120, 32}, {120, 31}}}, wantReason: ReasonSelfIntersection},
		{name: "closing edge overlaps the first", g: orb.Polygon{{{121, 31}, {122, 31}, {122, 32}, {123, 32}, {123, 31}, {121, 31}}}, wantReason: ReasonSelfIntersection},
		{name: "collinear triangle", g: orb.Polygon{{{120, 31}, {122, 31}, {121, 31}, {120, 31}}}, wantReason: ReasonSelfIntersection},
		{name: "crossing in a large ring", g: orb.Polygon{crossedRing(jaggedRing(2000, 1))}, wantReason: ReasonSelfIntersection},
		{name: "hole outside shell", g: orb.Polygon{square, {{122.2, 31.2}, {122.2, 31.8}, {122.8, 31.8}, {122.2, 31.2}}}, wantReason: ReasonHoleOutsideShell, wantInMsg: "ring 1 (hole)"},
		{name: "bad hole reported with its polygon", g: orb.MultiPolygon{{square}, {square, {{120.2, 31.2}, {120.3, 31.3}, {120.2, 31.2}}}}, wantReason: ReasonTooFewPoints, wantInMsg: "polygon 1 ring 1 (hole)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePolygonal(tt.g)
			if tt.wantReason == "" {
				if err != nil {
					t.Fatalf("ValidatePolygonal(%v) = %v, want nil", tt.name, err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("ValidatePolygonal(%v) = %v, want a *ValidationError with reason %s", tt.name, err, tt.wantReason)
			}
			if ve.Reason != tt.wantReason || !strings.Contains(ve.Message, tt.wantInMsg) {
				t.Errorf("ValidatePolygonal(%v) = %s: %q, want %s: message containing %q", tt.name, ve.Reason, ve.Message, tt.wantReason, tt.wantInMsg)
			}
		})
	}
}

// TestSelfIntersectionMatchesBruteForce compares the sweep with an
// all-pairs check on small random rings, most of which cross themselves.
func TestSelfIntersectionMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var crossing, simple int
	for i := range 5000 {
		n := 4 + rng.IntN(9)
		r := make(orb.Ring, n)
		for j := range r[:n-1] {
			// A coarse grid makes touching and collinear cases common.
			r[j] = orb.Point{float64(rng.IntN(5)), float64(rng.IntN(5))}
		}
		r[n-1] = r[0]
		edges := ringEdges(r)
		if len(edges) < 3 {
			continue
		}
		want := bruteForceSelfIntersection(r, slices.Clone(edges))
		_, _, got := findSelfIntersection(r, edges)
		if got != want {
			t.Fatalf("ring %d %v: sweep says %v, brute force says %v", i, r, got, want)
		}
		if got {
			crossing++
		} else {
			simple++
		}
	}
	if crossing == 0 || simple == 0 {
		t.Errorf("random rings: %d crossing, %d simple; want some of each", crossing, simple)
	}
}

// bruteForceSelfIntersection is the O(n²) reference for
// findSelfIntersection.
func bruteForceSelfIntersection(r orb.Ring, edges []edge) bool {
	for i := range edges {
		for j := i + 1; j < len(edges); j++ {
			if edgesMeet(r, edges[i], edges[j], len(edges)) {
				return true
			}
		}
	}
	return false
}

func TestNormalizeWinding(t *testing.T) {
	ccwHole := reversed(hole)
	cwSquare := reversed(square)
	tests := []struct {
		name string
		in   orb.Polygon
		want orb.Polygon
	}{
		{name: "already RFC 7946", in: orb.Polygon{square, hole}, want: orb.Polygon{square, hole}},
		{name: "both reversed", in: orb.Polygon{cwSquare, ccwHole}, want: orb.Polygon{square, hole}},
		{name: "exterior only", in: orb.Polygon{cwSquare}, want: orb.Polygon{square}},
		{name: "degenerate ring left alone", in: orb.Polygon{{{120, 31}, {121, 31}, {120, 31}}}, want: orb.Polygon{{{120, 31}, {121, 31}, {120, 31}}}},
		{name: "empty ring left alone", in: orb.Polygon{{}}, want: orb.Polygon{{}}},
		{name: "nil", in: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := clonePolygon(tt.in)
			got := NormalizeWinding(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NormalizeWinding(%v) = %v, want %v (-want +got):\n%s", tt.in, got, tt.want, diff)
			}
			if diff := cmp.Diff(before, tt.in); diff != "" {
				t.Errorf("NormalizeWinding modified its input (-before +after):\n%s", diff)
			}
		})
	}
}

func TestNormalizeWindingMulti(t *testing.T) {
	in := orb.MultiPolygon{{reversed(square), reversed(hole)}, {square}}
	want := orb.MultiPolygon{{square, hole}, {square}}
	if got := NormalizeWindingMulti(in); !cmp.Equal(got, want) {
		t.Errorf("NormalizeWindingMulti(%v) = %v, want %v", in, got, want)
	}
	if got := NormalizeWindingMulti(nil); got != nil {
		t.Errorf("NormalizeWindingMulti(nil) = %v, want nil", got)
	}
}

func FuzzReadFeatureCollection(f *testing.F) {
	// Seeds live in testdata/fuzz/FuzzReadFeatureCollection.
	f.Fuzz(func(t *testing.T, data []byte) {
		fc, err := ReadFeatureCollection(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidGeoJSON) {
				t.Fatalf("ReadFeatureCollection error %v does not wrap ErrInvalidGeoJSON", err)
			}
			return
		}
		for _, feat := range fc.Features {
			err := ValidatePolygonal(feat.Geometry)
			if err != nil {
				var ve *ValidationError
				if !errors.As(err, &ve) || ve.Reason == "" || ve.Message == "" {
					t.Fatalf("ValidatePolygonal(%v) = %#v, want a *ValidationError with reason and message", feat.Geometry, err)
				}
				continue
			}
			// Winding does not affect validity.
			var normalized orb.Geometry
			switch g := feat.Geometry.(type) {
			case orb.Polygon:
				normalized = NormalizeWinding(g)
			case orb.MultiPolygon:
				normalized = NormalizeWindingMulti(g)
			}
			if err := ValidatePolygonal(normalized); err != nil {
				t.Fatalf("ValidatePolygonal(NormalizeWinding(%v)) = %v, want nil as before normalising", feat.Geometry, err)
			}
		}
	})
}

// jaggedRing returns a closed, simple, counter-clockwise ring of n corners
// around Jiangyin, about 35 km across, whose radius wobbles like a real
// township boundary. It is star-shaped around its centre, so it cannot
// cross itself.
func jaggedRing(n int, seed uint64) orb.Ring {
	rng := rand.New(rand.NewPCG(seed, 42))
	centre := orb.Point{120.28, 31.84}
	r := make(orb.Ring, n+1)
	for i := range n {
		theta := 2 * math.Pi * float64(i) / float64(n)
		radius := 0.16 * (1 + 0.15*math.Sin(7*theta) + 0.05*rng.Float64())
		r[i] = orb.Point{centre[0] + radius*math.Cos(theta), centre[1] + radius*math.Sin(theta)}
	}
	r[n] = r[0]
	return r
}

// crossedRing returns a copy of r with two vertices a quarter of the ring
// apart swapped, which makes the ring cross itself.
func crossedRing(r orb.Ring) orb.Ring {
	out := r.Clone()
	i, j := len(r)/8, len(r)/8+len(r)/4
	out[i], out[j] = out[j], out[i]
	return out
}

func reversed(r orb.Ring) orb.Ring {
	out := r.Clone()
	out.Reverse()
	return out
}

func clonePolygon(p orb.Polygon) orb.Polygon {
	if p == nil {
		return nil
	}
	return p.Clone()
}

// BenchmarkValidatePolygonal validates a 2,000-vertex township-like ring;
// BenchmarkValidatePolygonalBruteForce is the all-pairs baseline for the
// self-intersection step, the dominant cost.
func BenchmarkValidatePolygonal(b *testing.B) {
	p := orb.Polygon{jaggedRing(2000, 1)}
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidatePolygonal(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidatePolygonalBruteForce(b *testing.B) {
	r := jaggedRing(2000, 1)
	b.ReportAllocs()
	for b.Loop() {
		if bruteForceSelfIntersection(r, ringEdges(r)) {
			b.Fatal("jagged ring reported as self-intersecting")
		}
	}
}
