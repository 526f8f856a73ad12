package powers

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sheet numbers rows from 1 as a file would; nil rows are blank ones, left out.
func sheet(rows ...[]string) []SheetRow {
	var out []SheetRow
	for i, cells := range rows {
		if cells != nil {
			out = append(out, SheetRow{Row: i + 1, Cells: cells})
		}
	}
	return out
}

// noSectorNorDepartment are the errors of a row without a sector and a department.
func noSectorNorDepartment(row int) []RowError {
	return []RowError{
		{Row: row, Reason: "missing", Message: fmt.Sprintf("row %d: 所属领域 is empty", row)},
		{Row: row, Reason: "missing", Message: fmt.Sprintf("row %d: 实施部门 is empty", row)},
	}
}

func TestParseList(t *testing.T) {
	header := []string{"序号", "事项名称", "所属领域", "实施部门", "事项类别"}
	tests := []struct {
		name string
		rows []SheetRow
		want []ListRow
		errs []RowError
	}{
		{
			name: "no header",
			rows: sheet([]string{"江阴市赋权事项清单"}, []string{"1", "对某事的处罚"}),
			errs: []RowError{{Row: 0, Reason: "no_header", Message: "no header row: no row holds a 事项名称 (or name) cell"}},
		},
		{
			name: "a title naming the list is no header",
			rows: sheet([]string{"赋权事项名称清单"}),
			errs: []RowError{{Row: 0, Reason: "no_header", Message: "no header row: no row holds a 事项名称 (or name) cell"}},
		},
		{
			name: "header without sector and department",
			rows: sheet([]string{"事项名称", "事项类别"}, []string{"x", "处罚"}),
			errs: []RowError{
				{Row: 1, Reason: "missing_column", Message: "row 1: the header has no 所属领域 column"},
				{Row: 1, Reason: "missing_column", Message: "row 1: the header has no 实施部门 column"},
			},
		},
		{
			name: "English headers in any case and order, townships and basis optional",
			rows: sheet(
				[]string{"Category", "NAME", "department", "sector", "code"},
				[]string{"coercion", "seal", "城管局", "urban", "U1"},
				[]string{"", "fine", "城管局", "urban", ""},
			),
			want: []ListRow{
				{Row: 2, Code: "U1", Name: "seal", Sector: "urban", Department: "城管局", Category: "coercion"},
				{Row: 3, Name: "fine", Sector: "urban", Department: "城管局"},
			},
		},
		{
			name: "headers with spaces, line breaks and other names",
			rows: sheet(
				[]string{" 序 号 ", "编码", "事项\r\n名称", "领域", "原实施\n部门", "设定依据", "类别", "承接镇街"},
				[]string{" 1 ", " A1 ", " 对甲的处罚 ", "市场监管", "市场监管局", "\n《甲法》\n第一条\n", "行政强制措施", "全部"},
			),
			want: []ListRow{{Row: 2, Number: "1", Code: "A1", Name: "对甲的处罚", Sector: "市场监管", Department: "市场监管局",
				LegalBasis: "《甲法》\n第一条", Category: "行政强制措施", Townships: "全部"}},
		},
		{
			name: "the first of two department columns wins",
			rows: sheet([]string{"事项名称", "领域", "原实施部门", "实施部门"}, []string{"x", "s", "住建局", "城管局"}),
			want: []ListRow{{Row: 2, Name: "x", Sector: "s", Department: "住建局"}},
		},
		{
			name: "blank cells take the department and sector above, not across a banner",
			rows: sheet(
				header,
				[]string{"1", "甲", "市场监管", "市场监管局", "处罚"},
				[]string{"2", "乙", "", "", "处罚"},
				nil,
				[]string{"3", "丙", "", "", "处罚"},
				[]string{"二、城市管理领域", "", "", "", ""},
				[]string{"4", "丁", "", "", "处罚"},
			),
			want: []ListRow{
				{Row: 2, Number: "1", Name: "甲", Sector: "市场监管", Department: "市场监管局", Category: "处罚"},
				{Row: 3, Number: "2", Name: "乙", Sector: "市场监管", Department: "市场监管局", Category: "处罚"},
				{Row: 5, Number: "3", Name: "丙", Sector: "市场监管", Department: "市场监管局", Category: "处罚"},
			},
			errs: noSectorNorDepartment(7),
		},
		{
			name: "banners, notes and repeated headers are skipped",
			rows: sheet(
				header,
				[]string{"一、市场监管领域（1项）", "一、市场监管领域（1项）", "一、市场监管领域（1项）"},
				[]string{"", "", "（共1项）"},
				header,
				[]string{"1", "甲", "市场监管", "市场监管局", "处罚"},
				[]string{"注：本清单自2018年3月1日起施行。"},
			),
			want: []ListRow{{Row: 5, Number: "1", Name: "甲", Sector: "市场监管", Department: "市场监管局", Category: "处罚"}},
		},
		{
			name: "a row with only a name is no banner",
			rows: sheet(header, []string{"", "甲"}),
			errs: noSectorNorDepartment(2),
		},
		{
			name: "every bad row",
			rows: sheet(
				header,
				[]string{"1", "", "市场监管", "市场监管局", "处罚"},
				[]string{"2", "甲", "市场监管", "市场监管局", "许可"},
				[]string{"3", "乙", "市场监管", "市场监管局", "强制"},
				[]string{"4", "乙", "市场监管", "市场监管局", "penalty"},
				[]string{"5", "乙", "市场监管", "市场监管局", "处罚"},
			),
			want: []ListRow{{Row: 4, Number: "3", Name: "乙", Sector: "市场监管", Department: "市场监管局", Category: "强制"}},
			errs: []RowError{
				{Row: 2, Reason: "missing", Message: "row 2: 事项名称 is empty"},
				{Row: 3, Reason: "bad_category", Message: `row 3: 事项类别 "许可" is none of 行政处罚, 处罚, 行政强制, 强制, penalty, coercion`},
				{Row: 5, Reason: "duplicate", Message: `row 5: 事项名称 "乙" is also on row 4`},
				{Row: 6, Reason: "duplicate", Message: `row 6: 事项名称 "乙" is also on row 4`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParseList(tt.rows)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseList rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.errs, errs); diff != "" {
				t.Errorf("ParseList errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseCategory(t *testing.T) {
	tests := []struct {
		in   string
		want Category
	}{
		{"行政处罚", Penalty}, {" 处罚 ", Penalty}, {"Penalty", Penalty}, {"", Penalty},
		{"行政强制", Coercion}, {"行政强制措施", Coercion}, {"强制", Coercion}, {"coercion", Coercion},
	}
	for _, tt := range tests {
		if got, err := ParseCategory(tt.in); got != tt.want || err != nil {
			t.Errorf("ParseCategory(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
		}
	}
	if got, err := ParseCategory("行政许可"); err == nil {
		t.Errorf("ParseCategory(%q) = %q, nil; want an error", "行政许可", got)
	}
}

// bandSheet is a discretion list: the item's code and name merged over its levels.
var bandSheet = testSheet{
	name: "裁量基准",
	rows: [][]any{
		{"江阴市城市管理行政处罚自由裁量基准"},                                                  // 1
		{"序号", "事项编码", "事项名称", "违法程度", "适用情形", "处罚标准"},                         // 2
		{1, "CG-001", "对擅自占用城市道路的处罚", "轻微", "占用面积10平方米以下", "处500元以上2000元以下罚款"}, // 3
		{nil, nil, nil, "一般", "占用面积10平方米以上\n30平方米以下", "2000元以上1万元以下"},          // 4
		{nil, nil, nil, "严重违法", "占用面积30平方米以上", "1万元以上3万元以下"},                   // 5
		nil, // 6
		{2, "", "对擅自挖掘城市道路的处罚", "较轻", "", "不超过2000元"},         // 7: bad level
		{3, "CG-003", "对损坏城市道路的处罚", "一般", "", "违法所得1倍以上3倍以下"}, // 8: bad range
		{4, "CG-004", "对擅自设置广告的处罚", "", "情形", ""},             // 9: no level, no fine
		{"", "", "", "一般", "情形", "500元以下"},                    // 10: item above is not merged here
		{"二、市容环境卫生（1项）"},                                      // 11
		{nil, nil, nil, "一般", "情形", "500元以下"},                 // 12: no item across a banner
	},
	merges: []string{"A1:F1", "A3:A5", "B3:B5", "C3:C5", "A11:F11"},
}

func TestParseBands(t *testing.T) {
	wantSheet := []BandRow{
		{Row: 3, Item: "CG-001", Level: "轻微", Conditions: "占用面积10平方米以下", Range: "处500元以上2000元以下罚款"},
		{Row: 4, Item: "CG-001", Level: "一般", Conditions: "占用面积10平方米以上\n30平方米以下", Range: "2000元以上1万元以下"},
		{Row: 5, Item: "CG-001", Level: "严重", Conditions: "占用面积30平方米以上", Range: "1万元以上3万元以下"},
		{Row: 10, Item: "CG-004", Level: "一般", Conditions: "情形", Range: "500元以下"},
	}
	wantSheetErrors := []RowError{
		{Row: 7, Reason: "bad_level", Message: `row 7: 违法程度 "较轻" is none of 轻微, 一般, 严重`},
		{Row: 8, Reason: "bad_range", Message: `row 8: range "违法所得1倍以上3倍以下" holds no amount in Arabic numerals, such as 500元`},
		{Row: 9, Reason: "missing", Message: "row 9: 违法程度 is empty"},
		{Row: 9, Reason: "missing", Message: "row 9: 处罚标准 is empty"},
		{Row: 12, Reason: "missing", Message: "row 12: 事项编码 is empty"},
	}
	tests := []struct {
		name string
		rows func(t *testing.T) []SheetRow
		want []BandRow
		errs []RowError
	}{
		{
			name: "xlsx with merged items",
			rows: func(t *testing.T) []SheetRow {
				rows, err := ReadSheet(bytes.NewReader(xlsxBytes(t, bandSheet)), XLSX, 1<<20)
				if err != nil {
					t.Fatal(err)
				}
				return rows
			},
			want: wantSheet,
			errs: wantSheetErrors,
		},
		{
			name: "csv with min and max columns, the item carried down",
			rows: func(t *testing.T) []SheetRow {
				const file = "\uFEFF事项名称,裁量阶次,裁量情形,最低（元）,最高（元）\n" +
					"对甲的处罚,轻微,情形一,,500\n" +
					",一般,情形二,500元,2000元\n" +
					",严重,情形三,2000,1000\n" +
					"对乙的处罚,一般,,100,\n"
				rows, err := ReadSheet(bytes.NewReader([]byte(file)), CSV, 1<<20)
				if err != nil {
					t.Fatal(err)
				}
				return rows
			},
			want: []BandRow{
				{Row: 2, Item: "对甲的处罚", Level: "轻微", Conditions: "情形一", Range: "0-500"},
				{Row: 3, Item: "对甲的处罚", Level: "一般", Conditions: "情形二", Range: "500元-2000元"},
			},
			errs: []RowError{
				{Row: 4, Reason: "bad_range", Message: `row 4: range "2000-1000": the minimum 2000元 is above the maximum 1000元`},
				{Row: 5, Reason: "missing", Message: "row 5: 最高（元） is empty"},
			},
		},
		{
			name: "English headers",
			rows: func(*testing.T) []SheetRow {
				return sheet([]string{"item", "level", "conditions", "min_yuan", "max_yuan"}, []string{"X1", "严重", "", "1", "2"})
			},
			want: []BandRow{{Row: 2, Item: "X1", Level: "严重", Range: "1-2"}},
		},
		{
			name: "no header",
			rows: func(*testing.T) []SheetRow { return sheet([]string{"裁量阶次", "处罚标准"}) },
			errs: []RowError{{Row: 0, Reason: "no_header", Message: "no header row: no row holds a 事项名称, 事项编码 (or item) cell"}},
		},
		{
			name: "header without a level or a fine",
			rows: func(*testing.T) []SheetRow { return sheet(nil, []string{"事项编码", "最低(元)"}) },
			errs: []RowError{
				{Row: 2, Reason: "missing_column", Message: "row 2: the header has no 裁量阶次 column"},
				{Row: 2, Reason: "missing_column", Message: "row 2: the header has no 处罚标准 or 最高(元) column"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParseBands(tt.rows(t))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseBands rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.errs, errs); diff != "" {
				t.Errorf("ParseBands errors (-want +got):\n%s", diff)
			}
		})
	}
}
