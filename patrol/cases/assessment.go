package cases

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/calendar"
)

// UnitCounts are the counts of one unit's cases that the assessment (监督考核) reads for a
// window [from, to): a unit is the township, squadron or officer the case belongs to.
type UnitCounts struct {
	Unit           string
	Reported       int // cases reported in the window
	Dispatched     int // cases assigned in the window
	ArrivedInTime  int // of those, on site within ArriveWithin of the assignment
	Resolvable     int // of those, not referred away
	ResolvedInTime int // of those, resolved within ResolveWithin of the assignment
	Resolved       int // cases resolved in the window
	Repeated       int // of those, followed by a hotline case in the same cell and sector within RepeatWithin
}

// UnitTargets are the service levels the assessment counts against.
type UnitTargets struct {
	ArriveWithin  time.Duration
	ResolveWithin time.Duration
	RepeatWithin  time.Duration
}

// UnitCounts counts the cases of each unit of level "township", "squadron" or "officer"
// over [from, to) against targets; cases without a unit of that level are left out, so
// are units without a case counted. Errors: invalid for another level.
func (s *Store) UnitCounts(ctx context.Context, level string, from, to time.Time, targets UnitTargets) ([]UnitCounts, error) {
	if err := checkLevel(level); err != nil {
		return nil, err
	}
	return collect[UnitCounts](ctx, s, `
		WITH c AS (
			SELECT CASE $1 WHEN 'squadron' THEN squadron WHEN 'officer' THEN officer ELSE township END AS unit, *
			FROM cases
			WHERE (reported_at >= $2 AND reported_at < $3) OR (assigned_at >= $2 AND assigned_at < $3)
			   OR (resolved_at >= $2 AND resolved_at < $3)
		), hotline AS MATERIALIZED (
			SELECT id, h3, sector, reported_at FROM cases
			WHERE source = 'hotline_12345' AND reported_at > $2 AND reported_at <= $3 + make_interval(secs => $6)
		), repeated AS (
			-- the cases resolved in the window that a hotline complaint followed: a join
			-- of the few complaints the planner can hash by cell and sector
			SELECT DISTINCT c.township_key, c.id
			FROM c JOIN hotline r ON r.h3 = c.h3 AND r.sector = c.sector AND r.id <> c.id
			 AND r.reported_at > c.resolved_at AND r.reported_at <= c.resolved_at + make_interval(secs => $6)
			WHERE c.resolved_at >= $2 AND c.resolved_at < $3
		)
		SELECT unit,
		       count(*) FILTER (WHERE reported_at >= $2 AND reported_at < $3)::int,
		       count(*) FILTER (WHERE assigned_at >= $2 AND assigned_at < $3)::int,
		       count(*) FILTER (WHERE assigned_at >= $2 AND assigned_at < $3
		                        AND arrived_at <= assigned_at + make_interval(secs => $4))::int,
		       count(*) FILTER (WHERE assigned_at >= $2 AND assigned_at < $3 AND department IS NULL)::int,
		       count(*) FILTER (WHERE assigned_at >= $2 AND assigned_at < $3 AND department IS NULL
		                        AND resolved_at <= assigned_at + make_interval(secs => $5))::int,
		       count(*) FILTER (WHERE resolved_at >= $2 AND resolved_at < $3)::int,
		       count(repeated.id)::int
		FROM c LEFT JOIN repeated ON repeated.township_key = c.township_key AND repeated.id = c.id WHERE unit IS NOT NULL
		GROUP BY unit ORDER BY unit`,
		[]any{level, from, to, targets.ArriveWithin.Seconds(), targets.ResolveWithin.Seconds(), targets.RepeatWithin.Seconds()})
}

// UnitSector is the number of cases of one sector reported in a window that belong to one
// unit: the volume of the assessment broken down by sector.
type UnitSector struct {
	Unit     string
	Sector   string
	Reported int
}

// SectorCounts counts, for each unit of level "township", "squadron" or "officer" and
// each sector, the cases reported in [from, to) — the Reported of UnitCounts by sector.
// Units and sectors without a case are left out. Errors: invalid for another level.
func (s *Store) SectorCounts(ctx context.Context, level string, from, to time.Time) ([]UnitSector, error) {
	if err := checkLevel(level); err != nil {
		return nil, err
	}
	return collect[UnitSector](ctx, s, `
		SELECT unit, sector, count(*)::int
		FROM (SELECT CASE $1 WHEN 'squadron' THEN squadron WHEN 'officer' THEN officer ELSE township END AS unit, sector
		      FROM cases WHERE reported_at >= $2 AND reported_at < $3) c
		WHERE unit IS NOT NULL
		GROUP BY unit, sector ORDER BY unit, sector`, []any{level, from, to})
}

// UnitPublished is one unit's penalty decisions made in a window and of those the ones
// published (执法公示) on time: by the end of the Periods' PublishWorkdays working days
// after the decision day (China time).
type UnitPublished struct {
	Unit    string
	Decided int
	OnTime  int
}

// PublicationCounts counts, for each unit of level "township", "squadron" or "officer",
// the decisions made in [from, to) and those published on time. A decision is published
// when it is recorded here — 执法公示 lists it from then on — or, for a decision entered
// after the fact, when its decide event says it was published elsewhere (published_at).
// Revoked decisions count: they were due for publication. Units without a decision are
// left out. Errors: invalid for another level.
func (s *Store) PublicationCounts(ctx context.Context, level string, from, to time.Time) ([]UnitPublished, error) {
	if err := checkLevel(level); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `
		SELECT CASE $1 WHEN 'squadron' THEN c.squadron WHEN 'officer' THEN c.officer ELSE c.township END, e.at,
		       coalesce((e.detail::jsonb ->> 'published_at')::timestamptz, e.received_at, e.at)
		FROM case_events e JOIN cases c ON c.township_key = e.township_key AND c.id = e.case_id
		WHERE e.type = 'decide' AND e.at >= $2 AND e.at < $3`, level, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "decisions published")
	}
	type decision struct {
		unit               *string
		decided, published time.Time
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (decision, error) {
		var d decision
		return d, row.Scan(&d.unit, &d.decided, &d.published)
	})
	if err != nil {
		return nil, pgdb.Translate(err, "decisions published")
	}
	cal, err := s.calendarFor(ctx, from.Year(), to.Year()+1)
	if err != nil {
		return nil, err
	}
	byUnit := map[string]*UnitPublished{}
	for _, d := range list {
		if d.unit == nil {
			continue
		}
		u := byUnit[*d.unit]
		if u == nil {
			u = &UnitPublished{Unit: *d.unit}
			byUnit[*d.unit] = u
		}
		u.Decided++
		due, _ := cal.AddWorkdays(calendar.DateOf(d.decided), s.periods.PublishWorkdays)
		if !calendar.DateOf(d.published).After(due.Time) {
			u.OnTime++
		}
	}
	out := make([]UnitPublished, 0, len(byUnit))
	for _, u := range byUnit {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b UnitPublished) int { return cmp.Compare(a.Unit, b.Unit) })
	return out, nil
}

// checkLevel refuses a level of unit other than township, squadron and officer.
func checkLevel(level string) error {
	switch level {
	case "township", "squadron", "officer":
		return nil
	}
	return apperr.Invalidf("level %q: must be township, squadron or officer", level)
}

// UnitDeadlines are one unit's penalty-procedure deadlines (the stages of 一般程序 that are
// the bureau's to meet, not the party's) that fell due in a window: how many, and how
// many of those the stage was done by.
type UnitDeadlines struct {
	Unit string
	Due  int
	Met  int
}

// deadlineLookback is how long before a window a case filed may still have a stage due in
// it: the decision's 90 days, then delivery and payment, with room for late stages.
const deadlineLookback = 2 * 366 * 24 * time.Hour

// DeadlineCounts counts, for each unit of level "township", "squadron" or "officer", the
// deadlines of its penalty cases due in [from, to) (China-time dates) and those met. A
// stage due but neither done nor yet past due is not counted. Cases filed more than two
// years before from are left out, so are units without a deadline due. Errors: invalid
// for another level.
func (s *Store) DeadlineCounts(ctx context.Context, level string, from, to time.Time) ([]UnitDeadlines, error) {
	unitOf := map[string]func(Case) *string{
		"township": func(c Case) *string { return c.Township },
		"squadron": func(c Case) *string { return c.Squadron },
		"officer":  func(c Case) *string { return c.Officer },
	}[level]
	if unitOf == nil {
		return nil, apperr.Invalidf("level %q: must be township, squadron or officer", level)
	}
	rows, err := s.db.Query(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE (township_key, id) IN (SELECT township_key, case_id FROM case_events WHERE type = 'file' AND at >= $1 AND at < $2)
		ORDER BY id`,
		from.Add(-deadlineLookback), to)
	if err != nil {
		return nil, pgdb.Translate(err, "penalty deadlines")
	}
	list, err := pgx.CollectRows(rows, scanCase)
	if err != nil {
		return nil, pgdb.Translate(err, "penalty deadlines")
	}
	out := []UnitDeadlines{}
	if len(list) == 0 {
		return out, nil
	}
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	history, err := eventsOfCases(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	today := calendar.DateOf(s.now())
	cal, err := s.calendarFor(ctx, from.Add(-deadlineLookback).Year(), to.Year()+1)
	if err != nil {
		return nil, err
	}
	first, end := calendar.DateOf(from), calendar.DateOf(to)
	byUnit := map[string]*UnitDeadlines{}
	for _, c := range list {
		unit := unitOf(c)
		if unit == nil {
			continue
		}
		dl, _ := Deadlines(history[c.ID], cal, s.periods, today)
		for _, d := range dl {
			if d.Party || d.Met == nil || d.Due.Before(first.Time) || !d.Due.Before(end.Time) {
				continue
			}
			u := byUnit[*unit]
			if u == nil {
				u = &UnitDeadlines{Unit: *unit}
				byUnit[*unit] = u
			}
			u.Due++
			if *d.Met {
				u.Met++
			}
		}
	}
	for _, u := range byUnit {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b UnitDeadlines) int { return cmp.Compare(a.Unit, b.Unit) })
	return out, nil
}
