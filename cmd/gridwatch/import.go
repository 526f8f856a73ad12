package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apperr"
)

func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "townships" {
		return errors.New("import: say what to import: townships FILE.geojson")
	}
	fs := newFlags("import townships", stderr)
	db := dbFlag(fs)
	res := fs.Int("res", 0, "H3 resolution (default: the city's, or 9 for the first import)")
	datumName := fs.String("datum", "wgs84", "datum of the file: wgs84, gcj02 or bd09")
	if err := parse(fs, args[1:], 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("import townships: give one GeoJSON file")
	}
	datum, err := geo.ParseDatum(*datumName)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	towns, err := grid.ParseTownships(data, datum)
	if err != nil {
		return withDetails(err)
	}
	pool, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer pool.Close()
	result, err := grid.NewStore(pool, grid.DefaultResolution).Import(ctx, towns, *res)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(result)
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
