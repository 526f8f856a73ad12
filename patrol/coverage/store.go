package coverage

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uber/h3-go/v4"

	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Cell is the coverage of one cell over a window.
type Cell struct {
	H3        string     `json:"h3"`
	Township  string     `json:"township"`
	Visits    int        `json:"visits"`
	Officers  int        `json:"officers"`
	DwellS    float64    `json:"dwell_s"`
	LastVisit *time.Time `json:"last_visit"` // null: not visited in the window
}

// Store reads the coverage table that ingest keeps up to date.
type Store struct{ db *pgxpool.Pool }

// NewStore returns a Store on db.
func NewStore(db *pgxpool.Pool) *Store { return &Store{db: db} }

// Cells returns the coverage of every cell of a township ("" = the whole city) over
// [from, to), unvisited cells included with zeros. The window is resolved to whole hours:
// a bucket counts when its hour starts in [from truncated to the hour, to).
func (s *Store) Cells(ctx context.Context, township string, from, to time.Time) ([]Cell, error) {
	rows, err := s.db.Query(ctx, `
		SELECT c.h3, c.township, coalesce(v.visits, 0)::int, coalesce(v.officers, 0)::int,
		       coalesce(v.dwell_s, 0), v.last_visit
		FROM cells c
		LEFT JOIN (
			SELECT h3, sum(visits) AS visits, count(DISTINCT officer) AS officers,
			       sum(dwell_s) AS dwell_s, max(last_visit) AS last_visit
			FROM coverage
			WHERE hour >= date_trunc('hour', $2::timestamptz) AND hour < $3
			  AND ($1 = '' OR h3 IN (SELECT h3 FROM cells WHERE township = $1))
			GROUP BY h3) v ON v.h3 = c.h3
		WHERE $1 = '' OR c.township = $1
		ORDER BY c.h3`, township, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "coverage")
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Cell, error) {
		var c Cell
		var cell int64
		err := row.Scan(&cell, &c.Township, &c.Visits, &c.Officers, &c.DwellS, &c.LastVisit)
		c.H3 = h3.Cell(cell).String()
		return c, err
	})
	return list, pgdb.Translate(err, "coverage")
}
