package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/gridwatch/gridwatch/patrol/position"
	"github.com/gridwatch/gridwatch/patrol/roads"
)

func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	what := ""
	if len(args) > 0 {
		what = args[0]
	}
	switch what {
	case "townships":
		return importTownships(ctx, args[1:], stdout, stderr)
	case "roads":
		return importRoads(ctx, args[1:], stdout, stderr)
	case "gpx":
		return importGPX(ctx, args[1:], stdout, stderr)
	}
	return errors.New("import: say what to import: townships|roads FILE.geojson, or gpx --officer ID FILE.gpx")
}

// importFile parses the flags of an import command that reads one file in a datum, and
// returns the file's bytes, the datum and the database URL.
func importFile(name string, args []string, stderr io.Writer, more func(*flag.FlagSet)) ([]byte, geo.Datum, string, error) {
	fs := newFlags("import "+name, stderr)
	db := dbFlag(fs)
	datumName := fs.String("datum", "wgs84", "datum of the file: wgs84, gcj02 or bd09")
	if more != nil {
		more(fs)
	}
	if err := parse(fs, args, 1); err != nil {
		return nil, "", "", err
	}
	if fs.NArg() != 1 {
		return nil, "", "", fmt.Errorf("import %s: give one file", name)
	}
	datum, err := geo.ParseDatum(*datumName)
	if err != nil {
		return nil, "", "", err
	}
	data, err := os.ReadFile(fs.Arg(0))
	return data, datum, *db, err
}

func importTownships(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var res int
	data, datum, db, err := importFile("townships", args, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&res, "res", 0, "H3 resolution (default: the city's, or 9 for the first import)")
	})
	if err != nil {
		return err
	}
	towns, err := grid.ParseTownships(data, datum)
	if err != nil {
		return withDetails(err)
	}
	return storeAndPrint(ctx, db, stdout, func(pool *pgxpool.Pool) (any, error) {
		return grid.NewStore(pool, grid.DefaultResolution).Import(ctx, towns, res)
	})
}

// importRoads replaces the road network that plans route along.
func importRoads(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	data, datum, db, err := importFile("roads", args, stderr, nil)
	if err != nil {
		return err
	}
	net, err := roads.Parse(data, datum)
	if err != nil {
		return withDetails(err)
	}
	return storeAndPrint(ctx, db, stdout, func(pool *pgxpool.Pool) (any, error) {
		sum, err := roads.NewStore(pool).Import(ctx, net)
		if err == nil && !sum.Routing {
			fmt.Fprintln(stderr, "gridwatch: pgRouting is not installed in this database: plans keep using straight lines until it is (apt-get install postgresql-15-pgrouting, then CREATE EXTENSION pgrouting)")
		}
		return sum, err
	})
}

// storeAndPrint opens the database, stores an import into it and prints the result.
func storeAndPrint(ctx context.Context, db string, stdout io.Writer, store func(*pgxpool.Pool) (any, error)) error {
	pool, err := openDB(ctx, db)
	if err != nil {
		return err
	}
	defer pool.Close()
	result, err := store(pool)
	if err != nil {
		return err
	}
	return printJSON(stdout, result)
}

// archiveMaxAge is how old an imported track's fixes may be.
const archiveMaxAge = 20 * 365 * 24 * time.Hour

// importGPX stores an officer's GPX track through the same checks as an upload.
func importGPX(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var officerID string
	data, _, db, err := importFile("gpx", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&officerID, "officer", "", "the officer who walked the track")
	})
	if err != nil {
		return err
	}
	if officerID == "" {
		return errors.New("import gpx: --officer is required")
	}
	fixes, rejected, err := ingest.ParseGPX(bytes.NewReader(data), position.MaxGPXPoints)
	if err != nil {
		return err
	}
	for i := range fixes {
		fixes[i].Officer = officerID
	}
	// A recorded track may be of any age: the 7-day limit is for devices' live fixes.
	srv, err := app.Open(ctx, app.Config{DatabaseURL: db, Filter: ingest.FilterConfig{MaxAge: archiveMaxAge}})
	if err != nil {
		return err
	}
	defer srv.Close()
	if _, err := srv.Officers.Get(ctx, officerID); err != nil {
		return err
	}
	result, err := srv.Positions.Ingest(ctx, ingest.Indexed(fixes, rejected))
	if err != nil {
		return err
	}
	return printJSON(stdout, result)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// withDetails appends an application error's extra members (e.g. every bad feature of an
// import) to its message, for the terminal.
func withDetails(err error) error {
	extra := apperr.ExtraOf(err)
	if len(extra) == 0 {
		return err
	}
	b, _ := json.MarshalIndent(extra, "", "  ")
	return fmt.Errorf("%w\n%s", err, b)
}
