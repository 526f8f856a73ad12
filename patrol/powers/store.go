package powers

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Ref is an entry of a reference list owned by another package — a sector, a township —
// with the Chinese name a published list may use instead of its code.
type Ref struct {
	Code string
	Name string
}

// lookup maps codes and names to codes.
type lookup map[string]string

func newLookup(refs []Ref) lookup {
	l := lookup{}
	for _, r := range refs {
		l[r.Name] = r.Code
	}
	for _, r := range refs { // a code wins over another entry's name
		l[r.Code] = r.Code
	}
	return l
}

// Sectors lists the sectors items belong to (package cases owns them; the server wires an
// adapter of its Store).
type Sectors interface {
	PowerSectors(ctx context.Context) ([]Ref, error)
}

// Townships lists the townships items are delegated to (package grid's Store).
type Townships interface {
	Townships(ctx context.Context, township string) ([]grid.TownshipSummary, error)
}

// Store keeps the powers catalog — departments, items, adjustments and the delegations
// they add up to — in PostgreSQL.
type Store struct {
	db        *pgxpool.Pool
	sectors   Sectors
	townships Townships
	now       func() time.Time
}

// NewStore returns a Store reading sectors and townships from their owners.
func NewStore(db *pgxpool.Pool, sectors Sectors, townships Townships) *Store {
	return &Store{db: db, sectors: sectors, townships: townships, now: time.Now}
}

// Today is the current day in China time.
func (s *Store) Today() Date { return DateOf(s.now()) }

// Departments lists the departments by code.
func (s *Store) Departments(ctx context.Context) ([]Department, error) {
	rows, err := s.db.Query(ctx, `SELECT code, name FROM departments ORDER BY code`)
	if err != nil {
		return nil, pgdb.Translate(err, "departments")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Department])
	return list, pgdb.Translate(err, "departments")
}

// itemColumns is the select list scanItem reads.
const itemColumns = `code, name, sector, department, legal_basis, category, bands`

func scanItem(row pgx.CollectableRow) (Item, error) {
	var it Item
	err := row.Scan(&it.Code, &it.Name, &it.Sector, &it.Department, &it.LegalBasis, &it.Category, &it.Bands)
	if it.Bands == nil {
		it.Bands = []Band{}
	}
	return it, err
}

// Items lists the items by code, those of one sector (its code or Chinese name) when
// sector is not "". Errors: invalid for an unknown sector.
func (s *Store) Items(ctx context.Context, sector string) ([]Item, error) {
	if sector != "" {
		code, err := s.sectorCode(ctx, sector)
		if err != nil {
			return nil, err
		}
		sector = code
	}
	return queryItems(ctx, s.db, `WHERE $1 = '' OR sector = $1`, sector)
}

// Item returns one item by code. Errors: not_found.
func (s *Store) Item(ctx context.Context, code string) (Item, error) {
	list, err := queryItems(ctx, s.db, `WHERE code = $1`, code)
	if err != nil {
		return Item{}, err
	}
	if len(list) == 0 {
		return Item{}, apperr.NotFoundf("no item %q", code)
	}
	return list[0], nil
}

type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func queryItems(ctx context.Context, q queryer, where string, args ...any) ([]Item, error) {
	rows, err := q.Query(ctx, `SELECT `+itemColumns+` FROM power_items `+where+` ORDER BY code`, args...)
	if err != nil {
		return nil, pgdb.Translate(err, "items")
	}
	list, err := pgx.CollectRows(rows, scanItem)
	return list, pgdb.Translate(err, "items")
}

// sectorCode resolves a sector's code or Chinese name to its code. Errors: invalid.
func (s *Store) sectorCode(ctx context.Context, sector string) (string, error) {
	refs, err := s.sectors.PowerSectors(ctx)
	if err != nil {
		return "", err
	}
	if code, ok := newLookup(refs)[sector]; ok {
		return code, nil
	}
	return "", apperr.Invalidf("unknown sector %q (see /api/v1/sectors)", sector)
}

// checkTownship checks that code, unless "", names a township. Errors: invalid.
func (s *Store) checkTownship(ctx context.Context, code string) error {
	if code == "" {
		return nil
	}
	list, err := s.townships.Townships(ctx, code)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return apperr.Invalidf("unknown township %q", code)
	}
	return nil
}

// Holding is an item held by a township: the delegation with the item's name, sector and
// category.
type Holding struct {
	Delegation
	Name      string   `json:"name"`
	Sector    string   `json:"sector"`
	Category  Category `json:"category"`
	GrantedBy int64    `json:"granted_by"` // the adjustment that granted it
}

// Held lists the items held on day, by township and item; those of one township when
// township is not "". Errors: invalid for an unknown township.
func (s *Store) Held(ctx context.Context, township string, day Date) ([]Holding, error) {
	if err := s.checkTownship(ctx, township); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `
		SELECT d.item, d.township, d.valid_from, d.valid_to, i.name, i.sector, i.category, d.granted_by
		FROM power_delegations d JOIN power_items i ON i.code = d.item
		WHERE ($1 = '' OR d.township = $1) AND daterange(d.valid_from, d.valid_to) @> $2::date
		ORDER BY d.township, d.item`, township, day.Time)
	if err != nil {
		return nil, pgdb.Translate(err, "delegations")
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Holding, error) {
		var h Holding
		var from time.Time
		var to *time.Time
		err := row.Scan(&h.Item, &h.Township, &from, &to, &h.Name, &h.Sector, &h.Category, &h.GrantedBy)
		h.ValidFrom, h.ValidTo = Date{Time: from}, datePtr(to)
		return h, err
	})
	return list, pgdb.Translate(err, "delegations")
}

func datePtr(t *time.Time) *Date {
	if t == nil {
		return nil
	}
	return &Date{Time: *t}
}

// Holder says whether township holds item on day and names the item's department, which
// holds it where no township does (the department is returned either way). Errors:
// not_found for an unknown item.
func (s *Store) Holder(ctx context.Context, item, township string, day Date) (held bool, department string, err error) {
	err = s.db.QueryRow(ctx, `
		SELECT i.department, EXISTS (SELECT 1 FROM power_delegations d
			WHERE d.item = i.code AND d.township = $2 AND daterange(d.valid_from, d.valid_to) @> $3::date)
		FROM power_items i WHERE i.code = $1`, item, township, day.Time).Scan(&department, &held)
	if err != nil {
		return false, "", pgdb.Translate(err, fmt.Sprintf("item %s", item))
	}
	return held, department, nil
}

// Delegations lists the delegations valid on some day of [from, to), by township, item
// and start; those of one township when township is not "". Usage figures count the
// days of each within the window.
func (s *Store) Delegations(ctx context.Context, township string, from, to Date) ([]Delegation, error) {
	rows, err := s.db.Query(ctx, `
		SELECT item, township, valid_from, valid_to FROM power_delegations
		WHERE ($1 = '' OR township = $1) AND daterange(valid_from, valid_to) && daterange($2::date, $3::date)
		ORDER BY township, item, valid_from`, township, from.Time, to.Time)
	if err != nil {
		return nil, pgdb.Translate(err, "delegations")
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Delegation, error) {
		var d Delegation
		var start time.Time
		var end *time.Time
		err := row.Scan(&d.Item, &d.Township, &start, &end)
		d.ValidFrom, d.ValidTo = Date{Time: start}, datePtr(end)
		return d, err
	})
	return list, pgdb.Translate(err, "delegations")
}
