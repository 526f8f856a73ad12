package powers

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// The fuzz targets feed outside input to the list readers and check that they never
// panic, refuse only with the errors they document, and return rows that keep their
// promises. Seeds: testdata/fuzz/<target name>. Minimizing a new CSV input takes long
// enough to look like a hang; run them with -fuzzminimizetime=3s.

// FuzzReadCSV reads arbitrary bytes as a CSV file, then as a powers list and as a
// discretion list.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte(listCSV))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadSheet(bytes.NewReader(data), CSV, 1<<16)
		if err != nil {
			if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.TooLarge {
				t.Fatalf("ReadSheet(%q) error code = %s, want invalid or too_large (%v)", data, c, err)
			}
			return
		}
		last := 0
		for _, r := range rows {
			if r.Row <= last || isBlank(r.Cells) {
				t.Fatalf("ReadSheet(%q) row %d after row %d, cells %q: want rising rows, none blank", data, r.Row, last, r.Cells)
			}
			last = r.Row
		}

		list, errs := ParseList(rows)
		checkRowErrors(t, data, errs, "no_header", "missing_column", "missing", "bad_category", "duplicate")
		names := map[string]bool{}
		for _, r := range list {
			if r.Name == "" || r.Sector == "" || r.Department == "" || names[r.Name] {
				t.Fatalf("ParseList(%q) row %+v: want a name (unique), a sector and a department", data, r)
			}
			if _, err := ParseCategory(r.Category); err != nil {
				t.Fatalf("ParseList(%q) row %+v: %v", data, r, err)
			}
			names[r.Name] = true
		}

		bands, errs := ParseBands(rows)
		checkRowErrors(t, data, errs, "no_header", "missing_column", "missing", "bad_level", "bad_range")
		for _, r := range bands {
			if _, ok := levelOf(r.Level); !ok || r.Item == "" {
				t.Fatalf("ParseBands(%q) row %+v: want an item and a level", data, r)
			}
			if _, _, err := ParseRange(r.Range); err != nil {
				t.Fatalf("ParseBands(%q) row %+v: %v", data, r, err)
			}
		}
	})
}

// checkRowErrors fails t unless every error has a row (0 only for no_header), one of
// reasons and a message, in row order.
func checkRowErrors(t *testing.T, data []byte, errs []RowError, reasons ...string) {
	t.Helper()
	last := 0
	for _, e := range errs {
		if !slices.Contains(reasons, e.Reason) || e.Message == "" || e.Row < last || (e.Row == 0) != (e.Reason == "no_header") {
			t.Fatalf("errors for %q: %+v after row %d: want a known reason, a message, rising rows", data, e, last)
		}
		last = e.Row
	}
}

// FuzzParseRange reads arbitrary text as the range of a fine.
func FuzzParseRange(f *testing.F) {
	f.Add("处500元以上2000元以下罚款")
	f.Fuzz(func(t *testing.T, s string) {
		lo, hi, err := ParseRange(s)
		if err != nil {
			return
		}
		if math.IsNaN(lo) || math.IsInf(hi, 0) || lo < 0 || lo > hi {
			t.Fatalf("ParseRange(%q) = %v, %v: want 0 ≤ min ≤ max, finite", s, lo, hi)
		}
	})
}
