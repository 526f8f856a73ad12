package assessment

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Weights returns the weights in force: the stored ones over the defaults.
func (s *Store) Weights(ctx context.Context) (Weights, error) {
	rows, err := s.db.Query(ctx, `SELECT indicator, weight FROM assessment_weights`)
	if err != nil {
		return nil, pgdb.Translate(err, "assessment weights")
	}
	w := DefaultWeights()
	var key string
	var weight float64
	_, err = pgx.ForEachRow(rows, []any{&key, &weight}, func() error {
		if _, known := w[key]; known {
			w[key] = weight
		}
		return nil
	})
	return w, pgdb.Translate(err, "assessment weights")
}

// Check validates weights for SetWeights: every key an indicator, every weight finite
// and not negative, a positive total. Errors: invalid naming the field.
func (w Weights) Check() error {
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var total float64
	for _, k := range keys {
		if !slices.ContainsFunc(Definitions, func(d Definition) bool { return d.Key == k }) {
			return apperr.Invalidf("weights.%s: no such indicator (known: %s)", k, keyList())
		}
		v := w[k]
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return apperr.Invalidf("weights.%s: %g must be a number not below zero", k, v)
		}
		total += v
	}
	if total <= 0 {
		return apperr.Invalidf("weights: the weights sum to %g; their total must be positive", total)
	}
	return nil
}

func keyList() string {
	var s string
	for i, d := range Definitions {
		if i > 0 {
			s += ", "
		}
		s += d.Key
	}
	return s
}

// SetWeights replaces the weights with w, as a whole: an indicator missing from w weighs
// nothing. Errors: invalid (Check).
func (s *Store) SetWeights(ctx context.Context, by string, w Weights) (Weights, error) {
	if err := w.Check(); err != nil {
		return nil, err
	}
	full := Weights{}
	for _, d := range Definitions {
		full[d.Key] = w[d.Key]
	}
	keys := make([]string, 0, len(full))
	vals := make([]float64, 0, len(full))
	for _, d := range Definitions {
		keys, vals = append(keys, d.Key), append(vals, full[d.Key])
	}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM assessment_weights`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO assessment_weights (indicator, weight, updated_by)
			SELECT k, v, $3 FROM unnest($1::text[], $2::float8[]) AS t (k, v)`, keys, vals, by)
		return err
	})
	if err != nil {
		return nil, pgdb.Translate(fmt.Errorf("set assessment weights: %w", err), "assessment weights")
	}
	return full, nil
}
