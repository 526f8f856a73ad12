package powers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		min, max float64
	}{
		{"以上以下 with 处 and 罚款", "处500元以上2000元以下罚款", 500, 2000},
		{"以上以下", "500元以上2000元以下", 500, 2000},
		{"以上以下 with 元 once", "500以上2000元以下", 500, 2000},
		{"万元", "1万元以上3万元以下", 10000, 30000},
		{"元 then 万元", "处5000元以上3万元以下罚款", 5000, 30000},
		{"万 without 元", "1万以上3万以下", 10000, 30000},
		{"不超过", "不超过2000元", 0, 2000},
		{"处不超过", "处不超过2000元的罚款", 0, 2000},
		{"以下", "2000元以下", 0, 2000},
		{"以下 with 处 and 罚款", "处2000元以下罚款", 0, 2000},
		{"以内", "3万元以内", 0, 30000},
		{"最高", "最高5000元", 0, 5000},
		{"one amount", "处2000元罚款", 2000, 2000},
		{"one amount and a warning", "给予警告，并处200元罚款", 200, 200},
		{"hyphen", "500-2000", 500, 2000},
		{"full-width tilde", "500～2000", 500, 2000},
		{"tilde with 元", "500元~2000元", 500, 2000},
		{"至", "500至2000元", 500, 2000},
		{"到", "500到2000元", 500, 2000},
		{"至 shares 万", "1至3万元", 10000, 30000},
		{"至 keeps a larger first number", "5000至1万元", 5000, 10000},
		{"decimals", "0.5万元以上1.2万元以下", 5000, 12000},
		{"decimal yuan", "50.5元以上100.25元以下", 50.5, 100.25},
		{"0.5万元", "0.5万元", 5000, 5000},
		{"千元", "5千元以下", 0, 5000},
		{"thousands separator", "2,000元以上10,000元以下", 2000, 10000},
		{"full-width digits", "５００元以上２０００元以下", 500, 2000},
		{"spaces", " 500 元 以上 2000 元 以下 ", 500, 2000},
		{"zero", "0-0", 0, 0},
		{"other numbers are not amounts", "依据第三十条第2款，处违法所得2倍以下且不超过5000元的罚款", 0, 5000},
		{"a year is not an amount", "2018年起处500元罚款", 500, 500},
		{"bare numbers in brackets", "（500-2000）", 500, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi, err := ParseRange(tt.in)
			if err != nil || lo != tt.min || hi != tt.max {
				t.Errorf("ParseRange(%q) = %v, %v, %v; want %v, %v, nil", tt.in, lo, hi, err, tt.min, tt.max)
			}
		})
	}
}

func TestParseRangeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", `range "" holds no amount in Arabic numerals, such as 500元`},
		{"no amount", "不予处罚", `range "不予处罚" holds no amount in Arabic numerals, such as 500元`},
		{"Chinese numerals", "五千元以下", `range "五千元以下" holds no amount in Arabic numerals, such as 500元`},
		{"multiples of gains", "违法所得1倍以上3倍以下", `range "违法所得1倍以上3倍以下" holds no amount in Arabic numerals, such as 500元`},
		{"percentages", "货值金额5%以上10%以下", `range "货值金额5%以上10%以下" holds no amount in Arabic numerals, such as 500元`},
		{"minimum above maximum", "2000元以上500元以下", `range "2000元以上500元以下": the minimum 2000元 is above the maximum 500元`},
		{"minimum only", "处1万元以上罚款", `range "处1万元以上罚款" gives a minimum but no maximum`},
		{"不低于", "不低于500元", `range "不低于500元" gives a minimum but no maximum`},
		{"two ranges", "对个人处500元以上2000元以下罚款，对单位处1万元以上3万元以下罚款", `range "对个人处500元以上2000元以下罚款，对单位处1万元以上3万元以下罚款" holds more than one range; give each its own row`},
		{"absurd amount", "1" + strings.Repeat("0", 20) + "元", `range "100000000000000000000元": 100000000000000000000 is not an amount this reads`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi, err := ParseRange(tt.in)
			if err == nil || err.Error() != tt.want {
				t.Errorf("ParseRange(%q) = %v, %v, %v; want error %q", tt.in, lo, hi, err, tt.want)
			}
		})
	}
}

func ExampleParseRange() {
	for _, s := range []string{"处500元以上2000元以下罚款", "1万元以上3万元以下", "不超过2000元", "处2000元罚款", "500～2000", "五千元以下"} {
		minYuan, maxYuan, err := ParseRange(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(s, minYuan, maxYuan)
	}
	// Output:
	// 处500元以上2000元以下罚款 500 2000
	// 1万元以上3万元以下 10000 30000
	// 不超过2000元 0 2000
	// 处2000元罚款 2000 2000
	// 500～2000 500 2000
	// range "五千元以下" holds no amount in Arabic numerals, such as 500元
}

func BenchmarkParseRange(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseRange("处5000元以上3万元以下罚款"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestValidateBandsRefusesUnstorableText: a list's conditions with a NUL or invalid UTF-8
// (a CSV import's cell) are refused naming the band, before PostgreSQL would.
func TestValidateBandsRefusesUnstorableText(t *testing.T) {
	for _, cond := range []string{"a\x00b", "a\xffb"} {
		err := ValidateBands([]Band{{Level: Minor, MaxYuan: 500}, {Level: Ordinary, MinYuan: 500, MaxYuan: 900, Conditions: cond}})
		if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(err.Error(), "band 1") {
			t.Errorf("conditions %q: %v, want invalid naming band 1", cond, err)
		}
	}
}
