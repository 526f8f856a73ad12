package inspection

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// TownshipSummary is one township's inspections and case-file reviews of the draws drawn
// in a window, for the assessment (监督考核).
type TownshipSummary struct {
	Township        string   `json:"township"`
	Inspections     int      `json:"inspections"`      // tasks drawn
	Recorded        int      `json:"recorded"`         // with a result
	ProblemsFound   int      `json:"problems_found"`   // of them, a case filed
	InspectionsLate int      `json:"inspections_late"` // no result, past the publication day
	Files           int      `json:"files"`            // case files drawn for review
	Scored          int      `json:"scored"`           // of them, scored
	MeanScore       *float64 `json:"mean_score"`       // of the scored ones, out of 100
	FixupsOpen      int      `json:"fixups_open"`      // fix-ups not closed
	FixupsOverdue   int      `json:"fixups_overdue"`   // of them, past their due day
	FixupsClosed    int      `json:"fixups_closed"`    // closed
}

// Summary sums, per township, the inspections and reviews of the draws drawn in
// [from, to); a scoped token gets its township's only.
func (s *Store) Summary(ctx context.Context, who auth.Identity, from, to time.Time) ([]TownshipSummary, error) {
	today := s.today().Time
	rows, err := s.db.Query(ctx, `
		WITH t AS (
			SELECT k.township, count(*)::int AS n, count(k.outcome)::int AS recorded,
			       count(*) FILTER (WHERE k.outcome = 'problem_found')::int AS problems,
			       count(*) FILTER (WHERE k.outcome IS NULL AND k.publish_by < $3)::int AS late
			FROM inspection_tasks k JOIN draws d ON d.id = k.draw
			WHERE d.drawn_at >= $1 AND d.drawn_at < $2 GROUP BY k.township),
		r AS (
			SELECT r.township, count(*)::int AS files, count(r.score)::int AS scored, avg(r.score)::float8 AS mean,
			       count(f.id) FILTER (WHERE f.closed_at IS NULL)::int AS open,
			       count(f.id) FILTER (WHERE f.closed_at IS NULL AND f.due < $3)::int AS overdue,
			       count(f.closed_at)::int AS closed
			FROM case_reviews r JOIN draws d ON d.id = r.draw LEFT JOIN review_fixups f ON f.review = r.id
			WHERE d.drawn_at >= $1 AND d.drawn_at < $2 GROUP BY r.township)
		SELECT township, coalesce(t.n, 0), coalesce(t.recorded, 0), coalesce(t.problems, 0), coalesce(t.late, 0),
		       coalesce(r.files, 0), coalesce(r.scored, 0), r.mean, coalesce(r.open, 0), coalesce(r.overdue, 0),
		       coalesce(r.closed, 0)
		FROM t FULL JOIN r USING (township)
		WHERE $4 = '' OR township = $4
		ORDER BY township`, from, to, today, who.Township)
	if err != nil {
		return nil, pgdb.Translate(err, "inspection summary")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[TownshipSummary])
	return list, pgdb.Translate(err, "inspection summary")
}
