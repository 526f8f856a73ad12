package inspection

import (
	"slices"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/geo"
)

func rowsOf(lines ...string) []Row {
	var out []Row
	for i, l := range lines {
		out = append(out, Row{Row: i + 1, Cells: strings.Split(l, ",")})
	}
	return out
}

func TestParseTargets(t *testing.T) {
	rows := rowsOf(
		"检查对象名录,,,,,,,", // a title row before the header
		"名称,统一社会信用代码,其他证照号,行业领域,经度,纬度,坐标系,风险等级",
		"甲厂,91350100m000100y43,,城市管理、生态环境,120.21,31.81,GCJ02,高风险",
		"乙店,,LIC-9,urban_management;fire,120.22,31.82,,low",
		"丙店,,,城市管理,120.22,31.82,,low",                 // no id
		"丁店,,D-1,城市管理,东经120度,31.82,,low",              // not a number
		"戊店,,E-1,城市管理,120.22,31.82,,extreme",          // unknown risk
		"己店,91350100M000100Y44,,城市管理,120.22,31.82,,中", // bad check character
	)
	got, errs := ParseTargets(rows)
	if len(got) != 2 {
		t.Fatalf("ParseTargets: %d targets, want 2 (%+v)", len(got), errs)
	}
	a := got[0]
	if a.Row != 3 || a.Target.CreditCode != "91350100M000100Y43" || a.Target.Datum != geo.GCJ02 || a.Target.Risk != RiskHigh ||
		!slices.Equal(a.Target.Sectors, []string{"城市管理", "生态环境"}) {
		t.Errorf("row 3 = %+v", a)
	}
	b := got[1]
	if b.Row != 4 || b.Target.Datum != geo.WGS84 || b.Target.OtherID != "LIC-9" || len(b.Target.Sectors) != 2 {
		t.Errorf("row 4 = %+v", b)
	}
	var bad []int
	for _, e := range errs {
		bad = append(bad, e.Row)
	}
	if !slices.Equal(bad, []int{5, 6, 7, 8}) {
		t.Errorf("bad rows %v, want 5, 6, 7, 8: %+v", bad, errs)
	}
	if _, errs := ParseTargets(rowsOf("a,b,c", "1,2,3")); len(errs) != 1 || errs[0].Reason != "no_header" {
		t.Errorf("a list without a header: %+v, want one no_header error", errs)
	}
}

// FuzzParseTargets: no input panics, and every row comes out as a target or an error.
func FuzzParseTargets(f *testing.F) {
	f.Add("名称,统一社会信用代码,经度,纬度,风险等级,行业领域\n甲,91350100M000100Y43,120.2,31.8,高,城市管理")
	f.Add("name,other_id,lon,lat,risk,sectors\nx,1,NaN,Inf,low,a b")
	f.Fuzz(func(t *testing.T, text string) {
		var rows []Row
		for i, l := range strings.Split(text, "\n") {
			rows = append(rows, Row{Row: i + 1, Cells: strings.Split(l, ",")})
		}
		got, errs := ParseTargets(rows)
		for _, r := range got {
			if r.Target.Lat == nil || r.Target.Lon == nil || !(*r.Target.Lat >= -90 && *r.Target.Lat <= 90) {
				t.Fatalf("row %d passed with a bad position: %+v", r.Row, r.Target)
			}
		}
		if len(got)+len(errs) > len(rows) {
			t.Fatalf("%d targets and %d errors from %d rows", len(got), len(errs), len(rows))
		}
	})
}

// FuzzCheckCreditCode: a code passes only when its last character is the check of the
// first 17, and changing that character makes it fail.
func FuzzCheckCreditCode(f *testing.F) {
	f.Add("91350100M000100Y43")
	f.Add("9144030071526726XG")
	f.Fuzz(func(t *testing.T, code string) {
		if CheckCreditCode(code) != nil {
			return
		}
		for _, c := range creditAlphabet {
			if byte(c) != code[17] && CheckCreditCode(code[:17]+string(c)) == nil {
				t.Fatalf("%s and %s%c both pass", code, code[:17], c)
			}
		}
	})
}
