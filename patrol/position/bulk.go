package position

import (
	"context"
	"fmt"
	"time"

	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// What benchmarks and generators need of positions beyond ingest: partitions made ahead,
// a reset between runs and the figures they report.

// EnsurePartitions creates the daily partitions of positions for the UTC days from the
// day of from to the day of to, those that do not exist yet.
func (s *Store) EnsurePartitions(ctx context.Context, from, to time.Time) error {
	if _, err := s.db.Exec(ctx, "SELECT ensure_position_partitions($1::date, $2::date)",
		from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly)); err != nil {
		return fmt.Errorf("create position partitions: %w", pgdb.Translate(err, "position partitions"))
	}
	return nil
}

// Truncate removes every stored fix and latest position (the partitions stay), for a
// benchmark that writes the same fixes twice. Coverage, derived from the fixes, is its
// own package's to clear.
func (s *Store) Truncate(ctx context.Context) error {
	_, err := s.db.Exec(ctx, "TRUNCATE positions, officer_latest")
	return pgdb.Translate(err, "positions")
}

// Count returns the number of stored fixes of the officers whose ID starts with
// officerPrefix (all officers when it is "").
func (s *Store) Count(ctx context.Context, officerPrefix string) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, "SELECT count(*) FROM positions WHERE starts_with(officer, $1)", officerPrefix).Scan(&n)
	return n, pgdb.Translate(err, "positions")
}

// LatestCounts returns how many officers have a latest position, by the township of that
// position.
func (s *Store) LatestCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := s.db.Query(ctx, "SELECT township, count(*) FROM officer_latest GROUP BY township")
	if err != nil {
		return nil, pgdb.Translate(err, "latest positions")
	}
	out, err := pgdb.CollectMap[string, int64](rows)
	return out, pgdb.Translate(err, "latest positions")
}

// DiskBytes returns the size on disk of positions: every partition with its indexes and
// TOAST, in bytes.
func (s *Store) DiskBytes(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `
		SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)::bigint
		FROM pg_inherits i WHERE i.inhparent = 'positions'::regclass`).Scan(&n)
	return n, pgdb.Translate(err, "positions")
}
