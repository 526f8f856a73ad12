package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/track"
)

// Cases reads cases and appends evidence events to their history (package cases' Store).
type Cases interface {
	Get(ctx context.Context, who auth.Identity, id int64) (cases.Case, error)
	AppendEvidence(ctx context.Context, who auth.Identity, id int64, list []cases.Attachment, record cases.Recorder) (cases.Case, []cases.Event, error)
	CreateWithEvidence(ctx context.Context, who auth.Identity, nc cases.NewCase, list []cases.Attachment, record cases.Recorder) (cases.Case, []cases.Event, error)
}

// Tracks reads an officer's fixes (package position's Store).
type Tracks interface {
	Points(ctx context.Context, officerID string, from, to time.Time) ([]track.Point, error)
}

// Record is a piece of evidence as kept.
type Record struct {
	Case int64 `json:"case,omitempty"` // the case's evidence
	Task int64 `json:"task,omitempty"` // or an inspection task's (TaskStore)
	// Seq is its evidence event in the case's history, or its number among the task's
	// evidence.
	Seq           int            `json:"seq"`
	SHA256        string         `json:"sha256"`
	Kind          Kind           `json:"kind"`
	SizeBytes     int64          `json:"size_bytes"`
	ContentType   string         `json:"content_type"`
	Filename      string         `json:"filename"`
	URL           *string        `json:"url"` // links only
	CapturedAt    *time.Time     `json:"captured_at"`
	Lat           *float64       `json:"lat"` // capture position, WGS-84
	Lon           *float64       `json:"lon"`
	MockLocation  *bool          `json:"mock_location"`  // the device's flag; nil when not sent
	PositionCheck *PositionCheck `json:"position_check"` // nil without a capture position
	DistanceM     *float64       `json:"distance_m"`     // to the track at the capture time
	Uploader      string         `json:"uploader"`       // the token's name
	Officer       *string        `json:"officer"`        // the uploader's officer, whose track was checked
	UploadedAt    time.Time      `json:"uploaded_at"`
}

// Upload is a staged file with what was declared about it.
type Upload struct {
	File        *Staged
	Kind        Kind
	ContentType string
	Filename    string
	CapturedAt  *time.Time
	Lat, Lon    *float64 // WGS-84
	Mock        *bool
}

// Store keeps evidence records in PostgreSQL and their files in Blobs.
type Store struct {
	db     *pgxpool.Pool
	blobs  *Blobs
	cases  Cases
	tracks Tracks
	tasks  Tasks // nil until UseTasks
	now    func() time.Time
}

// NewStore returns a Store.
func NewStore(db *pgxpool.Pool, blobs *Blobs, cs Cases, tracks Tracks) *Store {
	return &Store{db: db, blobs: blobs, cases: cs, tracks: tracks, now: time.Now}
}

// Blobs returns the store's files.
func (s *Store) Blobs() *Blobs { return s.blobs }

// Add keeps staged files as evidence of a case: their capture positions are checked
// against the uploader's track, the files moved into place, then an evidence event per
// file appended and its record written in one transaction. A file in place whose
// transaction failed is unreferenced, never recorded without its file. Errors: those of
// cases' AppendEvidence (not_found, forbidden, conflict); the store's.
func (s *Store) Add(ctx context.Context, who auth.Identity, caseID int64, ups []Upload) ([]Record, error) {
	recs, err := s.records(ctx, who, ups)
	if err != nil {
		return nil, err
	}
	atts := make([]cases.Attachment, len(recs))
	for i := range recs {
		recs[i].Case = caseID
		r := recs[i]
		atts[i] = cases.Attachment{SHA256: r.SHA256, Note: note(r), Lat: r.Lat, Lon: r.Lon}
	}
	_, events, err := s.cases.AppendEvidence(ctx, who, caseID, atts, func(ctx context.Context, tx pgx.Tx, _ cases.Case, events []cases.Event) error {
		return insert(ctx, tx, recs, events)
	})
	if err != nil {
		return nil, err
	}
	for i := range recs {
		recs[i].Seq = events[i].Seq
	}
	return recs, nil
}

// records makes the records of staged files uploaded by who, their capture positions
// checked against who's track, and moves the files into place.
func (s *Store) records(ctx context.Context, who auth.Identity, ups []Upload) ([]Record, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	recs := make([]Record, len(ups))
	for i, u := range ups {
		r := Record{SHA256: u.File.SHA256, Kind: u.Kind, SizeBytes: u.File.Size, ContentType: u.ContentType,
			Filename: u.Filename, CapturedAt: u.CapturedAt, Lat: u.Lat, Lon: u.Lon, MockLocation: u.Mock,
			Uploader: who.Name, UploadedAt: now}
		if who.Officer != "" {
			o := who.Officer
			r.Officer = &o
		}
		if err := s.checkPosition(ctx, &r, now); err != nil {
			return nil, err
		}
		recs[i] = r
	}
	for _, u := range ups {
		if err := s.blobs.Commit(u.File); err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// checkPosition fills the position check of a record with a capture position: against
// the track of the uploader's officer at the capture time (the upload time when none was
// declared); no_track for a token that acts for no officer.
func (s *Store) checkPosition(ctx context.Context, r *Record, now time.Time) error {
	if r.Lat == nil {
		return nil
	}
	check, d := PositionNoTrack, math.NaN()
	if r.Officer != nil {
		at := now
		if r.CapturedAt != nil {
			at = *r.CapturedAt
		}
		fixes, err := s.tracks.Points(ctx, *r.Officer, at.Add(-TrackWindow), at.Add(TrackWindow+time.Microsecond))
		if err != nil {
			return err
		}
		check, d = CheckPosition(fixes, at, orb.Point{*r.Lon, *r.Lat})
	}
	r.PositionCheck = &check
	if !math.IsNaN(d) {
		d = math.Round(d*10) / 10
		r.DistanceM = &d
	}
	return nil
}

// note describes a record in its evidence event; the event's hash covers it.
func note(r Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s, %d bytes", r.Kind, r.ContentType, r.SizeBytes)
	if r.URL != nil {
		fmt.Fprintf(&b, ", %s", *r.URL)
	}
	if r.Filename != "" {
		fmt.Fprintf(&b, ", file %q", r.Filename)
	}
	if r.CapturedAt != nil {
		fmt.Fprintf(&b, "; captured %s", r.CapturedAt.UTC().Format(time.RFC3339Nano))
	}
	if r.PositionCheck != nil {
		fmt.Fprintf(&b, "; position %s", *r.PositionCheck)
		if r.DistanceM != nil {
			fmt.Fprintf(&b, " (%.1f m from the track)", *r.DistanceM)
		}
	}
	if r.MockLocation != nil {
		fmt.Fprintf(&b, "; mock location %t", *r.MockLocation)
	}
	return b.String()
}

// insert writes the records of the evidence events appended for them.
func insert(ctx context.Context, tx pgx.Tx, recs []Record, events []cases.Event) error {
	if len(events) != len(recs) {
		return fmt.Errorf("evidence: %d events for %d records", len(events), len(recs))
	}
	for i, r := range recs {
		sum, _ := hex.DecodeString(r.SHA256)
		_, err := tx.Exec(ctx, `
			INSERT INTO evidence (case_id, seq, sha256, kind, size_bytes, content_type, filename, url, captured_at, lon, lat,
				mock_location, position_check, distance_m, uploader, officer, uploaded_at, township_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
			events[i].CaseID, events[i].Seq, sum, r.Kind, r.SizeBytes, r.ContentType, r.Filename, r.URL, r.CapturedAt,
			r.Lon, r.Lat, r.MockLocation, r.PositionCheck, r.DistanceM, r.Uploader, r.Officer, r.UploadedAt, events[i].TownshipKey)
		if err != nil {
			return err
		}
	}
	return nil
}

// LinkSHA256 is the hash by which a link is kept: the SHA-256 of the URL's bytes.
func LinkSHA256(url string) string {
	sum := sha256.Sum256([]byte(url))
	return hex.EncodeToString(sum[:])
}

const recordColumns = `case_id, seq, sha256, kind, size_bytes, content_type, filename, url, captured_at, lat, lon,
	mock_location, position_check, distance_m, uploader, officer, uploaded_at`

func scanRecord(row pgx.CollectableRow) (Record, error) {
	var r Record
	var sum []byte
	err := row.Scan(&r.Case, &r.Seq, &sum, &r.Kind, &r.SizeBytes, &r.ContentType, &r.Filename, &r.URL, &r.CapturedAt,
		&r.Lat, &r.Lon, &r.MockLocation, &r.PositionCheck, &r.DistanceM, &r.Uploader, &r.Officer, &r.UploadedAt)
	r.SHA256 = hex.EncodeToString(sum)
	return r, err
}

// List returns the evidence of a case in the order of its history. Errors: not_found,
// forbidden (as reading the case).
func (s *Store) List(ctx context.Context, who auth.Identity, caseID int64) ([]Record, error) {
	c, err := s.cases.Get(ctx, who, caseID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+recordColumns+` FROM evidence WHERE township_key = $1 AND case_id = $2 ORDER BY seq`,
		c.TownshipKey(), caseID)
	if err != nil {
		return nil, pgdb.Translate(err, "evidence")
	}
	list, err := pgx.CollectRows(rows, scanRecord)
	return list, pgdb.Translate(err, "evidence")
}

// File returns a record of the file of a hex SHA-256 that the caller may read (through a
// case or an inspection task it may read). Errors: not_found (no such file, or a link);
// forbidden (the caller may read none of the cases and tasks holding it).
func (s *Store) File(ctx context.Context, who auth.Identity, sum string) (Record, error) {
	raw, err := hex.DecodeString(sum)
	if err != nil || len(raw) != 32 {
		return Record{}, apperr.NotFoundf("no evidence file %q: files are named by their hex SHA-256", sum)
	}
	rows, err := s.db.Query(ctx, `SELECT `+recordColumns+` FROM evidence WHERE sha256 = $1 AND kind <> 'link' ORDER BY case_id, seq`, raw)
	if err != nil {
		return Record{}, pgdb.Translate(err, "evidence")
	}
	list, err := pgx.CollectRows(rows, scanRecord)
	if err != nil {
		return Record{}, pgdb.Translate(err, "evidence")
	}
	var denied error
	for _, r := range list {
		_, err := s.cases.Get(ctx, who, r.Case)
		if err == nil {
			return r, nil
		}
		if apperr.CodeOf(err) != apperr.Forbidden {
			return Record{}, err
		}
		denied = err
	}
	// The evidence of an inspection task, to those who may read the task.
	r, err := s.taskFile(ctx, who, raw)
	switch code := apperr.CodeOf(err); {
	case err == nil:
		return r, nil
	case code == apperr.NotFound && denied == nil:
		return Record{}, apperr.NotFoundf("no evidence file %s", sum)
	case code == apperr.Forbidden:
		denied = err
	case code != apperr.NotFound:
		return Record{}, err
	}
	return Record{}, apperr.Forbiddenf("evidence file %s belongs to no case or inspection task this token may read: %s",
		sum, apperr.MessageOf(denied))
}

// Check says whether the evidence of event e is intact: its record exists with the
// event's hash, and its file is in the store with bytes of that hash (a link: its URL
// has that hash). It returns "" when intact, otherwise why not. Errors: the database's
// and the file system's.
func (s *Store) Check(ctx context.Context, e cases.Event) (string, error) {
	if e.Evidence == nil {
		return "", nil
	}
	sum := *e.Evidence
	rows, err := s.db.Query(ctx, `SELECT `+recordColumns+` FROM evidence WHERE township_key = $1 AND case_id = $2 AND seq = $3`,
		e.TownshipKey, e.CaseID, e.Seq)
	if err != nil {
		return "", pgdb.Translate(err, "evidence")
	}
	list, err := pgx.CollectRows(rows, scanRecord)
	if err != nil {
		return "", pgdb.Translate(err, "evidence")
	}
	switch {
	case len(list) == 0:
		return fmt.Sprintf("evidence %s has no record", sum), nil
	case list[0].SHA256 != sum:
		return fmt.Sprintf("evidence record names %s, the event %s", list[0].SHA256, sum), nil
	case list[0].Kind == Link:
		if got := LinkSHA256(*list[0].URL); got != sum {
			return fmt.Sprintf("link evidence %s: its URL hashes to %s", sum, got), nil
		}
		return "", nil
	}
	return s.checkFile(sum)
}

// checkFile says whether the stored file of a hex SHA-256 still holds bytes of that
// hash: "" when it does, otherwise why not.
func (s *Store) checkFile(sum string) (string, error) {
	got, err := s.blobs.Rehash(sum)
	if apperr.CodeOf(err) == apperr.NotFound {
		return fmt.Sprintf("evidence file %s is missing from the store", sum), nil
	}
	if err != nil {
		return "", err
	}
	if got != sum {
		return fmt.Sprintf("evidence file %s was changed: its bytes now hash to %s", sum, got), nil
	}
	return "", nil
}
