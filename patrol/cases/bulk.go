package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// BulkCase is a case as CopyBulk writes it: already located, with its status but no
// history.
type BulkCase struct {
	Sector     string
	Title      string
	Lon, Lat   float64 // WGS-84
	H3         grid.Cell
	Township   string
	GridArea   *string // nil outside every grid area
	Squadron   *string // nil without grid area or squadron
	Source     Source
	Status     Status
	Reporter   string
	ReportedAt time.Time
}

// bulkColumns are the columns CopyBulk writes, in the order of bulkRow.
var bulkColumns = []string{"sector", "title", "lon", "lat", "h3", "township", "township_key", "grid_area", "squadron", "source",
	"status", "reporter", "reported_at"}

func bulkRow(c BulkCase) []any {
	return []any{c.Sector, c.Title, c.Lon, c.Lat, int64(c.H3), c.Township, c.Township, c.GridArea, c.Squadron,
		string(c.Source), string(c.Status), c.Reporter, c.ReportedAt}
}

// CopyBulk writes list with binary COPY, the fastest way into PostgreSQL, for generators
// of synthetic cities and benchmarks: no store rules, no history rows, no OnChange
// notice. It returns the number of cases written. Errors: invalid when a case breaks a
// constraint of the table (an unknown sector, say).
func (s *Store) CopyBulk(ctx context.Context, list []BulkCase) (int64, error) {
	n, err := s.db.CopyFrom(ctx, pgx.Identifier{"cases"}, bulkColumns, pgx.CopyFromSlice(len(list), func(i int) ([]any, error) {
		return bulkRow(list[i]), nil
	}))
	if err != nil {
		return n, fmt.Errorf("copy %d cases: %w", len(list), pgdb.Translate(err, "case"))
	}
	return n, nil
}

// Count returns the number of cases stored.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, "SELECT count(*) FROM cases").Scan(&n)
	return n, pgdb.Translate(err, "cases")
}

// Analyze refreshes the planner's statistics of cases, which a bulk load leaves stale
// until autovacuum comes by.
func (s *Store) Analyze(ctx context.Context) error {
	_, err := s.db.Exec(ctx, "ANALYZE cases")
	return pgdb.Translate(err, "case statistics")
}
