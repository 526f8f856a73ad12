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
