package cases

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Attachment is a piece of evidence to record in a case's history: one evidence event
// carrying the SHA-256 of the file (or link) it names. The owner of the evidence records
// keeps the rest (package evidence).
type Attachment struct {
	SHA256 string // lower-case hex of the file's (or the link's) SHA-256
	// Note describes the evidence in the history (kind, size, capture time, checks); the
	// event's hash covers it.
	Note string
	// Lat, Lon are the capture position (WGS-84), nil when none was declared.
	Lat, Lon *float64
}

// Recorder writes the evidence owner's records of attachments in the transaction that
// appends their events; events[i] is the event of the i-th attachment. An error rolls
// everything back: no event without its record.
type Recorder func(ctx context.Context, tx pgx.Tx, c Case, events []Event) error

// EvidenceChecker says whether an evidence event's file still holds the bytes its hash
// names (package evidence's Store).
type EvidenceChecker interface {
	// Check returns "" when the evidence of e is intact, otherwise why it is not (the
	// file is missing or changed, the record is gone).
	Check(ctx context.Context, e Event) (string, error)
}

// UseEvidence makes Verify check evidence files through c.
func (s *Store) UseEvidence(c EvidenceChecker) { s.evidence = c }

// maxAttachments caps the evidence events of one call.
const maxAttachments = 100

func checkAttachments(list []Attachment) error {
	if len(list) == 0 || len(list) > maxAttachments {
		return apperr.Invalidf("1 to %d pieces of evidence at a time", maxAttachments)
	}
	for _, a := range list {
		if b, err := hex.DecodeString(a.SHA256); err != nil || len(b) != 32 || hex.EncodeToString(b) != a.SHA256 {
			return apperr.Invalidf("evidence hash %q is not a lower-case hex SHA-256", a.SHA256)
		}
		if len(a.Note) > 2000 {
			return apperr.Invalidf("the evidence note is longer than 2,000 bytes")
		}
	}
	return nil
}

// AppendEvidence appends an evidence event per attachment to a case's history and calls
// record with them, all in one transaction under the case's row lock. Who may: as for
// the case's events (admins, supervisors of its township, the assigned officer). The
// status does not change; a closed case takes no more evidence. Errors: not_found;
// forbidden; invalid (bad hashes); conflict (the case is closed); those of record.
func (s *Store) AppendEvidence(ctx context.Context, who auth.Identity, id int64, list []Attachment, record Recorder) (Case, []Event, error) {
	if err := checkAttachments(list); err != nil {
		return Case{}, nil, err
	}
	key, err := s.keyOf(ctx, id)
	if err != nil {
		return Case{}, nil, err
	}
	var c Case
	var events []Event
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) (err error) {
		if c, err = lockCase(ctx, tx, key, id); err != nil {
			return err
		}
		if err := mayAct(who, c, EventEvidence); err != nil {
			return err
		}
		if c.Status == StatusClosed {
			return apperr.Conflictf("case %d is closed: it takes no more evidence", id)
		}
		if events, err = s.appendAttachments(ctx, tx, who, c, list); err != nil {
			return err
		}
		return record(ctx, tx, c, events)
	})
	if err != nil {
		return Case{}, nil, pgdb.Translate(err, fmt.Sprintf("case %d", id))
	}
	return c, events, nil
}

// CreateWithEvidence is Create followed, in the same transaction, by an evidence event
// per attachment and record: for intake that brings its media (Open311). Errors: those
// of Create and of record; invalid (bad hashes).
func (s *Store) CreateWithEvidence(ctx context.Context, who auth.Identity, nc NewCase, list []Attachment, record Recorder) (Case, []Event, error) {
	if len(list) == 0 {
		c, err := s.Create(ctx, who, nc)
		return c, nil, err
	}
	if err := checkAttachments(list); err != nil {
		return Case{}, nil, err
	}
	var events []Event
	c, err := s.create(ctx, who, nc, nil, func(ctx context.Context, tx pgx.Tx, c Case) (err error) {
		if events, err = s.appendAttachments(ctx, tx, who, c, list); err != nil {
			return err
		}
		return record(ctx, tx, c, events)
	})
	return c, events, err
}

// appendAttachments appends the evidence events of list to case c; the caller holds the
// case's row lock (or has just created it).
func (s *Store) appendAttachments(ctx context.Context, tx pgx.Tx, who auth.Identity, c Case, list []Attachment) ([]Event, error) {
	now := s.now()
	if now.Before(c.ReportedAt) {
		now = c.ReportedAt
	}
	events := make([]Event, 0, len(list))
	for _, a := range list {
		hash := a.SHA256
		e := Event{CaseID: c.ID, Type: EventEvidence, Status: c.Status, Actor: who.Name, ActorRole: string(who.Role),
			Officer: c.Officer, Note: a.Note, At: now, Lat: a.Lat, Lon: a.Lon, Evidence: &hash, TownshipKey: c.TownshipKey()}
		if err := s.appendEvent(ctx, tx, c, e); err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	// appendEvent numbers and hashes the events: read them back as stored.
	rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM case_events WHERE township_key = $1 AND case_id = $2
		ORDER BY seq DESC LIMIT $3`, c.TownshipKey(), c.ID, len(list))
	if err != nil {
		return nil, err
	}
	stored, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return nil, err
	}
	for i := range stored {
		events[len(stored)-1-i] = stored[i]
	}
	return events, nil
}
