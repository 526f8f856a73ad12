package coverage

import (
	"context"

	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// What benchmarks need of coverage beyond ingest: a reset between runs and its size.

// Truncate removes all coverage, for a benchmark that writes the same fixes twice (the
// fixes themselves are package position's to clear).
func (s *Store) Truncate(ctx context.Context) error {
	_, err := s.db.Exec(ctx, "TRUNCATE coverage")
	return pgdb.Translate(err, "coverage")
}

// DiskBytes returns the size on disk of coverage, with its indexes and TOAST, in bytes.
func (s *Store) DiskBytes(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, "SELECT pg_total_relation_size('coverage')").Scan(&n)
	return n, pgdb.Translate(err, "coverage")
}
