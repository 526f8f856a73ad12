package analytics

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/admission"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/patrol/blindzone"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// units reads the blind-zone units of a level (township or grid) in the study
// townships: each unit's area, patrol visits and hours over [from, to), and its cases per
// sector.
func (s *Store) units(ctx context.Context, level string, townships []string, from, to time.Time) ([]blindzone.Unit, error) {
	units, err := s.patrolUnits(ctx, level, townships, from, to)
	if err != nil {
		return nil, err
	}
	counts, err := s.cases.CountsByArea(ctx, level, cases.Filter{From: from, To: to})
	if err != nil {
		return nil, err
	}
	index := make(map[string]int, len(units))
	for i, u := range units {
		index[u.Code] = i
	}
	for _, c := range counts {
		if i, ok := index[c.Area]; ok {
			units[i].CasesBySector[c.Sector] = c.N
		}
	}
	return units, nil
}

// patrolUnits reads the units of a level in the study townships with their area and
// patrol over [from, to), without cases: what an exposure is measured from.
func (s *Store) patrolUnits(ctx context.Context, level string, townships []string, from, to time.Time) ([]blindzone.Unit, error) {
	areas, err := s.grid.AreaSizes(ctx, level, townships)
	if err != nil {
		return nil, err
	}
	patrols, err := s.coverage.ByArea(ctx, level, from, to)
	if err != nil {
		return nil, err
	}
	index := make(map[string]int, len(areas))
	units := make([]blindzone.Unit, len(areas))
	for i, a := range areas {
		index[a.Code] = i
		units[i] = blindzone.Unit{Code: a.Code, AreaKm2: a.AreaKm2, CasesBySector: map[string]int{}}
	}
	for _, p := range patrols {
		if i, ok := index[p.Code]; ok {
			units[i].PatrolVisits, units[i].PatrolHours = p.Visits, p.DwellS/3600
		}
	}
	return units, nil
}

// cellUnits reads every cell of the study area pooled with its k-ring: a cell alone holds
// too few cases for an absence to mean anything.
func (s *Store) cellUnits(ctx context.Context, cells []StudyCell, k int, from, to time.Time) ([]blindzone.Unit, error) {
	ids := make([]int64, len(cells))
	for i, c := range cells {
		ids[i] = int64(c.H3)
	}
	patrols, err := s.coverage.Totals(ctx, ids, from, to)
	if err != nil {
		return nil, err
	}
	counts, err := s.cases.CountsByCell(ctx, cases.Filter{From: from, To: to}, ids)
	if err != nil {
		return nil, err
	}
	casesOf := make(map[grid.Cell]map[string]int, len(cells))
	for _, c := range counts {
		if casesOf[c.H3] == nil {
			casesOf[c.H3] = map[string]int{}
		}
		casesOf[c.H3][c.Sector] += c.N
	}
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
			p := patrols[hexes[j]]
			u.AreaKm2 += area[j]
			u.PatrolVisits += p.Visits
			u.PatrolHours += p.DwellS / 3600
			for sec, n := range casesOf[hexes[j]] {
				u.CasesBySector[sec] += n
			}
		}
		units[i] = u
	}
	return units, nil
}

// sectors reads the sector list for the analysis, by code.
func (s *Store) sectors(ctx context.Context) ([]blindzone.Sector, error) {
	list, err := s.cases.Sectors(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]blindzone.Sector, len(list))
	for i, sec := range list {
		out[i] = blindzone.Sector{Code: sec.Code, Core: sec.Core}
	}
	slices.SortFunc(out, func(a, b blindzone.Sector) int { return strings.Compare(a.Code, b.Code) })
	return out, nil
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
	ring := 1
	switch level {
	case "township", "grid":
	case "cell":
		ring = admission.Ring(q.K)
	default:
		return nil, apperr.Invalidf("level %q is not township, grid or cell", level)
	}
	cells, err := s.Cells(ctx, q.Townships)
	if err != nil {
		return nil, err
	}
	if err := s.admit.Check(admission.Cost{Cells: len(cells), Steps: 1, Ring: ring}); err != nil {
		return nil, err
	}
	key := "blindzones|level=" + level + "|" + q.key()
	v, err := s.share(ctx, DataPatrol, key, func(any) int64 { return int64(len(cells)) * 512 }, func(ctx context.Context) (any, error) {
		return s.blindZones(ctx, level, q, cells)
	})
	if err != nil {
		return nil, err
	}
	return v.([]blindzone.Result), nil
}

func (s *Store) blindZones(ctx context.Context, level string, q Query, cells []StudyCell) ([]blindzone.Result, error) {
	var units []blindzone.Unit
	var err error
	if level == "cell" {
		units, err = s.cellUnits(ctx, cells, q.K, q.From, q.To)
	} else {
		units, err = s.units(ctx, level, q.Townships, q.From, q.To)
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
	unused, err := h.store.ItemsUnused(r.Context(), level, p.Query, results)
	if err != nil {
		return err
	}
	double, err := h.store.DoubleBlank(r.Context(), level, p.Query, results)
	if err != nil {
		return err
	}
	header := []string{"code", "level", "patrol_visits", "patrol_hours", "exposure", "cases_total", "cases_core", "cases_other",
		"expected_other", "p_absence", "p_adjusted", "kind", "sectors_missing", "items_unused", "items_double_blank", "reason"}
	row := func(i int) []any {
		res := results[i]
		items := unused[res.Code]
		if items == nil {
			items = []string{}
		}
		blank := double[res.Code]
		if blank == nil {
			blank = []string{}
		}
		return []any{res.Code, level, res.PatrolVisits, round(res.PatrolHours, 2), round(res.Exposure, 3), res.CasesTotal,
			res.CasesCore, res.CasesOther, round(res.ExpectedOther, 3), round(res.PAbsence, 8), round(res.PAdjusted, 8),
			string(res.Kind), res.SectorsMissing, items, blank, res.Reason}
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
			out[res.Code] = grid.Boundary(c)
		}
		return out, nil
	}
	return s.grid.Shapes(ctx, level)
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
