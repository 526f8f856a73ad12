package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gridwatch/gridwatch/patrol/draw"
)

// errMismatch is the error of a draw that does not recompute: exit status 1, like any
// other failure, after the report on stdout.
var errMismatch = errors.New("the draw does not match its public record")

// verifyDrawCmd recomputes a draw from its public record (the JSON of
// GET /api/v1/public/draws/{id}) and says whether it matches.
func verifyDrawCmd(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: gridwatch verify-draw FILE.json (- for standard input)")
	}
	var in io.Reader = os.Stdin
	if args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	var rec draw.Record
	if err := json.NewDecoder(io.LimitReader(in, 256<<20)).Decode(&rec); err != nil {
		return fmt.Errorf("read the public record: %w", err)
	}
	v := draw.Verify(rec)
	if v.Match {
		fmt.Fprintf(stdout, "match: %d units drawn from %d, the seed opens the commitment %s\n", len(rec.Result),
			len(rec.Pools.Units), rec.Commitment)
		return nil
	}
	fmt.Fprintln(stdout, "mismatch:")
	for _, p := range v.Problems {
		fmt.Fprintln(stdout, "  "+p)
	}
	return errMismatch
}
