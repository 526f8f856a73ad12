package cases

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/calendar"
)

// Calendar gives the working-day calendar of some years (package calendar's Store).
type Calendar interface {
	Between(ctx context.Context, from, to int) (calendar.Calendar, error)
}

// ProcedureConfig configures the penalty procedure: its periods and which decisions are
// major. Zero fields take the defaults (DefaultPeriods; a zero MajorRule takes
// DefaultMajorRule).
type ProcedureConfig struct {
	Periods Periods
	Major   *MajorRule
}

// UseProcedure gives the penalty procedure its calendar and configuration.
func (s *Store) UseProcedure(cal Calendar, cfg ProcedureConfig) {
	s.calendar = cal
	s.periods = cfg.Periods.withDefaults()
	s.major = DefaultMajorRule()
	if cfg.Major != nil {
		s.major = *cfg.Major
	}
}

// checkStage applies the procedure's rules to an event about to be appended, inside the
// case's row lock, completes its detail and returns the status it leads to. Errors:
// conflict (filing a case that cites no item; the investigator reviewing, 查审分离; a
// hearing asked for late or held unasked; a second revoke; a decision too early or a major
// one without an approving review), unprocessable (an amount outside the item's band).
func (s *Store) checkStage(ctx context.Context, tx pgx.Tx, who auth.Identity, c Case, ne NewEvent, next Status, d *Detail) (Status, error) {
	var err error
	switch ne.Type {
	case EventFile:
		if c.Item == nil {
			return "", apperr.Conflictf("case %d cites no item: only a case citing an item (事项) can be filed as a penalty case", c.ID)
		}
		d.Item = *c.Item
	case EventReview:
		if err = checkReviewer(ctx, tx, who, c); err == nil {
			d.Qualification = who.Qualification
			if ne.Procedure.Outcome == ReviewReject {
				return StatusInvestigating, nil
			}
		}
	case EventNotify:
		err = s.checkHearing(ctx, tx, c, ne)
	case EventRevoke:
		err = checkRevoke(ctx, tx, c, ne)
	case EventTakeUp, EventReturn:
		err = checkAnswer(ctx, tx, c, ne)
	case EventDecide:
		err = s.checkDecision(ctx, tx, c, ne, d)
	}
	if err != nil {
		return "", err
	}
	return next, nil
}

// checkReviewer refuses a legal review by whoever investigated the case or gathered its
// evidence (查审分离).
func checkReviewer(ctx context.Context, tx pgx.Tx, who auth.Identity, c Case) error {
	var kind string
	err := tx.QueryRow(ctx, `
		SELECT type FROM case_events
		WHERE township_key = $4 AND case_id = $1 AND type IN ('investigate', 'evidence') AND (actor = $2 OR ($3 <> '' AND officer = $3))
		ORDER BY seq LIMIT 1`, c.ID, who.Name, who.Officer, c.TownshipKey()).Scan(&kind)
	if err == nil {
		return apperr.Conflictf("查审分离: %s appended an %s event to case %d, so may not review it: the review must be independent of the investigation",
			who.Name, kind, c.ID)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	return err
}

// checkHearing checks a notify that records a hearing requested or held: a request in
// answer to the notice (a notify while notified or reviewed) comes within the party's
// period — one recorded with the notice itself is on its day —, and a hearing is held
// only on the party's request in the round (the round's latest answer asked for one, or
// recorded it held: a hearing of several sittings).
func (s *Store) checkHearing(ctx context.Context, tx pgx.Tx, c Case, ne NewEvent) error {
	h := ne.Procedure.Hearing
	answering := c.Status == StatusNotified || c.Status == StatusReviewed
	if h != HearingHeld && (h != HearingRequested || !answering) {
		return nil
	}
	events, err := eventsOf(ctx, tx, c)
	if err != nil {
		return err
	}
	if h == HearingRequested {
		cal, day, err := s.calendarOn(ctx, ne)
		if err != nil {
			return err
		}
		return checkHearingRequestDay(c.ID, events, cal, s.periods, day)
	}
	if _, answer := NoticeRound(events); answer == nil || !hearingRequested([]Event{*answer}) {
		return apperr.Conflictf("case %d: the party has not requested a hearing in this round of notice: there is none to hold", c.ID)
	}
	return nil
}

// checkRevoke refuses a revoke without its reasons, of a case with no decision, or of one
// revoked already.
func checkRevoke(ctx context.Context, tx pgx.Tx, c Case, ne NewEvent) error {
	if strings.TrimSpace(ne.Note) == "" {
		return apperr.Invalidf("a revoke needs its reasons and authority in the note")
	}
	events, err := eventsOf(ctx, tx, c)
	if err != nil {
		return err
	}
	decided := false
	for _, e := range events {
		switch e.Type {
		case EventDecide:
			decided = true
		case EventRevoke:
			return apperr.Conflictf("case %d: its decision was revoked already (event %d)", c.ID, e.Seq)
		}
	}
	if !decided {
		return apperr.Conflictf("case %d has no decision to revoke", c.ID)
	}
	return nil
}

// checkDecision checks a decision against its item's band, the party's periods and the
// major-decision rule, and completes its detail with the notice's party and, for a major
// decision, why it is one.
func (s *Store) checkDecision(ctx context.Context, tx pgx.Tx, c Case, ne NewEvent, d *Detail) error {
	if s.powers == nil || c.Item == nil {
		return apperr.Conflictf("case %d cites no item of a powers catalog: no band to decide in", c.ID)
	}
	it, err := s.powers.Item(ctx, *c.Item)
	if err != nil {
		return err
	}
	if err := checkBand(it, ne.Procedure); err != nil {
		return err
	}
	events, err := eventsOf(ctx, tx, c)
	if err != nil {
		return err
	}
	received, on := s.now(), ne.At
	if on.IsZero() {
		on = received
	}
	if p := d.PublishedAt; p != nil && (p.Before(on.Truncate(time.Second)) || p.After(received)) {
		return apperr.Invalidf("published_at: %s is not between the decision (%s) and now: a decision is published after it is made, and no later than it is recorded here",
			p.Format(time.RFC3339), on.UTC().Format(time.RFC3339))
	}
	cal, day, err := s.calendarOn(ctx, ne)
	if err != nil {
		return err
	}
	if err := checkDecisionDay(c.ID, events, cal, s.periods, day); err != nil {
		return err
	}
	partyOf(events, &ne.Procedure)
	d.Party, d.PartyName = ne.Procedure.Party, ne.Procedure.PartyName
	if why := s.major.major(ne.Procedure, hearingRequested(events)); why != "" {
		d.Major = why
		if c.Status != StatusReviewed {
			return apperr.Conflictf("case %d: a major decision (%s) needs an approving legal review (法制审核, 行政处罚法 第五十八条) first",
				c.ID, why)
		}
	}
	return nil
}

// calendarOn returns the day an event about to be appended happened, and the calendar of
// that year and the one before (a period may start in it).
func (s *Store) calendarOn(ctx context.Context, ne NewEvent) (calendar.Calendar, calendar.Date, error) {
	day := calendar.DateOf(s.eventTime(ne))
	cal, err := s.calendarFor(ctx, day.Year()-1, day.Year())
	return cal, day, err
}

// eventTime is when an event about to be appended happened: its own time when it
// brings one (an import, a back-dated entry), else now.
func (s *Store) eventTime(ne NewEvent) time.Time {
	if ne.At.IsZero() {
		return s.now()
	}
	return ne.At
}

// calendarFor returns the calendar of the years from..to (weekdays only without one).
func (s *Store) calendarFor(ctx context.Context, from, to int) (calendar.Calendar, error) {
	if s.calendar == nil {
		return calendar.New(), nil
	}
	return s.calendar.Between(ctx, from, to)
}

// WithDeadlines returns one case with the deadlines of its penalty stages (none for a case
// never filed) and its latest referral with the department's answer and its deadline
// (none for a case never referred). Errors: not_found, forbidden.
func (s *Store) WithDeadlines(ctx context.Context, who auth.Identity, id int64) (Case, error) {
	c, err := s.Get(ctx, who, id)
	if err != nil {
		return Case{}, err
	}
	events, err := s.events(ctx, c)
	if err != nil {
		return Case{}, err
	}
	today := calendar.DateOf(s.now())
	cal, err := s.calendarFor(ctx, c.ReportedAt.Year()-1, today.Year()+1)
	if err != nil {
		return Case{}, err
	}
	dl, weekdaysOnly := Deadlines(events, cal, s.periods, today)
	c.Deadlines = dl
	ref, wo := ReferralOf(events, cal, s.periods, today)
	c.Referral = ref
	if weekdaysOnly || wo {
		c.Calendar = calendar.WeekdaysOnly
	}
	return c, nil
}

// OverdueStage is a stage of a penalty case past its deadline and not done.
type OverdueStage struct {
	Case        int64         `json:"case"`
	Title       string        `json:"title"`
	Township    *string       `json:"township"`
	Item        *string       `json:"item"`
	Status      Status        `json:"status"`
	Officer     *string       `json:"officer"`
	Stage       string        `json:"stage"`
	Due         calendar.Date `json:"due"`
	DaysOverdue int           `json:"days_overdue"`
	Basis       string        `json:"basis"`
	Calendar    string        `json:"calendar,omitempty"`
}

// Overdue lists the stages of open penalty cases past their deadlines, the most overdue
// first. Scoped tokens get their township's. Errors: forbidden (another township than a
// scoped token's).
func (s *Store) Overdue(ctx context.Context, who auth.Identity, township string) ([]OverdueStage, error) {
	township, err := who.TownshipFilter(township)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE status = ANY($1) AND ($2 = '' OR township_key = $2 AND township = $2) ORDER BY id`,
		ProcedureStatuses, township)
	if err != nil {
		return nil, pgdb.Translate(err, "overdue cases")
	}
	list, err := pgx.CollectRows(rows, scanCase)
	if err != nil {
		return nil, pgdb.Translate(err, "overdue cases")
	}
	out := []OverdueStage{}
	if len(list) == 0 {
		return out, nil
	}
	ids := make([]int64, len(list))
	first := s.now().Year()
	for i, c := range list {
		ids[i] = c.ID
		first = min(first, c.ReportedAt.Year())
	}
	history, err := eventsOfCases(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	today := calendar.DateOf(s.now())
	cal, err := s.calendarFor(ctx, first-1, today.Year()+1)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		dl, weekdaysOnly := Deadlines(history[c.ID], cal, s.periods, today)
		for _, d := range dl {
			if !d.Overdue() {
				continue
			}
			o := OverdueStage{Case: c.ID, Title: c.Title, Township: c.Township, Item: c.Item, Status: c.Status, Officer: c.Officer,
				Stage: d.Stage, Due: d.Due, DaysOverdue: int(today.Sub(d.Due.Time) / (24 * time.Hour)), Basis: d.Basis}
			if weekdaysOnly {
				o.Calendar = calendar.WeekdaysOnly
			}
			out = append(out, o)
		}
	}
	sortOverdue(out)
	return out, nil
}
