package mvt_test

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/tiles/mvt"
	"github.com/gridwatch/gridwatch/tiles/mvt/mvttest"
)

// benchZ10 is a zoom 10 tile over Beijing (about 30 km across), benchZ14 a zoom 14 one.
var (
	benchZ10 = mvt.Covering(orb.Point{116.4, 39.9}, 10)
	benchZ14 = mvt.Covering(orb.Point{116.4, 39.9}, 14)
)

// BenchmarkEncodeHexagonsZ10 encodes 10,000 hexagons with three properties each into a
// zoom 10 tile, as the coverage layer of a city would be.
func BenchmarkEncodeHexagonsZ10(b *testing.B) {
	fs := mvttest.Hexagons(benchZ10, 10_000)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		data, err := mvt.Encode(benchZ10, mvt.Layer{Name: "coverage", Features: fs})
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "tile-bytes")
}

// BenchmarkEncodePointsZ14 encodes 2,000 case points with four properties into a zoom
// 14 tile.
func BenchmarkEncodePointsZ14(b *testing.B) {
	fs := points(benchZ14, 2000, rand.New(rand.NewPCG(1, 1)))
	b.ReportAllocs()
	var size int
	for b.Loop() {
		data, err := mvt.Encode(benchZ14, mvt.Layer{Name: "cases", Features: fs})
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "tile-bytes")
}
