package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// Lengths on the sphere of radius EarthRadiusMeters: one degree of arc is
// R·π/180 = 111,195.08 m.
const (
	degreeMeters  = EarthRadiusMeters * math.Pi / 180
	quarterMeters = EarthRadiusMeters * math.Pi / 2
)

func TestDistanceMeters(t *testing.T) {
	tests := []struct {
		name string
		a, b orb.Point
		want float64
		tol  float64
	}{
		{name: "same point", a: orb.Point{120.28, 31.84}, b: orb.Point{120.28, 31.84}, want: 0, tol: 0},
		{name: "one degree of latitude", a: orb.Point{120, 31}, b: orb.Point{120, 32}, want: 111195.08, tol: 0.01},
		{name: "one degree of longitude on the equator", a: orb.Point{0, 0}, b: orb.Point{1, 0}, want: 111195.08, tol: 0.01},
		{name: "one degree of longitude at 60°N is half", a: orb.Point{10, 60}, b: orb.Point{11, 60}, want: 55596.98, tol: 5},
		{name: "equator to pole", a: orb.Point{120, 0}, b: orb.Point{0, 90}, want: quarterMeters, tol: 1e-6},
		{name: "antipodes", a: orb.Point{0, 0}, b: orb.Point{180, 0}, want: 2 * quarterMeters, tol: 1e-6},
		{name: "across the antimeridian", a: orb.Point{179.5, 0}, b: orb.Point{-179.5, 0}, want: degreeMeters, tol: 1e-6},
		{name: "symmetric", a: orb.Point{-179.5, 0}, b: orb.Point{179.5, 0}, want: degreeMeters, tol: 1e-6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DistanceMeters(tt.a, tt.b); math.Abs(got-tt.want) > tt.tol {
				t.Errorf("DistanceMeters(%v, %v) = %.3f, want %.3f ± %g", tt.a, tt.b, got, tt.want, tt.tol)
			}
		})
	}
}

// TestDistanceMatchesOrb cross-checks against orb's independent haversine,
// which uses the equatorial radius: rescaled, the two must agree.
func TestDistanceMatchesOrb(t *testing.T) {
	pairs := [][2]orb.Point{
		{{120.2853, 31.9108}, {121.4737, 31.2304}}, // Jiangyin - Shanghai
		{{116.4074, 39.9042}, {-0.1276, 51.5072}},  // Beijing - London
		{{-74.006, 40.7128}, {151.2093, -33.8688}}, // New York - Sydney
		{{120.28, 31.84}, {120.2801, 31.8401}},     // about 14 m
	}
	for _, p := range pairs {
		want := orbgeo.DistanceHaversine(p[0], p[1]) * EarthRadiusMeters / orb.EarthRadius
		got := DistanceMeters(p[0], p[1])
		if math.Abs(got-want) > 1e-6*max(1, want) {
			t.Errorf("DistanceMeters(%v, %v) = %.3f, want %.3f", p[0], p[1], got, want)
		}
	}
}

func TestBearingDegrees(t *testing.T) {
	tests := []struct {
		name string
		a, b orb.Point
		want float64
	}{
		{name: "north", a: orb.Point{120, 31}, b: orb.Point{120, 32}, want: 0},
		{name: "east on the equator", a: orb.Point{0, 0}, b: orb.Point{1, 0}, want: 90},
		{name: "south", a: orb.Point{120, 32}, b: orb.Point{120, 31}, want: 180},
		{name: "west on the equator", a: orb.Point{1, 0}, b: orb.Point{0, 0}, want: 270},
		// From the equator to (1°, 1°) the bearing is atan(cos 1°).
		{name: "north-east", a: orb.Point{0, 0}, b: orb.Point{1, 1}, want: math.Atan(math.Cos(math.Pi/180)) * 180 / math.Pi},
		{name: "east across the antimeridian", a: orb.Point{179.5, 0}, b: orb.Point{-179.5, 0}, want: 90},
		{name: "coincident points", a: orb.Point{120, 31}, b: orb.Point{120, 31}, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BearingDegrees(tt.a, tt.b)
			if math.Abs(got-tt.want) > 1e-9 || got < 0 || got >= 360 {
				t.Errorf("BearingDegrees(%v, %v) = %.10f, want %.10f", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestDestination(t *testing.T) {
	tests := []struct {
		name       string
		p          orb.Point
		bearingDeg float64
		distMeters float64
		want       orb.Point
	}{
		{name: "zero distance", p: orb.Point{120.28, 31.84}, bearingDeg: 45, distMeters: 0, want: orb.Point{120.28, 31.84}},
		{name: "one degree north", p: orb.Point{120, 31}, bearingDeg: 0, distMeters: degreeMeters, want: orb.Point{120, 32}},
		{name: "one degree east on the equator", p: orb.Point{0, 0}, bearingDeg: 90, distMeters: degreeMeters, want: orb.Point{1, 0}},
		{name: "one degree south", p: orb.Point{120, 32}, bearingDeg: 180, distMeters: degreeMeters, want: orb.Point{120, 31}},
		{name: "wraps the antimeridian", p: orb.Point{179.5, 0}, bearingDeg: 90, distMeters: degreeMeters, want: orb.Point{-179.5, 0}},
		{name: "negative bearing is west", p: orb.Point{-179.5, 0}, bearingDeg: -90, distMeters: degreeMeters, want: orb.Point{179.5, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Destination(tt.p, tt.bearingDeg, tt.distMeters)
			if math.Abs(got[0]-tt.want[0]) > 1e-9 || math.Abs(got[1]-tt.want[1]) > 1e-9 {
				t.Errorf("Destination(%v, %v, %v) = %v, want %v", tt.p, tt.bearingDeg, tt.distMeters, got, tt.want)
			}
		})
	}
}

// TestDestinationInvertsDistanceAndBearing checks that going from a at the
// bearing to b, for the distance to b, arrives at b.
func TestDestinationInvertsDistanceAndBearing(t *testing.T) {
	pairs := [][2]orb.Point{
		{{120.2853, 31.9108}, {120.45, 31.75}},
		{{120.28, 31.84}, {120.2801, 31.8401}},
		{{116.4074, 39.9042}, {-0.1276, 51.5072}},
	}
	for _, p := range pairs {
		a, b := p[0], p[1]
		got := Destination(a, BearingDegrees(a, b), DistanceMeters(a, b))
		if d := DistanceMeters(got, b); d > 1e-3 {
			t.Errorf("Destination(%v, BearingDegrees, DistanceMeters) = %v, want %v, off by %.3g m", a, got, b, d)
		}
	}
}

func BenchmarkDistanceMeters(b *testing.B) {
	p, q := orb.Point{120.2853, 31.9108}, orb.Point{120.45, 31.75}
	b.ReportAllocs()
	for b.Loop() {
		DistanceMeters(p, q)
	}
}
