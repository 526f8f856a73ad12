// Package tiles is the pure core of gridwatch's vector tile server: tile coordinates,
// encoding of WGS-84 features into Mapbox Vector Tiles (MVT 2.1), a bounded in-memory
// cache of encoded tiles, and per-tile data versions that let a change invalidate exactly
// the tiles it touches.
//
// The pieces fit together like this on a request for /tiles/{layer}/{z}/{x}/{y}.mvt:
//
//	t, err := tiles.ParseTile(z, x, y)               // outside input: apperr.Invalid on error
//	key := tiles.Key{Layer: layer, Tile: t, Params: canonicalParams,
//		Version: versions.Version(layer, t)}          // read the version BEFORE querying
//	entry, err := cache.GetOrBuild(ctx, key, func(ctx context.Context) ([]byte, error) {
//		features := ...                              // query the layer's rows in t's buffered bound
//		return tiles.Encode(t, tiles.Layer{Name: layer, Features: features})
//	})
//	// len(entry.Raw) == 0 → 204; otherwise entry.Raw or entry.Gzip with its ETag.
//
// and on a write: commit the change to the database first, then call
// [Versions.Touch] (a point), [Versions.TouchBound] (a line, polygon or import) or
// [Versions.TouchLayer] (anything global) so the affected tiles get new versions, miss
// the cache and get new ETags, while every other tile stays cached.
//
// Coordinates: features come in WGS-84 (SRID 4326) [lon, lat]; tiles are XYZ
// (Web Mercator, y down from the north, as in OSM and MapLibre). Inside a tile, MVT
// coordinates run from 0 to the layer's extent (4096 by default) with y down, and every
// tile carries a buffer of [BufferPixels] (64 of 4096, i.e. 1/64 of the tile's width)
// around it, the same as pg_tileserv's ST_AsMVTGeom(..., 4096, 64, true).
//
// Nothing here touches a database, the network or cgo; the package has no
// package-level mutable state.
package tiles
