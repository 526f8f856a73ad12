package powers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// MaxChanges caps the item × township pairs of one adjustment (a city's full list is
// about 800 items × 17 townships).
const MaxChanges = 50_000

// NewAdjustment is an adjustment to record: what a document decided, from a date.
type NewAdjustment struct {
	Effective Date
	Document  string
	Grant     []Change
	Revoke    []Change
}

// pair is one item in one township.
type pair struct{ item, township string }

// pairs flattens changes into sorted, distinct pairs.
func pairs(changes []Change) []pair {
	var out []pair
	for _, c := range changes {
		for _, t := range c.Townships {
			out = append(out, pair{c.Item, t})
		}
	}
	slices.SortFunc(out, comparePairs)
	return slices.Compact(out)
}

// changes groups sorted pairs back into one Change per item.
func changes(ps []pair) []Change {
	out := []Change{}
	for _, p := range ps {
		if n := len(out); n > 0 && out[n-1].Item == p.item {
			out[n-1].Townships = append(out[n-1].Townships, p.township)
			continue
		}
		out = append(out, Change{Item: p.item, Townships: []string{p.township}})
	}
	return out
}

// validate checks an adjustment's form. Errors: invalid.
func (na NewAdjustment) validate() error {
	switch {
	case na.Effective.IsZero():
		return apperr.Invalidf("an adjustment needs its effective date")
	case len(na.Document) > 200:
		return apperr.Invalidf("the document number is longer than 200 bytes")
	}
	grant, revoke := pairs(na.Grant), pairs(na.Revoke)
	if len(grant)+len(revoke) == 0 {
		return apperr.Invalidf("an adjustment needs an item to grant or revoke")
	}
	if len(grant)+len(revoke) > MaxChanges {
		return apperr.New(apperr.TooLarge, "an adjustment changes at most %d item × township pairs", MaxChanges)
	}
	for _, c := range slices.Concat(na.Grant, na.Revoke) {
		if c.Item == "" || len(c.Townships) == 0 {
			return apperr.Invalidf("each change names an item and at least one township")
		}
	}
	for _, p := range grant {
		if _, both := slices.BinarySearchFunc(revoke, p, comparePairs); both {
			return apperr.Invalidf("item %s is both granted to and revoked from township %s", p.item, p.township)
		}
	}
	return nil
}

func comparePairs(a, b pair) int {
	return cmp.Or(strings.Compare(a.item, b.item), strings.Compare(a.township, b.township))
}

// Adjust records an adjustment and applies it to the delegations, in one transaction:
// a grant starts a delegation on the effective date, open-ended; a revocation ends the
// delegation holding that day at the effective date. who is the name recorded with it.
// Errors (nothing written): invalid for an unknown item or township, a revocation of an
// item the township does not hold that day, an item both granted and revoked;
// conflict for a grant overlapping a delegation of the same item and township.
func (s *Store) Adjust(ctx context.Context, who string, na NewAdjustment) (Adjustment, error) {
	if err := na.validate(); err != nil {
		return Adjustment{}, err
	}
	if err := s.checkTownships(ctx, slices.Concat(na.Grant, na.Revoke)); err != nil {
		return Adjustment{}, err
	}
	var adj Adjustment
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) (err error) {
		adj, err = adjust(ctx, tx, who, na)
		return err
	})
	return adj, pgdb.Translate(err, "adjustment")
}

// checkTownships makes sure every township of the changes exists. Errors: invalid.
func (s *Store) checkTownships(ctx context.Context, cs []Change) error {
	list, err := s.townships.Townships(ctx, "")
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, t := range list {
		known[t.Code] = true
	}
	for _, c := range cs {
		for _, t := range c.Townships {
			if !known[t] {
				return apperr.Invalidf("unknown township %q (item %s)", t, c.Item)
			}
		}
	}
	return nil
}

// lockAdjustments serialises adjustments: each reads the state it changes.
func lockAdjustments(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('gridwatch.powers.adjust'))`)
	return err
}

// adjust is Adjust inside the caller's transaction; the townships are known to exist.
func adjust(ctx context.Context, tx pgx.Tx, who string, na NewAdjustment) (Adjustment, error) {
	if err := lockAdjustments(ctx, tx); err != nil {
		return Adjustment{}, err
	}
	grant, revoke := pairs(na.Grant), pairs(na.Revoke)
	if err := checkItems(ctx, tx, slices.Concat(grant, revoke)); err != nil {
		return Adjustment{}, err
	}
	adj := Adjustment{Effective: na.Effective, Document: na.Document, RecordedBy: who,
		Grant: changes(grant), Revoke: changes(revoke)}
	err := tx.QueryRow(ctx, `INSERT INTO power_adjustments (effective, document, recorded_by) VALUES ($1, $2, $3)
		RETURNING id, recorded_at`, na.Effective.Time, na.Document, who).Scan(&adj.ID, &adj.RecordedAt)
	if err != nil {
		return Adjustment{}, err
	}
	for _, p := range revoke {
		if err := revokeOne(ctx, tx, adj.ID, na.Effective, p); err != nil {
			return Adjustment{}, err
		}
	}
	for _, p := range grant {
		if err := grantOne(ctx, tx, adj.ID, na.Effective, p); err != nil {
			return Adjustment{}, err
		}
	}
	if err := recordChanges(ctx, tx, adj.ID, grant, revoke); err != nil {
		return Adjustment{}, err
	}
	adj.RecordedAt = adj.RecordedAt.UTC()
	return adj, nil
}

// checkItems makes sure every item of the pairs exists. Errors: invalid naming the first
// unknown one.
func checkItems(ctx context.Context, tx pgx.Tx, ps []pair) error {
	codes := make([]string, 0, len(ps))
	for _, p := range ps {
		codes = append(codes, p.item)
	}
	var missing []string
	err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(c ORDER BY c), '{}') FROM unnest($1::text[]) c
		WHERE NOT EXISTS (SELECT 1 FROM power_items WHERE code = c)`, slices.Compact(codes)).Scan(&missing)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return apperr.Invalidf("unknown item %q (see /api/v1/powers/items)", missing[0])
	}
	return nil
}

// grantOne starts the pair's delegation on day. Errors: conflict when one of the same
// item and township is valid on that day or later.
func grantOne(ctx context.Context, tx pgx.Tx, adj int64, day Date, p pair) error {
	var from time.Time
	var to *time.Time
	err := tx.QueryRow(ctx, `SELECT valid_from, valid_to FROM power_delegations
		WHERE item = $1 AND township = $2 AND daterange(valid_from, valid_to) && daterange($3::date, NULL)
		ORDER BY valid_from LIMIT 1`, p.item, p.township, day.Time).Scan(&from, &to)
	if err == nil {
		return apperr.Conflictf("item %s is already held by township %s %s: a grant from %s would overlap",
			p.item, p.township, validity(Date{Time: from}, datePtr(to)), day)
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO power_delegations (item, township, valid_from, granted_by) VALUES ($1, $2, $3, $4)`,
		p.item, p.township, day.Time, adj)
	return err
}

// validity writes a delegation's days for a message.
func validity(from Date, to *Date) string {
	if to == nil {
		return fmt.Sprintf("from %s on", from)
	}
	return fmt.Sprintf("from %s to %s", from, to)
}

// revokeOne ends the pair's delegation holding day at day; one that starts that day
// never took effect and is removed. Errors: invalid when the township does not hold the
// item that day.
func revokeOne(ctx context.Context, tx pgx.Tx, adj int64, day Date, p pair) error {
	tag, err := tx.Exec(ctx, `DELETE FROM power_delegations WHERE item = $1 AND township = $2 AND valid_from = $3`,
		p.item, p.township, day.Time)
	if err != nil || tag.RowsAffected() == 1 {
		return err
	}
	tag, err = tx.Exec(ctx, `UPDATE power_delegations SET valid_to = $3, revoked_by = $4
		WHERE item = $1 AND township = $2 AND daterange(valid_from, valid_to) @> $3::date`, p.item, p.township, day.Time, adj)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return apperr.Invalidf("item %s is not held by township %s on %s: nothing to revoke", p.item, p.township, day)
	}
	return nil
}

// recordChanges appends the adjustment's changes.
func recordChanges(ctx context.Context, tx pgx.Tx, adj int64, grant, revoke []pair) error {
	rows := make([][]any, 0, len(grant)+len(revoke))
	for _, p := range grant {
		rows = append(rows, []any{adj, string(Grant), p.item, p.township})
	}
	for _, p := range revoke {
		rows = append(rows, []any{adj, string(Revoke), p.item, p.township})
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"power_changes"}, []string{"adjustment", "action", "item", "township"},
		pgx.CopyFromRows(rows))
	return err
}

// Adjustments lists the adjustments, the latest effective first, with their changes;
// those changing one township's items, and only their changes there, when township is
// not "". Errors: invalid for an unknown township.
func (s *Store) Adjustments(ctx context.Context, township string) ([]Adjustment, error) {
	if err := s.checkTownship(ctx, township); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `
		SELECT a.id, a.effective, a.document, a.recorded_by, a.recorded_at, c.action, c.item, c.township
		FROM power_adjustments a JOIN power_changes c ON c.adjustment = a.id
		WHERE $1 = '' OR c.township = $1
		ORDER BY a.effective DESC, a.id DESC, c.action, c.item, c.township`, township)
	if err != nil {
		return nil, pgdb.Translate(err, "adjustments")
	}
	list := []Adjustment{}
	var grant, revoke []pair
	flush := func() {
		if n := len(list); n > 0 {
			list[n-1].Grant, list[n-1].Revoke = changes(grant), changes(revoke)
		}
		grant, revoke = nil, nil
	}
	var a Adjustment
	var effective time.Time
	var action Action
	var p pair
	_, err = pgx.ForEachRow(rows, []any{&a.ID, &effective, &a.Document, &a.RecordedBy, &a.RecordedAt, &action, &p.item, &p.township},
		func() error {
			if n := len(list); n == 0 || list[n-1].ID != a.ID {
				flush()
				a.Effective, a.RecordedAt = Date{Time: effective}, a.RecordedAt.UTC()
				list = append(list, a)
			}
			if action == Grant {
				grant = append(grant, p)
			} else {
				revoke = append(revoke, p)
			}
			return nil
		})
	flush()
	return list, pgdb.Translate(err, "adjustments")
}
