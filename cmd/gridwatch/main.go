// Command gridwatch is the Gridwatch server and its tools: serve, migrate, demo and token
// management. Run `gridwatch help` for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/scripts"
)

const usage = `gridwatch — grid management and patrol command

Usage:
  gridwatch serve   [--addr :8080] [--db URL] [--migrate] [--h3-res 9]   run the HTTP server
                    [--trust-proxy] [--rate-ingest 50/s:200] [--rate-export 10/s:60]
                    [--rate-open311 5/s:30] [--rate-bad-tokens 10/min:20] [--cors-origins URL,…]
  gridwatch migrate [--db URL]                              apply pending migrations
  gridwatch demo    [--addr :8080] [--db URL] [--live=false]  local PostGIS + demo data + server (+ live phones)
  gridwatch import townships FILE.geojson [--res 9] [--datum wgs84|gcj02|bd09]
  gridwatch import roads FILE.geojson [--datum wgs84|gcj02|bd09]   the network plans route along
  gridwatch import gpx --officer ID FILE.gpx                an officer's recorded track
  gridwatch import powers FILE.csv|FILE.xlsx [--effective YYYY-MM-DD] [--document TEXT]
                                                            a published powers list (赋权清单)
  gridwatch import bands FILE.csv|FILE.xlsx                 a discretion list (自由裁量基准)
  gridwatch bench ingest [--fixes 1000000] [--officers 500] [--clients 4] [--batch 1000]
  gridwatch bench tiles  [--peer URL] [--peer-pid PID] [--cold-passes 1] [--clients 8] [--duration 10s] [--cases 200000] [--keep]
  gridwatch bench soak   [--devices 2000] [--interval 5s] [--walls 20] [--analysts 5] [--duration 5m]
  gridwatch verify-draw FILE.json   recompute a draw from its public record (GET /api/v1/public/draws/{id}); exit 1 on a mismatch
  gridwatch token create --role ROLE --name NAME [--township CODE] [--officer ID] [--ttl 720h]
  gridwatch token list
  gridwatch token revoke ID

Environment: DATABASE_URL (for --db), GRIDWATCH_ADDR (for --addr),
GRIDWATCH_H3_RES (for --h3-res), GRIDWATCH_LOG_FORMAT (json|text), GRIDWATCH_LOG_LEVEL (debug|info|warn|error).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gridwatch:", err)
		os.Exit(1)
	}
}

// run dispatches a command line; stdout gets results, stderr logs and usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	setupLogging(stderr)
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serveCmd(ctx, rest, stderr)
	case "migrate":
		return migrateCmd(ctx, rest, stderr)
	case "demo":
		return demoCmd(ctx, rest, stdout, stderr)
	case "token":
		return tokenCmd(ctx, rest, stdout, stderr)
	case "import":
		return importCmd(ctx, rest, stdout, stderr)
	case "bench":
		return benchCmd(ctx, rest, stdout, stderr)
	case "verify-draw":
		return verifyDrawCmd(rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func setupLogging(w io.Writer) {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(os.Getenv("GRIDWATCH_LOG_LEVEL")))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if strings.EqualFold(os.Getenv("GRIDWATCH_LOG_FORMAT"), "text") {
		h = slog.NewTextHandler(w, opts)
	}
	slog.SetDefault(slog.New(h))
}

// localDB is a database given by --db, or else the project's own PostGIS (scripts/devdb)
// with its state in --devdb-dir.
type localDB struct {
	url, stateDir *string
}

// localDBFlags adds --db and --devdb-dir to fs.
func localDBFlags(fs *flag.FlagSet) localDB {
	return localDB{
		url:      dbFlag(fs),
		stateDir: fs.String("devdb-dir", envOr("GRIDWATCH_DEVDB_DIR", ".devdb"), "where the local PostGIS keeps its state when --db is not set"),
	}
}

// Given tells whether --db (or DATABASE_URL) named a database.
func (l localDB) Given() bool { return *l.url != "" }

// URL returns the database's URL, starting the local PostGIS when no database was given.
func (l localDB) URL(ctx context.Context) (string, error) {
	if l.Given() {
		return *l.url, nil
	}
	return scripts.StartDevDB(ctx, *l.stateDir)
}

// newFlags returns a flag set for a subcommand that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gridwatch "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// dbFlag adds --db, defaulting to $DATABASE_URL.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", os.Getenv("DATABASE_URL"), "PostgreSQL URL or key=value string (env DATABASE_URL)")
}

// addrFlag adds --addr, defaulting to $GRIDWATCH_ADDR or :8080.
func addrFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("GRIDWATCH_ADDR")
	if def == "" {
		def = ":8080"
	}
	return fs.String("addr", def, "listen address (env GRIDWATCH_ADDR)")
}

// resFlag adds --h3-res, the resolution of the first township split.
func resFlag(fs *flag.FlagSet) *int {
	def := grid.DefaultResolution
	if v, err := strconv.Atoi(os.Getenv("GRIDWATCH_H3_RES")); err == nil {
		def = v
	}
	return fs.Int("h3-res", def, "H3 resolution of the first township split (env GRIDWATCH_H3_RES)")
}

// openDB opens the database of a one-shot command.
func openDB(ctx context.Context, url string) (*pgxpool.Pool, error) {
	if url == "" {
		return nil, errors.New("no database: set DATABASE_URL or --db")
	}
	return pgdb.Open(ctx, url, pgdb.Options{})
}

// parse parses args and rejects leftover positional arguments beyond want.
func parse(fs *flag.FlagSet, args []string, want int) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > want {
		return fmt.Errorf("%s: unexpected arguments %q", fs.Name(), fs.Args()[want:])
	}
	return nil
}
