package evidence

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// OfficerChecks are the position checks of the evidence one officer uploaded in a window,
// for the assessment (监督考核): the records with a capture position checked against the
// officer's track, and of those the ones within reach of it.
type OfficerChecks struct {
	Officer string
	Checked int // position_check set: ok, far or no_track
	OK      int
}

// PositionChecks counts, for each officer, the case and inspection-task evidence uploaded
// in [from, to) as theirs whose capture position was checked, and those checked ok. A
// record without a capture position, or uploaded by no officer (a citizen's), is left out.
func (s *Store) PositionChecks(ctx context.Context, from, to time.Time) ([]OfficerChecks, error) {
	rows, err := s.db.Query(ctx, `
		SELECT officer, count(*)::int, count(*) FILTER (WHERE position_check = 'ok')::int
		FROM (SELECT officer, position_check FROM evidence WHERE uploaded_at >= $1 AND uploaded_at < $2
		      UNION ALL
		      SELECT officer, position_check FROM task_evidence WHERE uploaded_at >= $1 AND uploaded_at < $2) AS e
		WHERE officer IS NOT NULL AND position_check IS NOT NULL
		GROUP BY officer ORDER BY officer`, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "evidence position checks")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[OfficerChecks])
	return list, pgdb.Translate(err, "evidence position checks")
}
