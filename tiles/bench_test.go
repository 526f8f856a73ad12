package tiles_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/tiles"
	"github.com/gridwatch/gridwatch/tiles/mvt"
	"github.com/gridwatch/gridwatch/tiles/mvt/mvttest"
)

// BenchmarkCachePut measures what a miss adds to the build: gzip and ETag of the
// hexagon tile of the encoder's benchmark, a zoom 10 tile over Beijing.
func BenchmarkCachePut(b *testing.B) {
	t := mvt.Covering(orb.Point{116.4, 39.9}, 10)
	raw, err := mvt.Encode(t, mvt.Layer{Name: "coverage", Features: mvttest.Hexagons(t, 10_000)})
	if err != nil {
		b.Fatal(err)
	}
	c := tiles.NewCache(1 << 30)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	var v uint64
	for b.Loop() {
		v++
		c.Put(tiles.Key{Layer: "coverage", Tile: t, Version: v}, raw)
	}
}

func benchCache(b *testing.B) (*tiles.Cache, []tiles.Key) {
	c := tiles.NewCache(256 << 20)
	raw := make([]byte, 20_000)
	keys := make([]tiles.Key, 1000)
	for i := range keys {
		keys[i] = tiles.Key{Layer: "cases", Tile: mvt.Tile{Z: 14, X: uint32(13000 + i), Y: 6208}, Params: "scope=T01", Version: 3}
		c.Put(keys[i], raw)
	}
	return c, keys
}

// BenchmarkCacheGetHit looks up tiles held in a cache of 1,000.
func BenchmarkCacheGetHit(b *testing.B) {
	c, keys := benchCache(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := c.Get(keys[i%len(keys)]); !ok {
			b.Fatal("miss")
		}
		i++
	}
}

// BenchmarkCacheGetOrBuildHitParallel is the hot path of a tile server under load:
// GetOrBuild hits from every core.
func BenchmarkCacheGetOrBuildHitParallel(b *testing.B) {
	c, keys := benchCache(b)
	build := func(context.Context) ([]byte, error) { panic("miss") }
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.GetOrBuild(ctx, keys[i%len(keys)], build); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// benchPoints are positions over a 40 km city, as officers' positions would be.
func benchPoints() []orb.Point {
	rng := rand.New(rand.NewPCG(2, 2))
	ps := make([]orb.Point, 4096)
	for i := range ps {
		ps[i] = orb.Point{116.2 + 0.45*rng.Float64(), 39.75 + 0.35*rng.Float64()}
	}
	return ps
}

// BenchmarkVersionsTouch records a position at zooms 0 to 16.
func BenchmarkVersionsTouch(b *testing.B) {
	v, err := tiles.NewVersions(tiles.DefaultVersionsConfig())
	if err != nil {
		b.Fatal(err)
	}
	ps := benchPoints()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v.Touch("tracks", ps[i%len(ps)])
		i++
	}
}

// BenchmarkVersionsTouchBound records a township-sized change (about 8.5 × 11 km).
func BenchmarkVersionsTouchBound(b *testing.B) {
	v, err := tiles.NewVersions(tiles.DefaultVersionsConfig())
	if err != nil {
		b.Fatal(err)
	}
	box := orb.Bound{Min: orb.Point{116.35, 39.85}, Max: orb.Point{116.45, 39.95}}
	b.ReportAllocs()
	for b.Loop() {
		v.TouchBound("townships", box)
	}
}

// BenchmarkVersionsVersion reads the version of a zoom 15 tile, as every request does.
func BenchmarkVersionsVersion(b *testing.B) {
	v, err := tiles.NewVersions(tiles.DefaultVersionsConfig())
	if err != nil {
		b.Fatal(err)
	}
	ps := benchPoints()
	ts := make([]mvt.Tile, len(ps))
	for i, p := range ps {
		v.Touch("cases", p)
		ts[i] = mvt.Covering(p, 15)
	}
	// A large import once, so that Version also reads an area counter.
	v.TouchBound("cases", orb.Bound{Min: orb.Point{115.9, 39.4}, Max: orb.Point{117.1, 40.4}})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v.Version("cases", ts[i%len(ts)])
		i++
	}
}
