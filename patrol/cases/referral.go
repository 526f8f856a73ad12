package cases

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/patrol/calendar"
)

// DefaultTakeUpWorkdays is the default number of working days a department has to answer
// a referral (take it up or return it). It is a setting of this city, not a period of
// law: Periods.TakeUpWorkdays, flag --referral-take-up-workdays.
const DefaultTakeUpWorkdays = 5

// Referral is a case's latest referral and the receiving department's answer to it, as
// GET /cases/{id} shows it: Due is the last day (China time) to answer in time, Met
// whether the answer came by then — null while unanswered and not yet past due, false
// once past due unanswered.
type Referral struct {
	Department string        `json:"department"`
	ReferredAt time.Time     `json:"referred_at"`
	Due        calendar.Date `json:"due"`
	Answer     EventType     `json:"answer,omitempty"` // take_up or return; absent while unanswered
	AnsweredAt *time.Time    `json:"answered_at"`
	Met        *bool         `json:"met"`
	Basis      string        `json:"basis"`
}

// ReferralOf returns the latest referral in a case's history (in seq order) with its
// answer and deadline of p.TakeUpWorkdays working days, nil for a case never referred;
// today decides what is past due. It also reports whether the period crossed a year with
// no calendar.
func ReferralOf(events []Event, cal calendar.Calendar, p Periods, today calendar.Date) (*Referral, bool) {
	refer := -1
	for i, e := range events {
		if e.Type == EventRefer {
			refer = i
		}
	}
	if refer < 0 {
		return nil, false
	}
	p = p.withDefaults()
	e := events[refer]
	due, weekdaysOnly := cal.AddWorkdays(calendar.DateOf(e.At), p.TakeUpWorkdays)
	r := &Referral{Department: deref(e.Department), ReferredAt: e.At, Due: due,
		Basis: fmt.Sprintf("%d working days of the referral (a setting of this city, not a period of law)", p.TakeUpWorkdays)}
	for _, a := range events[refer+1:] {
		if a.Type == EventTakeUp || a.Type == EventReturn {
			at := a.At
			met := !calendar.DateOf(at).After(due.Time)
			r.Answer, r.AnsweredAt, r.Met = a.Type, &at, &met
			return r, weekdaysOnly
		}
	}
	if today.After(due.Time) {
		met := false
		r.Met = &met
	}
	return r, weekdaysOnly
}

// checkAnswer refuses a return without its reasons and a second answer to the same
// referral: a department answers a referral once (a case returned and referred again is
// answered again).
func checkAnswer(ctx context.Context, tx pgx.Tx, c Case, ne NewEvent) error {
	if ne.Type == EventReturn && strings.TrimSpace(ne.Note) == "" {
		return apperr.Fieldf("note", "a return (退回) needs the department's reasons")
	}
	events, err := eventsOf(ctx, tx, c)
	if err != nil {
		return err
	}
	for i := len(events) - 1; i >= 0 && events[i].Type != EventRefer; i-- {
		if t := events[i].Type; t == EventTakeUp || t == EventReturn {
			return apperr.Conflictf("case %d: %s answered its referral already (event %d, %s)", c.ID, deref(c.Department),
				events[i].Seq, t)
		}
	}
	return nil
}

// UnitReferrals are one unit's referrals answered in a window: how many, and how many of
// those the department took up (the others it returned).
type UnitReferrals struct {
	Unit     string
	Answered int
	TakenUp  int
}

// ReferralCounts counts, for each unit of level "township", "squadron" or "officer", the
// answers (take_up, return) recorded in [from, to) to the referrals of its cases — one per
// referral answered, so a case returned, referred again and taken up counts twice. Units
// without an answer are left out. Errors: invalid for another level.
func (s *Store) ReferralCounts(ctx context.Context, level string, from, to time.Time) ([]UnitReferrals, error) {
	if err := checkLevel(level); err != nil {
		return nil, err
	}
	return collect[UnitReferrals](ctx, s, `
		SELECT unit, count(*)::int, count(*) FILTER (WHERE type = 'take_up')::int
		FROM (SELECT CASE $1 WHEN 'squadron' THEN c.squadron WHEN 'officer' THEN c.officer ELSE c.township END AS unit, e.type
		      FROM case_events e JOIN cases c ON c.township_key = e.township_key AND c.id = e.case_id
		      WHERE e.type IN ('take_up', 'return') AND e.at >= $2 AND e.at < $3) a
		WHERE unit IS NOT NULL
		GROUP BY unit ORDER BY unit`, []any{level, from, to})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
