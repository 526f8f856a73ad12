package powers

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Counts are the objects an import created and changed.
type Counts struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// DelegationCounts are the delegations an import granted and revoked.
type DelegationCounts struct {
	Granted int `json:"granted"`
	Revoked int `json:"revoked"`
}

// ImportResult is what a powers list import did. Adjustment is the adjustment recorded,
// nil when the list changed no delegation.
type ImportResult struct {
	Items       Counts           `json:"items"`
	Departments Counts           `json:"departments"`
	Delegations DelegationCounts `json:"delegations"`
	Adjustment  *int64           `json:"adjustment"`
}

// ListImport is a published powers list to import: its rows as read, the rows the reader
// refused, and the adjustment's date and document.
type ListImport struct {
	Effective Date
	Document  string
	Rows      []ListRow
	Errors    []RowError // the reader's
}

// RowsError reports every bad row of an import, sorted by row: invalid, with the rows in
// the problem's errors member.
func RowsError(errs []RowError) error {
	slices.SortStableFunc(errs, func(a, b RowError) int { return cmp.Compare(a.Row, b.Row) })
	return &apperr.Error{Code: apperr.Invalid, Extra: map[string]any{"errors": errs},
		Message: fmt.Sprintf("%d bad rows, nothing imported; row %d: %s", len(errs), errs[0].Row, errs[0].Message)}
}

// ImportList stores a published powers list as one adjustment effective on li.Effective
// whose changes are the difference between the list and the state of that day: items
// listed for a township that does not hold them are granted, items a township holds
// and the list does not give it are revoked. A list that names no township at all (the
// bureaus' list, a bare catalog) changes items and departments only. Items match a
// stored one by code, else by name; those without a code get DerivedCode("item", name).
// Departments are matched by code or name and created when missing, with
// DerivedCode("dept", name). who is recorded with the adjustment.
// Errors (nothing written): invalid with every bad row in the problem's errors member
// (the reader's, unknown sectors and townships, bad categories and codes, duplicates);
// the errors of Adjust.
func (s *Store) ImportList(ctx context.Context, who string, li ListImport) (ImportResult, error) {
	if len(li.Document) > 200 {
		return ImportResult{}, apperr.Invalidf("the document number is longer than 200 bytes")
	}
	sectors, towns, err := s.refs(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := lockAdjustments(ctx, tx); err != nil {
			return err
		}
		c, err := loadCatalog(ctx, tx, sectors, towns)
		if err != nil {
			return err
		}
		plan, errs := resolveList(li.Rows, c)
		if errs = append(errs, li.Errors...); len(errs) > 0 {
			return RowsError(errs)
		}
		if len(plan.items) == 0 {
			return apperr.Invalidf("the list holds no item")
		}
		if res, err = storePlan(ctx, tx, plan); err != nil || !plan.delegates {
			return err
		}
		held, err := heldPairs(ctx, tx, li.Effective)
		if err != nil {
			return err
		}
		na := plan.diff(held)
		na.Effective, na.Document = li.Effective, li.Document
		res.Delegations = DelegationCounts{Granted: len(pairs(na.Grant)), Revoked: len(pairs(na.Revoke))}
		if len(na.Grant)+len(na.Revoke) == 0 {
			return nil
		}
		adj, err := adjust(ctx, tx, who, na)
		res.Adjustment = &adj.ID
		return err
	})
	if err != nil {
		return ImportResult{}, pgdb.Translate(err, "powers list")
	}
	return res, nil
}

// refs reads the sectors and townships a list may name.
func (s *Store) refs(ctx context.Context) (sectors, towns []Ref, err error) {
	if sectors, err = s.sectors.PowerSectors(ctx); err != nil {
		return nil, nil, err
	}
	list, err := s.townships.Townships(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	for _, t := range list {
		towns = append(towns, Ref{Code: t.Code, Name: t.Name})
	}
	return sectors, towns, nil
}

// loadCatalog reads the stored departments and items into a catalog with the references.
func loadCatalog(ctx context.Context, tx pgx.Tx, sectors, towns []Ref) (catalog, error) {
	rows, err := tx.Query(ctx, `SELECT code, name FROM departments`)
	if err != nil {
		return catalog{}, err
	}
	depts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Department])
	if err != nil {
		return catalog{}, err
	}
	items, err := queryItems(ctx, tx, "")
	if err != nil {
		return catalog{}, err
	}
	return newCatalog(sectors, towns, depts, items), nil
}

// storePlan creates the plan's departments and creates or updates its items.
func storePlan(ctx context.Context, tx pgx.Tx, plan listPlan) (ImportResult, error) {
	var res ImportResult
	for _, d := range plan.departments {
		if _, err := tx.Exec(ctx, `INSERT INTO departments (code, name) VALUES ($1, $2)`, d.Code, d.Name); err != nil {
			return res, fmt.Errorf("department %s: %w", d.Name, err)
		}
		res.Departments.Created++
	}
	for _, it := range plan.items {
		stored, ok := plan.existing[it.Code]
		switch {
		case !ok:
			_, err := tx.Exec(ctx, `INSERT INTO power_items (code, name, sector, department, legal_basis, category)
				VALUES ($1, $2, $3, $4, $5, $6)`, it.Code, it.Name, it.Sector, it.Department, it.LegalBasis, it.Category)
			if err != nil {
				return res, fmt.Errorf("item %s: %w", it.Code, err)
			}
			res.Items.Created++
		case stored.Name != it.Name || stored.Sector != it.Sector || stored.Department != it.Department ||
			stored.LegalBasis != it.LegalBasis || stored.Category != it.Category:
			_, err := tx.Exec(ctx, `UPDATE power_items SET name = $2, sector = $3, department = $4, legal_basis = $5,
				category = $6, updated_at = now() WHERE code = $1`, it.Code, it.Name, it.Sector, it.Department, it.LegalBasis, it.Category)
			if err != nil {
				return res, fmt.Errorf("item %s: %w", it.Code, err)
			}
			res.Items.Updated++
		}
	}
	return res, nil
}

// heldPairs lists every item × township held on day.
func heldPairs(ctx context.Context, tx pgx.Tx, day Date) ([]pair, error) {
	rows, err := tx.Query(ctx, `SELECT item, township FROM power_delegations
		WHERE daterange(valid_from, valid_to) @> $1::date`, day.Time)
	if err != nil {
		return nil, err
	}
	var out []pair
	var p pair
	_, err = pgx.ForEachRow(rows, []any{&p.item, &p.township}, func() error {
		out = append(out, p)
		return nil
	})
	return out, err
}

// levelOrder ranks the discretion levels, least serious first.
var levelOrder = map[Level]int{Minor: 0, Ordinary: 1, Serious: 2}

// MaxBandConditions caps a band's conditions in bytes.
const MaxBandConditions = 4000

// ValidateBands checks an item's discretion bands and sorts them from the least to the
// most serious level: known levels, each at most once; finite fines with 0 ≤ min ≤ max;
// conditions of at most MaxBandConditions bytes. Errors: invalid naming the band.
func ValidateBands(bands []Band) error {
	seen := map[Level]bool{}
	for i, b := range bands {
		if _, ok := levelOrder[b.Level]; !ok {
			return apperr.Invalidf("band %d: level %q is not 轻微, 一般 or 严重", i, b.Level)
		}
		if seen[b.Level] {
			return apperr.Invalidf("band %d: level %s is given twice", i, b.Level)
		}
		seen[b.Level] = true
		if !finite(b.MinYuan) || !finite(b.MaxYuan) || b.MinYuan < 0 || b.MaxYuan < b.MinYuan {
			return apperr.Invalidf("band %d (%s): the fine must run from min_yuan ≥ 0 to max_yuan ≥ min_yuan, not %v to %v",
				i, b.Level, b.MinYuan, b.MaxYuan)
		}
		if len(b.Conditions) > MaxBandConditions {
			return apperr.Invalidf("band %d (%s): the conditions are longer than %d bytes", i, b.Level, MaxBandConditions)
		}
		if strings.ContainsRune(b.Conditions, 0) || !utf8.ValidString(b.Conditions) {
			return apperr.Invalidf("band %d (%s): the conditions hold a NUL character or are not valid UTF-8", i, b.Level)
		}
	}
	slices.SortFunc(bands, func(a, b Band) int { return cmp.Compare(levelOrder[a.Level], levelOrder[b.Level]) })
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// SetBands replaces one item's discretion bands and returns the item. Errors: not_found
// for an unknown item; those of ValidateBands.
func (s *Store) SetBands(ctx context.Context, code string, bands []Band) (Item, error) {
	if bands == nil {
		bands = []Band{}
	}
	if err := ValidateBands(bands); err != nil {
		return Item{}, err
	}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		return storeBands(ctx, tx, map[string][]Band{code: bands})
	})
	if err != nil {
		return Item{}, pgdb.Translate(err, fmt.Sprintf("item %s", code))
	}
	return s.Item(ctx, code)
}

// storeBands sets the bands of each item. Errors: not_found for an unknown item.
func storeBands(ctx context.Context, tx pgx.Tx, byItem map[string][]Band) error {
	for _, code := range slices.Sorted(maps.Keys(byItem)) {
		b, err := json.Marshal(byItem[code])
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE power_items SET bands = $2, updated_at = now() WHERE code = $1`, code, b)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return apperr.NotFoundf("no item %q", code)
		}
	}
	return nil
}
