package cases

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// SystemActor is the actor of the events intake writes by rule, not by a token's
// decision: the routing of a case whose township does not hold its item.
const SystemActor = "system"

// citeItem checks the item a new case cites and gives the case the item's sector.
// Errors: invalid (unknown item, a sector other than the item's, no catalog).
func (s *Store) citeItem(ctx context.Context, nc *NewCase) error {
	if nc.Item == "" {
		return nil
	}
	if s.powers == nil {
		return apperr.Invalidf("this server keeps no powers catalog: a case cannot cite item %q", nc.Item)
	}
	it, err := s.powers.Item(ctx, nc.Item)
	if apperr.CodeOf(err) == apperr.NotFound {
		return apperr.Invalidf("unknown item %q (see /api/v1/powers/items)", nc.Item)
	}
	if err != nil {
		return err
	}
	switch nc.Sector {
	case "":
		nc.Sector = it.Sector
	case it.Sector:
	default:
		return apperr.Invalidf("item %s is of sector %s, not %s: give the item alone, or the item's sector", it.Code, it.Sector, nc.Sector)
	}
	return nil
}

// routing is what intake decided about a case's item: nothing (no item), held, or routed
// to the holding department.
type routing struct {
	cited      string // the item, "" when none
	isHeld     bool
	department string // the holder, when not held
	note       string // the rule, for the refer event
}

// jurisdiction decides whether the case's township holds its item on the report day
// (China time); a case in no township is routed too, as no township holds anything
// there.
func (s *Store) jurisdiction(ctx context.Context, nc NewCase, township *string) (routing, error) {
	if nc.Item == "" {
		return routing{}, nil
	}
	day := powers.DateOf(nc.ReportedAt)
	town := ""
	if township != nil {
		town = *township
	}
	held, dept, err := s.powers.Holder(ctx, nc.Item, town, day)
	if err != nil {
		return routing{}, fmt.Errorf("holder of item %s: %w", nc.Item, err)
	}
	r := routing{cited: nc.Item, isHeld: held, department: dept}
	if !held {
		where := "the case is in no township"
		if township != nil {
			where = fmt.Sprintf("township %s does not hold item %s on %s", town, nc.Item, day)
		}
		r.note = fmt.Sprintf("routed at intake to %s, the department of item %s: %s", dept, nc.Item, where)
	}
	return r, nil
}

func (r routing) item() *string {
	if r.cited == "" {
		return nil
	}
	return &r.cited
}

func (r routing) held() *bool {
	if r.cited == "" {
		return nil
	}
	return &r.isHeld
}

// route writes, in the intake transaction of case c, the refer event of a case that r
// routed to the holding department, and the case's status and department after it.
func (s *Store) route(ctx context.Context, tx pgx.Tx, r routing, c Case) error {
	if r.cited == "" || r.isHeld {
		return nil
	}
	dept := r.department
	if err := s.appendEvent(ctx, tx, c, Event{CaseID: c.ID, Type: EventRefer, Status: StatusReferred, Actor: SystemActor,
		ActorRole: SystemActor, Department: &dept, Note: r.note, At: c.ReportedAt}); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE cases SET status = $2, department = $3, updated_at = now() WHERE township_key = $4 AND id = $1`,
		c.ID, StatusReferred, dept, c.TownshipKey())
	return err
}
