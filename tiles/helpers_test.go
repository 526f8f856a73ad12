package tiles_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/tiles"
)

// hexagons returns n hexagonal cells tiling tile t and a little beyond its edges, like
// the H3 cells of a coverage layer: WGS-84 rings wound counter-clockwise (as H3 and RFC
// 7946 wind them), an ID and three properties each.
func hexagons(t tiles.Tile, n int) []tiles.Feature {
	// cols·1.5r = rows·√3r = span, rows·cols >= n.
	cols := int(math.Ceil(math.Sqrt(float64(n) * 2 / math.Sqrt(3))))
	const span = 4096 + 2*48 // a little wider than the tile
	r := span / (1.5 * float64(cols))
	h := math.Sqrt(3) * r
	out := make([]tiles.Feature, 0, n)
	for i := 0; len(out) < n; i++ {
		col, row := i%cols, i/cols
		cx := -48 + float64(col)*1.5*r
		cy := -48 + float64(row)*h
		if col%2 == 1 {
			cy += h / 2
		}
		ring := make(orb.Ring, 0, 7)
		for k := range 6 {
			a := -float64(k) * math.Pi / 3 // negative: counter-clockwise once y points north
			ring = append(ring, px(t, cx+r*math.Cos(a), cy+r*math.Sin(a)))
		}
		ring = append(ring, ring[0])
		out = append(out, tiles.Feature{
			ID:       uint64(i + 1),
			Geometry: orb.Polygon{ring},
			Properties: map[string]any{
				"h3":       fmt.Sprintf("89%013x", i),
				"visits":   i % 17,
				"township": "T01",
			},
		})
	}
	return out
}

// points returns n random case-like points inside tile t.
func points(t tiles.Tile, n int, rng *rand.Rand) []tiles.Feature {
	sectors := []string{"urban_management", "work_safety", "environment", "traffic"}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]tiles.Feature, n)
	for i := range out {
		out[i] = tiles.Feature{
			ID:       uint64(i + 1),
			Geometry: px(t, rng.Float64()*4096, rng.Float64()*4096),
			Properties: map[string]any{
				"sector":      sectors[i%len(sectors)],
				"status":      "reported",
				"reported_at": start.Add(time.Duration(i) * time.Minute),
				"priority":    i % 3,
			},
		}
	}
	return out
}
