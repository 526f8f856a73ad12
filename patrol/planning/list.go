package planning

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Summary is a stored plan without its routes, as GET /plans lists it.
type Summary struct {
	Header
	CreatedAt time.Time `json:"created_at"`
	Officers  int       `json:"officers"` // routes in the plan
	Stops     int       `json:"stops"`    // planned cells, all routes together
}

// ListFilter selects stored plans; empty fields select all.
type ListFilter struct {
	Squadron string
	Township string
	Limit    int // at most this many; 0 means 50
}

// List returns stored plans, the latest shift first (then the latest plan). The caller
// applies the token's township scope to the filter.
func (s *Store) List(ctx context.Context, f ListFilter) ([]Summary, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := s.db.Query(ctx, `
		SELECT p.id, p.squadron, p.township, p.shift_start, p.shift_start + make_interval(secs => p.duration_s),
			p.created_by, p.created_at, coalesce(jsonb_array_length(p.result->'routes'), 0),
			count(s.plan_id)::int
		FROM plans p LEFT JOIN plan_stops s ON s.township = p.township AND s.plan_id = p.id
		WHERE ($1 = '' OR p.squadron = $1) AND ($2 = '' OR p.township = $2)
		GROUP BY p.township, p.id
		ORDER BY p.shift_start DESC, p.id DESC LIMIT $3`, f.Squadron, f.Township, f.Limit)
	if err != nil {
		return nil, pgdb.Translate(err, "plans")
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Summary, error) {
		var p Summary
		err := row.Scan(&p.ID, &p.Squadron, &p.Township, &p.Start, &p.End, &p.CreatedBy, &p.CreatedAt, &p.Officers, &p.Stops)
		return p, err
	})
	return list, pgdb.Translate(err, "plans")
}
