package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gridwatch/gridwatch/internal/cputime"
	"github.com/gridwatch/gridwatch/patrol/position"
)

// Floor is what PostgreSQL alone takes to store a set of fixes one way, straight through
// pgx with nothing of the server's work: the floor the server's ingest is measured
// against.
type Floor struct {
	Fixes   int
	Streams int           // concurrent connections
	Took    time.Duration // wall time
	// CPU is this process's CPU time plus, when measurable, that of the PostgreSQL
	// backends of the database, during the write.
	CPU time.Duration
}

// Rate is fixes per second.
func (f Floor) Rate() float64 { return float64(f.Fixes) / f.Took.Seconds() }

// CPUPerFix is CPU time per fix, in milliseconds.
func (f Floor) CPUPerFix() float64 { return ms(f.CPU) / float64(f.Fixes) }

func (f Floor) String() string {
	if f.Fixes == 0 {
		return "not measured"
	}
	return fmt.Sprintf("%d fixes, %d streams: %.2f s, %.0f fixes/s, %.3f ms CPU a fix (process + PostgreSQL)",
		f.Fixes, f.Streams, f.Took.Seconds(), f.Rate(), f.CPUPerFix())
}

// writeFloor writes batches, one stream each, with write (position.Store.CopyRaw or
// InsertRaw), timing it and measuring the CPU of this process and of the backends of
// database dbName ("" = not measured).
func writeFloor(ctx context.Context, batches []position.BaselineBatch, dbName string,
	write func(context.Context, position.BaselineBatch) (int64, error)) (Floor, error) {
	f := Floor{Streams: len(batches)}
	for _, b := range batches {
		f.Fixes += b.Len()
	}
	cpuStart := cputime.Process()
	var pgStart map[int]time.Duration
	if dbName != "" {
		pgStart = backendCPU(dbName)
	}
	start := time.Now()
	errs := make(chan error, len(batches))
	for _, b := range batches {
		go func() {
			_, err := write(ctx, b)
			errs <- err
		}()
	}
	var err error
	for range batches {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	f.Took = time.Since(start)
	f.CPU = cputime.Process() - cpuStart
	if dbName != "" {
		for pid, t := range backendCPU(dbName) {
			f.CPU += t - pgStart[pid]
		}
	}
	return f, err
}

// floorStreams is how many connections the soak's floors write on: as many as clients
// of PostgreSQL's own single-row figure in issue 18.
const floorStreams = 8

// soakFloors writes the fixes the soak stored again, first one row per commit then with
// COPY, as the floors of the soak's CPU per fix; positions end holding the same fixes
// (their readings other than accuracy and speed dropped).
func soakFloors(ctx context.Context, store *position.Store, dbName string, streams int, log io.Writer) (single, raw Floor, err error) {
	all, err := store.BaselineOf(ctx, soakOfficerPrefix)
	if err != nil || all.Len() == 0 {
		return single, raw, err
	}
	batches := all.Split(streams)
	fmt.Fprintf(log, "soak floors: writing the %d stored fixes again, one row per commit, then with COPY\n", all.Len())
	if err := store.TruncateFixes(ctx); err != nil {
		return single, raw, err
	}
	if single, err = writeFloor(ctx, batches, dbName, store.InsertRaw); err != nil {
		return single, raw, err
	}
	if err := store.TruncateFixes(ctx); err != nil {
		return single, raw, err
	}
	raw, err = writeFloor(ctx, batches, dbName, store.CopyRaw)
	return single, raw, err
}
