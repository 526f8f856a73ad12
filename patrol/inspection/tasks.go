package inspection

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/calendar"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// The outcomes of an inspection.
const (
	OutcomeNoProblem    = "no_problem"
	OutcomeProblemFound = "problem_found" // a penalty case is filed under an item
	OutcomeNotFound     = "not_found"     // the target was not where the register has it
)

// Task is an inspection of a drawn target by its drawn inspectors.
type Task struct {
	ID         int64         `json:"id"`
	Draw       int64         `json:"draw"`
	Target     int64         `json:"target"`
	TargetName string        `json:"target_name"`
	Township   string        `json:"township"`
	Items      []string      `json:"items"`
	Inspectors []string      `json:"inspectors"`
	PublishBy  calendar.Date `json:"publish_by"`
	// Calendar is "weekdays only" when publish_by was counted on weekdays alone: a year
	// the period crossed had no working-day calendar when the draw was made.
	Calendar   string     `json:"calendar,omitempty"`
	Outcome    *string    `json:"outcome"`
	Note       string     `json:"note"`
	Case       *int64     `json:"case"`
	Item       *string    `json:"item"`
	RecordedBy *string    `json:"recorded_by"`
	RecordedAt *time.Time `json:"recorded_at"`
	// Overdue: no result yet and the publication day is past (China time).
	Overdue bool `json:"overdue"`
}

// TaskFilter selects tasks; zero fields select all.
type TaskFilter struct {
	Draw    int64
	Officer string
}

func (s *Store) scanTask(row pgx.CollectableRow) (Task, error) {
	var t Task
	var due time.Time
	var weekdaysOnly bool
	err := row.Scan(&t.ID, &t.Draw, &t.Target, &t.TargetName, &t.Township, &t.Items, &t.Inspectors, &due, &weekdaysOnly,
		&t.Outcome, &t.Note, &t.Case, &t.Item, &t.RecordedBy, &t.RecordedAt)
	t.PublishBy = calendar.DateOf(due)
	if weekdaysOnly {
		t.Calendar = calendar.WeekdaysOnly
	}
	t.Overdue = t.Outcome == nil && s.today().After(t.PublishBy.Time)
	return t, err
}

const taskColumns = `k.id, k.draw, k.target, g.name, k.township, k.items, k.inspectors, k.publish_by, k.publish_by_weekdays_only, k.outcome, k.note,
	k.case_id, k.item, k.recorded_by, k.recorded_at`

// Tasks lists inspection tasks by id: an officer's token those it inspects, a scoped
// token its township's. Errors: forbidden for a scoped token.
func (s *Store) Tasks(ctx context.Context, who auth.Identity, f TaskFilter) ([]Task, error) {
	if who.Role == auth.Officer {
		f.Officer = who.Officer
	}
	rows, err := s.db.Query(ctx, `SELECT `+taskColumns+` FROM inspection_tasks k JOIN inspection_targets g ON g.id = k.target
		WHERE ($1 = 0 OR k.draw = $1) AND ($2 = '' OR $2 = ANY(k.inspectors)) AND ($3 = '' OR k.township = $3)
		ORDER BY k.id`, f.Draw, f.Officer, who.Township)
	if err != nil {
		return nil, pgdb.Translate(err, "inspection tasks")
	}
	list, err := pgx.CollectRows(rows, s.scanTask)
	return list, pgdb.Translate(err, "inspection tasks")
}

// Result is what an inspector records of an inspection.
type Result struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
	// Item is the power item a problem found is filed under (problem_found only).
	Item string `json:"item"`
}

// mayRecord allows the task's inspectors, and admins and supervisors of its township.
func mayRecord(who auth.Identity, t Task) error {
	return mayAccess(who, t, "record", auth.Admin, auth.Supervisor)
}

// mayRead allows the task's inspectors, and admins, supervisors and analysts of its
// township (as the list of tasks).
func mayRead(who auth.Identity, t Task) error {
	return mayAccess(who, t, "read", auth.Admin, auth.Supervisor, auth.Analyst)
}

// mayAccess allows the task's inspectors, and tokens of the roles given (scoped: of the
// task's township), to do what. Errors: forbidden.
func mayAccess(who auth.Identity, t Task, what string, roles ...auth.Role) error {
	switch {
	case who.Role == auth.Officer:
		if slices.Contains(t.Inspectors, who.Officer) {
			return nil
		}
		return apperr.Forbiddenf("task %d is not officer %s's", t.ID, who.Officer)
	case slices.Contains(roles, who.Role):
		if who.Scoped() && t.Township != who.Township {
			return apperr.Forbiddenf("task %d is not of township %s", t.ID, who.Township)
		}
		return nil
	}
	return apperr.Forbiddenf("role %s may not %s inspection tasks", who.Role, what)
}

// Record records a task's result, once. A problem found files a penalty case through
// the cases store, in the task's name: reported at the target, citing the item, assigned
// to the recording inspector (the first drawn one when a supervisor records) and filed
// (立案); its evidence then goes to the case's evidence (POST /cases/{id}/evidence), with
// its position checks. The case and the task's result are written in one transaction
// (the cases store's, see fileCase): a result that cannot be written leaves no case.
// Errors: not_found, forbidden; invalid (bad outcome, an item for another outcome or
// none for problem_found, a note over 4,000 bytes); conflict when already recorded, or
// the errors of filing (the township does not hold the item: the case would be referred,
// not filed) — nothing written then.
func (s *Store) Record(ctx context.Context, who auth.Identity, id int64, r Result) (Task, error) {
	switch {
	case r.Outcome != OutcomeNoProblem && r.Outcome != OutcomeProblemFound && r.Outcome != OutcomeNotFound:
		return Task{}, apperr.Invalidf("outcome %q is not no_problem, problem_found or not_found", r.Outcome)
	case (r.Outcome == OutcomeProblemFound) != (r.Item != ""):
		return Task{}, apperr.Invalidf("an item is given with problem_found, and only then")
	case len(r.Note) > 4000:
		return Task{}, apperr.Invalidf("the note is longer than 4,000 bytes")
	}
	// Refuse early, before filing anything; writeResult checks again under the row lock.
	t, err := s.task(ctx, s.db, id, "")
	if err != nil {
		return Task{}, err
	}
	if err := openFor(who, t); err != nil {
		return Task{}, err
	}
	if r.Outcome == OutcomeProblemFound {
		err = s.fileCase(ctx, who, t, r)
	} else {
		err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error { return s.writeResult(ctx, tx, who, id, r, nil) })
	}
	if err != nil {
		return Task{}, pgdb.Translate(err, fmt.Sprintf("inspection task %d", id))
	}
	return s.task(ctx, s.db, id, "")
}

// openFor returns nil when who may record task t's result and none is recorded yet.
// Errors: forbidden; conflict.
func openFor(who auth.Identity, t Task) error {
	if err := mayRecord(who, t); err != nil {
		return err
	}
	if t.Outcome != nil {
		return apperr.New(apperr.Conflict, "task %d already has its result (%s)", t.ID, *t.Outcome)
	}
	return nil
}

// writeResult writes result r of task id in tx, under the task's row lock, with the case
// its problem filed (nil for another outcome). Errors: those of openFor.
func (s *Store) writeResult(ctx context.Context, tx pgx.Tx, who auth.Identity, id int64, r Result, caseID *int64) error {
	t, err := s.task(ctx, tx, id, "FOR UPDATE OF k")
	if err != nil {
		return err
	}
	if err := openFor(who, t); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE inspection_tasks SET outcome = $2, note = $3, item = $4, case_id = $5, recorded_by = $6,
		recorded_at = $7 WHERE id = $1`, id, r.Outcome, r.Note, nullable(r.Item), caseID, who.Name, s.now())
	return err
}

// querier runs a query, in a transaction or not.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// task reads one task under q, with lock ("" or a locking clause). Errors: not_found.
func (s *Store) task(ctx context.Context, q querier, id int64, lock string) (Task, error) {
	rows, err := q.Query(ctx, `SELECT `+taskColumns+` FROM inspection_tasks k JOIN inspection_targets g ON g.id = k.target
		WHERE k.id = $1 `+lock, id)
	if err != nil {
		return Task{}, err
	}
	t, err := pgx.CollectExactlyOneRow(rows, s.scanTask)
	return t, pgdb.Translate(err, fmt.Sprintf("inspection task %d", id))
}

// fileCase files the penalty case of a problem found (see Record) and writes the task's
// result in the transaction that creates the case.
func (s *Store) fileCase(ctx context.Context, who auth.Identity, t Task, r Result) error {
	var lon, lat float64
	if err := s.db.QueryRow(ctx, `SELECT lon, lat FROM inspection_targets WHERE id = $1`, t.Target).Scan(&lon, &lat); err != nil {
		return err
	}
	inspector := t.Inspectors[0]
	if who.Role == auth.Officer {
		inspector = who.Officer
	}
	// The task files in its own name, with a supervisor's authority over its township:
	// the published draw assigned the inspection.
	actor := auth.Identity{Name: fmt.Sprintf("%s (双随机 task %d)", who.Name, t.ID), Role: auth.Supervisor, Township: t.Township}
	note := strings.TrimSpace(r.Note)
	_, err := s.src.Cases.CreateLinked(ctx, actor, cases.NewCase{Item: r.Item, Title: "双随机检查发现问题: " + t.TargetName,
		Description: note, Lat: lat, Lon: lon, Datum: geo.WGS84, Source: cases.SourcePatrol},
		[]cases.NewEvent{{Type: cases.EventAssign, Officer: inspector}, {Type: cases.EventFile, Note: note}},
		func(ctx context.Context, tx pgx.Tx, c cases.Case) error {
			return s.writeResult(ctx, tx, who, t.ID, r, &c.ID)
		})
	return err
}

// MayReadTask returns nil when who may read task id: for the evidence store, which keeps
// the evidence of results. Errors: not_found, forbidden.
func (s *Store) MayReadTask(ctx context.Context, who auth.Identity, id int64) error {
	t, err := s.task(ctx, s.db, id, "")
	if err != nil {
		return err
	}
	return mayRead(who, t)
}

// WithOpenTask calls record in a transaction holding task id's row lock, when who may
// record the task's result and none is recorded yet: for the evidence store, whose
// records of a result's evidence are then written before the result, never after.
// Errors: not_found, forbidden, conflict (the result is recorded); those of record.
func (s *Store) WithOpenTask(ctx context.Context, who auth.Identity, id int64, record func(ctx context.Context, tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		t, err := s.task(ctx, tx, id, "FOR UPDATE OF k")
		if err != nil {
			return err
		}
		if err := openFor(who, t); err != nil {
			return err
		}
		return record(ctx, tx)
	})
}
