package position

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// BaselineFix is a fix as the raw-COPY baseline writes it: already placed in its
// township and cell, with no filter, chain, coverage or latest position.
type BaselineFix struct {
	Officer   string
	Time      time.Time
	Township  string
	Lon, Lat  float64 // WGS-84
	H3        grid.Cell
	AccuracyM float32
	SpeedMS   float32
}

// baselineColumns are the columns of positions a BaselineFix fills: those ingest writes
// but for the readings a benchmark's generated fixes do not have.
var baselineColumns = positionColumns[:8]

// BaselineBatch is fixes encoded as COPY rows, ready for CopyRaw; the zero value is an
// empty batch. Encoding is kept apart from the copy so that a benchmark can do it before
// its clock starts.
type BaselineBatch struct{ rows [][]any }

// Add encodes f and appends it to the batch.
func (b *BaselineBatch) Add(f BaselineFix) {
	b.rows = append(b.rows, []any{f.Officer, f.Time, f.Township, f.Lon, f.Lat, int64(f.H3), f.AccuracyM, f.SpeedMS})
}

// CopyRaw writes a batch into positions with binary COPY, the fastest way PostgreSQL
// takes rows, and nothing else: it is the baseline `gridwatch bench ingest` measures
// Ingest against, so that the ratio says what the server's work costs over PostgreSQL's
// own. The partitions the fixes fall in must exist (EnsurePartitions). It returns the
// number of rows written and may run on several goroutines at once. Errors: invalid when
// a row breaks a constraint (an unknown officer, say, or a time without partition).
func (s *Store) CopyRaw(ctx context.Context, b BaselineBatch) (int64, error) {
	n, err := s.db.CopyFrom(ctx, pgx.Identifier{"positions"}, baselineColumns, pgx.CopyFromRows(b.rows))
	if err != nil {
		return n, fmt.Errorf("copy %d positions: %w", len(b.rows), pgdb.Translate(err, "position"))
	}
	return n, nil
}

// Len returns the number of fixes in the batch.
func (b BaselineBatch) Len() int { return len(b.rows) }

// Split deals the batch's fixes out to n batches, fix i to batch i mod n, for n streams.
func (b BaselineBatch) Split(n int) []BaselineBatch {
	out := make([]BaselineBatch, n)
	for i, r := range b.rows {
		out[i%n].rows = append(out[i%n].rows, r)
	}
	return out
}

// InsertRaw writes a batch into positions one row at a time, each INSERT its own
// transaction and commit: the floor a one-fix-per-request server is measured against
// (what PostgreSQL alone spends per committed fix), beside CopyRaw. It returns the number
// of rows written and may run on several goroutines at once. Errors: as CopyRaw.
func (s *Store) InsertRaw(ctx context.Context, b BaselineBatch) (int64, error) {
	var n int64
	for _, r := range b.rows {
		if _, err := s.db.Exec(ctx, `
			INSERT INTO positions (officer, time, township, lon, lat, h3, accuracy_m, speed_ms)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r...); err != nil {
			return n, fmt.Errorf("insert position %d of %d: %w", n+1, len(b.rows), pgdb.Translate(err, "position"))
		}
		n++
	}
	return n, nil
}

// BaselineOf reads back the stored fixes of the officers whose ID starts with
// officerPrefix as a batch, for a benchmark that writes what a load stored again.
func (s *Store) BaselineOf(ctx context.Context, officerPrefix string) (BaselineBatch, error) {
	rows, err := s.db.Query(ctx, `
		SELECT officer, time, township, lon, lat, h3, accuracy_m, speed_ms
		FROM positions WHERE starts_with(officer, $1) ORDER BY time`, officerPrefix)
	if err != nil {
		return BaselineBatch{}, pgdb.Translate(err, "positions")
	}
	var b BaselineBatch
	for rows.Next() {
		var f BaselineFix
		var h3 int64
		var acc, speed *float32
		if err := rows.Scan(&f.Officer, &f.Time, &f.Township, &f.Lon, &f.Lat, &h3, &acc, &speed); err != nil {
			rows.Close()
			return BaselineBatch{}, pgdb.Translate(err, "positions")
		}
		f.H3 = grid.Cell(h3)
		if acc != nil {
			f.AccuracyM = *acc
		}
		if speed != nil {
			f.SpeedMS = *speed
		}
		b.Add(f)
	}
	return b, pgdb.Translate(rows.Err(), "positions")
}

// TruncateFixes removes every stored fix and nothing else (latest positions and
// coverage stay), for a benchmark about to write the same fixes again.
func (s *Store) TruncateFixes(ctx context.Context) error {
	_, err := s.db.Exec(ctx, "TRUNCATE positions")
	return pgdb.Translate(err, "positions")
}
