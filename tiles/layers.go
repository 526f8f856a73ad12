package tiles

import (
	"context"
	"math"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/patrol/cases"
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

// Rollup records changes of the numbers of cells in a roll-up layer (coverage) in a
// Versions. It remembers the bounds of up to maxBounds cells, since computing a
// hexagon costs more than recording it. Safe for concurrent use.
type Rollup struct {
	v         *Versions
	maxBounds int

	mu     sync.Mutex
	bounds map[grid.Cell]orb.Bound
}

// NewRollup returns a Rollup recording in v, remembering up to maxBounds cells' bounds
// (0: 100,000, about 6 MB).
func NewRollup(v *Versions, maxBounds int) *Rollup {
	if maxBounds <= 0 {
		maxBounds = 100_000
	}
	return &Rollup{v: v, maxBounds: maxBounds, bounds: map[grid.Cell]orb.Bound{}}
}

// Touch records that the numbers of cells changed in layer: the hexagon of each cell
// and of each of its parents, at the zooms where a roll-up of a city split at the cell's
// resolution shows them, each parent once however many of the cells share it. A parent
// that shows only at low zooms is not recorded at the high ones, where its bound would
// span hundreds of tiles it is not drawn on.
func (r *Rollup) Touch(layer string, cells []grid.Cell) {
	seen := make(map[grid.Cell]bool, len(cells)*5)
	for _, c := range cells {
		// Consecutive fixes mostly share a cell: its parents are h3 calls already made.
		if seen[c] {
			continue
		}
		cityRes := c.Resolution()
		for _, p := range RollupCells(c) {
			if seen[p] {
				continue
			}
			seen[p] = true
			if lo, hi, ok := rollupZooms(p.Resolution(), cityRes); ok {
				r.v.TouchBoundZooms(layer, r.bound(p), lo, hi)
			}
		}
	}
}

// bound returns the bound of c's hexagon, remembered when there is room.
func (r *Rollup) bound(c grid.Cell) orb.Bound {
	r.mu.Lock()
	b, ok := r.bounds[c]
	r.mu.Unlock()
	if ok {
		return b
	}
	b = grid.Boundary(c).Bound()
	r.mu.Lock()
	if len(r.bounds) < r.maxBounds {
		r.bounds[c] = b
	}
	r.mu.Unlock()
	return b
}

// rollupZooms returns the zooms whose tiles show cells of resolution res in a city split
// at cityRes (rollupResolution is monotonic in the zoom, so they are a range; the city's
// own resolution shows up to any zoom).
func rollupZooms(res, cityRes int) (lo, hi uint32, ok bool) {
	const beyond = 24 // rollupResolution is constant from well below this zoom
	for z := uint32(0); z <= beyond; z++ {
		if rollupResolution(z, cityRes) != res {
			continue
		}
		if !ok {
			lo, ok = z, true
		}
		hi = z
	}
	if ok && hi == beyond {
		hi = math.MaxUint32
	}
	return lo, hi, ok
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
	// CellRollup draws the cells themselves for a resolution at or beyond the city's:
	// asked for the zoom's roll-up resolution unclamped, it needs no round trip for the
	// city's resolution first.
	cells, err := l.grid.CellRollup(ctx, bufferedBound(r.Tile), rollupResolution(r.Tile.Z, grid.MaxResolution), r.Caller.Township)
	if err != nil {
		return nil, err
	}
	out := make([]mvt.Feature, 0, len(cells))
	for i, c := range cells {
		out = append(out, mvt.Feature{ID: uint64(i + 1), Geometry: c.Hexagon, Properties: map[string]any{
			"h3": c.H3.String(), "township": c.Township, "grid": c.GridArea, "cells": c.Cells, "resolution": c.H3.Resolution(),
		}})
	}
	return out, nil
}

// caseLayer draws cases as points with sector, status and time; below zoom 12, clusters
// (one point per parent cell, at its centre, with a count).
type caseLayer struct {
	cases Cases
	grid  Grid
}

// Parse reads the case filter by the rules of the cases API (cases.ParseFilter: sector
// incl. non_core and all, status, township, from and to), each end of the window open
// when not given, confined to the caller's township and to the officer of an officer
// token. Errors: invalid (unknown sector or status, a bad time), forbidden (a scoped
// caller naming another township), and the sector lookup's.
func (l caseLayer) Parse(ctx context.Context, q url.Values, r Request) (cases.Filter, error) {
	f, err := cases.ParseFilter(ctx, q, r.Caller, l.cases, cases.Window{Open: true})
	f.Officer = r.Officer
	return f, err
}

func (l caseLayer) Fields() map[string]string {
	return map[string]string{"id": "Number", "sector": "String", "status": "String", "reported_at": "String",
		"township": "String", "count": "Number"}
}

func (l caseLayer) Features(ctx context.Context, r Request, f cases.Filter) ([]mvt.Feature, error) {
	b := bufferedBound(r.Tile)
	if r.Tile.Z < 12 {
		return l.clusters(ctx, b, f, rollupRes(r.Tile.Z))
	}
	points, err := l.cases.Points(ctx, b, f, MaxCasePoints+1)
	if err != nil {
		return nil, err
	}
	if len(points) > MaxCasePoints {
		// Too dense to draw point by point within the tile's size budget: one point per
		// cell of the city's resolution instead.
		return l.clusters(ctx, b, f, func(cityRes int) int { return cityRes })
	}
	out := make([]mvt.Feature, 0, len(points))
	for _, p := range points {
		out = append(out, mvt.Feature{ID: uint64(p.ID), Geometry: orb.Point{p.Lon, p.Lat}, Properties: map[string]any{
			"id": p.ID, "sector": p.Sector, "status": string(p.Status), "reported_at": p.ReportedAt, "township": p.Township, "count": 1,
		}})
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

// clusters groups the cases of f in the WGS-84 bound b by the cell of the given
// resolution.
func (l caseLayer) clusters(ctx context.Context, b orb.Bound, f cases.Filter, resolution func(cityRes int) int) ([]mvt.Feature, error) {
	cityRes, err := l.grid.Resolution(ctx)
	if err != nil {
		return nil, err
	}
	if cityRes == 0 {
		cityRes = grid.DefaultResolution
	}
	res := resolution(cityRes)
	totals, err := l.cases.CellTotals(ctx, b, f)
	if err != nil {
		return nil, err
	}
	counts := map[grid.Cell]int{}
	for _, t := range totals {
		counts[t.H3.Parent(res)] += t.N
	}
	out := make([]mvt.Feature, 0, len(counts))
	for c, n := range counts {
		out = append(out, mvt.Feature{Geometry: grid.Center(c), Properties: map[string]any{"h3": c.String(), "count": n}})
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
