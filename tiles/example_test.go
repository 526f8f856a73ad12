package tiles_test

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/tiles"
)

func ExampleParseTile() {
	t, err := tiles.ParseTile("14", "13490", "6208")
	fmt.Println(t, err)
	_, err = tiles.ParseTile("14", "13490", "99999")
	fmt.Println(err)
	// Output:
	// 14/13490/6208 <nil>
	// invalid: tile y "99999" is not a whole number from 0 to 16383 at zoom 14
}

func ExampleTilesAt() {
	for _, t := range tiles.TilesAt(orb.Point{116.3975, 39.9087}, 10, 13) {
		fmt.Println(t)
	}
	// Output:
	// 10/843/388
	// 11/1686/776
	// 12/3372/1552
	// 13/6744/3104
}

func ExampleEncode() {
	t := tiles.Covering(orb.Point{116.3975, 39.9087}, 14)
	data, err := tiles.Encode(t, tiles.Layer{Name: "cases", Features: []tiles.Feature{{
		ID:         17,
		Geometry:   orb.Point{116.3975, 39.9087},
		Properties: map[string]any{"sector": "work_safety", "open": true},
	}}})
	fmt.Println(len(data) > 0, err)

	// Nothing in the tile: no bytes, for a 204.
	data, err = tiles.Encode(t, tiles.Layer{Name: "cases"})
	fmt.Println(data == nil, err)
	// Output:
	// true <nil>
	// true <nil>
}

// Example shows the request path (version, then cache, then build) and the write path
// (commit, then touch).
func Example() {
	versions, _ := tiles.NewVersions(tiles.DefaultVersionsConfig())
	cache := tiles.NewCache(64 << 20)
	at := orb.Point{116.3975, 39.9087}
	cases := []tiles.Feature{{ID: 1, Geometry: at}}

	serve := func(t tiles.Tile) string {
		key := tiles.Key{Layer: "cases", Tile: t, Params: "", Version: versions.Version("cases", t)}
		e, _ := cache.GetOrBuild(context.Background(), key, func(ctx context.Context) ([]byte, error) {
			return tiles.Encode(t, tiles.Layer{Name: "cases", Features: cases})
		})
		return e.ETag
	}
	here, there := tiles.Covering(at, 15), tiles.Covering(orb.Point{121.47, 31.23}, 15)
	hereTag, thereTag := serve(here), serve(there)

	// A new case next to the first: committed, then touched.
	p := orb.Point{116.3976, 39.9088}
	cases = append(cases, tiles.Feature{ID: 2, Geometry: p})
	versions.Touch("cases", p)

	fmt.Println("touched tile has a new ETag:", serve(here) != hereTag)
	fmt.Println("far tile keeps its ETag:", serve(there) == thereTag)
	fmt.Printf("builds: %d\n", cache.Stats().Builds)
	// Output:
	// touched tile has a new ETag: true
	// far tile keeps its ETag: true
	// builds: 3
}
