package evidence

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Tasks gives access to inspection tasks, whose results carry evidence of their own
// (package inspection's Store).
type Tasks interface {
	// WithOpenTask calls record in a transaction holding task id's row lock, when who may
	// record the task's result and none is recorded yet. Errors: not_found, forbidden,
	// conflict (the result is recorded); those of record.
	WithOpenTask(ctx context.Context, who auth.Identity, id int64, record func(ctx context.Context, tx pgx.Tx) error) error
	// MayReadTask returns nil when who may read task id. Errors: not_found, forbidden.
	MayReadTask(ctx context.Context, who auth.Identity, id int64) error
}

// UseTasks lets the store keep the evidence of inspection tasks through t.
func (s *Store) UseTasks(t Tasks) { s.tasks = t }

func (s *Store) taskAccess() (Tasks, error) {
	if s.tasks == nil {
		return nil, fmt.Errorf("evidence: no inspection tasks configured (UseTasks)")
	}
	return s.tasks, nil
}

// AddToTask keeps staged files as evidence of an inspection task's result, of any outcome:
// their capture positions are checked against the uploader's track, the files moved into
// place, then their records written under the task's lock while it has no result (the
// result freezes its evidence). Errors: not_found, forbidden, conflict (as WithOpenTask).
func (s *Store) AddToTask(ctx context.Context, who auth.Identity, task int64, ups []Upload) ([]Record, error) {
	tasks, err := s.taskAccess()
	if err != nil {
		return nil, err
	}
	recs, err := s.records(ctx, who, ups)
	if err != nil {
		return nil, err
	}
	err = tasks.WithOpenTask(ctx, who, task, func(ctx context.Context, tx pgx.Tx) error {
		var last int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(n), 0) FROM task_evidence WHERE task = $1`, task).Scan(&last); err != nil {
			return err
		}
		for i := range recs {
			r := &recs[i]
			r.Task, r.Seq = task, last+1+i
			sum, _ := hex.DecodeString(r.SHA256)
			_, err := tx.Exec(ctx, `
				INSERT INTO task_evidence (task, n, sha256, kind, size_bytes, content_type, filename, captured_at, lon, lat,
					mock_location, position_check, distance_m, uploader, officer, uploaded_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
				task, r.Seq, sum, r.Kind, r.SizeBytes, r.ContentType, r.Filename, r.CapturedAt, r.Lon, r.Lat,
				r.MockLocation, r.PositionCheck, r.DistanceM, r.Uploader, r.Officer, r.UploadedAt)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, pgdb.Translate(err, fmt.Sprintf("evidence of inspection task %d", task))
	}
	return recs, nil
}

// taskRecordColumns reads a task_evidence row in the order of recordColumns, the task in
// place of the case (moved by scanTaskRecord).
const taskRecordColumns = `task, n, sha256, kind, size_bytes, content_type, filename, NULL::text, captured_at, lat, lon,
	mock_location, position_check, distance_m, uploader, officer, uploaded_at`

func scanTaskRecord(row pgx.CollectableRow) (Record, error) {
	r, err := scanRecord(row)
	r.Task, r.Case = r.Case, 0
	return r, err
}

// taskRecords reads the evidence of tasks, by task then number.
func (s *Store) taskRecords(ctx context.Context, tasks []int64) ([]Record, error) {
	rows, err := s.db.Query(ctx, `SELECT `+taskRecordColumns+` FROM task_evidence WHERE task = ANY($1) ORDER BY task, n`, tasks)
	if err != nil {
		return nil, pgdb.Translate(err, "task evidence")
	}
	list, err := pgx.CollectRows(rows, scanTaskRecord)
	return list, pgdb.Translate(err, "task evidence")
}

// TaskList returns the evidence of an inspection task in the order it was added. Errors:
// not_found, forbidden (as reading the task).
func (s *Store) TaskList(ctx context.Context, who auth.Identity, task int64) ([]Record, error) {
	tasks, err := s.taskAccess()
	if err != nil {
		return nil, err
	}
	if err := tasks.MayReadTask(ctx, who, task); err != nil {
		return nil, err
	}
	return s.taskRecords(ctx, []int64{task})
}

// TaskHashes returns the hex SHA-256 of each task's evidence, in order, by task; a task
// with none is absent. For the public record, which shows the hashes, not the files.
func (s *Store) TaskHashes(ctx context.Context, tasks []int64) (map[int64][]string, error) {
	list, err := s.taskRecords(ctx, tasks)
	if err != nil {
		return nil, err
	}
	out := map[int64][]string{}
	for _, r := range list {
		out[r.Task] = append(out[r.Task], r.SHA256)
	}
	return out, nil
}

// TaskVerification says whether an inspection task's evidence files are intact.
type TaskVerification struct {
	Task     int64    `json:"task"`
	Files    int      `json:"files"`
	OK       bool     `json:"ok"`
	Problems []string `json:"problems"` // one per file missing or changed, naming it
}

// VerifyTask re-hashes each evidence file of an inspection task. Errors: not_found,
// forbidden (as reading the task); the file system's.
func (s *Store) VerifyTask(ctx context.Context, who auth.Identity, task int64) (TaskVerification, error) {
	list, err := s.TaskList(ctx, who, task)
	if err != nil {
		return TaskVerification{}, err
	}
	v := TaskVerification{Task: task, Files: len(list), Problems: []string{}}
	for _, r := range list {
		problem, err := s.checkFile(r.SHA256)
		if err != nil {
			return TaskVerification{}, fmt.Errorf("check evidence %d of task %d: %w", r.Seq, task, err)
		}
		if problem != "" {
			v.Problems = append(v.Problems, fmt.Sprintf("evidence %d: %s", r.Seq, problem))
		}
	}
	v.OK = len(v.Problems) == 0
	return v, nil
}

// taskFile returns a record of the file of sum (raw SHA-256) held by a task who may read.
// Errors: not_found (no task holds it); forbidden (none of those who may read).
func (s *Store) taskFile(ctx context.Context, who auth.Identity, raw []byte) (Record, error) {
	rows, err := s.db.Query(ctx, `SELECT `+taskRecordColumns+` FROM task_evidence WHERE sha256 = $1 ORDER BY task, n`, raw)
	if err != nil {
		return Record{}, pgdb.Translate(err, "task evidence")
	}
	list, err := pgx.CollectRows(rows, scanTaskRecord)
	if err != nil {
		return Record{}, pgdb.Translate(err, "task evidence")
	}
	if len(list) == 0 || s.tasks == nil {
		return Record{}, apperr.NotFoundf("no evidence file %x", raw)
	}
	var denied error
	for _, r := range list {
		err := s.tasks.MayReadTask(ctx, who, r.Task)
		if err == nil {
			return r, nil
		}
		if apperr.CodeOf(err) != apperr.Forbidden {
			return Record{}, err
		}
		denied = err
	}
	return Record{}, denied
}
