package tiles

import (
	"context"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/coverage"
	"github.com/gridwatch/gridwatch/patrol/position"
)

// The layers read their data through the stores that own it, each through the small
// interface of its need below; package app hands them the real stores.

// Grid is what the layers read of the base map (package grid's Store): townships, grid
// areas and cells in a tile's bound, the city's resolution and the extent of townships.
type Grid interface {
	Resolution(ctx context.Context) (int, error)
	AreaShapes(ctx context.Context, level string, b orb.Bound, toleranceDeg float64, township string) ([]grid.AreaShape, error)
	CellRollup(ctx context.Context, b orb.Bound, res int, township string) ([]grid.RolledCell, error)
	Extent(ctx context.Context, township string) (orb.Bound, bool, error)
}

var _ Grid = (*grid.Store)(nil)

// Cases is what the cases layer reads of cases (package cases' Store): the sector
// lookup of cases.ParseFilter, and the points and per-cell counts of a filter in a
// tile's bound.
type Cases interface {
	cases.SectorChecker
	Points(ctx context.Context, b orb.Bound, f cases.Filter, limit int) ([]cases.Point, error)
	CellTotals(ctx context.Context, b orb.Bound, f cases.Filter) ([]cases.CellTotal, error)
}

var _ Cases = (*cases.Store)(nil)

// Coverage is what the coverage layer reads of patrol coverage (package coverage's
// Store).
type Coverage interface {
	Rollup(ctx context.Context, b orb.Bound, res int, township string, from, to time.Time) ([]coverage.RolledCell, error)
}

var _ Coverage = (*coverage.Store)(nil)

// Tracks is what the tracks layer reads of positions (package position's Store).
type Tracks interface {
	TracksIn(ctx context.Context, b orb.Bound, from, to time.Time, township, officer string) ([]position.OfficerTrack, error)
}

var _ Tracks = (*position.Store)(nil)

// Stores are the data behind the layers.
type Stores struct {
	Grid     Grid
	Cases    Cases
	Coverage Coverage
	Tracks   Tracks
	Analyses Analyses
}
