package grid

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// What generators of synthetic data and the end-to-end benchmarks (internal/bench) read
// of the grid in bulk, and the upkeep they do after loading it.

// CellPlace is a cell with its centre and the areas it lies in.
type CellPlace struct {
	H3       Cell
	Center   orb.Point // WGS-84 [lon, lat]
	Township string
	GridArea *string // nil when the cell is in no grid area
	Squadron *string // the grid area's squadron; nil without grid area or squadron
}

// CellPlaces returns every cell of the city with its centre, township, grid area and
// squadron, sorted by index.
func (s *Store) CellPlaces(ctx context.Context) ([]CellPlace, error) {
	rows, err := s.db.Query(ctx, `
		SELECT c.h3, ST_X(c.center), ST_Y(c.center), c.township, c.grid_area, g.squadron
		FROM cells c LEFT JOIN grid_areas g ON g.code = c.grid_area ORDER BY c.h3`)
	if err != nil {
		return nil, pgdb.Translate(err, "cells")
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CellPlace, error) {
		var c CellPlace
		err := row.Scan(&c.H3, &c.Center[0], &c.Center[1], &c.Township, &c.GridArea, &c.Squadron)
		return c, err
	})
	return list, pgdb.Translate(err, "cells")
}

// TownshipPoint is a township's code and a point surely inside it.
type TownshipPoint struct {
	Code  string
	Point orb.Point // WGS-84 [lon, lat], on the township's surface (ST_PointOnSurface)
}

// TownshipPoints returns a point inside each township, by code.
func (s *Store) TownshipPoints(ctx context.Context) ([]TownshipPoint, error) {
	rows, err := s.db.Query(ctx, `
		SELECT code, ST_X(p), ST_Y(p) FROM (SELECT code, ST_PointOnSurface(geom) AS p FROM townships) t ORDER BY code`)
	if err != nil {
		return nil, pgdb.Translate(err, "townships")
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (TownshipPoint, error) {
		var t TownshipPoint
		err := row.Scan(&t.Code, &t.Point[0], &t.Point[1])
		return t, err
	})
	return list, pgdb.Translate(err, "townships")
}

// Analyze refreshes the planner's statistics of townships, grid areas and cells, which a
// bulk import leaves stale until autovacuum comes by.
func (s *Store) Analyze(ctx context.Context) error {
	_, err := s.db.Exec(ctx, "ANALYZE townships, grid_areas, cells")
	return pgdb.Translate(err, "grid statistics")
}

// CreateCellsView creates (or replaces) a view named name of each cell's h3, township,
// grid area and hexagon (geom, WGS-84), and a GiST index on the hexagons named
// name_geom_idx, so that a peer tile server serving the view (pg_tileserv in `gridwatch
// bench tiles`) filters on the geometry it serves with the index a deployment of it would
// have. The view is its creator's: this package never reads it.
func (s *Store) CreateCellsView(ctx context.Context, name string) error {
	if _, err := s.db.Exec(ctx, `CREATE OR REPLACE VIEW `+pgx.Identifier{name}.Sanitize()+
		` AS SELECT h3, township, grid_area, geom FROM cells`); err != nil {
		return fmt.Errorf("create view %s: %w", name, pgdb.Translate(err, "view "+name))
	}
	if _, err := s.db.Exec(ctx, `CREATE INDEX IF NOT EXISTS `+pgx.Identifier{name + "_geom_idx"}.Sanitize()+
		` ON cells USING gist (geom)`); err != nil {
		return fmt.Errorf("index cells for view %s: %w", name, pgdb.Translate(err, "cells index"))
	}
	return nil
}
