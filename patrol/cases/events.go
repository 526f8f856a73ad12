package cases

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// milestone names the column of cases that an event's first occurrence sets.
var milestone = map[EventType]string{
	EventAssign:  "assigned_at",
	EventAccept:  "accepted_at",
	EventArrive:  "arrived_at",
	EventResolve: "resolved_at",
	EventClose:   "closed_at",
}

// officerSteps are the events an assigned officer may append to their case.
var officerSteps = []EventType{EventAccept, EventArrive, EventResolve, EventRefer, EventInvestigate, EventDeliver, EventEvidence}

// mayAct checks who may append an event of type t to case c: admins anywhere, supervisors
// in their township, the assigned officer for the steps of their own work; a review only
// legal tokens (of the case's township when scoped), and they nothing else.
func mayAct(who auth.Identity, c Case, t EventType) error {
	if who.Role == auth.Legal || t == EventReview {
		if who.Role != auth.Legal {
			return apperr.Forbiddenf("a review (法制审核) is for legal tokens, whose holders have the legal professional qualification")
		}
		if t != EventReview {
			return apperr.Forbiddenf("a legal token may only review cases, not %s them", t)
		}
		if who.Scoped() && (c.Township == nil || *c.Township != who.Township) {
			return apperr.Forbiddenf("case %d is not of township %s", c.ID, who.Township)
		}
		return nil
	}
	switch who.Role {
	case auth.Admin, auth.Supervisor:
		if who.Scoped() && (c.Township == nil || *c.Township != who.Township) {
			return apperr.Forbiddenf("case %d is not of township %s", c.ID, who.Township)
		}
		return nil
	case auth.Officer:
		if !slices.Contains(officerSteps, t) {
			return apperr.Forbiddenf("an officer may not %s cases", t)
		}
		if c.Officer == nil || *c.Officer != who.Officer {
			return apperr.Forbiddenf("case %d is not assigned to officer %s", c.ID, who.Officer)
		}
		return nil
	}
	return apperr.Forbiddenf("role %s may not change cases", who.Role)
}

// AppendEvent moves a case along its lifecycle and records the step in its history, in
// one transaction under the case's row lock. Events on site carry the officer's latest
// position. Errors: not_found; forbidden; invalid (unknown event type, a missing or
// foreign officer, a refer without department, an answer to a referral naming another
// department or a return without its reasons); conflict (the event is not allowed in
// the case's status: the message names the allowed ones; a referral answered already).
func (s *Store) AppendEvent(ctx context.Context, who auth.Identity, id int64, ne NewEvent) (Case, Event, error) {
	key, err := s.keyOf(ctx, id)
	if err != nil {
		return Case{}, Event{}, err
	}
	var c Case
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) (err error) {
		c, err = s.appendInTx(ctx, tx, who, key, id, ne)
		return err
	})
	if err != nil {
		return Case{}, Event{}, pgdb.Translate(err, fmt.Sprintf("case %d", id))
	}
	s.changed(c)
	events, err := s.events(ctx, c)
	if err != nil {
		return Case{}, Event{}, err
	}
	return c, events[len(events)-1], nil
}

// appendInTx is AppendEvent inside the caller's transaction, on the case kept under
// township key.
func (s *Store) appendInTx(ctx context.Context, tx pgx.Tx, who auth.Identity, key string, id int64, ne NewEvent) (Case, error) {
	if _, ok := ParseEventType(string(ne.Type)); !ok {
		return Case{}, apperr.Invalidf("unknown event type %q (%s)", ne.Type, eventNames(eventOrder))
	}
	detail, err := checkProcedure(ne.Type, &ne.Procedure, ne.Note)
	if err != nil {
		return Case{}, err
	}
	if len(ne.Note) > 2000 {
		return Case{}, apperr.Invalidf("the note is longer than 2,000 bytes")
	}
	c, err := lockCase(ctx, tx, key, id)
	if err != nil {
		return Case{}, err
	}
	if err := mayAct(who, c, ne.Type); err != nil {
		return Case{}, err
	}
	next, ok := Next(c.Status, ne.Type)
	if !ok {
		return Case{}, apperr.Conflictf("case %d is %s: %s is not allowed (allowed: %s)", id, c.Status, ne.Type, allowedList(c.Status))
	}
	if next, err = s.checkStage(ctx, tx, who, c, ne, next, &detail); err != nil {
		return Case{}, err
	}
	e := Event{CaseID: id, Type: ne.Type, Status: next, Actor: who.Name, ActorRole: string(who.Role), Note: ne.Note, At: ne.At,
		Detail: detail.raw(), TownshipKey: c.TownshipKey()}
	received := s.now()
	if e.At.IsZero() {
		e.At = received
	}
	if e.At.Before(c.ReportedAt) {
		return Case{}, apperr.Invalidf("the event's time is before the case was reported")
	}
	if err := s.noteReceipt(ctx, tx, &e, received); err != nil {
		return Case{}, err
	}
	if err := s.fillEvent(ctx, tx, who, c, &e, ne); err != nil {
		return Case{}, err
	}
	if err := s.appendEvent(ctx, tx, c, e); err != nil {
		return Case{}, err
	}
	// A case back in the queue (a referral returned) is referred to nobody; the history
	// keeps the department that returned it.
	set := `status = $2, updated_at = now(), officer = coalesce($3, officer),
		department = CASE WHEN $2 = 'reported' THEN NULL ELSE coalesce($4, department) END`
	args := []any{id, next, e.Officer, e.Department, c.TownshipKey()}
	if col, ok := milestone[ne.Type]; ok {
		set += fmt.Sprintf(", %s = coalesce(%s, $6)", col, col)
		args = append(args, e.At)
	}
	if _, err := tx.Exec(ctx, `UPDATE cases SET `+set+` WHERE township_key = $5 AND id = $1`, args...); err != nil {
		return Case{}, err
	}
	return getCaseAt(ctx, tx, c.TownshipKey(), id)
}

// fillEvent completes an event by type: the officer of an assignment (of the case's
// squadron, or township when the case has no squadron), the department of a referral,
// and the officer and their latest position for the steps of the assigned officer.
func (s *Store) fillEvent(ctx context.Context, tx pgx.Tx, who auth.Identity, c Case, e *Event, ne NewEvent) error {
	switch ne.Type {
	case EventAssign:
		if ne.Officer == "" {
			return apperr.Invalidf("assign needs an officer")
		}
		o, err := s.officers.Get(ctx, ne.Officer)
		if apperr.CodeOf(err) == apperr.NotFound {
			return apperr.Invalidf("unknown officer %q", ne.Officer)
		}
		if err != nil {
			return err
		}
		if c.Township == nil || o.Township != *c.Township {
			return apperr.Invalidf("officer %s is not of the case's township", ne.Officer)
		}
		officer := ne.Officer
		e.Officer = &officer
	case EventRefer:
		if ne.Department == "" || len(ne.Department) > 200 {
			return apperr.Invalidf("refer needs the department (1 to 200 bytes) the case goes to")
		}
		dept := ne.Department
		e.Department = &dept
	case EventTakeUp, EventReturn:
		// A referred case always names its department; the answer is that one's.
		if ne.Department != "" && (c.Department == nil || ne.Department != *c.Department) {
			return apperr.Fieldf("department", "case %d was referred to %s: only that department answers it, not %q", c.ID,
				deref(c.Department), ne.Department)
		}
		e.Department = c.Department
	case EventInvestigate:
		// The investigator, for the rule that keeps them from reviewing (查审分离).
		if who.Officer != "" {
			o := who.Officer
			e.Officer = &o
		}
	case EventAccept, EventArrive, EventResolve:
		e.Officer = c.Officer
		if ne.Type == EventArrive && c.Officer != nil {
			p, err := s.positions.LatestOf(ctx, *c.Officer)
			if err == nil {
				e.Lat, e.Lon = &p.Lat, &p.Lon
			} else if apperr.CodeOf(err) != apperr.NotFound {
				return err
			}
		}
	}
	return nil
}

// Suggestion is an officer proposed for a case, nearest first.
type Suggestion struct {
	Officer   string    `json:"officer"`
	Name      string    `json:"name"`
	DistanceM float64   `json:"distance_m"`
	ETAS      float64   `json:"eta_s"`
	LastFix   time.Time `json:"last_fix"`
	OpenCases int       `json:"open_cases"`
}

// Dispatch settings: who counts as on duty, and how travel time is estimated.
const (
	OnDutyWithin   = 15 * time.Minute // a fix this recent means on duty
	detourFactor   = 1.3              // streets are longer than the straight line
	travelSpeedMS  = 4.0              // between walking and e-bike, m/s
	maxSuggestions = 10
)

// Suggest proposes the on-duty officers of the case's squadron (of its township when it
// has no squadron), nearest first by their latest position, with distance, estimated
// time of arrival and how many open cases each already has. Errors: not_found, forbidden.
func (s *Store) Suggest(ctx context.Context, who auth.Identity, id int64) ([]Suggestion, error) {
	c, err := s.Get(ctx, who, id)
	if err != nil {
		return nil, err
	}
	if c.Township == nil {
		return []Suggestion{}, nil
	}
	f := officer.Filter{Township: *c.Township}
	if c.Squadron != nil {
		f = officer.Filter{Squadron: *c.Squadron}
	}
	officers, err := s.officers.List(ctx, f)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(officers))
	names := make(map[string]string, len(officers))
	for i, o := range officers {
		ids[i], names[o.ID] = o.ID, o.Name
	}
	near, err := s.positions.Nearest(ctx, ids, orb.Point{c.Lon, c.Lat}, s.now().Add(-OnDutyWithin), maxSuggestions)
	if err != nil {
		return nil, err
	}
	nearIDs := make([]string, len(near))
	for i, n := range near {
		nearIDs[i] = n.Officer
	}
	open, err := s.openCases(ctx, nearIDs)
	if err != nil {
		return nil, err
	}
	list := make([]Suggestion, len(near))
	for i, n := range near {
		d := float64(int64(n.DistanceM + 0.5))
		list[i] = Suggestion{Officer: n.Officer, Name: names[n.Officer], DistanceM: d, ETAS: float64(int64(d * detourFactor / travelSpeedMS)),
			LastFix: n.Time, OpenCases: open[n.Officer]}
	}
	// <-> orders by planar degrees; the geodesic distance decides.
	sortByDistance(list)
	return list, nil
}

// openCases counts, per officer, the cases assigned to them and not yet resolved,
// referred or closed.
func (s *Store) openCases(ctx context.Context, officers []string) (map[string]int, error) {
	rows, err := s.db.Query(ctx, `
		SELECT officer, count(*)::int FROM cases
		WHERE officer = ANY($1) AND status IN ('assigned', 'accepted', 'on_site') GROUP BY officer`, officers)
	if err != nil {
		return nil, pgdb.Translate(err, "open cases")
	}
	out, err := pgdb.CollectMap[string, int](rows)
	return out, pgdb.Translate(err, "open cases")
}
