package analytics

import (
	"context"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/blindzone"
)

// unitQueries select, per level, each unit's code, area, patrol visits and hours over
// [from, to), and its cases per sector. $1 townships (empty: all), $2 from, $3 to.
var unitQueries = map[string]string{
	"township": `
		SELECT t.code, t.area_km2,
		       coalesce(v.visits, 0)::int, coalesce(v.dwell_s, 0) / 3600,
		       coalesce((SELECT jsonb_object_agg(sector, n) FROM (
		           SELECT sector, count(*) AS n FROM cases k
		           WHERE k.township = t.code AND k.reported_at >= $2 AND k.reported_at < $3 GROUP BY sector) s), '{}')
		FROM townships t
		LEFT JOIN (SELECT c.township, sum(v.visits) AS visits, sum(v.dwell_s) AS dwell_s
		           FROM coverage v JOIN cells c ON c.h3 = v.h3
		           WHERE v.hour >= date_trunc('hour', $2::timestamptz) AND v.hour < $3 GROUP BY c.township) v ON v.township = t.code
		WHERE coalesce(cardinality($1::text[]), 0) = 0 OR t.code = ANY($1)
		ORDER BY t.code`,
	"grid": `
		SELECT g.code, ST_Area(g.geom::geography) / 1e6,
		       coalesce(v.visits, 0)::int, coalesce(v.dwell_s, 0) / 3600,
		       coalesce((SELECT jsonb_object_agg(sector, n) FROM (
		           SELECT sector, count(*) AS n FROM cases k
		           WHERE k.grid_area = g.code AND k.reported_at >= $2 AND k.reported_at < $3 GROUP BY sector) s), '{}')
		FROM grid_areas g
		LEFT JOIN (SELECT c.grid_area, sum(v.visits) AS visits, sum(v.dwell_s) AS dwell_s
		           FROM coverage v JOIN cells c ON c.h3 = v.h3
		           WHERE v.hour >= date_trunc('hour', $2::timestamptz) AND v.hour < $3 GROUP BY c.grid_area) v ON v.grid_area = g.code
		WHERE coalesce(cardinality($1::text[]), 0) = 0 OR g.township = ANY($1)
		ORDER BY g.code`,
}

// units reads the blind-zone units of a level.
func (s *Store) units(ctx context.Context, level string, townships []string, from, to time.Time) ([]blindzone.Unit, error) {
	rows, err := s.db.Query(ctx, unitQueries[level], townships, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "blind-zone units")
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (blindzone.Unit, error) {
		var u blindzone.Unit
		err := row.Scan(&u.Code, &u.AreaKm2, &u.PatrolVisits, &u.PatrolHours, &u.CasesBySector)
		return u, err
	})
	return list, pgdb.Translate(err, "blind-zone units")
}

// cellUnits reads every cell of the study area pooled with its k-ring: a cell alone holds
// too few cases for an absence to mean anything.
func (s *Store) cellUnits(ctx context.Context, townships []string, k int, from, to time.Time) ([]blindzone.Unit, error) {
	cells, err := s.Cells(ctx, townships)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(cells))
	for i, c := range cells {
		ids[i] = int64(c.H3)
	}
	type cellStats struct {
		visits int
		hours  float64
		cases  map[string]int
	}
	stats := make(map[grid.Cell]*cellStats, len(cells))
	for _, c := range cells {
		stats[c.H3] = &cellStats{cases: map[string]int{}}
	}
	rows, err := s.db.Query(ctx, `
		SELECT h3, sum(visits)::int, sum(dwell_s) / 3600 FROM coverage
		WHERE h3 = ANY($1) AND hour >= date_trunc('hour', $2::timestamptz) AND hour < $3 GROUP BY h3`, ids, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "coverage")
	}
	for rows.Next() {
		var c int64
		var v int
		var h float64
		if err := rows.Scan(&c, &v, &h); err != nil {
			return nil, pgdb.Translate(err, "coverage")
		}
		st := stats[grid.Cell(c)]
		st.visits, st.hours = v, h
	}
	rows.Close()
	rows, err = s.db.Query(ctx, `
		SELECT h3, sector, count(*)::int FROM cases
		WHERE h3 = ANY($1) AND reported_at >= $2 AND reported_at < $3 GROUP BY h3, sector`, ids, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "cases")
	}
	for rows.Next() {
		var c int64
		var sector string
		var n int
		if err := rows.Scan(&c, &sector, &n); err != nil {
			return nil, pgdb.Translate(err, "cases")
		}
		stats[grid.Cell(c)].cases[sector] += n
	}
	rows.Close()
	hexes := make([]grid.Cell, len(cells))
	for i, c := range cells {
		hexes[i] = c.H3
	}
	rings := grid.Rings(hexes, k)
	area := grid.CellAreaKm2(hexes)
	units := make([]blindzone.Unit, len(cells))
	for i, c := range cells {
		u := blindzone.Unit{Code: c.H3.String(), CasesBySector: map[string]int{}}
		for _, j := range append([]int32{int32(i)}, rings[i]...) {
			st := stats[hexes[j]]
			u.AreaKm2 += area[j]
			u.PatrolVisits += st.visits
			u.PatrolHours += st.hours
			for sec, n := range st.cases {
				u.CasesBySector[sec] += n
			}
		}
		units[i] = u
	}
	return units, nil
}

// sectors reads the sector list for the analysis.
func (s *Store) sectors(ctx context.Context) ([]blindzone.Sector, error) {
	rows, err := s.db.Query(ctx, `SELECT code, core FROM sectors ORDER BY code`)
	if err != nil {
		return nil, pgdb.Translate(err, "sectors")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[blindzone.Sector])
	return list, pgdb.Translate(err, "sectors")
}

// DefaultLevel is the blind-zone level of a query that names none: townships when the
// study area holds several, else the grid areas of its one township (a single unit has
// nothing to be compared with) — as for a token confined to a township.
func DefaultLevel(q Query) string {
	if len(q.Townships) == 1 {
		return "grid"
	}
	return "township"
}

// BlindZones runs the blind-zone analysis at a level: township, grid, or cell (each cell
// pooled with its k-ring). Errors: invalid (unknown level, fewer than two units),
// unprocessable.
func (s *Store) BlindZones(ctx context.Context, level string, q Query) ([]blindzone.Result, error) {
	var units []blindzone.Unit
	var err error
	switch level {
	case "township", "grid":
		units, err = s.units(ctx, level, q.Townships, q.From, q.To)
	case "cell":
		units, err = s.cellUnits(ctx, q.Townships, q.K, q.From, q.To)
	default:
		return nil, apperr.Invalidf("level %q is not township, grid or cell", level)
	}
	if err != nil {
		return nil, err
	}
	if len(units) < 2 {
		return nil, apperr.Invalidf("the blind-zone analysis compares units: the study area has %d", len(units))
	}
	sectors, err := s.sectors(ctx)
	if err != nil {
		return nil, err
	}
	results, err := blindzone.Analyze(units, sectors, blindzone.Options{})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unprocessable, "%v", err)
	}
	return results, nil
}

func (h *Handler) blindzones(w http.ResponseWriter, r *http.Request) error {
	p, err := h.readParams(r, 30*24*time.Hour)
	if err != nil {
		return err
	}
	level := r.URL.Query().Get("level")
	if level == "" {
		level = DefaultLevel(p.Query)
	}
	results, err := h.store.BlindZones(r.Context(), level, p.Query)
	if err != nil {
		return err
	}
	header := []string{"code", "level", "patrol_visits", "patrol_hours", "exposure", "cases_total", "cases_core", "cases_other",
		"expected_other", "p_absence", "p_adjusted", "kind", "sectors_missing", "reason"}
	row := func(i int) []any {
		res := results[i]
		return []any{res.Code, level, res.PatrolVisits, round(res.PatrolHours, 2), round(res.Exposure, 3), res.CasesTotal,
			res.CasesCore, res.CasesOther, round(res.ExpectedOther, 3), round(res.PAbsence, 8), round(res.PAdjusted, 8),
			string(res.Kind), res.SectorsMissing, res.Reason}
	}
	if p.csv {
		return write(w, true, "blindzones-"+level, header, len(results), row, nil, nil)
	}
	return h.writeUnits(w, r, level, header, results, row)
}

// UnitShapes returns the shape of each unit of a blind-zone result: township and grid
// area polygons (from PostGIS), cell hexagons.
func (s *Store) UnitShapes(ctx context.Context, level string, results []blindzone.Result) (map[string]orb.Geometry, error) {
	out := make(map[string]orb.Geometry, len(results))
	if level == "cell" {
		for _, res := range results {
			c, err := grid.ParseCell(res.Code)
			if err != nil {
				return nil, err
			}
			out[res.Code] = grid.Geometry(c).Boundary
		}
		return out, nil
	}
	table := map[string]string{"township": "townships", "grid": "grid_areas"}[level]
	rows, err := s.db.Query(ctx, `SELECT code, ST_AsBinary(geom) FROM `+pgx.Identifier{table}.Sanitize())
	if err != nil {
		return nil, pgdb.Translate(err, level)
	}
	defer rows.Close()
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

// writeUnits answers the blind-zone results as a FeatureCollection of the units' shapes.
func (h *Handler) writeUnits(w http.ResponseWriter, r *http.Request, level string, header []string, results []blindzone.Result, row func(int) []any) error {
	shapes, err := h.store.UnitShapes(r.Context(), level, results)
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	for i, res := range results {
		f := geojson.NewFeature(shapes[res.Code])
		f.ID = res.Code
		for j, v := range row(i) {
			f.Properties[header[j]] = v
		}
		if res.SectorsMissing == nil {
			f.Properties["sectors_missing"] = []string{}
		}
		if level == "cell" {
			f.Properties["h3"] = res.Code
		}
		fc.Append(f)
	}
	httpx.WriteGeoJSON(w, http.StatusOK, fc)
	return nil
}
