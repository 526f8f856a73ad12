package coverage

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// RolledCell is the coverage of a cell, or of a parent over the cells under it, over a
// window: Visits and DwellS summed over its cells, Officers the most of any one cell,
// LastVisit the latest.
type RolledCell struct {
	H3       grid.Cell
	Township string // the township of its cells (the first by code when they differ)
	Cells    int    // the cells of the city's resolution it stands for
	Totals
}

// Rollup returns the coverage over [from, to), resolved to whole hours as in Cells, of
// the cells whose centre lies in the WGS-84 bound b, in township ("" = every township),
// rolled up to their parents at resolution res (the cells themselves at the city's
// resolution), by index; cells not visited count with zeros. A map tile draws it. It
// reads the function coverage_rollup (migration 0009), which joins grid's cells.
// Errors: the database's, translated.
func (s *Store) Rollup(ctx context.Context, b orb.Bound, res int, township string, from, to time.Time) ([]RolledCell, error) {
	rows, err := s.db.Query(ctx, `SELECT * FROM coverage_rollup($1, $2, $3, $4, $5, $6, $7, $8) ORDER BY h3`,
		append(pgdb.BoundArgs(b), res, township, from, to)...)
	if err != nil {
		return nil, pgdb.Translate(err, "coverage")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[RolledCell])
	return list, pgdb.Translate(err, "coverage")
}
