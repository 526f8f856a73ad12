package inspection

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// ItemCount is how many inspections with a result recorded in a window were made under
// an item in a township: an item the draw's plan named, or the one a problem was filed
// under.
type ItemCount struct {
	Township string `json:"township"`
	Item     string `json:"item"`
	N        int    `json:"n"`
}

// CountsByItem counts the inspections whose result was recorded in [from, to), by
// township and item; the regulator's activity per item for the powers usage.
func (s *Store) CountsByItem(ctx context.Context, from, to time.Time) ([]ItemCount, error) {
	rows, err := s.db.Query(ctx, `
		SELECT township, item, count(*)::int FROM (
			SELECT DISTINCT k.id, k.township, i.item
			FROM inspection_tasks k, unnest(array_append(k.items, k.item)) AS i (item)
			WHERE k.recorded_at >= $1 AND k.recorded_at < $2 AND i.item IS NOT NULL) x
		GROUP BY township, item ORDER BY township, item`, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "inspection tasks")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ItemCount])
	return list, pgdb.Translate(err, "inspection tasks")
}
