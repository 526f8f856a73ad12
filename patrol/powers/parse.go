package powers

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// column is a column of a published list, recognised by its header text.
type column int

const (
	colNone column = iota
	colNumber
	colCode
	colName
	colItem // a discretion list's item: a code or a name
	colSector
	colDepartment
	colLegalBasis
	colCategory
	colTownships
	colLevel
	colConditions
	colRange
	colMin
	colMax
	colCount
)

// headers maps a header text, as headerKey writes it, to its column.
var headers = map[string]column{
	"序号":          colNumber,
	"事项编码":        colCode,
	"编码":          colCode,
	"code":        colCode,
	"事项名称":        colName,
	"name":        colName,
	"item":        colItem,
	"所属领域":        colSector,
	"领域":          colSector,
	"sector":      colSector,
	"实施部门":        colDepartment,
	"原实施部门":       colDepartment,
	"部门":          colDepartment,
	"department":  colDepartment,
	"法律依据":        colLegalBasis,
	"设定依据":        colLegalBasis,
	"legal_basis": colLegalBasis,
	"事项类别":        colCategory,
	"类别":          colCategory,
	"category":    colCategory,
	"适用镇街":        colTownships,
	"适用范围":        colTownships,
	"承接镇街":        colTownships,
	"townships":   colTownships,
	"裁量阶次":        colLevel,
	"违法程度":        colLevel,
	"裁量等级":        colLevel,
	"level":       colLevel,
	"适用情形":        colConditions,
	"裁量情形":        colConditions,
	"情形":          colConditions,
	"conditions":  colConditions,
	"处罚标准":        colRange,
	"裁量基准":        colRange,
	"罚款幅度":        colRange,
	"range":       colRange,
	"最低(元)":       colMin,
	"min_yuan":    colMin,
	"最高(元)":       colMax,
	"max_yuan":    colMax,
}

// headerKey is a header cell's text with white space and line breaks removed, full-width
// brackets made ASCII and Latin letters lower-cased, as headers is keyed.
func headerKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
		case r == '（':
			b.WriteRune('(')
		case r == '）':
			b.WriteRune(')')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// columnOf is the column a header cell names, colNone when it names none.
func columnOf(cell string) column { return headers[headerKey(cell)] }

// tableSpec says how to read one kind of list.
type tableSpec struct {
	keys   []column   // a row holding one of these headers is the header; a row's item
	carry  [][]column // groups carried down into a row where all of the group is blank
	header string     // the header cells of keys, for a message
}

// table is the header of a list: where each recognised column is and what the file calls it.
type table struct {
	row    int // the header's row number
	index  [colCount]int
	label  [colCount]string
	exists [colCount]bool
}

// record is one data row of a list: its row number and its cells by column, trimmed.
type record struct {
	row int
	v   [colCount]string
}

// readTable finds the header (the first row holding one of spec.keys), then returns the
// data rows below it: blank rows, banner rows and repeated header rows left out, the
// cells of a spec.carry group filled from the row above when all of them are blank. A
// banner ends a section, so nothing is carried across one. Errors: a no_header RowError.
func readTable(rows []SheetRow, spec tableSpec) (table, []record, *RowError) {
	var t table
	start := -1
	for i, r := range rows {
		if t.find(r, spec.keys) {
			start = i
			break
		}
	}
	if start < 0 {
		return t, nil, &RowError{Row: 0, Reason: "no_header", Message: fmt.Sprintf(
			"no header row: no row holds a %s cell", spec.header)}
	}
	var (
		out  []record
		last [colCount]string
	)
	for _, r := range rows[start+1:] {
		if isBlank(r.Cells) || t.isRepeatedHeader(r, spec.keys) {
			continue
		}
		if t.isBanner(r, spec.keys) {
			last = [colCount]string{}
			continue
		}
		rec := record{row: r.Row}
		for c := range colCount {
			if t.exists[c] && t.index[c] < len(r.Cells) {
				rec.v[c] = strings.TrimSpace(r.Cells[t.index[c]])
			}
		}
		for _, group := range spec.carry {
			blank := true
			for _, c := range group {
				blank = blank && rec.v[c] == ""
			}
			for _, c := range group {
				if blank {
					rec.v[c] = last[c]
				}
				last[c] = rec.v[c]
			}
		}
		out = append(out, rec)
	}
	return t, out, nil
}

// find records the columns of r when it is a header row, one holding a cell of keys.
// The first cell naming a column wins.
func (t *table) find(r SheetRow, keys []column) bool {
	var found table
	isHeader := false
	for i, cell := range r.Cells {
		c := columnOf(cell)
		if c == colNone || found.exists[c] {
			continue
		}
		found.exists[c], found.index[c], found.label[c] = true, i, strings.Join(strings.Fields(cell), "")
		isHeader = isHeader || slices.Contains(keys, c)
	}
	if isHeader {
		*t = found
		t.row = r.Row
	}
	return isHeader
}

// isRepeatedHeader reports whether r repeats the header, as lists printed over several
// pages do: an item column holds a header text.
func (t *table) isRepeatedHeader(r SheetRow, keys []column) bool {
	for _, c := range keys {
		if t.exists[c] && t.index[c] < len(r.Cells) && columnOf(r.Cells[t.index[c]]) == c {
			return true
		}
	}
	return false
}

// isBanner reports whether r is a section banner such as 一、市场监管领域（43项）: every
// filled cell holds the same text (a banner merged across the row), or a single cell is
// filled and it is not an item's.
func (t *table) isBanner(r SheetRow, keys []column) bool {
	filled, only, same := 0, -1, true
	for i, cell := range r.Cells {
		cell = strings.TrimSpace(cell)
		if cell == "" {
			continue
		}
		if filled > 0 && cell != strings.TrimSpace(r.Cells[only]) {
			same = false
		}
		if filled == 0 {
			only = i
		}
		filled++
	}
	if filled > 1 {
		return same
	}
	for _, c := range keys {
		if t.exists[c] && t.index[c] == only {
			return false
		}
	}
	return true
}

// missing is the RowError for a blank cell of a column that must be filled.
func (t *table) missing(row int, c column) RowError {
	return RowError{Row: row, Reason: "missing", Message: fmt.Sprintf("row %d: %s is empty", row, t.label[c])}
}

// missingColumns are the RowErrors, on the header row, for columns a list must have.
func (t *table) missingColumns(want ...[]string) []RowError {
	var errs []RowError
	for _, names := range want {
		found := false
		for _, name := range names {
			found = found || t.exists[headers[name]]
		}
		if !found {
			errs = append(errs, RowError{Row: t.row, Reason: "missing_column", Message: fmt.Sprintf(
				"row %d: the header has no %s column", t.row, strings.Join(names, " or "))})
		}
	}
	return errs
}

// unique tells whether a value of a column was seen on an earlier row.
type unique struct {
	label string
	seen  map[string]int
}

// check returns a duplicate RowError when v (not empty) is on an earlier row.
func (u *unique) check(row int, v string) (RowError, bool) {
	if v == "" {
		return RowError{}, false
	}
	if u.seen == nil {
		u.seen = make(map[string]int)
	}
	if other, ok := u.seen[v]; ok {
		return RowError{Row: row, Reason: "duplicate", Message: fmt.Sprintf(
			"row %d: %s %q is also on row %d", row, u.label, v, other)}, true
	}
	u.seen[v] = row
	return RowError{}, false
}

var listSpec = tableSpec{
	keys:   []column{colName},
	carry:  [][]column{{colSector}, {colDepartment}},
	header: "事项名称 (or name)",
}

// ParseList reads a published powers list (赋权清单) from the rows of its file. The header
// is the first row holding 事项名称 (or name); rows above it, such as a title, are ignored.
// Columns are recognised by their header text, white space and line breaks ignored:
// 序号; 事项编码 or 编码 (optional); 事项名称 / name; 所属领域 / 领域 / sector; 实施部门 /
// 原实施部门 / 部门 / department; 法律依据 / 设定依据 / legal_basis (optional); 事项类别 /
// 类别 / category (optional); 适用镇街 / 适用范围 / 承接镇街 / townships (optional).
//
// Blank rows, section banners (一、市场监管领域（43项）: one text across the row, or a
// single filled cell outside the name column) and repeated header rows are skipped. A
// blank department or sector cell takes the value of the row above, since a merged cell
// saved as CSV keeps its value in its first row only; nothing is carried across a banner.
//
// It checks what needs no database: every item has a name, a sector and a department; a
// category is one ParseCategory reads (行政处罚 / 处罚 / 行政强制 / 强制 / penalty /
// coercion, or blank for a penalty); codes and names are unique in the file. Names are not resolved to codes.
//
// It returns the good rows and a RowError for every problem, in row order: no_header (on
// row 0) when no row is a header, missing_column (on the header's row) for a required
// column the header lacks, missing for an empty required cell, bad_category, and
// duplicate naming the earlier row.
func ParseList(rows []SheetRow) ([]ListRow, []RowError) {
	t, recs, herr := readTable(rows, listSpec)
	if herr != nil {
		return nil, []RowError{*herr}
	}
	if errs := t.missingColumns([]string{"所属领域"}, []string{"实施部门"}); errs != nil {
		return nil, errs
	}
	var (
		out   []ListRow
		errs  []RowError
		codes = unique{label: t.label[colCode]}
		names = unique{label: t.label[colName]}
	)
	for _, rec := range recs {
		var bad []RowError
		for _, c := range []column{colName, colSector, colDepartment} {
			if rec.v[c] == "" {
				bad = append(bad, t.missing(rec.row, c))
			}
		}
		if _, err := ParseCategory(rec.v[colCategory]); err != nil {
			bad = append(bad, RowError{Row: rec.row, Reason: "bad_category", Message: fmt.Sprintf("row %d: %v", rec.row, err)})
		}
		for _, u := range []struct {
			set *unique
			v   string
		}{{&codes, rec.v[colCode]}, {&names, rec.v[colName]}} {
			if e, dup := u.set.check(rec.row, u.v); dup {
				bad = append(bad, e)
			}
		}
		if bad != nil {
			errs = append(errs, bad...)
			continue
		}
		out = append(out, ListRow{
			Row:        rec.row,
			Number:     rec.v[colNumber],
			Code:       rec.v[colCode],
			Name:       rec.v[colName],
			Sector:     rec.v[colSector],
			Department: rec.v[colDepartment],
			LegalBasis: rec.v[colLegalBasis],
			Category:   rec.v[colCategory],
			Townships:  rec.v[colTownships],
		})
	}
	return out, errs
}

// ParseCategory reads an item's category (事项类别) as lists write it: 行政处罚, 处罚 or
// penalty; 行政强制, 行政强制措施, 强制 or coercion. A blank category is a penalty, what
// most lists hold. Errors: a plain error naming the text.
func ParseCategory(s string) (Category, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "行政处罚", "处罚", string(Penalty):
		return Penalty, nil
	case "行政强制", "行政强制措施", "强制", string(Coercion):
		return Coercion, nil
	}
	return "", fmt.Errorf("事项类别 %q is none of 行政处罚, 处罚, 行政强制, 强制, penalty, coercion", s)
}

// levelOf reads a discretion level: 轻微, 一般 or 严重, also written with 违法 after it.
func levelOf(s string) (Level, bool) {
	switch l := Level(strings.TrimSuffix(s, "违法")); l {
	case Minor, Ordinary, Serious:
		return l, true
	}
	return "", false
}

var bandSpec = tableSpec{
	keys:   []column{colCode, colName, colItem},
	carry:  [][]column{{colCode, colName, colItem}},
	header: "事项名称, 事项编码 (or item)",
}

// ParseBands reads a published discretion list (自由裁量基准) from the rows of its file.
// The header is the first row holding 事项名称, 事项编码 or item; columns are recognised
// by header text as ParseList does: the item, by 事项编码, 事项名称 or item (the code is
// used when both are filled); 裁量阶次 / 违法程度 / 裁量等级 / level; 适用情形 / 裁量情形 /
// 情形 / conditions (optional); and the fine, either as text in 处罚标准 / 裁量基准 /
// 罚款幅度 / range (read by ParseRange) or as two columns 最低(元) / 最高(元) (min_yuan /
// max_yuan; a blank minimum is 0), which the returned row writes as "min-max".
//
// Blank, banner and repeated header rows are skipped as in ParseList; a blank item cell
// takes the item of the row above (a merged cell saved as CSV). A returned row's Level is
// one of 轻微, 一般, 严重.
//
// It returns the good rows and a RowError for every problem, in row order: no_header,
// missing_column, missing for an empty item, level or fine, bad_level, and bad_range
// with ParseRange's reason.
func ParseBands(rows []SheetRow) ([]BandRow, []RowError) {
	t, recs, herr := readTable(rows, bandSpec)
	if herr != nil {
		return nil, []RowError{*herr}
	}
	if errs := t.missingColumns([]string{"裁量阶次"}, []string{"处罚标准", "最高(元)"}); errs != nil {
		return nil, errs
	}
	fine := colRange
	if !t.exists[colRange] {
		fine = colMax
	}
	var (
		out  []BandRow
		errs []RowError
	)
	for _, rec := range recs {
		var bad []RowError
		item := firstOf(rec.v[colCode], rec.v[colName], rec.v[colItem])
		if item == "" {
			bad = append(bad, t.missing(rec.row, bandSpec.keys[firstExisting(&t, bandSpec.keys)]))
		}
		level, ok := levelOf(rec.v[colLevel])
		switch {
		case rec.v[colLevel] == "":
			bad = append(bad, t.missing(rec.row, colLevel))
		case !ok:
			bad = append(bad, RowError{Row: rec.row, Reason: "bad_level", Message: fmt.Sprintf(
				"row %d: %s %q is none of 轻微, 一般, 严重", rec.row, t.label[colLevel], rec.v[colLevel])})
		}
		text := rec.v[colRange]
		if fine == colMax && rec.v[colMax] != "" {
			text = firstOf(rec.v[colMin], "0") + "-" + rec.v[colMax]
		}
		if text == "" {
			bad = append(bad, t.missing(rec.row, fine))
		} else if _, _, err := ParseRange(text); err != nil {
			bad = append(bad, RowError{Row: rec.row, Reason: "bad_range", Message: fmt.Sprintf("row %d: %v", rec.row, err)})
		}
		if bad != nil {
			errs = append(errs, bad...)
			continue
		}
		out = append(out, BandRow{Row: rec.row, Item: item, Level: string(level), Conditions: rec.v[colConditions], Range: text})
	}
	return out, errs
}

// firstOf is the first of vs that is not empty.
func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// firstExisting is the index in cols of the first column the table has.
func firstExisting(t *table, cols []column) int {
	for i, c := range cols {
		if t.exists[c] {
			return i
		}
	}
	return 0
}
