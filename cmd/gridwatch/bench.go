package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gridwatch/gridwatch/internal/bench"
	"github.com/gridwatch/gridwatch/scripts"
)

func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "ingest" {
		return errors.New("bench: say which benchmark: ingest")
	}
	fs := newFlags("bench ingest", stderr)
	db := dbFlag(fs)
	stateDir := fs.String("devdb-dir", envOr("GRIDWATCH_DEVDB_DIR", ".devdb"), "local PostGIS state when --db is not set")
	var opt bench.IngestOptions
	fs.IntVar(&opt.Fixes, "fixes", 1_000_000, "fixes to send")
	fs.IntVar(&opt.Officers, "officers", 500, "officers sending them")
	fs.IntVar(&opt.Clients, "clients", 4, "concurrent HTTP clients (and COPY streams)")
	fs.IntVar(&opt.Batch, "batch", 1000, "fixes per request")
	if err := parse(fs, args[1:], 0); err != nil {
		return err
	}
	if opt.Fixes < opt.Officers || opt.Batch < 1 || opt.Batch > 10_000 || opt.Clients < 1 {
		return errors.New("bench ingest: need fixes ≥ officers, 1 ≤ batch ≤ 10000, clients ≥ 1")
	}
	if *db == "" {
		url, err := scripts.StartDevDB(ctx, *stateDir)
		if err != nil {
			return err
		}
		*db = url
	}
	opt.DatabaseURL = *db
	rep, err := bench.Ingest(ctx, opt, stderr)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep)
	return nil
}
