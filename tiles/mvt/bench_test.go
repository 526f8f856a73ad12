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

// benchEncode encodes fs into tile t as one layer, as many times as b asks.
func benchEncode(b *testing.B, t mvt.Tile, name string, fs []mvt.Feature) {
	b.ReportAllocs()
	var size int
	for b.Loop() {
		data, err := mvt.Encode(t, mvt.Layer{Name: name, Features: fs})
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "tile-bytes")
}

// BenchmarkEncodeHexagonsZ10 encodes 10,000 hexagons with three properties each into a
// zoom 10 tile, as the coverage layer of a city would be.
func BenchmarkEncodeHexagonsZ10(b *testing.B) {
	benchEncode(b, benchZ10, "coverage", mvttest.Hexagons(benchZ10, 10_000))
}

// BenchmarkEncodePointsZ14 encodes 2,000 case points with four properties into a zoom
// 14 tile.
func BenchmarkEncodePointsZ14(b *testing.B) {
	benchEncode(b, benchZ14, "cases", points(benchZ14, 2000, rand.New(rand.NewPCG(1, 1))))
}
