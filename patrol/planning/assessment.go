package planning

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// UnitPlanned is one unit's plan compliance over a window, for the assessment (监督考核):
// the cells its plans set and of those the ones entered by their planned leave plus
// LateTolerance.
type UnitPlanned struct {
	Unit    string
	Planned int
	OnTime  int
}

// UnitCompliance checks every plan whose shift started in [from, to) and is over (its end
// plus LateTolerance passed) against the officers' fixes, and sums it per unit of level
// "township", "squadron" (the plan's) or "officer" (the route's). Units without a plan
// are left out. Errors: invalid for another level.
func (s *Store) UnitCompliance(ctx context.Context, level string, from, to time.Time) ([]UnitPlanned, error) {
	switch level {
	case "township", "squadron", "officer":
	default:
		return nil, apperr.Invalidf("level %q: must be township, squadron or officer", level)
	}
	rows, err := s.db.Query(ctx, `SELECT id, result FROM plans WHERE shift_start >= $1 AND shift_start < $2 ORDER BY id`, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "plans")
	}
	type stored struct {
		ID     int64
		Result []byte
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[stored])
	if err != nil {
		return nil, pgdb.Translate(err, "plans")
	}
	byUnit := map[string]*UnitPlanned{}
	add := func(unit string, planned, onTime int) {
		u := byUnit[unit]
		if u == nil {
			u = &UnitPlanned{Unit: unit}
			byUnit[unit] = u
		}
		u.Planned += planned
		u.OnTime += onTime
	}
	for _, row := range list {
		var p Plan
		if err := json.Unmarshal(row.Result, &p); err != nil {
			return nil, fmt.Errorf("plan %d: %w", row.ID, err)
		}
		if p.End.Add(LateTolerance).After(s.now()) {
			continue // the shift is not over: a cell not yet reached is not missed
		}
		c, err := s.check(ctx, row.ID, p)
		if err != nil {
			return nil, err
		}
		for _, oc := range c.Officers {
			switch level {
			case "township":
				add(p.Township, oc.Planned, len(oc.OnTime))
			case "squadron":
				add(p.Squadron, oc.Planned, len(oc.OnTime))
			default:
				add(oc.Officer, oc.Planned, len(oc.OnTime))
			}
		}
	}
	out := make([]UnitPlanned, 0, len(byUnit))
	for _, u := range byUnit {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b UnitPlanned) int { return cmp.Compare(a.Unit, b.Unit) })
	return out, nil
}
