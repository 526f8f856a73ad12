package cases

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Point is a case as a map draws it.
type Point struct {
	ID         int64
	Sector     string
	Status     Status
	ReportedAt time.Time
	Township   string // "" outside every township
	Lon, Lat   float64
}

// inBound is the condition that a case lies in the WGS-84 bound given as $8 to $11.
const inBound = `geom && ST_MakeEnvelope($8, $9, $10, $11, 4326)`

// Points returns the cases of a filter within a WGS-84 bound, by id, at most limit of
// them (Filter.Limit does not apply). The caller has scoped the filter.
func (s *Store) Points(ctx context.Context, b orb.Bound, f Filter, limit int) ([]Point, error) {
	rows, err := s.db.Query(ctx, `SELECT id, sector, status, reported_at, coalesce(township, ''), lon, lat
		FROM cases WHERE `+inBound+` AND `+filterWhere+` ORDER BY id LIMIT $12`, f.filterArgs(append(pgdb.BoundArgs(b), limit)...)...)
	if err != nil {
		return nil, pgdb.Translate(err, "case points")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Point])
	return list, pgdb.Translate(err, "case points")
}

// CellTotal is how many cases fall in one cell.
type CellTotal struct {
	H3 grid.Cell
	N  int
}

// CellTotals counts the cases of a filter within a WGS-84 bound per cell of the city's
// resolution, for clusters drawn at that cell or a parent of it. The caller has scoped
// the filter.
func (s *Store) CellTotals(ctx context.Context, b orb.Bound, f Filter) ([]CellTotal, error) {
	return collect[CellTotal](ctx, s, `SELECT h3, count(*)::int FROM cases WHERE `+inBound+` AND `+filterWhere+`
		GROUP BY h3 ORDER BY h3`, f.filterArgs(pgdb.BoundArgs(b)...))
}
