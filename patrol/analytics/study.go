// Package analytics serves the statistics analysts read: Getis-Ord Gi* hot spots over
// every cell of a study area (zero-filled, as analytics.md pins), emerging hot spots over
// time steps, and supervision blind zones. The statistics themselves live in the pure
// packages patrol/hotspot and patrol/blindzone; this package gathers the data from
// PostGIS, applies the scope of the caller's token and writes GeoJSON or CSV.
package analytics

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Store reads cells and cases for the analyses.
type Store struct{ db *pgxpool.Pool }

// NewStore returns a Store on db.
func NewStore(db *pgxpool.Pool) *Store { return &Store{db: db} }

// StudyCell is a cell of the study area.
type StudyCell struct {
	H3       grid.Cell
	Township string
}

// Cells returns the study area: every cell of the given townships (all when none),
// sorted by index.
func (s *Store) Cells(ctx context.Context, townships []string) ([]StudyCell, error) {
	rows, err := s.db.Query(ctx, `
		SELECT h3, township FROM cells WHERE coalesce(cardinality($1::text[]), 0) = 0 OR township = ANY($1) ORDER BY h3`, townships)
	if err != nil {
		return nil, pgdb.Translate(err, "cells")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[StudyCell])
	return list, pgdb.Translate(err, "cells")
}

// CaseEvent is a case reduced to what the hot spot analyses need.
type CaseEvent struct {
	H3   grid.Cell
	Time time.Time
}

// Cases returns the cases reported in [from, to) in the study townships (all when none)
// of a sector selection: "" for all, "non_core", or a sector code.
func (s *Store) Cases(ctx context.Context, townships []string, sector string, from, to time.Time) ([]CaseEvent, error) {
	rows, err := s.db.Query(ctx, `
		SELECT h3, reported_at FROM cases
		WHERE reported_at >= $3 AND reported_at < $4
		  AND (coalesce(cardinality($1::text[]), 0) = 0 OR township = ANY($1))
		  AND ($2 = '' OR sector = $2 OR ($2 = 'non_core' AND sector IN (SELECT code FROM sectors WHERE NOT core)))`,
		townships, sector, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "cases")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[CaseEvent])
	return list, pgdb.Translate(err, "cases")
}

// KnownSector reports whether code names a sector.
func (s *Store) KnownSector(ctx context.Context, code string) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sectors WHERE code = $1)`, code).Scan(&ok)
	return ok, pgdb.Translate(err, "sectors")
}
