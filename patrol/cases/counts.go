package cases

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Report is a case reduced to where and when it was reported, as the hot spot analyses
// count it.
type Report struct {
	H3   grid.Cell
	Time time.Time
}

// Reports returns where and when the cases of a filter were reported (Filter.Limit does
// not apply). The caller has scoped the filter.
func (s *Store) Reports(ctx context.Context, f Filter) ([]Report, error) {
	rows, err := s.db.Query(ctx, `SELECT h3, reported_at FROM cases WHERE `+filterWhere, f.filterArgs()...)
	if err != nil {
		return nil, pgdb.Translate(err, "cases")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Report])
	return list, pgdb.Translate(err, "cases")
}

// Count is how many cases of one sector fall in one township or grid area.
type Count struct {
	Area   string
	Sector string
	N      int
}

// CellCount is how many cases of one sector fall in one cell.
type CellCount struct {
	H3     grid.Cell
	Sector string
	N      int
}

// CountsByCell counts the cases of a filter in each of the given cells, per sector. The
// caller has scoped the filter.
func (s *Store) CountsByCell(ctx context.Context, f Filter, cells []int64) ([]CellCount, error) {
	return collect[CellCount](ctx, s, `SELECT h3, sector, count(*)::int FROM cases WHERE h3 = ANY($8) AND `+filterWhere+`
		GROUP BY h3, sector`, f.filterArgs(cells))
}

// Area levels of CountsByArea.
const (
	ByTownship = "township"
	ByGrid     = "grid"
)

// CountsByArea counts the cases of a filter per township (level ByTownship, the default)
// or grid area (ByGrid), and sector; cases outside every township or grid area are left
// out. The caller has scoped the filter.
func (s *Store) CountsByArea(ctx context.Context, level string, f Filter) ([]Count, error) {
	col := areaColumn(level)
	return collect[Count](ctx, s, `SELECT `+col+`, sector, count(*)::int FROM cases WHERE `+col+` IS NOT NULL AND `+filterWhere+`
		GROUP BY `+col+`, sector`, f.filterArgs())
}

// areaColumn is the column of cases that places a case at a level of CountsByArea.
func areaColumn(level string) string {
	if level == ByGrid {
		return pgx.Identifier{"grid_area"}.Sanitize()
	}
	return pgx.Identifier{"township"}.Sanitize()
}

// ItemCount is how many cases citing one item fall in one township or grid area.
type ItemCount struct {
	Area string
	Item string
	N    int
}

// CountsByItem counts the cases of a filter that cite an item, per township (level
// ByTownship, the default) or grid area (ByGrid) and item; cases citing none, or outside
// every township or grid area, are left out. Cases count whether or not intake routed
// them: the item was used in the place. The caller has scoped the filter.
func (s *Store) CountsByItem(ctx context.Context, level string, f Filter) ([]ItemCount, error) {
	col := areaColumn(level)
	return collect[ItemCount](ctx, s, `SELECT `+col+`, item, count(*)::int FROM cases
		WHERE item IS NOT NULL AND `+col+` IS NOT NULL AND `+filterWhere+` GROUP BY `+col+`, item`, f.filterArgs())
}

// collect runs a query of case counts and reads its rows into T by position.
func collect[T any](ctx context.Context, s *Store, sql string, args []any) ([]T, error) {
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, pgdb.Translate(err, "case counts")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[T])
	return list, pgdb.Translate(err, "case counts")
}
