package httpx

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// WriteCSV answers n rows as a CSV download named name.csv, with a UTF-8 byte-order mark
// so that Excel reads the Chinese names right.
func WriteCSV(w http.ResponseWriter, name string, header []string, n int, row func(int) []any) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, name))
	if _, err := io.WriteString(w, byteOrderMark); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	for i := range n {
		for j, v := range row(i) {
			rec[j] = CSVValue(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// byteOrderMark starts every CSV export: Excel reads a CSV without it in the system's
// code page, which garbles Chinese.
const byteOrderMark = "\ufeff"

// CSVValue writes one value of a CSV row: numbers in full precision, lists joined with
// semicolons, nil as an empty field.
func CSVValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []float64:
		parts := make([]string, len(x))
		for i, f := range x {
			parts[i] = strconv.FormatFloat(f, 'f', -1, 64)
		}
		return strings.Join(parts, ";")
	case []string:
		return strings.Join(x, ";")
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
