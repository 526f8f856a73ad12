package inspection

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/apperr"
)

// creditAlphabet is the alphabet of the unified social credit code (GB 32100-2015): the
// digits and the capital letters without I, O, Z, S and V; a character's value is its
// index.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights are the weights of the first 17 characters in the check digit
// (GB 32100-2015: 3^(i-1) mod 31).
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CheckCreditCode checks a unified social credit code (统一社会信用代码): 18 characters of
// the code's alphabet whose last is the check character of the first 17, 31 − (Σ value ×
// weight mod 31) (31 reads 0). Errors: invalid saying what is wrong.
func CheckCreditCode(code string) error {
	if len(code) != 18 {
		return apperr.Invalidf("credit code %q is not 18 characters", code)
	}
	sum := 0
	for i := range 18 {
		v := strings.IndexByte(creditAlphabet, code[i])
		if v < 0 {
			return apperr.Invalidf("credit code %q: character %d (%q) is not of the code's alphabet (digits and capitals without I, O, Z, S, V)",
				code, i+1, code[i])
		}
		if i < 17 {
			sum += v * creditWeights[i]
		}
	}
	if want := creditAlphabet[(31-sum%31)%31]; code[17] != want {
		return apperr.Invalidf("credit code %q: the check character is %c, the first 17 characters give %c", code, code[17], want)
	}
	return nil
}

// Risk is a target's risk level, which draws count quotas against.
type Risk string

// The risk levels.
const (
	RiskLow    Risk = "low"
	RiskMedium Risk = "medium"
	RiskHigh   Risk = "high"
)

// Risks lists the risk levels.
var Risks = []Risk{RiskLow, RiskMedium, RiskHigh}

// ParseRisk reads a risk level: its code or 低, 中, 高 (with or without 风险). Errors:
// invalid.
func ParseRisk(s string) (Risk, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "风险")
	switch s {
	case "low", "低":
		return RiskLow, nil
	case "medium", "中":
		return RiskMedium, nil
	case "high", "高":
		return RiskHigh, nil
	}
	return "", apperr.Invalidf("risk %q is not low, medium or high (低, 中, 高)", s)
}

// Target is an inspection target: an enterprise, a shop, a site.
type Target struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	CreditCode *string   `json:"credit_code"`
	OtherID    *string   `json:"other_id"`
	Sectors    []string  `json:"sectors"`
	Lon        float64   `json:"lon"` // WGS-84
	Lat        float64   `json:"lat"`
	Datum      geo.Datum `json:"datum"` // the datum the position was given in
	H3         string    `json:"h3"`
	Township   string    `json:"township"`
	Grid       *string   `json:"grid"`
	Risk       Risk      `json:"risk"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// NewTarget is a target to create; Lon and Lat are in Datum ("" means WGS-84).
type NewTarget struct {
	Name       string    `json:"name"`
	CreditCode string    `json:"credit_code"`
	OtherID    string    `json:"other_id"`
	Sectors    []string  `json:"sectors"`
	Lon        *float64  `json:"lon"`
	Lat        *float64  `json:"lat"`
	Datum      geo.Datum `json:"datum"`
	Risk       Risk      `json:"risk"`
}

var otherIDPattern = regexp.MustCompile(`^[\p{L}\p{N}_./()-]{1,64}$`)

// validate checks a new target on its own and fills its defaults. Errors: invalid.
func (nt *NewTarget) validate() error {
	nt.Name = strings.TrimSpace(nt.Name)
	nt.CreditCode = strings.ToUpper(strings.TrimSpace(nt.CreditCode))
	nt.OtherID = strings.TrimSpace(nt.OtherID)
	switch {
	case nt.Name == "" || len(nt.Name) > 200:
		return apperr.Invalidf("a target needs a name of 1 to 200 bytes")
	case nt.CreditCode == "" && nt.OtherID == "":
		return apperr.Invalidf("a target needs a credit code (统一社会信用代码) or another id")
	case nt.OtherID != "" && !otherIDPattern.MatchString(nt.OtherID):
		return apperr.Invalidf("other_id %q must be 1 to 64 letters, digits or _./()-", nt.OtherID)
	case len(nt.Sectors) == 0 || len(nt.Sectors) > 20:
		return apperr.Invalidf("a target needs 1 to 20 sectors")
	case nt.Lon == nil || nt.Lat == nil:
		return apperr.Invalidf("a target needs lon and lat")
	case !(*nt.Lat >= -90 && *nt.Lat <= 90) || !(*nt.Lon >= -180 && *nt.Lon <= 180):
		return apperr.Invalidf("lat %v, lon %v is not a position", *nt.Lat, *nt.Lon)
	}
	if nt.CreditCode != "" {
		if err := CheckCreditCode(nt.CreditCode); err != nil {
			return err
		}
	}
	d, err := geo.ParseDatum(string(nt.Datum))
	if err != nil {
		return apperr.Invalidf("%v", err)
	}
	nt.Datum = d
	if _, err := ParseRisk(string(nt.Risk)); err != nil {
		return err
	}
	nt.Risk, _ = ParseRisk(string(nt.Risk))
	slices.Sort(nt.Sectors)
	nt.Sectors = slices.Compact(nt.Sectors)
	return nil
}

// The columns of a target list, by the header cells that name them.
const (
	colName = iota + 1
	colCredit
	colOther
	colSectors
	colLon
	colLat
	colDatum
	colRisk
)

var targetHeaders = map[string]int{
	"名称": colName, "单位名称": colName, "企业名称": colName, "name": colName,
	"统一社会信用代码": colCredit, "credit_code": colCredit,
	"其他证照号": colOther, "其他编号": colOther, "other_id": colOther,
	"行业领域": colSectors, "所属领域": colSectors, "领域": colSectors, "sectors": colSectors,
	"经度": colLon, "lon": colLon,
	"纬度": colLat, "lat": colLat,
	"坐标系": colDatum, "datum": colDatum,
	"风险等级": colRisk, "risk": colRisk,
}

// TargetRow is one row of a target list, parsed; Row is its row number in the file.
type TargetRow struct {
	Row    int
	Target NewTarget
}

// ParseTargets reads a target list's rows (as powers.ReadSheet gives them): a header
// row naming the columns (名称, 统一社会信用代码, 其他证照号, 行业领域, 经度, 纬度, 坐标系,
// 风险等级, or their English codes), then a target a row. Sectors are separated by 、,
// comma, semicolon or space. It returns the rows read and, by row number, those it could
// not read; a list without a header row is one error at row 0.
func ParseTargets(rows []Row) ([]TargetRow, []RowError) {
	header := -1
	cols := map[int]int{}
	for i, r := range rows {
		for j, cell := range r.Cells {
			if c, ok := targetHeaders[strings.ToLower(strings.TrimSpace(cell))]; ok {
				cols[c] = j
			}
		}
		if _, ok := cols[colName]; ok {
			header = i
			break
		}
		clear(cols)
	}
	if header < 0 {
		return nil, []RowError{{Row: 0, Reason: "no_header", Message: "no header row naming 名称 (name)"}}
	}
	var out []TargetRow
	var errs []RowError
	for _, r := range rows[header+1:] {
		cell := func(c int) string {
			j, ok := cols[c]
			if !ok || j >= len(r.Cells) {
				return ""
			}
			return strings.TrimSpace(r.Cells[j])
		}
		nt := NewTarget{Name: cell(colName), CreditCode: cell(colCredit), OtherID: cell(colOther),
			Datum: geo.Datum(cell(colDatum)), Risk: Risk(cell(colRisk))}
		nt.Sectors = strings.FieldsFunc(cell(colSectors), func(r rune) bool { return strings.ContainsRune("、,，;； ", r) })
		var bad []string
		for _, c := range []struct {
			col int
			v   **float64
			nm  string
		}{{colLon, &nt.Lon, "经度 (lon)"}, {colLat, &nt.Lat, "纬度 (lat)"}} {
			s := cell(c.col)
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s %q is not a number", c.nm, s))
				continue
			}
			*c.v = &f
		}
		if len(bad) > 0 {
			errs = append(errs, RowError{Row: r.Row, Reason: "invalid", Message: strings.Join(bad, "; ")})
			continue
		}
		if err := nt.validate(); err != nil {
			errs = append(errs, RowError{Row: r.Row, Reason: "invalid", Message: apperr.MessageOf(err)})
			continue
		}
		out = append(out, TargetRow{Row: r.Row, Target: nt})
	}
	return out, errs
}
