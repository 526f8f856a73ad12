package grid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// TownshipSummary is a township in a listing.
type TownshipSummary struct {
	Code    string  `json:"code"`
	Name    string  `json:"name"`
	AreaKm2 float64 `json:"area_km2"`
	Cells   int     `json:"cells"`
}

// Townships lists townships by code, only the one named by township when it is not "".
func (s *Store) Townships(ctx context.Context, township string) ([]TownshipSummary, error) {
	rows, err := s.db.Query(ctx, `
		SELECT t.code, t.name, round(t.area_km2::numeric, 3)::float8, count(c.h3)::int
		FROM townships t LEFT JOIN cells c ON c.township = t.code
		WHERE $1 = '' OR t.code = $1
		GROUP BY t.code ORDER BY t.code`, township)
	if err != nil {
		return nil, pgdb.Translate(err, "townships")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[TownshipSummary])
	return list, pgdb.Translate(err, "townships")
}

// TownshipFeature returns the township as a GeoJSON Feature (geometry with 7 decimals,
// ~1 cm). Errors: not_found.
func (s *Store) TownshipFeature(ctx context.Context, code string) (json.RawMessage, error) {
	var feature json.RawMessage
	err := s.db.QueryRow(ctx, `
		SELECT json_build_object(
			'type', 'Feature', 'id', t.code,
			'geometry', ST_AsGeoJSON(t.geom, 7)::json,
			'properties', json_build_object(
				'code', t.code, 'name', t.name, 'area_km2', round(t.area_km2::numeric, 3),
				'cells', (SELECT count(*) FROM cells c WHERE c.township = t.code),
				'imported_at', t.imported_at))
		FROM townships t WHERE t.code = $1`, code).Scan(&feature)
	return feature, pgdb.Translate(err, "township "+code)
}

// CellFilter selects cells; empty fields select all.
type CellFilter struct {
	Township string
	Grid     string
}

// WriteCells streams the selected cells as a GeoJSON FeatureCollection of hexagons with
// properties h3, township and grid (null when in no grid area), row by row.
func (s *Store) WriteCells(ctx context.Context, w io.Writer, f CellFilter) error {
	rows, err := s.db.Query(ctx, `
		SELECT h3, township, grid_area, ST_AsGeoJSON(geom, 7)
		FROM cells
		WHERE ($1 = '' OR township = $1) AND ($2 = '' OR grid_area = $2)
		ORDER BY h3`, f.Township, f.Grid)
	if err != nil {
		return pgdb.Translate(err, "cells")
	}
	defer rows.Close()
	type props struct {
		H3       string  `json:"h3"`
		Township string  `json:"township"`
		Grid     *string `json:"grid"`
	}
	// The query may still fail at its first row (a parameter the database refuses, say
	// invalid UTF-8): nothing is written before it, so that the error is a clean problem
	// instead of a truncated 200.
	more := rows.Next()
	if err := rows.Err(); !more && err != nil {
		return pgdb.Translate(err, "cells")
	}
	if _, err := io.WriteString(w, `{"type":"FeatureCollection","features":[`); err != nil {
		return err
	}
	first := true
	for ; more; more = rows.Next() {
		var cell int64
		var p props
		var geom string
		if err := rows.Scan(&cell, &p.Township, &p.Grid, &geom); err != nil {
			return pgdb.Translate(err, "cells")
		}
		p.H3 = h3.Cell(cell).String()
		pj, err := json.Marshal(p)
		if err != nil {
			return err
		}
		sep := ","
		if first {
			sep, first = "", false
		}
		if _, err := fmt.Fprintf(w, `%s{"type":"Feature","id":"%s","geometry":%s,"properties":%s}`, sep, p.H3, geom, pj); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return pgdb.Translate(err, "cells")
	}
	_, err = io.WriteString(w, "]}\n")
	return err
}

// Ref names an object by code and name.
type Ref struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Location is where a point falls on the grid.
type Location struct {
	H3       string `json:"h3"`
	Township Ref    `json:"township"`
	Grid     *Ref   `json:"grid"`
	Squadron *Ref   `json:"squadron"`
}

// Locate returns the cell, township, grid area and squadron of a WGS-84 point. Location
// goes by cell: within about half a cell of a border the answer follows the cell's centre.
// Errors: not_found when the point is in no township's cell.
func (s *Store) Locate(ctx context.Context, p orb.Point) (Location, error) {
	// The city's resolution is not known here without another query; one candidate cell
	// per resolution costs microseconds, and only cells of the city's resolution exist.
	candidates := make([]int64, MaxResolution+1)
	for r := range candidates {
		candidates[r] = int64(CellAt(p, r))
	}
	var loc Location
	var cell int64
	var gridCode, gridName, sqCode, sqName *string
	err := s.db.QueryRow(ctx, `
		SELECT c.h3, t.code, t.name, g.code, g.name, q.code, q.name
		FROM cells c
		JOIN townships t ON t.code = c.township
		LEFT JOIN grid_areas g ON g.code = c.grid_area
		LEFT JOIN squadrons q ON q.code = g.squadron
		WHERE c.h3 = ANY($1)
		LIMIT 1`, candidates).Scan(&cell, &loc.Township.Code, &loc.Township.Name, &gridCode, &gridName, &sqCode, &sqName)
	if errors.Is(err, pgx.ErrNoRows) {
		return Location{}, apperr.NotFoundf("%.6f, %.6f is outside every township", p[1], p[0])
	}
	if err != nil {
		return Location{}, pgdb.Translate(err, "cell")
	}
	loc.H3 = h3.Cell(cell).String()
	loc.Grid = ref(gridCode, gridName)
	loc.Squadron = ref(sqCode, sqName)
	return loc, nil
}

func ref(code, name *string) *Ref {
	if code == nil {
		return nil
	}
	return &Ref{Code: *code, Name: *name}
}

// CellsOf returns the selected cells, sorted.
func (s *Store) CellsOf(ctx context.Context, f CellFilter) ([]h3.Cell, error) {
	rows, err := s.db.Query(ctx, `
		SELECT h3 FROM cells WHERE ($1 = '' OR township = $1) AND ($2 = '' OR grid_area = $2) ORDER BY h3`,
		f.Township, f.Grid)
	if err != nil {
		return nil, pgdb.Translate(err, "cells")
	}
	cells, err := pgx.CollectRows(rows, pgx.RowTo[h3.Cell])
	return cells, pgdb.Translate(err, "cells")
}

// Audit is what CheckInvariants found; all zero on a sound grid.
type Audit struct {
	// CellsOutside counts cells whose centre lies outside their township (and off its border).
	CellsOutside int `json:"cells_outside"`
	// CellsMissing counts cells whose centre lies inside some township but that are in none.
	CellsMissing int `json:"cells_missing"`
	// OverlappingPairs counts pairs of townships whose interiors overlap.
	OverlappingPairs int `json:"overlapping_pairs"`
}

// CheckInvariants verifies the split of the whole city against PostGIS: every cell's
// centre in (or on the border of) its township, no cell whose centre lies inside a
// township missing, no overlapping townships. It fills the city's bounding box with cells
// at its resolution, so it costs about what a split does.
func (s *Store) CheckInvariants(ctx context.Context) (Audit, error) {
	var a Audit
	var res int
	var minX, minY, maxX, maxY *float64
	err := s.db.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM cells c JOIN townships t ON t.code = c.township WHERE NOT ST_Intersects(t.geom, c.center)),
		       (SELECT count(*) FROM townships a JOIN townships b ON a.code < b.code AND a.geom && b.geom
		          AND ST_Relate(a.geom, b.geom, '2********')),
		       coalesce((SELECT resolution FROM grid_settings), 0),
		       ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
		FROM (SELECT ST_Extent(geom) AS e FROM townships) x`).Scan(&a.CellsOutside, &a.OverlappingPairs, &res, &minX, &minY, &maxX, &maxY)
	if err != nil || minX == nil || res == 0 {
		return a, pgdb.Translate(err, "grid")
	}
	box := orb.Bound{Min: orb.Point{*minX, *minY}, Max: orb.Point{*maxX, *maxY}}.Pad(0.01)
	candidates := Fill(orb.MultiPolygon{box.ToPolygon()}, res)
	ids := make([]int64, len(candidates))
	lons := make([]float64, len(candidates))
	lats := make([]float64, len(candidates))
	for i, c := range candidates {
		ll := h3.CellToLatLng(c)
		ids[i], lons[i], lats[i] = int64(c), ll.Lng, ll.Lat
	}
	err = s.db.QueryRow(ctx, `
		SELECT count(*) FROM unnest($1::bigint[], $2::float8[], $3::float8[]) AS x(h3, lon, lat)
		WHERE NOT EXISTS (SELECT 1 FROM cells c WHERE c.h3 = x.h3)
		  AND EXISTS (SELECT 1 FROM townships t WHERE ST_Contains(t.geom, ST_SetSRID(ST_MakePoint(x.lon, x.lat), 4326)))`,
		ids, lons, lats).Scan(&a.CellsMissing)
	return a, pgdb.Translate(err, "grid")
}
