// Package analytics serves the statistics analysts read: Getis-Ord Gi* hot spots over
// every cell of a study area (zero-filled, as analytics.md pins), emerging hot spots over
// time steps, and supervision blind zones. The statistics themselves live in the pure
// packages patrol/hotspot and patrol/blindzone; this package gathers the data from the
// stores that own it, applies the scope of the caller's token and writes GeoJSON or CSV.
package analytics

import (
	"context"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/admission"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/coverage"
)

// Cases is what the analyses read of cases (package cases' Store).
type Cases interface {
	cases.SectorChecker
	Sectors(ctx context.Context) ([]cases.Sector, error)
	Reports(ctx context.Context, f cases.Filter) ([]cases.Report, error)
	CountsByCell(ctx context.Context, f cases.Filter, cells []int64) ([]cases.CellCount, error)
	CountsByArea(ctx context.Context, level string, f cases.Filter) ([]cases.Count, error)
	CountsByItem(ctx context.Context, level string, f cases.Filter) ([]cases.ItemCount, error)
}

// Grid is what the analyses read of the base map (package grid's Store).
type Grid interface {
	CellTownships(ctx context.Context, townships []string) ([]grid.CellTownship, error)
	AreaSizes(ctx context.Context, level string, townships []string) ([]grid.AreaSize, error)
	Shapes(ctx context.Context, level string) (map[string]orb.Geometry, error)
	GridAreas(ctx context.Context, township string) ([]grid.GridArea, error)
}

// Coverage is what the analyses read of patrol coverage (package coverage's Store).
type Coverage interface {
	Totals(ctx context.Context, cells []int64, from, to time.Time) (map[grid.Cell]coverage.Totals, error)
	ByArea(ctx context.Context, level string, from, to time.Time) ([]coverage.AreaTotals, error)
}

// Store gathers cells, cases, coverage and the powers catalog for the analyses.
type Store struct {
	cases    Cases
	grid     Grid
	coverage Coverage
	powers   Powers
	// inspections, when set, counts the regulator's inspections in the powers usage.
	inspections Inspections

	admit    *admission.Controller // nil: nothing bounded
	versions Versions              // nil: results not kept
	kept     shared
}

// NewStore returns a Store reading from the stores that own the data.
func NewStore(c Cases, g Grid, cov Coverage, p Powers) *Store {
	return &Store{cases: c, grid: g, coverage: cov, powers: p}
}

// StudyCell is a cell of the study area.
type StudyCell = grid.CellTownship

// Cells returns the study area: every cell of the given townships (all when none),
// sorted by index.
func (s *Store) Cells(ctx context.Context, townships []string) ([]StudyCell, error) {
	return s.grid.CellTownships(ctx, townships)
}

// CaseEvent is a case reduced to what the hot spot analyses need.
type CaseEvent = cases.Report

// KnownSector reports whether code names a sector.
func (s *Store) KnownSector(ctx context.Context, code string) (bool, error) {
	return s.cases.KnownSector(ctx, code)
}
