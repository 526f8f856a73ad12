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

// bufferedBound is the area a tile draws, in WGS-84.
func bufferedBound(t mvt.Tile) orb.Bound {
	return t.BoundWithBuffer(mvt.BufferPixels, mvt.DefaultExtent)
}

// polygonLayer draws the townships or the grid areas (a grid.Level).
type polygonLayer struct {
	grid  Grid
	level string
}

func (l polygonLayer) Parse(context.Context, url.Values, Request) (noParams, error) {
	return noParams{}, nil
}

func (l polygonLayer) Fields() map[string]string {
	f := map[string]string{"code": "String", "name": "String", "township": "String"}
	if l.level == grid.LevelGrid {
		f["squadron"] = "String"
	}
	return f
}

func (l polygonLayer) Features(ctx context.Context, r Request, _ noParams) ([]mvt.Feature, error) {
	areas, err := l.grid.AreaShapes(ctx, l.level, bufferedBound(r.Tile), simplifyTolerance(r.Tile.Z), r.Caller.Township)
	if err != nil {
		return nil, err
	}
	out := make([]mvt.Feature, 0, len(areas))
	for i, a := range areas {
		props := map[string]any{"code": a.Code, "name": a.Name, "township": a.Township}
		if l.level == grid.LevelGrid {
			props["squadron"] = a.Squadron
		}
		out = append(out, mvt.Feature{ID: uint64(i + 1), Geometry: a.Geom, Properties: props})
	}
	return out, nil
}

// cellLayer draws the H3 cells with their township and grid area, rolled up to parent
// cells (with a count of cells) below zoom 12.
type cellLayer struct {
	grid Grid
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
	cells, err := l.grid.CellRollup(ctx, bufferedBound(r.Tile), rollupResolution(r.Tile.Z, cityRes), r.Caller.Township)
	if err != nil {
		return nil, err
	}
	out := make([]mvt.Feature, 0, len(cells))
	for i, c := range cells {
		out = append(out, mvt.Feature{ID: uint64(i + 1), Geometry: grid.Geometry(c.H3).Boundary, Properties: map[string]any{
			"h3": c.H3.String(), "township": c.Township, "grid": c.GridArea, "cells": c.Cells, "resolution": c.H3.Resolution(),
		}})
	}
	return out, nil
}

// caseLayer draws cases as points with sector, status and time; below zoom 12, clusters
// (one point per parent cell, at its centre, with a count).
type caseLayer struct {
	db   *pgxpool.Pool
	grid Grid
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
	args := []any{b.Min[0], b.Min[1], b.Max[0], b.Max[1], r.Caller.Township, p.Sector, p.Status, nullTime(p.From), nullTime(p.To), r.Officer}
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
