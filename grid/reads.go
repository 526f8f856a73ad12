package grid

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// CellTownship is a cell and the township it belongs to.
type CellTownship struct {
	H3       Cell
	Township string
}

// CellTownships returns every cell of the given townships (all when none), sorted by
// index.
func (s *Store) CellTownships(ctx context.Context, townships []string) ([]CellTownship, error) {
	rows, err := s.db.Query(ctx, `
		SELECT h3, township FROM cells WHERE coalesce(cardinality($1::text[]), 0) = 0 OR township = ANY($1) ORDER BY h3`, townships)
	if err != nil {
		return nil, pgdb.Translate(err, "cells")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[CellTownship])
	return list, pgdb.Translate(err, "cells")
}

// SquadronCells returns the cells of a squadron's grid areas, sorted by index.
func (s *Store) SquadronCells(ctx context.Context, squadron string) ([]Cell, error) {
	rows, err := s.db.Query(ctx, `
		SELECT c.h3 FROM cells c JOIN grid_areas g ON g.code = c.grid_area WHERE g.squadron = $1 ORDER BY c.h3`, squadron)
	if err != nil {
		return nil, pgdb.Translate(err, "cells")
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[Cell])
	return list, pgdb.Translate(err, "cells")
}

// Area levels: townships, or the grid areas of townships.
const (
	LevelTownship = "township"
	LevelGrid     = "grid"
)

// AreaSize is a township's or grid area's code and size.
type AreaSize struct {
	Code    string
	AreaKm2 float64
}

// areaQueries select, per level, the code and size in km² of every area of the
// townships $1 (all when none), by code.
var areaQueries = map[string]string{
	LevelTownship: `SELECT code, area_km2 FROM townships
		WHERE coalesce(cardinality($1::text[]), 0) = 0 OR code = ANY($1) ORDER BY code`,
	LevelGrid: `SELECT code, ST_Area(geom::geography) / 1e6 FROM grid_areas
		WHERE coalesce(cardinality($1::text[]), 0) = 0 OR township = ANY($1) ORDER BY code`,
}

// AreaSizes returns the areas of a level (LevelTownship or LevelGrid) in the given
// townships (all when none), by code. Errors: invalid (unknown level).
func (s *Store) AreaSizes(ctx context.Context, level string, townships []string) ([]AreaSize, error) {
	sql, ok := areaQueries[level]
	if !ok {
		return nil, errLevel(level)
	}
	rows, err := s.db.Query(ctx, sql, townships)
	if err != nil {
		return nil, pgdb.Translate(err, level)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[AreaSize])
	return list, pgdb.Translate(err, level)
}

// Shapes returns the shape (WGS-84) of every area of a level, by code. Errors: invalid
// (unknown level).
func (s *Store) Shapes(ctx context.Context, level string) (map[string]orb.Geometry, error) {
	table := map[string]string{LevelTownship: "townships", LevelGrid: "grid_areas"}[level]
	if table == "" {
		return nil, errLevel(level)
	}
	rows, err := s.db.Query(ctx, `SELECT code, ST_AsBinary(geom) FROM `+pgx.Identifier{table}.Sanitize())
	if err != nil {
		return nil, pgdb.Translate(err, level)
	}
	defer rows.Close()
	out := map[string]orb.Geometry{}
	for rows.Next() {
		var code string
		var b []byte
		if err := rows.Scan(&code, &b); err != nil {
			return nil, pgdb.Translate(err, level)
		}
		g, err := wkb.Unmarshal(b)
		if err != nil {
			return nil, err
		}
		out[code] = g
	}
	return out, pgdb.Translate(rows.Err(), level)
}

func errLevel(level string) error {
	return apperr.Invalidf("level %q is not township or grid", level)
}
