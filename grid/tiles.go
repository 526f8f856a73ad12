package grid

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// The reads of the base map that map tiles draw.

// AreaShape is a township or grid area as a map draws it.
type AreaShape struct {
	Code, Name string
	Township   string  // a township's own code, or a grid area's township
	Squadron   *string // a grid area's squadron; nil for a township or a grid area with none
	Geom       orb.Geometry
}

// shapeQueries select, per level, code, name, township, squadron and the shape as WKB,
// simplified by $5 degrees, of the areas whose box meets the bound $1-$4 (WGS-84) in
// township $6 ("" = all), by code.
var shapeQueries = map[string]string{
	LevelTownship: `
		SELECT code, name, code, NULL::text, ST_AsBinary(ST_SimplifyPreserveTopology(geom, $5))
		FROM townships
		WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND ($6 = '' OR code = $6)
		ORDER BY code`,
	LevelGrid: `
		SELECT code, name, township, squadron, ST_AsBinary(ST_SimplifyPreserveTopology(geom, $5))
		FROM grid_areas
		WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND ($6 = '' OR township = $6)
		ORDER BY code`,
}

// AreaShapes returns the areas of a level (LevelTownship or LevelGrid) whose bounding
// box meets the WGS-84 bound b, in township ("" = every township), by code, their shapes
// (WGS-84) simplified with a tolerance of toleranceDeg degrees
// (ST_SimplifyPreserveTopology). Errors: invalid (unknown level), or the database's,
// translated.
func (s *Store) AreaShapes(ctx context.Context, level string, b orb.Bound, toleranceDeg float64, township string) ([]AreaShape, error) {
	sql, ok := shapeQueries[level]
	if !ok {
		return nil, errLevel(level)
	}
	rows, err := s.db.Query(ctx, sql, append(pgdb.BoundArgs(b), toleranceDeg, township)...)
	if err != nil {
		return nil, pgdb.Translate(err, level)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (AreaShape, error) {
		var a AreaShape
		var geom []byte
		if err := row.Scan(&a.Code, &a.Name, &a.Township, &a.Squadron, &geom); err != nil {
			return a, err
		}
		a.Geom, err = wkb.Unmarshal(geom)
		return a, err
	})
	return list, pgdb.Translate(err, level)
}

// RolledCell is a cell, or a parent standing for the cells under it, as a map draws it.
type RolledCell struct {
	H3       Cell
	Township string  // the township of its cells (the first by code when they differ)
	GridArea *string // a lone cell's grid area; nil for a parent of several cells or a cell in none
	Cells    int     // the cells of the city's resolution it stands for
	// Hexagon is the cell's hexagon (or pentagon), WGS-84, exterior ring
	// counter-clockwise: Boundary(H3), read as stored when it is.
	Hexagon orb.Polygon
}

// CellRollup returns the cells whose centre lies in the WGS-84 bound b, in township (""
// = every township), rolled up to their parents at resolution res (the cells themselves
// when res is the city's resolution or finer: MaxResolution asks for them), by index,
// each with its hexagon. A parent stands for all its cells (of township), also those
// outside b, so that it reads the same in every tile that draws it. Parents at
// resolutions from minRollupRes up are read from the roll-ups prepared when cells change
// (cell_rollups), hexagons included; coarser ones are aggregated from the cells and
// their hexagons computed. Errors: the database's, translated.
func (s *Store) CellRollup(ctx context.Context, b orb.Bound, res int, township string) ([]RolledCell, error) {
	args := append(pgdb.BoundArgs(b), res, township)
	cellArgs := append(pgdb.BoundArgs(b), township)
	switch {
	case res >= MaxResolution:
		return s.rolledCells(ctx, "cells", cellsAsRolled, cellArgs)
	case res < minRollupRes:
		return s.rolledCells(ctx, "cells", parentsFromCells, args)
	}
	list, err := s.rolledCells(ctx, "cell roll-ups", preparedParents, args)
	if err != nil || len(list) > 0 {
		return list, err
	}
	// No roll-up at res with a cell in b: either no cell is there, or res is the city's
	// resolution or finer (roll-ups are coarser), when the cells are what is drawn.
	return s.rolledCells(ctx, "cells", cellsAsRolled, cellArgs)
}

// The reads of CellRollup: $1–$4 the bound, $5 the resolution, $6 the township or ""
// (cellsAsRolled: $5 the township). The last column is the hexagon as WKB, or NULL.
const (
	// Every row of one parent holds the same hexagon: any of them will do.
	preparedParents = `
		SELECT h3, min(township), CASE WHEN sum(cells) = 1 THEN min(grid_area) END, sum(cells)::int,
		       ST_AsBinary((array_agg(hexagon))[1])
		FROM cell_rollups
		WHERE res = $5 AND ($6 = '' OR township = $6)
		  AND centers && ST_MakeEnvelope($1, $2, $3, $4, 4326)
		  AND (centers @ ST_MakeEnvelope($1, $2, $3, $4, 4326) OR ST_Intersects(centers, ST_MakeEnvelope($1, $2, $3, $4, 4326)))
		GROUP BY h3 ORDER BY h3`
	cellsAsRolled = `
		SELECT h3, township, grid_area, 1, ST_AsBinary(geom)
		FROM cells
		WHERE center && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND ($5 = '' OR township = $5)
		ORDER BY h3`
	// parentsFromCells is preparedParents computed from the cells, for the coarse
	// resolutions no tile layer shows.
	parentsFromCells = `
		WITH c AS (
			SELECT CASE WHEN $5 >= cardinality(parents) THEN h3 ELSE parents[$5 + 1] END AS cell, township, grid_area, center
			FROM cells WHERE $6 = '' OR township = $6)
		SELECT cell, min(township), CASE WHEN count(*) = 1 THEN min(grid_area) END, count(*)::int, NULL::bytea
		FROM c
		WHERE cell IN (SELECT cell FROM c WHERE center && ST_MakeEnvelope($1, $2, $3, $4, 4326))
		GROUP BY 1 ORDER BY 1`
)

func (s *Store) rolledCells(ctx context.Context, what, sql string, args []any) ([]RolledCell, error) {
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, pgdb.Translate(err, what)
	}
	var hexagon []byte
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (RolledCell, error) {
		var c RolledCell
		if err := row.Scan(&c.H3, &c.Township, &c.GridArea, &c.Cells, &hexagon); err != nil {
			return c, err
		}
		c.Hexagon, err = hexagonOf(c.H3, hexagon)
		return c, err
	})
	return list, pgdb.Translate(err, what)
}

// hexagonOf returns the hexagon stored as WKB, or computes it when none was (nil).
func hexagonOf(c Cell, stored []byte) (orb.Polygon, error) {
	if stored == nil {
		return Boundary(c), nil
	}
	g, err := wkb.Unmarshal(stored)
	if err != nil {
		return nil, fmt.Errorf("hexagon of %s: %w", c, err)
	}
	p, ok := g.(orb.Polygon)
	if !ok {
		return nil, fmt.Errorf("hexagon of %s: stored a %s, not a polygon", c, g.GeoJSONType())
	}
	return p, nil
}

// minRollupRes is the coarsest resolution cell_rollups holds (the tile layers roll cells
// up to resolutions 5 to 8).
const minRollupRes = 5

// refreshRollups computes again the roll-ups of the cells of the townships, in the
// transaction that changed those cells.
func refreshRollups(ctx context.Context, tx pgx.Tx, townships []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM cell_rollups WHERE township = ANY($1)`, townships); err != nil {
		return fmt.Errorf("refresh cell roll-ups: %w", err)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO cell_rollups (res, h3, township, grid_area, cells, centers)
		SELECT r, c.parents[r + 1], c.township, CASE WHEN count(*) = 1 THEN min(c.grid_area) END, count(*),
		       ST_Multi(ST_Collect(c.center))
		FROM cells c CROSS JOIN LATERAL generate_series($2::int, cardinality(c.parents) - 1) AS r
		WHERE c.township = ANY($1)
		GROUP BY 1, 2, 3`, townships, minRollupRes)
	if err != nil {
		return fmt.Errorf("refresh cell roll-ups: %w", err)
	}
	return fillRollupHexagons(ctx, tx)
}

// fillRollupHexagons stores the hexagon of every roll-up that has none, computed with h3
// here: the database has no h3.
func fillRollupHexagons(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT DISTINCT h3 FROM cell_rollups WHERE hexagon IS NULL`)
	if err != nil {
		return fmt.Errorf("roll-ups without a hexagon: %w", err)
	}
	cells, err := pgx.CollectRows(rows, pgx.RowTo[Cell])
	if err != nil || len(cells) == 0 {
		return pgdb.Translate(err, "cell roll-ups")
	}
	ids := make([]int64, len(cells))
	shapes := make([][]byte, len(cells))
	for i, c := range cells {
		ids[i] = int64(c)
		if shapes[i], err = wkb.Marshal(Boundary(c)); err != nil {
			return fmt.Errorf("hexagon of %s: %w", c, err)
		}
	}
	_, err = tx.Exec(ctx, `
		UPDATE cell_rollups r SET hexagon = ST_GeomFromWKB(x.shape, 4326)
		FROM unnest($1::bigint[], $2::bytea[]) AS x (h3, shape)
		WHERE r.h3 = x.h3 AND r.hexagon IS NULL`, ids, shapes)
	if err != nil {
		return fmt.Errorf("store roll-ups' hexagons: %w", err)
	}
	return nil
}

// FillRollupHexagons stores the hexagons of the roll-ups written before they were kept
// (migration add_rollup_hexagons), in one transaction; a no-op when every roll-up has
// one. Errors: the database's, translated.
func (s *Store) FillRollupHexagons(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error { return fillRollupHexagons(ctx, tx) })
}

// Extent returns the WGS-84 bound of every township, or of one when township is not "";
// ok is false when there is none. Errors: the database's, translated.
func (s *Store) Extent(ctx context.Context, township string) (b orb.Bound, ok bool, err error) {
	var minX, minY, maxX, maxY *float64
	err = s.db.QueryRow(ctx, `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
		FROM (SELECT ST_Extent(geom) e FROM townships WHERE $1 = '' OR code = $1) x`, township).
		Scan(&minX, &minY, &maxX, &maxY)
	if err != nil || minX == nil {
		return b, false, pgdb.Translate(err, "townships")
	}
	return orb.Bound{Min: orb.Point{*minX, *minY}, Max: orb.Point{*maxX, *maxY}}, true, nil
}
