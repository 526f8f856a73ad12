// Package mvttest builds geometry in tile coordinates for the tests and benchmarks of
// package mvt and of the packages that serve its tiles.
package mvttest

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// Pixel returns the WGS-84 [lon, lat] position of point (x, y) of tile t, in units of a
// 4096 extent from the tile's north-west corner, y down.
func Pixel(t mvt.Tile, x, y float64) orb.Point {
	n := math.Exp2(float64(t.Z))
	fx := (float64(t.X) + x/4096) / n
	fy := (float64(t.Y) + y/4096) / n
	return orb.Point{fx*360 - 180, math.Atan(math.Sinh(math.Pi*(1-2*fy))) * 180 / math.Pi}
}

// Hexagons returns n hexagonal cells tiling tile t and a little beyond its edges, like
// the H3 cells of a coverage layer: WGS-84 rings wound counter-clockwise (as H3 and RFC
// 7946 wind them), an ID and three properties each.
func Hexagons(t mvt.Tile, n int) []mvt.Feature {
	// cols·1.5r = rows·√3r = span, rows·cols >= n.
	cols := int(math.Ceil(math.Sqrt(float64(n) * 2 / math.Sqrt(3))))
	const span = 4096 + 2*48 // a little wider than the tile
	r := span / (1.5 * float64(cols))
	h := math.Sqrt(3) * r
	out := make([]mvt.Feature, 0, n)
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
			ring = append(ring, Pixel(t, cx+r*math.Cos(a), cy+r*math.Sin(a)))
		}
		ring = append(ring, ring[0])
		out = append(out, mvt.Feature{
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
