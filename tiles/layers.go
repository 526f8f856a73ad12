package tiles

import (
	"context"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// rollupResolution is the H3 resolution cells are shown at on a tile of zoom z: parents
// with summed counts below zoom 12, so that a low-zoom tile holds a few thousand features
// at most, never the whole city's cells.
func rollupResolution(z uint32, cityRes int) int {
	var r int
	switch {
	case z >= 12:
		return cityRes
	case z >= 11:
		r = 8
	case z >= 10:
		r = 7
	case z >= 8:
		r = 6
	default:
		r = 5
	}
	return min(r, cityRes)
}

// RollupCells returns c and its parents at every resolution a roll-up shows it at: the
// cells whose hexagons change when c's numbers do.
func RollupCells(c grid.Cell) []grid.Cell {
	out := []grid.Cell{c}
	for _, r := range []int{8, 7, 6, 5} {
		if r < c.Resolution() {
			out = append(out, c.Parent(r))
		}
	}
	return out
}

// simplifyTolerance is half a pixel of the tile in degrees: detail finer than that does
// not show.
func simplifyTolerance(z uint32) float64 { return 360.0 / 256 / math.Pow(2, float64(z)) / 2 }

// bufferedBound is the area a tile draws, in WGS-84, as PostGIS arguments.
func bufferedBound(t mvt.Tile) [4]float64 {
	b := t.BoundWithBuffer(mvt.BufferPixels, mvt.DefaultExtent)
	return [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
}

// polygonLayer draws a table of named polygons (townships, grid areas).
type polygonLayer struct {
	db    *pgxpool.Pool
	query string // $1-$4 bound, $5 tolerance, $6 township ("" = all); selects code, name, township, extra, wkb
	extra string // name of the fourth column's property
}

func (l polygonLayer) Parse(context.Context, url.Values, Request) (noParams, error) {
	return noParams{}, nil
}

func (l polygonLayer) Fields() map[string]string {
	f := map[string]string{"code": "String", "name": "String", "township": "String"}
	if l.extra != "" {
		f[l.extra] = "String"
	}
	return f
}

func (l polygonLayer) Features(ctx context.Context, r Request, _ noParams) ([]mvt.Feature, error) {
	b := bufferedBound(r.Tile)
	rows, err := l.db.Query(ctx, l.query, b[0], b[1], b[2], b[3], simplifyTolerance(r.Tile.Z), r.Caller.Township)
	if err != nil {
		return nil, pgdb.Translate(err, "tile")
	}
	defer rows.Close()
	var out []mvt.Feature
	for rows.Next() {
		var code, name, township string
		var extra *string
		var geom []byte
		if err := rows.Scan(&code, &name, &township, &extra, &geom); err != nil {
			return nil, pgdb.Translate(err, "tile")
		}
		g, err := wkb.Unmarshal(geom)
		if err != nil {
			return nil, err
		}
		props := map[string]any{"code": code, "name": name, "township": township}
		if l.extra != "" {
			props[l.extra] = extra
		}
		out = append(out, mvt.Feature{ID: uint64(len(out) + 1), Geometry: g, Properties: props})
	}
	return out, pgdb.Translate(rows.Err(), "tile")
}

// townshipQuery and gridQuery feed polygonLayer.
const (
	townshipQuery = `
		SELECT code, name, code, NULL::text, ST_AsBinary(ST_SimplifyPreserveTopology(geom, $5))
		FROM townships
		WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND ($6 = '' OR code = $6)
		ORDER BY code`
	gridQuery = `
		SELECT code, name, township, squadron, ST_AsBinary(ST_SimplifyPreserveTopology(geom, $5))
		FROM grid_areas
		WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND ($6 = '' OR township = $6)
		ORDER BY code`
)

// cellLayer draws the H3 cells with their township and grid area, rolled up to parent
// cells (with a count of cells) below zoom 12.
type cellLayer struct {
	db   *pgxpool.Pool
	grid *grid.Store
}

func (l cellLayer) Parse(context.Context, url.Values, Request) (noParams, error) {
	return noParams{}, nil
}

func (l cellLayer) Fields() map[string]string {
	return map[string]string{"h3": "String", "township": "String", "grid": "String", "cells": "Number", "resolution": "Number"}
}

func (l cellLayer) Features(ctx context.Context, r Request, _ noParams) ([]mvt.Feature, error) {
	cityRes, err := l.grid.Resolution(ctx)
	if err != nil || cityRes == 0 {
		return nil, err
	}
	res := rollupResolution(r.Tile.Z, cityRes)
	b := bufferedBound(r.Tile)
	// A parent index is parents[res + 1] (1-based array); at the city resolution the cell.
	rows, err := l.db.Query(ctx, `
		SELECT CASE WHEN $5 >= cardinality(parents) THEN h3 ELSE parents[$5 + 1] END AS cell,
		       min(township), CASE WHEN count(*) = 1 THEN min(grid_area) END, count(*)::int
		FROM cells
		WHERE center && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND ($6 = '' OR township = $6)
		GROUP BY 1 ORDER BY 1`, b[0], b[1], b[2], b[3], res, r.Caller.Township)
	if err != nil {
		return nil, pgdb.Translate(err, "tile")
	}
	defer rows.Close()
	var out []mvt.Feature
	for rows.Next() {
		var cell int64
		var township string
		var gridArea *string
		var n int
		if err := rows.Scan(&cell, &township, &gridArea, &n); err != nil {
			return nil, pgdb.Translate(err, "tile")
		}
		c := grid.Cell(cell)
		out = append(out, mvt.Feature{ID: uint64(len(out) + 1), Geometry: grid.Geometry(c).Boundary, Properties: map[string]any{
			"h3": c.String(), "township": township, "grid": gridArea, "cells": n, "resolution": c.Resolution(),
		}})
	}
	return out, pgdb.Translate(rows.Err(), "tile")
}

// caseLayer draws cases as points with sector, status and time; below zoom 12, clusters
// (one point per parent cell, at its centre, with a count).
type caseLayer struct {
	db   *pgxpool.Pool
	grid *grid.Store
}

// caseParams are the filters of the cases layer: sector and status ("" = any) and the
// reporting window [From, To), each end open when zero.
type caseParams struct {
	Sector, Status string
	From, To       time.Time
}

// String returns the filters as a sorted query string, times in UTC.
func (p caseParams) String() string {
	v := url.Values{}
	for k, s := range map[string]string{"sector": p.Sector, "status": p.Status} {
		if s != "" {
			v.Set(k, s)
		}
	}
	for k, t := range map[string]time.Time{"from": p.From, "to": p.To} {
		if !t.IsZero() {
			v.Set(k, t.UTC().Format(time.RFC3339Nano))
		}
	}
	return v.Encode()
}

// Parse reads sector, status, from and to. Errors: invalid for a time that is not RFC
// 3339.
func (l caseLayer) Parse(_ context.Context, q url.Values, _ Request) (caseParams, error) {
	p := caseParams{Sector: q.Get("sector"), Status: q.Get("status")}
	var err error
	if p.From, err = httpx.QueryTime(q, "from", time.Time{}); err != nil {
		return p, err
	}
	p.To, err = httpx.QueryTime(q, "to", time.Time{})
	return p, err
}

func (l caseLayer) Fields() map[string]string {
	return map[string]string{"id": "Number", "sector": "String", "status": "String", "reported_at": "String",
		"township": "String", "count": "Number"}
}

func (l caseLayer) Features(ctx context.Context, r Request, p caseParams) ([]mvt.Feature, error) {
	b := bufferedBound(r.Tile)
	args := []any{b[0], b[1], b[2], b[3], r.Caller.Township, p.Sector, p.Status, nullTime(p.From), nullTime(p.To), r.Officer}
	const where = `geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND ($5 = '' OR township = $5)
		AND ($6 = '' OR sector = $6 OR ($6 = 'non_core' AND sector IN (SELECT code FROM sectors WHERE NOT core)))
		AND ($7 = '' OR status = $7) AND ($8::timestamptz IS NULL OR reported_at >= $8) AND ($9::timestamptz IS NULL OR reported_at < $9)
		AND ($10 = '' OR officer = $10)`
	if r.Tile.Z < 12 {
		return l.clusters(ctx, rollupRes(r.Tile.Z), where, args)
	}
	rows, err := l.db.Query(ctx, `SELECT id, sector, status, reported_at, coalesce(township, ''), lon, lat FROM cases WHERE `+where+
		` ORDER BY id LIMIT `+strconv.Itoa(MaxCasePoints+1), args...)
	if err != nil {
		return nil, pgdb.Translate(err, "tile")
	}
	defer rows.Close()
	var out []mvt.Feature
	for rows.Next() {
		var id int64
		var sector, status, township string
		var at time.Time
		var p orb.Point
		if err := rows.Scan(&id, &sector, &status, &at, &township, &p[0], &p[1]); err != nil {
			return nil, pgdb.Translate(err, "tile")
		}
		out = append(out, mvt.Feature{ID: uint64(id), Geometry: p, Properties: map[string]any{
			"id": id, "sector": sector, "status": status, "reported_at": at, "township": township, "count": 1,
		}})
	}
	if err := rows.Err(); err != nil {
		return nil, pgdb.Translate(err, "tile")
	}
	if len(out) > MaxCasePoints {
		// Too dense to draw point by point within the tile's size budget: one point per
		// cell of the city's resolution instead.
		return l.clusters(ctx, func(cityRes int) int { return cityRes }, where, args)
	}
	return out, nil
}

// MaxCasePoints is the size budget of a case tile: beyond this many points (about 150 KB)
// a tile shows one point per cell with a count instead.
const MaxCasePoints = 5000

// rollupRes returns the cluster resolution of a zoom as a function of the city's.
func rollupRes(z uint32) func(cityRes int) int {
	return func(cityRes int) int { return rollupResolution(z, cityRes) }
}

// clusters groups the cases of a tile by the cell of the given resolution.
func (l caseLayer) clusters(ctx context.Context, resolution func(cityRes int) int, where string, args []any) ([]mvt.Feature, error) {
	cityRes, err := l.grid.Resolution(ctx)
	if err != nil {
		return nil, err
	}
	if cityRes == 0 {
		cityRes = grid.DefaultResolution
	}
	res := resolution(cityRes)
	rows, err := l.db.Query(ctx, `SELECT h3, count(*)::int FROM cases WHERE `+where+` GROUP BY h3`, args...)
	if err != nil {
		return nil, pgdb.Translate(err, "tile")
	}
	counts := map[grid.Cell]int{}
	for rows.Next() {
		var cell int64
		var n int
		if err := rows.Scan(&cell, &n); err != nil {
			rows.Close()
			return nil, pgdb.Translate(err, "tile")
		}
		counts[grid.Cell(cell).Parent(res)] += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, pgdb.Translate(err, "tile")
	}
	out := make([]mvt.Feature, 0, len(counts))
	for c, n := range counts {
		out = append(out, mvt.Feature{Geometry: grid.Geometry(c).Center, Properties: map[string]any{"h3": c.String(), "count": n}})
	}
	// Map order is random: sort, so that a tile's bytes (and ETag) depend on data only.
	slices.SortFunc(out, func(a, b mvt.Feature) int {
		return strings.Compare(a.Properties["h3"].(string), b.Properties["h3"].(string))
	})
	for i := range out {
		out[i].ID = uint64(i + 1)
	}
	return out, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
