package democity

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
)

// The AreaCity extract of Jiangyin's divisions and its licence, embedded unchanged.
var (
	//go:embed data/jiangyin_subdivisions_areacity.csv
	subdivisionsCSV string
	//go:embed data/LICENSE-AreaCity-MIT.txt
	licenseText string
)

// Kind tells a town (镇) from a sub-district (街道).
type Kind string

// The kinds of township.
const (
	KindTown        Kind = "town"        // 镇
	KindSubdistrict Kind = "subdistrict" // 街道
)

// Township is one of Jiangyin's 17 townships and sub-districts (镇街), as listed by the
// AreaCity data set.
type Township struct {
	Code     string // the 9-digit division code, e.g. "320281001"
	Name     string // the short name, e.g. "澄江"
	FullName string // the name with its suffix, e.g. "澄江街道"
	Pinyin   string // the syllables of Name, space separated, e.g. "cheng jiang"
	Kind     Kind
}

// Townships returns Jiangyin's 17 townships and sub-districts in code order. The list
// comes from the embedded AreaCity CSV (the rows of depth 3); each call returns a new
// slice. It panics only if the embedded data is corrupt, which the package tests rule out.
func Townships() []Township {
	ts, err := parseTownships(subdivisionsCSV)
	if err != nil {
		panic("democity: embedded township data: " + err.Error())
	}
	return ts
}

// License returns the MIT licence text of the AreaCity data set (Copyright (c) 2019
// xiangyuecn) from which [Townships] comes. Whoever redistributes the township list
// should ship it.
func License() string { return licenseText }

// parseTownships reads an AreaCity CSV and keeps its depth-3 rows, sorted by code.
func parseTownships(text string) ([]Township, error) {
	r := csv.NewReader(strings.NewReader(text))
	rows, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no header")
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, name := range []string{"id", "deep", "name", "pinyin", "ext_name"} {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("no column %q", name)
		}
	}
	var out []Township
	for n, row := range rows[1:] {
		if row[col["deep"]] != "3" {
			continue
		}
		t := Township{
			Code:     row[col["id"]],
			Name:     row[col["name"]],
			FullName: row[col["ext_name"]],
			Pinyin:   row[col["pinyin"]],
		}
		switch {
		case strings.HasSuffix(t.FullName, "街道"):
			t.Kind = KindSubdistrict
		case strings.HasSuffix(t.FullName, "镇"):
			t.Kind = KindTown
		default:
			return nil, fmt.Errorf("row %d: %q is neither 镇 nor 街道", n+2, t.FullName)
		}
		if len(t.Code) != 9 {
			return nil, fmt.Errorf("row %d: code %q is not 9 digits", n+2, t.Code)
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Township) int { return strings.Compare(a.Code, b.Code) })
	return out, nil
}
