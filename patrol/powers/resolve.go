package powers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// AllTownships is what a list's 适用镇街 says for every township.
const AllTownships = "全部"

// The reasons a bad row of a powers list is refused, besides the reader's.
const (
	ReasonMissing         = "missing"          // a required cell is empty
	ReasonUnknownSector   = "unknown_sector"   // 所属领域 names no sector
	ReasonUnknownTownship = "unknown_township" // 适用镇街 names no township
	ReasonUnknownItem     = "unknown_item"     // a discretion row names no item
	ReasonBadCategory     = "bad_category"     // 事项类别 is neither 处罚 nor 强制
	ReasonBadCode         = "bad_code"         // 事项编码 is not 1–64 of A-Za-z0-9_.-
	ReasonBadLevel        = "bad_level"        // not 轻微, 一般 or 严重
	ReasonBadRange        = "bad_range"        // the fine's range does not read
	ReasonDuplicate       = "duplicate"        // the same item (or item and level) twice
	ReasonTooLong         = "too_long"         // a cell over its length limit
)

// codePattern is what the database accepts as a code of an item or a department.
var codePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// DerivedCode is the stable code given to an item or department that a list names
// without a code: prefix, a dash and the first 12 hex digits of the SHA-256 of its name,
// so that every import of the same name gives the same code.
func DerivedCode(prefix, name string) string {
	sum := sha256.Sum256([]byte(name))
	return prefix + "-" + hex.EncodeToString(sum[:6])
}

// Prefixes of derived codes.
const (
	itemPrefix       = "item"
	departmentPrefix = "dept"
)

// splitTownships splits 适用镇街 at 、 , ， ; ； and line breaks.
func splitTownships(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune("、,，;；\n\r", r)
	})
	var out []string
	for _, t := range f {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// catalog is what a list is resolved against: the reference lists and the items and
// departments already stored.
type catalog struct {
	sectors     lookup
	townships   lookup
	all         []string // every township code, sorted
	departments lookup
	itemsByCode map[string]Item
	itemsByName map[string]Item
}

func newCatalog(sectors, townships []Ref, departments []Department, items []Item) catalog {
	c := catalog{sectors: newLookup(sectors), townships: newLookup(townships), departments: lookup{},
		itemsByCode: map[string]Item{}, itemsByName: map[string]Item{}}
	for _, t := range townships {
		c.all = append(c.all, t.Code)
	}
	slices.Sort(c.all)
	var refs []Ref
	for _, d := range departments {
		refs = append(refs, Ref(d))
	}
	c.departments = newLookup(refs)
	for _, it := range items {
		c.itemsByCode[it.Code], c.itemsByName[it.Name] = it, it
	}
	return c
}

// item finds a stored item by code, else by name.
func (c catalog) item(code, name string) (Item, bool) {
	if it, ok := c.itemsByCode[code]; ok && code != "" {
		return it, true
	}
	it, ok := c.itemsByName[name]
	return it, ok
}

// listPlan is a resolved powers list: what to store.
type listPlan struct {
	departments []Department    // to create
	items       []Item          // every item listed, with its code; bands not set
	held        map[pair]bool   // item × township the list delegates
	delegates   bool            // the list names townships at all
	rows        map[string]int  // item code → its row, for messages
	existing    map[string]Item // items listed that are stored already, by code
}

// resolveList checks every row of a powers list against the catalog and returns the plan
// to store, or every bad row.
func resolveList(rows []ListRow, c catalog) (listPlan, []RowError) {
	plan := listPlan{held: map[pair]bool{}, rows: map[string]int{}, existing: map[string]Item{}}
	var errs []RowError
	bad := func(row int, reason, format string, args ...any) {
		errs = append(errs, RowError{Row: row, Reason: reason, Message: fmt.Sprintf(format, args...)})
	}
	newDepts := map[string]bool{}
	byName := map[string]int{}
	for _, r := range rows {
		name := strings.TrimSpace(r.Name)
		code := strings.TrimSpace(r.Code)
		nErrs := len(errs)
		switch {
		case name == "":
			bad(r.Row, ReasonMissing, "row %d has no 事项名称", r.Row)
		case len(name) > 500:
			bad(r.Row, ReasonTooLong, "row %d: the item's name is longer than 500 bytes", r.Row)
		}
		if code != "" && !codePattern.MatchString(code) {
			bad(r.Row, ReasonBadCode, "row %d: 事项编码 %q is not 1 to 64 of A-Z a-z 0-9 _ . -", r.Row, code)
		}
		sector, ok := c.sectors[strings.TrimSpace(r.Sector)]
		if !ok {
			if strings.TrimSpace(r.Sector) == "" {
				bad(r.Row, ReasonMissing, "row %d has no 所属领域", r.Row)
			} else {
				bad(r.Row, ReasonUnknownSector, "row %d: unknown sector %q (a sector's Chinese name or code)", r.Row, r.Sector)
			}
		}
		category, err := ParseCategory(r.Category)
		if err != nil {
			bad(r.Row, ReasonBadCategory, "row %d: %v", r.Row, err)
		}
		if len(r.LegalBasis) > 20000 {
			bad(r.Row, ReasonTooLong, "row %d: the legal basis is longer than 20,000 bytes", r.Row)
		}
		deptName := strings.TrimSpace(r.Department)
		dept, ok := c.departments[deptName]
		switch {
		case deptName == "":
			bad(r.Row, ReasonMissing, "row %d has no 实施部门", r.Row)
		case len(deptName) > 200:
			bad(r.Row, ReasonTooLong, "row %d: the department's name is longer than 200 bytes", r.Row)
		case !ok:
			dept = DerivedCode(departmentPrefix, deptName)
			if !newDepts[dept] {
				newDepts[dept] = true
				plan.departments = append(plan.departments, Department{Code: dept, Name: deptName})
			}
		}
		var towns []string
		switch cell := strings.TrimSpace(r.Townships); cell {
		case "":
		case AllTownships:
			towns = c.all
		default:
			var unknown []string
			for _, t := range splitTownships(cell) {
				if code, ok := c.townships[t]; ok {
					towns = append(towns, code)
				} else {
					unknown = append(unknown, t)
				}
			}
			if len(unknown) > 0 {
				bad(r.Row, ReasonUnknownTownship, "row %d: unknown township %s (names or codes, separated by 、 or ,; or 全部)",
					r.Row, strings.Join(quoteAll(unknown), ", "))
			}
		}
		if len(errs) > nErrs {
			continue
		}
		it := Item{Code: code, Name: name, Sector: sector, Department: dept, LegalBasis: r.LegalBasis, Category: category}
		if stored, ok := c.item(code, name); ok {
			it.Code, it.Bands = stored.Code, stored.Bands
			plan.existing[it.Code] = stored
		} else if it.Code == "" {
			it.Code = DerivedCode(itemPrefix, name)
		}
		if prev, dup := plan.rows[it.Code]; dup {
			bad(r.Row, ReasonDuplicate, "row %d lists item %s again (first in row %d)", r.Row, it.Code, prev)
			continue
		}
		if prev, dup := byName[name]; dup {
			bad(r.Row, ReasonDuplicate, "row %d lists item %q again (first in row %d)", r.Row, name, prev)
			continue
		}
		if stored, ok := c.itemsByName[name]; ok && stored.Code != it.Code {
			bad(r.Row, ReasonDuplicate, "row %d: item %s is named %q, the name of stored item %s", r.Row, it.Code, name, stored.Code)
			continue
		}
		plan.rows[it.Code], byName[name] = r.Row, r.Row
		plan.items = append(plan.items, it)
		for _, t := range towns {
			plan.held[pair{it.Code, t}] = true
		}
		plan.delegates = plan.delegates || strings.TrimSpace(r.Townships) != ""
	}
	if len(errs) > 0 {
		return listPlan{}, errs
	}
	return plan, nil
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// diff is the adjustment that brings the state held into the list's: pairs listed and
// not held are granted, pairs held and not listed are revoked.
func (p listPlan) diff(held []pair) NewAdjustment {
	was := map[pair]bool{}
	var na NewAdjustment
	var grant, revoke []pair
	for _, h := range held {
		was[h] = true
		if !p.held[h] {
			revoke = append(revoke, h)
		}
	}
	for h := range p.held {
		if !was[h] {
			grant = append(grant, h)
		}
	}
	slices.SortFunc(grant, comparePairs)
	slices.SortFunc(revoke, comparePairs)
	na.Grant, na.Revoke = changes(grant), changes(revoke)
	return na
}
