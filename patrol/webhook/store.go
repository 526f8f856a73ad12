package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// MaxDeliveriesListed is the most deliveries one listing returns, newest first.
const MaxDeliveriesListed = 200

// Store keeps subscriptions and their outbox.
type Store struct {
	db *pgxpool.Pool

	// This instance's counts since it started (Stats).
	queued, attempts, delivered, failed atomic.Int64
}

// NewStore returns a Store.
func NewStore(db *pgxpool.Pool) *Store { return &Store{db: db} }

const subscriptionColumns = `id, url, events, coalesce(township, ''), active, created_by, created_at, secret`

func scanSubscription(row pgx.CollectableRow) (Subscription, error) {
	var s Subscription
	err := row.Scan(&s.ID, &s.URL, &s.Events, &s.Township, &s.Active, &s.CreatedBy, &s.CreatedAt, &s.secret)
	return s, err
}

// Create stores a validated subscription. Errors: invalid (an unknown township).
func (s *Store) Create(ctx context.Context, n New, by string) (Subscription, error) {
	rows, err := s.db.Query(ctx, `
		INSERT INTO webhooks (url, events, township, secret, created_by) VALUES ($1, $2, nullif($3, ''), $4, $5)
		RETURNING `+subscriptionColumns, n.URL, n.Events, n.Township, []byte(n.Secret), by)
	if err != nil {
		return Subscription{}, pgdb.Translate(err, "webhook")
	}
	sub, err := pgx.CollectExactlyOneRow(rows, scanSubscription)
	return sub, pgdb.Translate(err, "webhook (township "+n.Township+")")
}

// List returns the subscriptions, of one township's when township is not "" (those of
// every township are then left out), by id.
func (s *Store) List(ctx context.Context, township string) ([]Subscription, error) {
	rows, err := s.db.Query(ctx, `SELECT `+subscriptionColumns+` FROM webhooks
		WHERE $1 = '' OR township = $1 ORDER BY id`, township)
	if err != nil {
		return nil, pgdb.Translate(err, "webhooks")
	}
	list, err := pgx.CollectRows(rows, scanSubscription)
	return list, pgdb.Translate(err, "webhooks")
}

// Get returns a subscription. Errors: not_found.
func (s *Store) Get(ctx context.Context, id int64) (Subscription, error) {
	rows, err := s.db.Query(ctx, `SELECT `+subscriptionColumns+` FROM webhooks WHERE id = $1`, id)
	if err != nil {
		return Subscription{}, pgdb.Translate(err, "webhook")
	}
	sub, err := pgx.CollectExactlyOneRow(rows, scanSubscription)
	return sub, pgdb.Translate(err, "webhook")
}

// Deactivate stops a subscription: no event is queued for it any more, and what is
// queued is no longer tried. Errors: not_found.
func (s *Store) Deactivate(ctx context.Context, id int64) error {
	tag, err := s.db.Exec(ctx, `UPDATE webhooks SET active = false WHERE id = $1`, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return pgdb.Translate(err, "webhook")
}

// envelope is a delivery's body.
type envelope struct {
	Type     string `json:"type"`
	Township string `json:"township"`
	Data     any    `json:"data"`
}

// Enqueue writes, in tx (the event's own transaction), a delivery of the event for every
// active subscription to its type and township (alert.Outbox; CaseEvents).
func (s *Store) Enqueue(ctx context.Context, tx pgx.Tx, event, township string, data any) error {
	payload, err := json.Marshal(envelope{Type: event, Township: township, Data: data})
	if err != nil {
		return err
	}
	// clock_timestamp, not the transaction's now(): the events of one transaction (a case
	// created with its history, a decision and its case event) are delivered in the order
	// they were written, as deliveries go oldest first.
	tag, err := tx.Exec(ctx, `
		INSERT INTO webhook_deliveries (webhook, event, payload, created_at)
		SELECT id, $1, $3, clock_timestamp() FROM webhooks
		WHERE active AND $1 = ANY (events) AND (township IS NULL OR township = $2)`, event, township, payload)
	if err != nil {
		return err
	}
	s.queued.Add(tag.RowsAffected())
	return nil
}

// due returns the active subscriptions that have a delivery due at now. The deliveries
// are asked apart from the subscriptions (IN, not a correlated EXISTS): on Citus
// webhooks is a reference table and webhook_deliveries distributed, and Citus plans no
// correlated subquery from a reference table (docs/scaling.md).
func (s *Store) due(ctx context.Context, now time.Time) ([]Subscription, error) {
	rows, err := s.db.Query(ctx, `SELECT `+subscriptionColumns+` FROM webhooks WHERE active AND id IN (
		SELECT webhook FROM webhook_deliveries WHERE delivered_at IS NULL AND next_attempt_at <= $1)`, now)
	if err != nil {
		return nil, pgdb.Translate(err, "webhooks")
	}
	list, err := pgx.CollectRows(rows, scanSubscription)
	return list, pgdb.Translate(err, "webhooks")
}

// claimed is a delivery taken for an attempt.
type claimed struct {
	ID      string
	Event   string
	Payload []byte
	Attempt int // this attempt's number, from 1
}

// claim takes the oldest delivery of a subscription due at now, if any, for one attempt:
// its next attempt is pushed to now + lease, so that no other worker takes it meanwhile
// and it is tried again if this one never records its result.
func (s *Store) claim(ctx context.Context, webhook int64, now time.Time, lease time.Duration) (claimed, bool, error) {
	var c claimed
	err := s.db.QueryRow(ctx, `
		UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = $3
		FROM (SELECT webhook, id FROM webhook_deliveries
		      WHERE webhook = $1 AND delivered_at IS NULL AND next_attempt_at <= $2
		      ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) c
		WHERE d.webhook = c.webhook AND d.id = c.id
		RETURNING d.id::text, d.event, d.payload::text, d.attempts`, webhook, now, now.Add(lease)).
		Scan(&c.ID, &c.Event, &c.Payload, &c.Attempt)
	if errors.Is(err, pgx.ErrNoRows) {
		return claimed{}, false, nil
	}
	if err != nil {
		return claimed{}, false, pgdb.Translate(err, "webhook delivery")
	}
	return c, true, nil
}

// attempt is the result of one attempt.
type attempt struct {
	Started  time.Time
	Duration time.Duration
	Status   int // 0 when the receiver gave none
	Err      string
}

// record stores an attempt's result: delivered on 2xx, otherwise due again at retryAt.
func (s *Store) record(ctx context.Context, webhook int64, c claimed, a attempt, retryAt time.Time) error {
	var status *int
	if a.Status != 0 {
		status = &a.Status
	}
	ok := a.Status >= 200 && a.Status < 300
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO webhook_attempts (webhook, delivery, n, started_at, duration_ms, status, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, webhook, c.ID, c.Attempt, a.Started, a.Duration.Milliseconds(), status, a.Err)
	if ok {
		b.Queue(`UPDATE webhook_deliveries SET delivered_at = $3 WHERE webhook = $1 AND id = $2`,
			webhook, c.ID, a.Started.Add(a.Duration))
	} else {
		b.Queue(`UPDATE webhook_deliveries SET next_attempt_at = $3 WHERE webhook = $1 AND id = $2`, webhook, c.ID, retryAt)
	}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error { return tx.SendBatch(ctx, b).Close() })
	if err != nil {
		return pgdb.Translate(err, "webhook attempt")
	}
	s.attempts.Add(1)
	if ok {
		s.delivered.Add(1)
	} else {
		s.failed.Add(1)
	}
	return nil
}

// Stats are the counts of this instance's webhook work since it started.
type Stats struct {
	// Queued counts the deliveries written to the outbox, in the transactions of their
	// events: those of a transaction rolled back afterwards (rare: an error) are counted.
	Queued int64
	// Attempts counts the attempts recorded; Delivered those answered 2xx (a delivery is
	// delivered once, after any number of failed attempts), Failed the others (a failed
	// delivery is tried again: none fails for good).
	Attempts, Delivered, Failed int64
}

// Stats returns the counts of this instance's webhook work.
func (s *Store) Stats() Stats {
	return Stats{Queued: s.queued.Load(), Attempts: s.attempts.Load(), Delivered: s.delivered.Load(), Failed: s.failed.Load()}
}

// Backlog is the outbox's state, over every instance: the deliveries of active
// subscriptions not yet delivered, and the age of the oldest (0 when none).
type Backlog struct {
	Pending int64
	Oldest  time.Duration
}

// Backlog reads the outbox's state at now.
func (s *Store) Backlog(ctx context.Context, now time.Time) (Backlog, error) {
	var b Backlog
	var oldest *time.Time
	err := s.db.QueryRow(ctx, `
		SELECT count(*), min(d.created_at) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook
		WHERE w.active AND d.delivered_at IS NULL`).Scan(&b.Pending, &oldest)
	if err != nil {
		return Backlog{}, pgdb.Translate(err, "webhook outbox")
	}
	if oldest != nil {
		b.Oldest = max(now.Sub(*oldest), 0)
	}
	return b, nil
}

// Delivery is a delivery with its attempts, as listed.
type Delivery struct {
	ID            string          `json:"id"`
	Event         string          `json:"event"`
	Payload       json.RawMessage `json:"payload"`
	CreatedAt     time.Time       `json:"created_at"`
	Attempts      int             `json:"attempts"`
	NextAttemptAt *time.Time      `json:"next_attempt_at"`
	DeliveredAt   *time.Time      `json:"delivered_at"`
	Log           []Attempt       `json:"log"`
}

// Attempt is one attempt of a delivery. Status is null when the receiver gave none.
type Attempt struct {
	N          int       `json:"n"`
	StartedAt  time.Time `json:"started_at"`
	DurationMs int       `json:"duration_ms"`
	Status     *int      `json:"status"`
	Error      string    `json:"error,omitempty"`
}

// Deliveries lists a subscription's deliveries, newest first, at most
// MaxDeliveriesListed, each with its attempts.
func (s *Store) Deliveries(ctx context.Context, webhook int64) ([]Delivery, error) {
	rows, err := s.db.Query(ctx, `
		SELECT d.id::text, d.event, d.payload, d.created_at, d.attempts,
		       CASE WHEN d.delivered_at IS NULL THEN d.next_attempt_at END, d.delivered_at,
		       coalesce((SELECT json_agg(json_build_object('n', a.n, 'started_at', a.started_at,
		                    'duration_ms', a.duration_ms, 'status', a.status, 'error', a.error) ORDER BY a.n)
		                 FROM webhook_attempts a WHERE a.webhook = d.webhook AND a.delivery = d.id), '[]')
		FROM webhook_deliveries d WHERE d.webhook = $1
		ORDER BY d.created_at DESC, d.id LIMIT $2`, webhook, MaxDeliveriesListed)
	if err != nil {
		return nil, pgdb.Translate(err, "webhook deliveries")
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Delivery, error) {
		var d Delivery
		err := row.Scan(&d.ID, &d.Event, &d.Payload, &d.CreatedAt, &d.Attempts, &d.NextAttemptAt, &d.DeliveredAt, &d.Log)
		return d, err
	})
	return list, pgdb.Translate(err, "webhook deliveries")
}
