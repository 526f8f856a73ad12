package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/gridwatch/gridwatch/internal/bench"
)

func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("bench: say which benchmark: ingest, tiles, soak or burst")
	}
	switch args[0] {
	case "ingest":
		return benchIngestCmd(ctx, args[1:], stdout, stderr)
	case "tiles":
		return benchTilesCmd(ctx, args[1:], stdout, stderr)
	case "soak":
		return benchSoakCmd(ctx, args[1:], stdout, stderr)
	case "burst":
		return benchBurstCmd(ctx, args[1:], stdout, stderr)
	default:
		return fmt.Errorf("bench: unknown benchmark %q: say ingest, tiles, soak or burst", args[0])
	}
}

func benchIngestCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench ingest", stderr)
	database := localDBFlags(fs)
	var opt bench.IngestOptions
	fs.IntVar(&opt.Fixes, "fixes", 1_000_000, "fixes to send")
	fs.IntVar(&opt.Officers, "officers", 500, "officers sending them")
	fs.IntVar(&opt.Clients, "clients", 4, "concurrent HTTP clients (and COPY streams)")
	fs.IntVar(&opt.Batch, "batch", 1000, "fixes per request")
	fs.IntVar(&opt.SingleRowFixes, "single-row-fixes", 0, "how many of the fixes the single-row-commit floor writes (0: all)")
	fs.StringVar(&opt.CPUProfile, "cpu-profile", "", "write the process's CPU profile during the HTTP run to this file (go tool pprof)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if opt.Fixes < opt.Officers || opt.Batch < 1 || opt.Batch > 10_000 || opt.Clients < 1 {
		return errors.New("bench ingest: need fixes ≥ officers, 1 ≤ batch ≤ 10000, clients ≥ 1")
	}
	url, err := database.URL(ctx)
	if err != nil {
		return err
	}
	opt.DatabaseURL = url
	rep, err := bench.Ingest(ctx, opt, stderr)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep)
	return nil
}

func benchTilesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench tiles", stderr)
	database := localDBFlags(fs)
	var opt bench.TilesOptions
	fs.StringVar(&opt.Peer, "peer", "", "base URL of a pg_tileserv serving the benchmark database (printed at start)")
	fs.IntVar(&opt.PeerPID, "peer-pid", 0, "process ID of the peer on this machine, to count its CPU time per tile (0: not counted)")
	fs.DurationVar(&opt.PeerWait, "peer-wait", 5*time.Minute, "how long to wait for the peer to serve the benchmark tables")
	fs.IntVar(&opt.Clients, "clients", 8, "concurrent HTTP clients")
	fs.DurationVar(&opt.Duration, "duration", 10*time.Second, "bound of each cold pass, length of each warm run")
	fs.IntVar(&opt.ColdPasses, "cold-passes", 1, "cold passes over each set, our cache made cold before each")
	fs.IntVar(&opt.Cases, "cases", 200_000, "synthetic cases to write")
	fs.BoolVar(&opt.Gzip, "gzip", true, "ask for gzip-encoded tiles, as browsers do")
	fs.StringVar(&opt.CPUProfile, "cpu-profile", "", "write the process's CPU profile during the runs to this file (go tool pprof)")
	fs.BoolVar(&opt.Keep, "keep", false, "benchmark in --db itself and keep its data (no scratch database): migrates it, loads the demo city and the cases when missing")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if opt.Clients < 1 || opt.Cases < 1 || opt.ColdPasses < 1 || opt.Duration < time.Second || opt.Duration > 10*time.Minute {
		return errors.New("bench tiles: need clients ≥ 1, cases ≥ 1, cold passes ≥ 1, 1s ≤ duration ≤ 10m")
	}
	if opt.Keep && !database.Given() {
		return errors.New("bench tiles: --keep needs --db (or DATABASE_URL): the database to benchmark in")
	}
	url, err := database.URL(ctx)
	if err != nil {
		return err
	}
	opt.DatabaseURL = url
	// Tens of thousands of access log lines would bury the progress lines. pg_tileserv
	// logs every tile request at info level: for a like-for-like run set
	// GRIDWATCH_LOG_LEVEL=info and send stderr to a file (it costs ours about 7 % of its
	// warm throughput).
	quietAccessLogs(stderr)
	rep, err := bench.Tiles(ctx, opt, stderr)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep)
	return nil
}

func benchSoakCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench soak", stderr)
	database := localDBFlags(fs)
	var opt bench.SoakOptions
	fs.IntVar(&opt.Devices, "devices", 2000, "simulated devices, each with its own device token")
	fs.DurationVar(&opt.Interval, "interval", 5*time.Second, "how often each device sends a fix")
	fs.IntVar(&opt.OsmAndEvery, "osmand-every", 5, "every n-th device speaks OsmAnd (Traccar Client) instead of POST /positions; 0: none")
	fs.IntVar(&opt.Walls, "walls", 20, "map walls: a viewport of tiles refreshed with ETags, and a live feed")
	fs.DurationVar(&opt.WallRefresh, "wall-refresh", 10*time.Second, "how often a wall refreshes its tiles")
	fs.IntVar(&opt.Analysts, "analysts", 5, "analysts sending hot spot, blind zone and coverage queries")
	fs.DurationVar(&opt.AnalystEvery, "analyst-every", 5*time.Second, "how often each analyst sends a query")
	fs.DurationVar(&opt.Duration, "duration", 5*time.Minute, "how long the load runs")
	fs.DurationVar(&opt.ReportEvery, "report-every", 30*time.Second, "how often progress is written to stderr")
	fs.DurationVar(&opt.SampleEvery, "sample-every", 10*time.Second, "how often memory is sampled")
	fs.IntVar(&opt.Cases, "cases", 20_000, "synthetic cases for the analysts' queries")
	fs.IntVar(&opt.PoolMaxConns, "pool-max-conns", 0, "cap of the server's database pool (0: its default, max(4, cores))")
	fs.StringVar(&opt.CPUProfile, "cpu-profile", "", "write the process's CPU profile during the load to this file (go tool pprof)")
	fs.DurationVar(&opt.GroupWindow, "group-window", 0, "the server's group commit window (0: its default; negative: off), as serve --group-window")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if opt.Devices < 0 || opt.Walls < 0 || opt.Analysts < 0 || opt.OsmAndEvery < 0 || opt.Cases < 1 || opt.PoolMaxConns < 0 ||
		opt.Interval < 100*time.Millisecond || opt.WallRefresh < 100*time.Millisecond || opt.AnalystEvery < 100*time.Millisecond ||
		opt.Duration < time.Second || opt.ReportEvery < time.Second || opt.SampleEvery < time.Second {
		return errors.New("bench soak: need counts ≥ 0, cases ≥ 1, intervals ≥ 100ms, duration and report and sample periods ≥ 1s")
	}
	url, err := database.URL(ctx)
	if err != nil {
		return err
	}
	opt.DatabaseURL = url
	// Hundreds of access log lines a second would bury the progress reports.
	quietAccessLogs(stderr)
	rep, err := bench.Soak(ctx, opt, stderr)
	if rep.Elapsed > 0 { // the load ran: report it, even when interrupted
		fmt.Fprint(stdout, rep)
	}
	if err != nil {
		return err
	}
	if f := rep.Failures(); len(f) > 0 {
		return fmt.Errorf("bench soak: %s", strings.Join(f, "; "))
	}
	return nil
}

// quietAccessLogs logs warnings and errors only, unless GRIDWATCH_LOG_LEVEL says
// otherwise: a benchmark's access log lines would bury its progress lines.
func quietAccessLogs(stderr io.Writer) {
	if os.Getenv("GRIDWATCH_LOG_LEVEL") == "" {
		slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	}
}

func benchBurstCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench burst", stderr)
	database := localDBFlags(fs)
	var opt bench.BurstOptions
	fs.IntVar(&opt.Requests, "requests", 60, "concurrent analyses of one analyst token, each over another window")
	fs.IntVar(&opt.Cases, "cases", 20_000, "synthetic cases")
	fs.StringVar(&opt.Query, "query", "level=cell&k=5", "parameters of each GET /api/v1/blindzones but the window")
	fs.BoolVar(&opt.Unbounded, "unbounded", false, "run the server with admission off, as before issue 19: the baseline")
	fs.BoolVar(&opt.InPlace, "keep", false, "burst in --db itself and keep its data (no scratch database)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if opt.Requests < 1 || opt.Cases < 1 {
		return errors.New("bench burst: need requests ≥ 1, cases ≥ 1")
	}
	url, err := database.URL(ctx)
	if err != nil {
		return err
	}
	opt.DatabaseURL = url
	quietAccessLogs(stderr)
	rep, err := bench.Burst(ctx, opt, stderr)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep)
	return nil
}
