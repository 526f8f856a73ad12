package inspection

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// Row is a row of an imported sheet (powers.ReadSheet reads both lists and targets).
type Row = powers.SheetRow

// RowError names a bad row of an import or a bad record of a batch.
type RowError = powers.RowError

// MaxTargets caps the targets of one import or POST.
const MaxTargets = 20_000

// sectorCodes maps a sector's code and Chinese name to its code.
func (s *Store) sectorCodes(ctx context.Context) (map[string]string, error) {
	list, err := s.src.Sectors.Sectors(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, sec := range list {
		out[sec.Code], out[sec.NameZH] = sec.Code, sec.Code
	}
	return out, nil
}

// located is a new target with where it falls.
type located struct {
	TargetRow
	p   orb.Point // WGS-84
	loc grid.Location
}

// CreateTargets stores targets, all or none (readErrs are the rows the reader refused,
// reported with the others): their sectors (codes or Chinese names)
// resolved, their position converted from its datum to WGS-84 and located to cell,
// township and grid area. A scoped token creates targets of its township only.
// Errors (nothing written): too_large over MaxTargets; invalid with every bad row in the
// problem's errors member (unknown sectors, outside every township, a credit code twice
// in the batch or already stored, another township for a scoped token).
func (s *Store) CreateTargets(ctx context.Context, who auth.Identity, rows []TargetRow, readErrs []RowError) ([]Target, error) {
	if len(rows)+len(readErrs) > MaxTargets {
		return nil, apperr.New(apperr.TooLarge, "%d targets: at most %d at once", len(rows), MaxTargets)
	}
	if len(rows)+len(readErrs) == 0 {
		return nil, apperr.Invalidf("no target")
	}
	codes, err := s.sectorCodes(ctx)
	if err != nil {
		return nil, err
	}
	errs := readErrs
	bad := func(row int, reason, format string, args ...any) {
		errs = append(errs, RowError{Row: row, Reason: reason, Message: fmt.Sprintf(format, args...)})
	}
	list := make([]located, 0, len(rows))
	credit := map[string]int{}
	for _, r := range rows {
		nt := r.Target
		for i, sec := range nt.Sectors {
			code, ok := codes[sec]
			if !ok {
				bad(r.Row, "unknown_sector", "unknown sector %q", sec)
			}
			nt.Sectors[i] = code
		}
		slices.Sort(nt.Sectors)
		nt.Sectors = slices.Compact(nt.Sectors)
		if nt.CreditCode != "" {
			if first, ok := credit[nt.CreditCode]; ok {
				bad(r.Row, "duplicate", "credit code %s is also at %d", nt.CreditCode, first)
			}
			credit[nt.CreditCode] = r.Row
		}
		p := geo.ToWGS84(orb.Point{*nt.Lon, *nt.Lat}, nt.Datum)
		loc, err := s.src.Grid.Locate(ctx, p)
		switch {
		case apperr.CodeOf(err) == apperr.NotFound:
			bad(r.Row, "outside", "%.6f, %.6f (%s) is outside every township", *nt.Lat, *nt.Lon, nt.Datum)
			continue
		case err != nil:
			return nil, err
		case who.Scoped() && loc.Township.Code != who.Township:
			bad(r.Row, "forbidden", "the target is in township %s; this token creates targets of %s only", loc.Township.Code, who.Township)
		}
		list = append(list, located{TargetRow: TargetRow{Row: r.Row, Target: nt}, p: p, loc: loc})
	}
	if len(credit) > 0 {
		stored, err := s.storedCredit(ctx, credit)
		if err != nil {
			return nil, err
		}
		for _, code := range stored {
			bad(credit[code], "duplicate", "credit code %s is already a target's", code)
		}
	}
	if len(errs) > 0 {
		return nil, powers.RowsError(errs)
	}
	out := make([]Target, 0, len(list))
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		for _, l := range list {
			nt := l.Target
			cell, err := grid.ParseCell(l.loc.H3)
			if err != nil {
				return err
			}
			var area *string
			if l.loc.Grid != nil {
				area = &l.loc.Grid.Code
			}
			t := Target{Name: nt.Name, CreditCode: nullable(nt.CreditCode), OtherID: nullable(nt.OtherID), Sectors: nt.Sectors,
				Lon: l.p[0], Lat: l.p[1], Datum: nt.Datum, H3: l.loc.H3, Township: l.loc.Township.Code, Grid: area, Risk: nt.Risk,
				CreatedBy: who.Name}
			err = tx.QueryRow(ctx, `
				INSERT INTO inspection_targets (name, credit_code, other_id, sectors, lon, lat, datum, h3, township, grid_area, risk, created_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id, created_at`,
				t.Name, t.CreditCode, t.OtherID, t.Sectors, t.Lon, t.Lat, string(t.Datum), int64(cell), t.Township, t.Grid,
				string(t.Risk), t.CreatedBy).Scan(&t.ID, &t.CreatedAt)
			if err != nil {
				return fmt.Errorf("target at row %d: %w", l.Row, err)
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, pgdb.Translate(err, "inspection target")
	}
	return out, nil
}

// storedCredit returns those of the credit codes that stored targets hold.
func (s *Store) storedCredit(ctx context.Context, credit map[string]int) ([]string, error) {
	var list []string
	for code := range credit {
		list = append(list, code)
	}
	rows, err := s.db.Query(ctx, `SELECT credit_code FROM inspection_targets WHERE credit_code = ANY($1) ORDER BY 1`, list)
	if err != nil {
		return nil, pgdb.Translate(err, "inspection targets")
	}
	stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return stored, pgdb.Translate(err, "inspection targets")
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// TargetFilter selects targets; zero fields select all.
type TargetFilter struct {
	Township string
	Sectors  []string // any of them
	Risks    []Risk
	IDs      []int64
}

const targetColumns = `id, name, credit_code, other_id, sectors, lon, lat, datum, h3, township, grid_area, risk, created_by, created_at`

func scanTarget(row pgx.CollectableRow) (Target, error) {
	var t Target
	var cell int64
	var datum, risk string
	err := row.Scan(&t.ID, &t.Name, &t.CreditCode, &t.OtherID, &t.Sectors, &t.Lon, &t.Lat, &datum, &cell, &t.Township, &t.Grid,
		&risk, &t.CreatedBy, &t.CreatedAt)
	t.Datum, t.Risk, t.H3 = geo.Datum(datum), Risk(risk), grid.CellString(cell)
	return t, err
}

// Targets lists targets by id; a scoped token sees its township's only. Errors:
// forbidden for a scoped token naming another township.
func (s *Store) Targets(ctx context.Context, who auth.Identity, f TargetFilter) ([]Target, error) {
	if who.Scoped() {
		if f.Township != "" && f.Township != who.Township {
			return nil, apperr.Forbiddenf("this token reads township %s only", who.Township)
		}
		f.Township = who.Township
	}
	risks := make([]string, len(f.Risks))
	for i, r := range f.Risks {
		risks[i] = string(r)
	}
	rows, err := s.db.Query(ctx, `SELECT `+targetColumns+` FROM inspection_targets
		WHERE ($1 = '' OR township = $1) AND (cardinality($2::text[]) = 0 OR sectors && $2)
		  AND (cardinality($3::text[]) = 0 OR risk = ANY($3)) AND (cardinality($4::bigint[]) = 0 OR id = ANY($4))
		ORDER BY id`, f.Township, nonNil(f.Sectors), risks, nonNil(f.IDs))
	if err != nil {
		return nil, pgdb.Translate(err, "inspection targets")
	}
	list, err := pgx.CollectRows(rows, scanTarget)
	return list, pgdb.Translate(err, "inspection targets")
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// today is the day in China time.
func (s *Store) today() powers.Date { return powers.DateOf(s.now()) }
