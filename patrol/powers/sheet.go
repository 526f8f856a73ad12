package powers

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// unzipFactor bounds how much an XLSX file may unpack to, as a multiple of the limit on
// the file itself: a list's XML compresses about tenfold, and a zip bomb should be turned
// away before excelize inflates it.
const unzipFactor = 16

// oleMagic opens an OLE compound file: an old .xls workbook or a password-protected one.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// utf8BOM is the byte-order mark Excel writes before a CSV file saved as "CSV UTF-8".
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ReadSheet reads the rows of a published list, a CSV or an XLSX file of at most maxBytes
// bytes (no limit when maxBytes ≤ 0). Row numbers are the file's own, those a person
// sees when opening it in Excel; rows that are blank in the file are left out.
//
// From an XLSX workbook it reads the first sheet that holds a header row (a cell reading
// 事项名称, 事项编码, name or item), or the first sheet when none does, and carries every
// merged cell's value to every cell of its range. Cell text keeps its line breaks.
//
// A CSV file is UTF-8, with or without a byte-order mark, or else GB18030 (what Excel on
// Chinese Windows writes); quoted fields may hold line breaks and rows may have any
// number of fields. A merged cell saved as CSV is a value in its first row and blanks
// below: ParseList and ParseBands carry those down.
//
// Errors: apperr too_large naming the limit when the file (or what an XLSX file unpacks
// to) is larger; apperr invalid when it cannot be read as the format says; apperr
// invalid for an unknown format.
func ReadSheet(r io.Reader, format Format, maxBytes int64) ([]SheetRow, error) {
	data, err := readLimited(r, maxBytes)
	if err != nil {
		return nil, err
	}
	switch format {
	case XLSX:
		return readXLSX(data, maxBytes)
	case CSV:
		return readCSV(data)
	default:
		return nil, apperr.Invalidf("unknown list format %q: want csv or xlsx", format)
	}
}

// readLimited reads all of r, refusing more than maxBytes bytes.
func readLimited(r io.Reader, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("read list: %w", err)
		}
		return data, nil
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		// The HTTP layer's MaxBytesReader may be tighter than ours.
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return nil, tooLarge("the file", mbe.Limit)
		}
		return nil, fmt.Errorf("read list: %w", err)
	}
	if int64(len(data)) > maxBytes {
		return nil, tooLarge("the file", maxBytes)
	}
	return data, nil
}

// tooLarge is the too_large error for something over limit bytes.
func tooLarge(what string, limit int64) error {
	return apperr.New(apperr.TooLarge, "%s is larger than the limit of %s", what, httpx.FormatBytes(limit))
}

// notXLSX is the invalid error for a file that is no readable XLSX workbook.
func notXLSX(err error) error {
	return apperr.Wrap(err, apperr.Invalid, "not a readable XLSX file: %v", err)
}

func readXLSX(data []byte, maxBytes int64) ([]SheetRow, error) {
	if bytes.HasPrefix(data, oleMagic) {
		return nil, apperr.Invalidf("not a readable XLSX file: an .xls or password-protected workbook; save it as .xlsx without a password")
	}
	// Check what the archive declares it unpacks to before excelize inflates it;
	// archive/zip refuses entries that inflate to more than they declare.
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, notXLSX(err)
	}
	unzipLimit := int64(0)
	if maxBytes > 0 {
		unzipLimit = unzipFactor * maxBytes
		var size uint64
		for _, f := range zr.File {
			size += f.UncompressedSize64
			if size > uint64(unzipLimit) {
				return nil, tooLarge("the unpacked XLSX file", unzipLimit)
			}
		}
	}
	book, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: unzipLimit})
	if err != nil {
		return nil, notXLSX(err)
	}
	defer book.Close()

	sheets := book.GetSheetList()
	if len(sheets) == 0 {
		return nil, apperr.Invalidf("not a readable XLSX file: the workbook has no sheet")
	}
	var first [][]string
	for i, name := range sheets {
		rows, err := book.GetRows(name)
		if err != nil {
			return nil, notXLSX(fmt.Errorf("sheet %q: %w", name, err))
		}
		if i == 0 {
			first = rows
		}
		if !holdsHeader(rows) {
			continue
		}
		merged, err := book.GetMergeCells(name, true)
		if err != nil {
			return nil, notXLSX(fmt.Errorf("sheet %q: %w", name, err))
		}
		return sheetRows(rows, merged)
	}
	merged, err := book.GetMergeCells(sheets[0], true)
	if err != nil {
		return nil, notXLSX(fmt.Errorf("sheet %q: %w", sheets[0], err))
	}
	return sheetRows(first, merged)
}

// holdsHeader reports whether some row of a sheet holds a header cell of a powers list or
// of a discretion list.
func holdsHeader(rows [][]string) bool {
	for _, row := range rows {
		for _, cell := range row {
			switch columnOf(cell) {
			case colName, colCode, colItem:
				return true
			}
		}
	}
	return false
}

// sheetRows numbers the rows of a sheet, carries each merged range's value (that of its
// top-left cell) to every cell of the range and leaves out rows blank in the sheet. A
// range is carried only as far as the sheet's data reaches, so a range declared over a
// million rows costs nothing.
func sheetRows(rows [][]string, merged []excelize.MergeCell) ([]SheetRow, error) {
	blank := make([]bool, len(rows))
	width := 0
	for i, row := range rows {
		blank[i] = isBlank(row)
		width = max(width, len(row))
	}
	for _, m := range merged {
		col1, row1, err := excelize.CellNameToCoordinates(m.GetStartAxis())
		if err != nil {
			return nil, notXLSX(err)
		}
		col2, row2, err := excelize.CellNameToCoordinates(m.GetEndAxis())
		if err != nil {
			return nil, notXLSX(err)
		}
		if row1 > len(rows) || col1 > len(rows[row1-1]) {
			continue // the range's value is blank
		}
		value := rows[row1-1][col1-1]
		for r := row1; r <= min(row2, len(rows)); r++ {
			if blank[r-1] {
				continue
			}
			last := min(col2, width)
			for len(rows[r-1]) < last {
				rows[r-1] = append(rows[r-1], "")
			}
			for c := col1; c <= last; c++ {
				rows[r-1][c-1] = value
			}
		}
	}
	out := make([]SheetRow, 0, len(rows))
	for i, row := range rows {
		if blank[i] {
			continue
		}
		for j, cell := range row {
			row[j] = strings.ReplaceAll(cell, "\r\n", "\n")
		}
		out = append(out, SheetRow{Row: i + 1, Cells: row})
	}
	return out, nil
}

// isBlank reports whether every cell of a row is empty or white space.
func isBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// csvText turns the bytes of a CSV file into UTF-8 text: a byte-order mark is dropped,
// and bytes that are not UTF-8 are read as GB18030.
func csvText(data []byte) ([]byte, error) {
	if rest, ok := bytes.CutPrefix(data, utf8BOM); ok {
		if !utf8.Valid(rest) {
			return nil, apperr.Invalidf("not a readable CSV file: it starts with a UTF-8 byte-order mark but is not UTF-8")
		}
		return rest, nil
	}
	if utf8.Valid(data) {
		return data, nil
	}
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || bytes.ContainsRune(text, utf8.RuneError) {
		return nil, apperr.Invalidf("not a readable CSV file: the text is neither UTF-8 nor GB18030")
	}
	return text, nil
}

func readCSV(data []byte) ([]SheetRow, error) {
	text, err := csvText(data)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var (
		out      []SheetRow
		row      int   // the Excel row of the last record
		lines    int   // lines consumed up to offset
		offset   int64 // bytes consumed
		previous int64
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "not a readable CSV file: %v", err)
		}
		// csv.Reader skips empty lines, which Excel shows as empty rows, and a quoted
		// field's line breaks stay inside one row: count the rows as Excel does.
		line, _ := cr.FieldPos(0)
		row += line - lines
		previous, offset = offset, cr.InputOffset()
		lines += bytes.Count(text[previous:offset], []byte{'\n'})
		if isBlank(rec) {
			continue
		}
		out = append(out, SheetRow{Row: row, Cells: rec})
	}
}
