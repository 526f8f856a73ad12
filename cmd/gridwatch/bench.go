package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/gridwatch/gridwatch/internal/bench"
	"github.com/gridwatch/gridwatch/scripts"
)

func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("bench: say which benchmark: ingest or tiles")
	}
	switch args[0] {
	case "ingest":
		return benchIngestCmd(ctx, args[1:], stdout, stderr)
	case "tiles":
		return benchTilesCmd(ctx, args[1:], stdout, stderr)
	default:
		return fmt.Errorf("bench: unknown benchmark %q: say ingest or tiles", args[0])
	}
}

func benchIngestCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench ingest", stderr)
	db := dbFlag(fs)
	stateDir := fs.String("devdb-dir", envOr("GRIDWATCH_DEVDB_DIR", ".devdb"), "local PostGIS state when --db is not set")
	var opt bench.IngestOptions
	fs.IntVar(&opt.Fixes, "fixes", 1_000_000, "fixes to send")
	fs.IntVar(&opt.Officers, "officers", 500, "officers sending them")
	fs.IntVar(&opt.Clients, "clients", 4, "concurrent HTTP clients (and COPY streams)")
	fs.IntVar(&opt.Batch, "batch", 1000, "fixes per request")
	if err := parse(fs, args, 0); err != nil {
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

func benchTilesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench tiles", stderr)
	db := dbFlag(fs)
	stateDir := fs.String("devdb-dir", envOr("GRIDWATCH_DEVDB_DIR", ".devdb"), "local PostGIS state when --db is not set")
	var opt bench.TilesOptions
	fs.StringVar(&opt.Peer, "peer", "", "base URL of a pg_tileserv serving the benchmark database (printed at start)")
	fs.DurationVar(&opt.PeerWait, "peer-wait", 5*time.Minute, "how long to wait for the peer to serve the benchmark tables")
	fs.IntVar(&opt.Clients, "clients", 8, "concurrent HTTP clients")
	fs.DurationVar(&opt.Duration, "duration", 10*time.Second, "bound of each cold pass, length of each warm run")
	fs.IntVar(&opt.Cases, "cases", 200_000, "synthetic cases to write")
	fs.BoolVar(&opt.Gzip, "gzip", true, "ask for gzip-encoded tiles, as browsers do")
	fs.BoolVar(&opt.Keep, "keep", false, "benchmark in --db itself and keep its data (no scratch database): migrates it, loads the demo city and the cases when missing")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if opt.Clients < 1 || opt.Cases < 1 || opt.Duration < time.Second || opt.Duration > 10*time.Minute {
		return errors.New("bench tiles: need clients ≥ 1, cases ≥ 1, 1s ≤ duration ≤ 10m")
	}
	if opt.Keep && *db == "" {
		return errors.New("bench tiles: --keep needs --db (or DATABASE_URL): the database to benchmark in")
	}
	if *db == "" {
		url, err := scripts.StartDevDB(ctx, *stateDir)
		if err != nil {
			return err
		}
		*db = url
	}
	opt.DatabaseURL = *db
	// Tens of thousands of access log lines would bury the progress lines. pg_tileserv
	// logs every tile request at info level: for a like-for-like run set
	// GRIDWATCH_LOG_LEVEL=info and send stderr to a file (it costs ours about 7 % of its
	// warm throughput).
	if os.Getenv("GRIDWATCH_LOG_LEVEL") == "" {
		slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	}
	rep, err := bench.Tiles(ctx, opt, stderr)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep)
	return nil
}
