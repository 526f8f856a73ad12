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
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/patrol/calendar"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/gridwatch/gridwatch/patrol/position"
	"github.com/gridwatch/gridwatch/patrol/powers"
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
	case "powers":
		return importPowers(ctx, args[1:], stdout, stderr)
	case "bands":
		return importBands(ctx, args[1:], stdout, stderr)
	case "calendar":
		return importCalendar(ctx, args[1:], stdout, stderr)
	}
	return errors.New("import: say what to import: townships|roads FILE.geojson, gpx --officer ID FILE.gpx, powers|bands FILE.csv|FILE.xlsx, or calendar FILE.json")
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

// listRecorder is the name recorded with the adjustments an import from the command line makes.
const listRecorder = "gridwatch import"

// importPowers stores a published powers list (赋权清单) as one adjustment.
func importPowers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var effective, document string
	rows, db, err := readList("powers", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&effective, "effective", "", "the day the list takes effect, YYYY-MM-DD (default today, China time)")
		fs.StringVar(&document, "document", "", "the document that published it, e.g. 澄政发〔2018〕12号")
	})
	if err != nil {
		return err
	}
	day := powers.DateOf(time.Now())
	if effective != "" {
		if day, err = powers.ParseDate(effective); err != nil {
			return fmt.Errorf("import powers: --effective: %w", err)
		}
	}
	list, bad := powers.ParseList(rows)
	return importList(ctx, db, stdout, stderr, func(s *powers.Store) (any, error) {
		return s.ImportList(ctx, listRecorder, powers.ListImport{Effective: day, Document: document, Rows: list, Errors: bad})
	})
}

// importBands stores a published discretion list (自由裁量基准).
func importBands(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	rows, db, err := readList("bands", args, stderr, nil)
	if err != nil {
		return err
	}
	list, bad := powers.ParseBands(rows)
	return importList(ctx, db, stdout, stderr, func(s *powers.Store) (any, error) {
		return s.ImportBands(ctx, list, bad)
	})
}

// readList parses the flags of a list import — before or after the file — and reads the
// file, CSV or XLSX by its extension.
func readList(name string, args []string, stderr io.Writer, more func(*flag.FlagSet)) ([]powers.SheetRow, string, error) {
	fs := newFlags("import "+name, stderr)
	db := dbFlag(fs)
	if more != nil {
		more(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, "", err
	}
	if fs.NArg() == 0 {
		return nil, "", fmt.Errorf("import %s: give one file, .csv or .xlsx", name)
	}
	file := fs.Arg(0)
	if err := parse(fs, fs.Args()[1:], 0); err != nil {
		return nil, "", err
	}
	var format powers.Format
	switch strings.ToLower(filepath.Ext(file)) {
	case ".csv":
		format = powers.CSV
	case ".xlsx":
		format = powers.XLSX
	default:
		return nil, "", fmt.Errorf("import %s: %s is neither .csv nor .xlsx", name, file)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	rows, err := powers.ReadSheet(f, format, powers.MaxListBytes)
	if err != nil {
		return nil, "", fmt.Errorf("import %s: %s: %w", name, file, err)
	}
	return rows, *db, nil
}

// importList runs a list import on the server's powers store and prints its result; the
// bad rows of a refused list go to stderr, one a line.
func importList(ctx context.Context, db string, stdout, stderr io.Writer, store func(*powers.Store) (any, error)) error {
	srv, err := app.Open(ctx, app.Config{DatabaseURL: db})
	if err != nil {
		return err
	}
	defer srv.Close()
	result, err := store(srv.Powers)
	if errs, ok := apperr.ExtraOf(err)["errors"].([]powers.RowError); ok {
		for _, e := range errs {
			fmt.Fprintf(stderr, "row %d: %s: %s\n", e.Row, e.Reason, e.Message)
		}
		return fmt.Errorf("%d bad rows, nothing imported", len(errs))
	}
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

// importCalendar stores a year's working-day calendar (the State Council's holiday
// arrangement) in place of the one it had: {"year","source","holidays","workdays"}.
func importCalendar(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	data, _, db, err := importFile("calendar", args, stderr, nil)
	if err != nil {
		return err
	}
	y, err := calendar.Parse(data)
	if err != nil {
		return withDetails(err)
	}
	return storeAndPrint(ctx, db, stdout, func(pool *pgxpool.Pool) (any, error) {
		s := calendar.NewStore(pool)
		if err := s.Put(ctx, listRecorder, y); err != nil {
			return nil, err
		}
		return s.Get(ctx, y.Year)
	})
}
