package tiles_test

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/tiles"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// Example shows the request path (version, then cache, then build) and the write path
// (commit, then touch).
func Example() {
	versions, _ := tiles.NewVersions(tiles.DefaultVersionsConfig())
	cache := tiles.NewCache(64 << 20)
	at := orb.Point{116.3975, 39.9087}
	cases := []mvt.Feature{{ID: 1, Geometry: at}}

	serve := func(t mvt.Tile) string {
		key := tiles.Key{Layer: "cases", Tile: t, Params: "", Version: versions.Version("cases", t)}
		e, _ := cache.GetOrBuild(context.Background(), key, func(ctx context.Context) ([]byte, error) {
			return mvt.Encode(t, mvt.Layer{Name: "cases", Features: cases})
		})
		return e.ETag
	}
	here, there := mvt.Covering(at, 15), mvt.Covering(orb.Point{121.47, 31.23}, 15)
	hereTag, thereTag := serve(here), serve(there)

	// A new case next to the first: committed, then touched.
	p := orb.Point{116.3976, 39.9088}
	cases = append(cases, mvt.Feature{ID: 2, Geometry: p})
	versions.Touch("cases", p)

	fmt.Println("touched tile has a new ETag:", serve(here) != hereTag)
	fmt.Println("far tile keeps its ETag:", serve(there) == thereTag)
	fmt.Printf("builds: %d\n", cache.Stats().Builds)
	// Output:
	// touched tile has a new ETag: true
	// far tile keeps its ETag: true
	// builds: 3
}
