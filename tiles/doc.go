// Package tiles serves gridwatch's vector tiles at /tiles/{layer}/{z}/{x}/{y}.mvt: the
// layers (townships, grid areas, cells, cases, patrol coverage and tracks, hot spots and
// blind zones) that read a tile's features from the stores owning the data, a bounded
// in-memory cache of encoded tiles, per-tile data versions that let a change invalidate
// exactly the tiles it touches, the MapLibre style and TileJSON, and the HTTP handlers.
// Tile math and the MVT encoder are the pure package [github.com/gridwatch/gridwatch/tiles/mvt].
// This package holds no SQL: each layer reads through a small interface of its need
// ([Grid], [Cases], [Coverage], [Tracks], [Analyses]), which package app fills with the
// owners' stores; through package grid it uses h3 (cgo).
//
// The pieces fit together like this on a request for /tiles/{layer}/{z}/{x}/{y}.mvt:
//
//	t, err := mvt.ParseTile(z, x, y)          // outside input: apperr.Invalid on error
//	query, build, err := layer.parse(ctx, r.URL.Query(),
//		Request{Tile: t, Caller: who, Officer: officer, Now: now}) // once: typed, validated
//	key := Key{Layer: name, Tile: t, Params: query.String(),
//		Version: versions.Version(name, t)}   // read the version BEFORE querying
//	entry, err := cache.GetOrBuild(ctx, key, func(ctx context.Context) ([]byte, error) {
//		features, err := build(ctx)           // the layer's rows in t's buffered bound
//		return mvt.Encode(t, mvt.Layer{Name: name, Features: features})
//	})
//	// len(entry.Raw) == 0 → 204; otherwise entry.Raw or entry.Gzip with its ETag.
//
// and on a write: commit the change to the database first, then call
// [Versions.Touch] (a point), [Versions.TouchBound] (a line, polygon or import) or
// [Versions.TouchLayer] (anything global) so the affected tiles get new versions, miss
// the cache and get new ETags, while every other tile stays cached.
//
// Each layer is a [Source] whose query parameters parse, once per request, into a typed
// value; a [Query] of it is what the cache keys by (see Server.tile in http.go).
//
// The package has no package-level mutable state.
package tiles
