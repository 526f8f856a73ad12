package cases

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Decided is a penalty decision as its case's record holds it: for publication (执法公示).
type Decided struct {
	Case       int64
	Township   *string
	Item       *string
	ReportedAt time.Time
	DecidedAt  time.Time
	Detail     Detail // the decide event's facts: amount, level, party
	Hash       string // the decide event's hash
}

// Decisions lists the decisions made at or after since, newest first, leaving out those
// whose case has a revoke event: withdrawn as soon as the revocation is recorded. It is
// not scoped to a caller: the public reads it.
func (s *Store) Decisions(ctx context.Context, since time.Time, limit int) ([]Decided, error) {
	rows, err := s.db.Query(ctx, `
		SELECT c.id, c.township, c.item, c.reported_at, e.at, coalesce(e.detail, ''), e.hash
		FROM case_events e JOIN cases c ON c.township_key = e.township_key AND c.id = e.case_id
		WHERE e.type = 'decide' AND e.at >= $1
		  AND NOT EXISTS (SELECT 1 FROM case_events r WHERE r.township_key = e.township_key AND r.case_id = e.case_id AND r.type = 'revoke')
		ORDER BY e.at DESC, c.id DESC LIMIT $2`, since, limit)
	if err != nil {
		return nil, pgdb.Translate(err, "decisions")
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Decided, error) {
		var d Decided
		var detail string
		var hash []byte
		if err := row.Scan(&d.Case, &d.Township, &d.Item, &d.ReportedAt, &d.DecidedAt, &detail, &hash); err != nil {
			return d, err
		}
		if detail != "" {
			if err := json.Unmarshal([]byte(detail), &d.Detail); err != nil {
				return d, err
			}
		}
		d.Hash = hex.EncodeToString(hash)
		return d, nil
	})
	return list, pgdb.Translate(err, "decisions")
}
