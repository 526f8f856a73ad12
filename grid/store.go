package grid

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/uber/h3-go/v4"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// importLock serialises imports and grid changes: a split reads and rewrites every cell
// of the townships it touches.
const importLock = 7_304_115_010

// overlapToleranceM2 is how much two townships may overlap (slivers from digitising a
// shared border twice) before an import is refused. Cells in such slivers go to one
// township by Split's tie rule.
const overlapToleranceM2 = 1000

// Store keeps townships, cells, squadrons and grid areas in PostGIS.
type Store struct {
	db         *pgxpool.Pool
	defaultRes int
	onChange   func()
}

// OnChange registers f to be called after every committed change of townships, cells or
// grid areas (map tiles invalidate with it).
func (s *Store) OnChange(f func()) { s.onChange = f }

func (s *Store) changed() {
	if s.onChange != nil {
		s.onChange()
	}
}

// NewStore returns a Store on db; defaultRes is the resolution of the first split when an
// import names none.
func NewStore(db *pgxpool.Pool, defaultRes int) *Store {
	return &Store{db: db, defaultRes: defaultRes}
}

// ImportResult is the answer to an import.
type ImportResult struct {
	Resolution int                `json:"resolution"`
	Townships  []ImportedTownship `json:"townships"`
	// Resplit lists the townships split again because the resolution changed.
	Resplit []string `json:"resplit,omitempty"`
}

// ImportedTownship is one imported township and its number of cells.
type ImportedTownship struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Cells int    `json:"cells"`
}

// Import upserts townships by code and splits them into H3 cells, all in one transaction.
// res 0 keeps the city's resolution (the default one for the first import); another
// resolution than the city's splits every township again at it. Cells that move between
// townships move; grid areas keep their geometry and get the cells whose centre lies in
// it. Errors: invalid for a bad resolution, conflict when townships overlap.
func (s *Store) Import(ctx context.Context, towns []TownshipInput, res int) (ImportResult, error) {
	if res < 0 || res > MaxResolution {
		return ImportResult{}, apperr.Invalidf("resolution %d is out of range 0..%d", res, MaxResolution)
	}
	codes := make([]string, len(towns))
	for i, t := range towns {
		codes[i] = t.Code
	}
	var out ImportResult
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", importLock); err != nil {
			return err
		}
		current, err := resolution(ctx, tx)
		if err != nil {
			return err
		}
		switch {
		case res == 0 && current > 0:
			res = current
		case res == 0:
			res = s.defaultRes
		}
		if err := upsertTownships(ctx, tx, towns); err != nil {
			return err
		}
		if err := checkOverlaps(ctx, tx, codes); err != nil {
			return err
		}
		split := codes
		if current > 0 && current != res {
			if err := tx.QueryRow(ctx, "SELECT array_agg(code ORDER BY code) FROM townships").Scan(&split); err != nil {
				return err
			}
			out.Resplit = split
		}
		if err := resplit(ctx, tx, split, res); err != nil {
			return err
		}
		if err := refreshRollups(ctx, tx, split); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO grid_settings (resolution) VALUES ($1)
			ON CONFLICT (id) DO UPDATE SET resolution = EXCLUDED.resolution`, res); err != nil {
			return err
		}
		out.Resolution = res
		out.Townships, err = importedCounts(ctx, tx, codes)
		return err
	})
	if err != nil {
		return ImportResult{}, pgdb.Translate(fmt.Errorf("import townships: %w", err), "township")
	}
	s.changed()
	return out, nil
}

// MaxSplitCells bounds the cells of one import's split (estimated from the townships'
// area before splitting): a province at resolution 9 has about a million, and a shape or
// resolution that asks for far more would hold the import for many minutes and much
// memory.
const MaxSplitCells = 2_000_000

// Resolution returns the resolution the city is split at, 0 before the first import.
func (s *Store) Resolution(ctx context.Context) (int, error) {
	res, err := resolution(ctx, s.db)
	return res, pgdb.Translate(err, "grid settings")
}

// QueueResolution queues on b the read of the resolution the city is split at, into
// *dst (0 when the city is not split yet), so that a caller's transaction reads it in a
// round trip it makes anyway.
func (s *Store) QueueResolution(b *pgx.Batch, dst *int) {
	*dst = 0
	b.Queue("SELECT resolution FROM grid_settings").Query(func(rows pgx.Rows) error {
		for rows.Next() {
			if err := rows.Scan(dst); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func resolution(ctx context.Context, q querier) (int, error) {
	var res int
	err := q.QueryRow(ctx, "SELECT resolution FROM grid_settings").Scan(&res)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return res, err
}

func upsertTownships(ctx context.Context, tx pgx.Tx, towns []TownshipInput) error {
	batch := &pgx.Batch{}
	for _, t := range towns {
		b, err := wkb.Marshal(t.Geom)
		if err != nil {
			return fmt.Errorf("encode township %s: %w", t.Code, err)
		}
		batch.Queue(`
			WITH g AS (SELECT ST_Multi(ST_GeomFromWKB($3, 4326)) AS geom)
			INSERT INTO townships (code, name, geom, area_km2)
			SELECT $1, $2, g.geom, ST_Area(g.geom::geography) / 1e6 FROM g
			ON CONFLICT (code) DO UPDATE
			SET name = EXCLUDED.name, geom = EXCLUDED.geom, area_km2 = EXCLUDED.area_km2, imported_at = EXCLUDED.imported_at`,
			t.Code, t.Name, b)
	}
	return tx.SendBatch(ctx, batch).Close()
}

// checkOverlaps refuses townships whose interiors overlap more than the tolerance.
func checkOverlaps(ctx context.Context, tx pgx.Tx, codes []string) error {
	var a, b string
	var m2 float64
	err := tx.QueryRow(ctx, `
		SELECT a.code, b.code, ST_Area(ST_Intersection(a.geom, b.geom)::geography)
		FROM townships a JOIN townships b ON a.code < b.code AND a.geom && b.geom
		WHERE (a.code = ANY($1) OR b.code = ANY($1))
		  AND ST_Relate(a.geom, b.geom, '2********')
		  AND ST_Area(ST_Intersection(a.geom, b.geom)::geography) > $2
		ORDER BY 1, 2 LIMIT 1`, codes, overlapToleranceM2).Scan(&a, &b, &m2)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return apperr.Conflictf("townships %s and %s overlap by %.0f m²: a place belongs to one township", a, b, m2)
}

// resplit replaces the cells of the given townships by a fresh split of their stored
// polygons at res. When res differs from the stored cells' (a new resolution), every cell
// goes.
func resplit(ctx context.Context, tx pgx.Tx, codes []string, res int) error {
	var areaKm2 float64
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(area_km2), 0) FROM townships WHERE code = ANY($1)`, codes).Scan(&areaKm2); err != nil {
		return err
	}
	if n := areaKm2 / h3.HexagonAreaAvgKm2(res); n > MaxSplitCells {
		return apperr.Invalidf("%.0f km² at resolution %d would make about %.0f cells, more than %d: choose a coarser resolution",
			areaKm2, res, n, MaxSplitCells)
	}
	shapes, err := loadShapes(ctx, tx, codes)
	if err != nil {
		return err
	}
	result := Split(shapes, res)
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE cell_stage (
			h3 bigint, township text, boundary bytea, lon float8, lat float8, parents bigint[]
		) ON COMMIT DROP`); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"cell_stage"},
		[]string{"h3", "township", "boundary", "lon", "lat", "parents"}, newCellRows(result)); err != nil {
		return fmt.Errorf("stage cells: %w", err)
	}
	// Cells of other resolutions or of townships being split are replaced; a cell already
	// held by a township outside this split stays where it is.
	_, err = tx.Exec(ctx, `
		DELETE FROM cells WHERE township = ANY($1) OR cardinality(parents) <> $2`, codes, res)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO cells (h3, township, geom, center, parents)
		SELECT s.h3, s.township, ST_GeomFromWKB(s.boundary, 4326), ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), s.parents
		FROM cell_stage s
		WHERE NOT EXISTS (SELECT 1 FROM cells c WHERE c.h3 = s.h3)`); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		UPDATE cells c SET grid_area = (
			SELECT g.code FROM grid_areas g
			WHERE g.township = c.township AND ST_Intersects(g.geom, c.center)
			ORDER BY g.code LIMIT 1)
		WHERE c.township = ANY($1)`, codes)
	return err
}

func loadShapes(ctx context.Context, tx pgx.Tx, codes []string) ([]Shape, error) {
	rows, err := tx.Query(ctx, `SELECT code, ST_AsBinary(geom) FROM townships WHERE code = ANY($1) ORDER BY code`, codes)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Shape, error) {
		var s Shape
		var b []byte
		if err := row.Scan(&s.Code, &b); err != nil {
			return s, err
		}
		g, err := wkb.Unmarshal(b)
		if err != nil {
			return s, fmt.Errorf("decode township %s: %w", s.Code, err)
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			return s, fmt.Errorf("township %s is a %s, not a MultiPolygon", s.Code, g.GeoJSONType())
		}
		s.Geom = mp
		return s, nil
	})
}

func importedCounts(ctx context.Context, tx pgx.Tx, codes []string) ([]ImportedTownship, error) {
	rows, err := tx.Query(ctx, `
		SELECT t.code, t.name, count(c.h3)
		FROM townships t LEFT JOIN cells c ON c.township = t.code
		WHERE t.code = ANY($1) GROUP BY t.code, t.name ORDER BY t.code`, codes)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ImportedTownship])
}

// cellRows feeds a split to COPY without building all rows first.
type cellRows struct {
	codes  []string
	cells  map[string][]h3.Cell
	ti, ci int
	row    []any
	err    error
}

func newCellRows(r SplitResult) *cellRows {
	codes := make([]string, 0, len(r.Cells))
	for code := range r.Cells {
		codes = append(codes, code)
	}
	return &cellRows{codes: codes, cells: r.Cells, ci: -1}
}

func (c *cellRows) Next() bool {
	c.ci++
	for c.ti < len(c.codes) && c.ci >= len(c.cells[c.codes[c.ti]]) {
		c.ti++
		c.ci = 0
	}
	if c.ti >= len(c.codes) {
		return false
	}
	code := c.codes[c.ti]
	cell := c.cells[code][c.ci]
	g := Geometry(cell)
	b, err := wkb.Marshal(g.Boundary)
	if err != nil {
		c.err = err
		return false
	}
	c.row = []any{int64(cell), code, b, g.Center[0], g.Center[1], g.Parents}
	return true
}

func (c *cellRows) Values() ([]any, error) { return c.row, nil }
func (c *cellRows) Err() error             { return c.err }

var _ pgx.CopyFromSource = (*cellRows)(nil)
