package cases

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

func sortByDistance(list []Suggestion) {
	slices.SortStableFunc(list, func(a, b Suggestion) int {
		switch {
		case a.DistanceM < b.DistanceM:
			return -1
		case a.DistanceM > b.DistanceM:
			return 1
		}
		return 0
	})
}

// SLA is the service level of cases reported in a window, per township and sector:
// medians (and 90th percentiles) of the time from report to assignment, to arrival on site
// and to resolution, over the cases that reached each step.
type SLA struct {
	Township        *string  `json:"township"`
	Sector          string   `json:"sector"`
	Cases           int      `json:"cases"`
	Open            int      `json:"open"`
	AssignMedianS   *float64 `json:"assign_median_s"`
	ArriveMedianS   *float64 `json:"arrive_median_s"`
	ResolveMedianS  *float64 `json:"resolve_median_s"`
	ResolveP90S     *float64 `json:"resolve_p90_s"`
	ReferredPercent float64  `json:"referred_percent"`
}

// SLAs returns the service levels of cases reported in [from, to). Scoped tokens get
// their township's.
func (s *Store) SLAs(ctx context.Context, who auth.Identity, township string, from, to time.Time) ([]SLA, error) {
	township, err := who.TownshipFilter(township)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `
		SELECT township, sector, count(*)::int,
		       count(*) FILTER (WHERE status NOT IN ('resolved', 'referred', 'closed'))::int,
		       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM assigned_at - reported_at)),
		       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM arrived_at - reported_at)),
		       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - reported_at)),
		       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - reported_at)),
		       round(100.0 * count(*) FILTER (WHERE department IS NOT NULL) / count(*), 1)::float8
		FROM cases
		WHERE reported_at >= $2 AND reported_at < $3 AND ($1 = '' OR township_key = $1 AND township = $1)
		GROUP BY township, sector ORDER BY township NULLS LAST, sector`, township, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "SLA")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[SLA])
	return list, pgdb.Translate(err, "SLA")
}

func sortOverdue(list []OverdueStage) {
	slices.SortStableFunc(list, func(a, b OverdueStage) int {
		if a.DaysOverdue != b.DaysOverdue {
			return b.DaysOverdue - a.DaysOverdue
		}
		return cmp.Compare(a.Case, b.Case)
	})
}
