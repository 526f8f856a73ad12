package powers

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// testSheet is a sheet of a workbook built by a test: rows from row 1 (nil for a blank
// row) and merged ranges such as "A1:H1".
type testSheet struct {
	name   string
	rows   [][]any
	merges []string
}

// xlsxBytes builds a workbook of sheets, the way a city's list arrives.
func xlsxBytes(t *testing.T, sheets ...testSheet) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		for r, row := range s.rows {
			if row == nil {
				continue
			}
			if err := f.SetSheetRow(s.name, fmt.Sprintf("A%d", r+1), &row); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range s.merges {
			from, to, _ := strings.Cut(m, ":")
			if err := f.MergeCell(s.name, from, to); err != nil {
				t.Fatal(err)
			}
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	foodBasis = "《中华人民共和国食品安全法》\n第一百二十二条第一款"
	roadBasis = "《城市道路管理条例》\n第二十七条\n第四十二条"
)

// listSheet is a powers list as cities publish it: a title merged across the top, a
// header with a line break in a cell, banners, department and sector cells merged over
// their rows, a blank separator row, and bad rows at the end. Row numbers in comments.
var listSheet = testSheet{
	name: "赋权清单",
	rows: [][]any{
		{"江阴市镇街综合行政执法赋权事项清单"}, // 1
		{"（2018年3月）"}, // 2
		{"序号", "事项编码", "事项\n名称", "所属领域", "实施部门", "法律依据", "事项类别", "适用镇街"}, // 3
		{"一、市场监管领域（3项）"}, // 4
		{1, "SC-001", "对未取得食品经营许可从事食品经营的处罚", "市场监管", "市场监管局", foodBasis, "行政处罚", "全部"}, // 5
		{2, "SC-002", "对生产销售不合格产品的处罚", nil, nil, "《产品质量法》第五十条", "处罚", "澄江街道、南闸街道"},     // 6
		{3, "", "对有证据证明不符合食品安全标准的食品的查封", nil, nil, "《食品安全法》第一百一十条", "行政强制", "全部"},      // 7
		nil,              // 8
		{"二、城市管理领域（4项）"}, // 9
		{4, "CG-001", "对擅自占用城市道路的处罚", "城市管理", "城管局", roadBasis, "行政处罚", "全部"},  // 10
		{5, "CG-002", "", nil, nil, "《城市道路管理条例》第四十三条", "行政处罚", "全部"},           // 11: no name
		{6, "SC-001", "对擅自挖掘城市道路的处罚", nil, nil, "《城市道路管理条例》第四十四条", "罚款", "全部"}, // 12: bad category, code of row 5
		{7, "CG-004", "对擅自占用城市道路的处罚", nil, nil, roadBasis, "处罚", "全部"},         // 13: name of row 10
	},
	merges: []string{"A1:H1", "A4:H4", "D5:D7", "E5:E7", "A9:H9", "D10:D13", "E10:E13"},
}

// wantList is what ParseList reads from listSheet and from the CSV files below.
var wantList = []ListRow{
	{Row: 5, Number: "1", Code: "SC-001", Name: "对未取得食品经营许可从事食品经营的处罚", Sector: "市场监管", Department: "市场监管局", LegalBasis: foodBasis, Category: "行政处罚", Townships: "全部"},
	{Row: 6, Number: "2", Code: "SC-002", Name: "对生产销售不合格产品的处罚", Sector: "市场监管", Department: "市场监管局", LegalBasis: "《产品质量法》第五十条", Category: "处罚", Townships: "澄江街道、南闸街道"},
	{Row: 7, Number: "3", Name: "对有证据证明不符合食品安全标准的食品的查封", Sector: "市场监管", Department: "市场监管局", LegalBasis: "《食品安全法》第一百一十条", Category: "行政强制", Townships: "全部"},
	{Row: 10, Number: "4", Code: "CG-001", Name: "对擅自占用城市道路的处罚", Sector: "城市管理", Department: "城管局", LegalBasis: roadBasis, Category: "行政处罚", Townships: "全部"},
}

var wantListErrors = []RowError{
	{Row: 11, Reason: "missing", Message: "row 11: 事项名称 is empty"},
	{Row: 12, Reason: "bad_category", Message: `row 12: 事项类别 "罚款" is none of 行政处罚, 处罚, 行政强制, 强制, penalty, coercion`},
	{Row: 12, Reason: "duplicate", Message: `row 12: 事项编码 "SC-001" is also on row 5`},
	{Row: 13, Reason: "duplicate", Message: `row 13: 事项名称 "对擅自占用城市道路的处罚" is also on row 10`},
}

// listCSV is listSheet saved as CSV by Excel: merged cells keep their value in their
// first cell only, a quoted legal basis spans lines, and the blank row is an empty line.
const listCSV = "江阴市镇街综合行政执法赋权事项清单,,,,,,,\r\n" +
	"（2018年3月）\r\n" +
	"序号,事项编码,\"事项\n名称\",所属领域,实施部门,法律依据,事项类别,适用镇街\r\n" +
	"一、市场监管领域（3项）,,,,,,,\r\n" +
	"1,SC-001,对未取得食品经营许可从事食品经营的处罚,市场监管,市场监管局,\"" + foodBasis + "\",行政处罚,全部\r\n" +
	"2,SC-002,对生产销售不合格产品的处罚,,,《产品质量法》第五十条,处罚,澄江街道、南闸街道\r\n" +
	"3,,对有证据证明不符合食品安全标准的食品的查封,,,《食品安全法》第一百一十条,行政强制,全部\r\n" +
	"\r\n" +
	"二、城市管理领域（4项）,,,,,,,\r\n" +
	"4,CG-001,对擅自占用城市道路的处罚,城市管理,城管局,\"" + roadBasis + "\",行政处罚,全部\r\n" +
	"5,CG-002,,,,《城市道路管理条例》第四十三条,行政处罚,全部\r\n" +
	"6,SC-001,对擅自挖掘城市道路的处罚,,,《城市道路管理条例》第四十四条,罚款,全部\r\n" +
	"7,CG-004,对擅自占用城市道路的处罚,,,\"" + roadBasis + "\",处罚,全部\r\n"

func gb18030(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadSheetAndParseList(t *testing.T) {
	noticeSheet := testSheet{name: "说明", rows: [][]any{{"本清单自2018年3月1日起施行。"}}}
	tests := []struct {
		name   string
		format Format
		file   []byte
	}{
		{"xlsx", XLSX, xlsxBytes(t, listSheet)},
		{"xlsx list on the second sheet", XLSX, xlsxBytes(t, noticeSheet, listSheet)},
		{"csv utf-8", CSV, []byte(listCSV)},
		{"csv utf-8 with bom", CSV, append([]byte("\uFEFF"), listCSV...)},
		{"csv gb18030", CSV, gb18030(t, listCSV)},
		{"csv lf", CSV, []byte(strings.ReplaceAll(listCSV, "\r\n", "\n"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := ReadSheet(bytes.NewReader(tt.file), tt.format, 1<<20)
			if err != nil {
				t.Fatalf("ReadSheet: %v", err)
			}
			got, errs := ParseList(rows)
			if diff := cmp.Diff(wantList, got); diff != "" {
				t.Errorf("ParseList rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantListErrors, errs); diff != "" {
				t.Errorf("ParseList errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadSheetRows(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		file   []byte
		want   []SheetRow
	}{
		{
			name:   "csv rows numbered as Excel shows them",
			format: CSV,
			file:   []byte("a,\"b\nc\"\n\n\nd\n\"e\r\n\r\nf\",g,h\ni"),
			want: []SheetRow{
				{Row: 1, Cells: []string{"a", "b\nc"}},
				{Row: 4, Cells: []string{"d"}},
				{Row: 5, Cells: []string{"e\n\nf", "g", "h"}},
				{Row: 6, Cells: []string{"i"}},
			},
		},
		{
			name:   "csv blank fields make no row",
			format: CSV,
			file:   []byte("a\n,,\n b \n"),
			want:   []SheetRow{{Row: 1, Cells: []string{"a"}}, {Row: 3, Cells: []string{" b "}}},
		},
		{
			name:   "csv with a stray quote",
			format: CSV,
			file:   []byte("a\"b,c\n"),
			want:   []SheetRow{{Row: 1, Cells: []string{"a\"b", "c"}}},
		},
		{
			name:   "xlsx merges carried within the data, blank rows left out",
			format: XLSX,
			file: xlsxBytes(t, testSheet{
				name: "Sheet1",
				rows: [][]any{
					{"title"},
					{"事项名称", "x", "y"},
					{"n1", "dept"},
					nil,
					{"n2"},
				},
				// B3:B5 holds a blank row 4; C3:Z9, blank, reaches past the data.
				merges: []string{"A1:C1", "B3:B5", "C3:Z9"},
			}),
			want: []SheetRow{
				{Row: 1, Cells: []string{"title", "title", "title"}},
				{Row: 2, Cells: []string{"事项名称", "x", "y"}},
				{Row: 3, Cells: []string{"n1", "dept"}},
				{Row: 5, Cells: []string{"n2", "dept"}},
			},
		},
		{
			name:   "xlsx without a header reads the first sheet",
			format: XLSX,
			file:   xlsxBytes(t, testSheet{name: "a", rows: [][]any{{"one"}}}, testSheet{name: "b", rows: [][]any{{"two"}}}),
			want:   []SheetRow{{Row: 1, Cells: []string{"one"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadSheet(bytes.NewReader(tt.file), tt.format, 1<<20)
			if err != nil {
				t.Fatalf("ReadSheet: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadSheet (-want +got):\n%s", diff)
			}
		})
	}
}

// bombSheet is a sheet of long text that unpacks to far more than its compressed size.
func bombSheet() testSheet {
	s := testSheet{name: "Sheet1"}
	for i := range 50 {
		s.rows = append(s.rows, []any{strings.Repeat("事", 10000) + strconv.Itoa(i)})
	}
	return s
}

func TestReadSheetErrors(t *testing.T) {
	book := xlsxBytes(t, listSheet)
	bomb := xlsxBytes(t, bombSheet())
	tests := []struct {
		name     string
		format   Format
		file     []byte
		maxBytes int64
		code     apperr.Code
		message  string
	}{
		{"xlsx over the limit", XLSX, book, 1000, apperr.TooLarge, "the file is larger than the limit of 1000 bytes"},
		{"xlsx over 20 MiB", XLSX, make([]byte, 20<<20+1), 20 << 20, apperr.TooLarge, "the file is larger than the limit of 20 MiB"},
		{"csv over the limit", CSV, []byte(listCSV), 1 << 10, apperr.TooLarge, "the file is larger than the limit of 1 KiB"},
		{"xlsx unpacking past the limit", XLSX, bomb, int64(len(bomb)), apperr.TooLarge, "the unpacked XLSX file is larger than the limit of"},
		{"garbage as xlsx", XLSX, []byte("序号,事项名称\n1,x\n"), 1 << 20, apperr.Invalid, "not a readable XLSX file: zip: not a valid zip file"},
		{"empty xlsx", XLSX, nil, 1 << 20, apperr.Invalid, "not a readable XLSX file"},
		{"old xls", XLSX, append(append([]byte{}, oleMagic...), make([]byte, 512)...), 1 << 20, apperr.Invalid, "not a readable XLSX file: an .xls or password-protected workbook"},
		{"csv in no encoding", CSV, []byte("\x80,\xff\n"), 1 << 20, apperr.Invalid, "not a readable CSV file: the text is neither UTF-8 nor GB18030"},
		{"csv with a bom but not utf-8", CSV, []byte("\uFEFF\xc4\xe3\n"), 1 << 20, apperr.Invalid, "not a readable CSV file: it starts with a UTF-8 byte-order mark"},
		{"unknown format", Format("ods"), []byte("x"), 1 << 20, apperr.Invalid, `unknown list format "ods"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := ReadSheet(bytes.NewReader(tt.file), tt.format, tt.maxBytes)
			if err == nil {
				t.Fatalf("ReadSheet = %d rows, want a %s error", len(rows), tt.code)
			}
			if got := apperr.CodeOf(err); got != tt.code {
				t.Errorf("ReadSheet error code = %s, want %s (%v)", got, tt.code, err)
			}
			if got := apperr.MessageOf(err); !strings.HasPrefix(got, tt.message) {
				t.Errorf("ReadSheet error message = %q, want it to start %q", got, tt.message)
			}
		})
	}
}
