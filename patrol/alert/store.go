package alert

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// MaxList is the most alerts one listing returns, newest first.
const MaxList = 1000

// MaxNote is the longest acknowledgement or resolution note, in bytes.
const MaxNote = 1000

// Store keeps alerts and their settings.
type Store struct {
	db       *pgxpool.Pool
	onChange func(Alert)
	outbox   Outbox
	counts   counts
}

// Events reported to the outbox.
const (
	EventRaised       = "alert.raised"
	EventAcknowledged = "alert.acknowledged"
	EventResolved     = "alert.resolved"
)

// Outbox records, in the transaction that changes an alert, the event for other systems
// (package webhook's Store): the event is reported if and only if the change commits.
type Outbox interface {
	Enqueue(ctx context.Context, tx pgx.Tx, event, township string, data any) error
}

// UseOutbox sets the outbox of alert events. Call it before the Store is used.
func (s *Store) UseOutbox(o Outbox) { s.outbox = o }

// write runs a statement returning alerts, and records event for each in the outbox, in
// one transaction; then tells onChange.
func (s *Store) write(ctx context.Context, event, sql string, args ...any) ([]Alert, error) {
	var list []Alert
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		if list, err = collect(tx.Query(ctx, sql, args...)); err != nil {
			return err
		}
		if s.outbox == nil {
			return nil
		}
		for _, a := range list {
			if err := s.outbox.Enqueue(ctx, tx, event, a.Township, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, pgdb.Translate(err, "alert")
	}
	s.counts.add(list, event)
	s.changed(list)
	return list, nil
}

// OnChange sets the function told of every alert raised, acknowledged or resolved, after
// it is stored (the live feed). It must not block. Call it before the Store is used.
func (s *Store) OnChange(f func(Alert)) { s.onChange = f }

// changed tells onChange of alerts.
func (s *Store) changed(list []Alert) {
	if s.onChange == nil {
		return
	}
	for _, a := range list {
		s.onChange(a)
	}
}

// NewStore returns a Store.
func NewStore(db *pgxpool.Pool) *Store { return &Store{db: db} }

// alertColumns are the columns scanAlert reads, in its order.
const alertColumns = `id, township, rule, subject, coalesce(officer, ''), status, raised_at, observed_at,
	lon, lat, detail, acked_by, acked_at, ack_note, resolved_by, resolved_at, resolve_note`

func scanAlert(row pgx.CollectableRow) (Alert, error) {
	var a Alert
	err := row.Scan(&a.ID, &a.Township, &a.Rule, &a.Subject, &a.Officer, &a.Status, &a.RaisedAt, &a.ObservedAt,
		&a.Lon, &a.Lat, &a.Detail, &a.AckedBy, &a.AckedAt, &a.AckNote, &a.ResolvedBy, &a.ResolvedAt, &a.ResolveNote)
	if a.Detail == nil {
		a.Detail = map[string]any{}
	}
	return a, err
}

// collect reads the alerts of a RETURNING or SELECT.
func collect(rows pgx.Rows, err error) ([]Alert, error) {
	if err != nil {
		return nil, pgdb.Translate(err, "alert")
	}
	list, err := pgx.CollectRows(rows, scanAlert)
	return list, pgdb.Translate(err, "alert")
}

// Raise stores the alert a change raises, unless one of its rule and subject is open in
// its township (or, with c.Since, was observed since then): then it returns false and
// stores nothing, whoever raised the other one.
func (s *Store) Raise(ctx context.Context, c Change) (Alert, bool, error) {
	detail, err := json.Marshal(c.Detail)
	if err != nil {
		return Alert{}, false, err
	}
	var lon, lat *float64
	if c.Point != (orb.Point{}) {
		lon, lat = &c.Point[0], &c.Point[1]
	}
	var since *time.Time
	if !c.Since.IsZero() {
		since = &c.Since
	}
	list, err := s.write(ctx, EventRaised, `
		INSERT INTO alerts (township, rule, subject, officer, observed_at, lon, lat, detail)
		SELECT $1::text, $2::text, $3::text, nullif($4::text, ''), $5::timestamptz, $6::float8, $7::float8, $8::jsonb
		WHERE $9::timestamptz IS NULL OR NOT EXISTS (SELECT 1 FROM alerts
			WHERE township = $1 AND rule = $2 AND subject = $3 AND observed_at >= $9)
		ON CONFLICT (township, rule, subject) WHERE status <> 'resolved' DO NOTHING
		RETURNING `+alertColumns,
		c.Township, c.Rule, c.subject(), c.Officer, c.Time, lon, lat, detail, since)
	if err != nil || len(list) == 0 {
		return Alert{}, false, err
	}
	return list[0], true, nil
}

// Clear resolves, as the system, the open alert of a rule and subject in a township, if
// there is one.
func (s *Store) Clear(ctx context.Context, township string, rule Rule, subject string) ([]Alert, error) {
	return s.write(ctx, EventResolved, `
		UPDATE alerts SET status = 'resolved', resolved_by = '', resolved_at = now(),
			resolve_note = 'the condition cleared'
		WHERE township = $1 AND rule = $2 AND subject = $3 AND status <> 'resolved'
		RETURNING `+alertColumns, township, rule, subject)
}

// alertKey names the one alert of a rule and subject in a township that may be open.
type alertKey struct {
	township string
	rule     Rule
	subject  string
}

// openOf returns which of the clears among changes name an open alert, in one query; the
// map is empty but not nil when there is no clear.
func (s *Store) openOf(ctx context.Context, changes []Change) (map[alertKey]bool, error) {
	var townships, rules, subjects []string
	for _, c := range changes {
		if !c.Raise {
			townships, rules, subjects = append(townships, c.Township), append(rules, string(c.Rule)), append(subjects, c.subject())
		}
	}
	open := make(map[alertKey]bool)
	if len(townships) == 0 {
		return open, nil
	}
	rows, err := s.db.Query(ctx, `
		SELECT a.township, a.rule, a.subject FROM alerts a
		JOIN unnest($1::text[], $2::text[], $3::text[]) AS c(township, rule, subject)
			ON a.township = c.township AND a.rule = c.rule AND a.subject = c.subject
		WHERE a.status <> 'resolved'`, townships, rules, subjects)
	if err != nil {
		return nil, pgdb.Translate(err, "alerts")
	}
	var k alertKey
	_, err = pgx.ForEachRow(rows, []any{&k.township, &k.rule, &k.subject}, func() error {
		open[k] = true
		return nil
	})
	if err != nil {
		return nil, pgdb.Translate(err, "alerts")
	}
	return open, nil
}

// Filter selects alerts; empty fields select all.
type Filter struct {
	Status   Status
	Rule     Rule
	Township string
}

// List returns the alerts of f, newest first, at most MaxList.
func (s *Store) List(ctx context.Context, f Filter) ([]Alert, error) {
	return collect(s.db.Query(ctx, `
		SELECT `+alertColumns+` FROM alerts
		WHERE ($1 = '' OR status = $1) AND ($2 = '' OR rule = $2) AND ($3 = '' OR township = $3)
		ORDER BY raised_at DESC, id DESC LIMIT $4`, f.Status, f.Rule, f.Township, MaxList))
}

// Unresolved returns the alerts of a rule that are not resolved, in all townships.
func (s *Store) Unresolved(ctx context.Context, rule Rule) ([]Alert, error) {
	return collect(s.db.Query(ctx, `
		SELECT `+alertColumns+` FROM alerts WHERE status <> 'resolved' AND rule = $1`, rule))
}

// Observed returns the subjects of the alerts of a rule in a township observed at or
// after since, resolved or not.
func (s *Store) Observed(ctx context.Context, township string, rule Rule, since time.Time) (map[string]bool, error) {
	rows, err := s.db.Query(ctx, `
		SELECT DISTINCT subject FROM alerts WHERE township = $1 AND rule = $2 AND observed_at >= $3`,
		township, rule, since)
	if err != nil {
		return nil, pgdb.Translate(err, "alerts")
	}
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, pgdb.Translate(err, "alerts")
	}
	out := make(map[string]bool, len(subjects))
	for _, sub := range subjects {
		out[sub] = true
	}
	return out, nil
}

// Acknowledge marks an open alert acknowledged by who, with a note. Errors: not_found (no
// such alert, or one of a township who may not see), conflict (not open), invalid (a note
// too long).
func (s *Store) Acknowledge(ctx context.Context, who auth.Identity, id int64, note string) (Alert, error) {
	return s.step(ctx, who, id, note, EventAcknowledged, `
		UPDATE alerts SET status = 'acknowledged', acked_by = $3, acked_at = now(), ack_note = $4
		WHERE id = $1 AND ($2 = '' OR township = $2) AND status = 'open'
		RETURNING `+alertColumns, "acknowledged")
}

// Resolve marks an alert that is not resolved resolved by who, with a note. Errors as
// Acknowledge's.
func (s *Store) Resolve(ctx context.Context, who auth.Identity, id int64, note string) (Alert, error) {
	return s.step(ctx, who, id, note, EventResolved, `
		UPDATE alerts SET status = 'resolved', resolved_by = $3, resolved_at = now(), resolve_note = $4
		WHERE id = $1 AND ($2 = '' OR township = $2) AND status <> 'resolved'
		RETURNING `+alertColumns, "resolved")
}

// step moves an alert on by sql, and tells a missing alert from one already past it.
func (s *Store) step(ctx context.Context, who auth.Identity, id int64, note, event, sql, past string) (Alert, error) {
	if len(note) > MaxNote {
		return Alert{}, apperr.Fieldf("note", "is longer than %d bytes", MaxNote)
	}
	list, err := s.write(ctx, event, sql, id, who.Township, who.Name, note)
	if err != nil {
		return Alert{}, err
	}
	if len(list) == 1 {
		return list[0], nil
	}
	var status Status
	err = s.db.QueryRow(ctx, `SELECT status FROM alerts WHERE id = $1 AND ($2 = '' OR township = $2)`,
		id, who.Township).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return Alert{}, apperr.NotFoundf("alert %d not found", id)
	}
	if err != nil {
		return Alert{}, pgdb.Translate(err, "alert")
	}
	return Alert{}, apperr.Conflictf("alert %d is %s, it cannot be %s", id, status, past)
}

// Settings returns the settings of every township that has them stored; the others take
// DefaultSettings.
func (s *Store) Settings(ctx context.Context) (map[string]Settings, error) {
	rows, err := s.db.Query(ctx, `SELECT township, settings FROM alert_settings`)
	if err != nil {
		return nil, pgdb.Translate(err, "alert settings")
	}
	out := map[string]Settings{}
	var township string
	var raw []byte
	_, err = pgx.ForEachRow(rows, []any{&township, &raw}, func() error {
		set := DefaultSettings()
		if err := json.Unmarshal(raw, &set); err != nil {
			return err
		}
		out[township] = set
		return nil
	})
	return out, pgdb.Translate(err, "alert settings")
}

// PutSettings stores a township's settings. Errors: invalid (no such township). The time
// of the change is the new row's (its default, now()): Citus refuses a function that is not
// immutable in ON CONFLICT DO UPDATE of a reference table.
func (s *Store) PutSettings(ctx context.Context, township string, set Settings, by string) error {
	raw, err := json.Marshal(set)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `
		INSERT INTO alert_settings (township, settings, updated_by) VALUES ($1, $2, $3)
		ON CONFLICT (township) DO UPDATE SET settings = $2, updated_by = $3, updated_at = excluded.updated_at`,
		township, raw, by)
	return pgdb.Translate(err, "alert settings of township "+township)
}
