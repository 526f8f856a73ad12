// Package position stores officers' GPS fixes: filtered, located to an H3 cell, written in
// bulk and idempotently on (officer, time), with patrol coverage and each officer's latest
// position updated in the same transaction. Its HTTP side takes JSON batches, the OsmAnd
// protocol of Traccar Client and GPX files, and serves tracks and stops.
package position

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/coverage"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// Reason codes of rejections made here rather than by the parsers or the filter.
const (
	CodeUnknownOfficer   ingest.Code = "unknown_officer"
	CodeForbiddenOfficer ingest.Code = "forbidden_officer"
)

// Stored is a fix as written: what the live feed sends.
type Stored struct {
	Officer  string    `json:"officer"`
	Township string    `json:"-"`
	Lat      float64   `json:"lat"`
	Lon      float64   `json:"lon"`
	Time     time.Time `json:"time"`
	H3       string    `json:"h3"`
	cell     int64
	fix      ingest.Fix
}

// Result is the answer to an ingest.
type Result struct {
	Accepted   int                `json:"accepted"`
	Duplicates int                `json:"duplicates"`
	Rejected   []ingest.Rejection `json:"rejected"`
	// Stored lists the fixes written, oldest first per officer.
	Stored []Stored `json:"-"`
	// Alarms lists the fixes of known officers that raised an alarm (an SOS) and were
	// refused by the plausibility filter: the alarm still counts, where the phone put it.
	Alarms []Alarm `json:"-"`
}

// Alarm is a device's alarm that came with a fix not stored.
type Alarm struct {
	Officer  string
	Township string
	Point    orb.Point // WGS-84 [lon, lat], as the phone sent it
	Time     time.Time
	Alarm    string
}

// Resolver reads the H3 resolution the city is split at (package grid's Store), on the
// pipeline of the ingest transaction.
type Resolver interface {
	QueueResolution(b *pgx.Batch, dst *int)
}

// Coverage queues ingest's changes to patrol coverage on the pipeline that commits them
// (package coverage's Store).
type Coverage interface {
	QueueAdd(b *pgx.Batch, changes []coverage.Change)
}

// Store writes and reads positions.
type Store struct {
	db       *pgxpool.Pool
	officers *officer.Store
	grid     Resolver
	coverage Coverage
	filter   ingest.FilterConfig
	now      func() time.Time
	group    *committer // nil: every request commits alone

	mu         sync.Mutex
	partitions map[string]bool // UTC days known to have a partition
	// townships remembers each known officer's township, as last read in an ingest
	// transaction, so that the chain read can name it before this transaction's read of
	// the officers answers (see chainTownships).
	townships map[string]string

	// Time spent in each stage of ingest, in nanoseconds, for metrics and benchmarks.
	stageNanos [numStages]atomic.Int64
}

// Stage names a step of ingest whose time is measured.
type Stage int

// The measured stages.
const (
	StageChain  Stage = iota // BEGIN, the officers' locks and their chains around the new fixes: one round trip
	StageFilter              // the filter, duplicates and coverage deltas, in Go
	StageCopy                // COPY of the fixes of a large transaction (small ones go with StageWrite)
	StageWrite               // the fixes of a small transaction, coverage, latest positions and COMMIT: one round trip
	numStages
)

// StageNames are the stages' names, for metrics.
var StageNames = [numStages]string{"chain", "filter", "copy", "write"}

// StageTime returns the total time spent in a stage since the Store was made.
func (s *Store) StageTime(st Stage) time.Duration { return time.Duration(s.stageNanos[st].Load()) }

// timed runs f and adds its duration to the stage.
func (s *Store) timed(st Stage, f func() error) error {
	start := time.Now()
	err := f()
	s.stageNanos[st].Add(int64(time.Since(start)))
	return err
}

// NewStore returns a Store, with group commit at DefaultGroupConfig. filter tunes the
// plausibility checks (zero: defaults).
func NewStore(db *pgxpool.Pool, officers *officer.Store, grid Resolver, cov Coverage, filter ingest.FilterConfig) *Store {
	s := &Store{db: db, officers: officers, grid: grid, coverage: cov, filter: filter, now: time.Now, partitions: map[string]bool{},
		townships: map[string]string{}}
	s.SetGroupCommit(GroupConfig{})
	return s
}

// SetClock replaces the clock that judges future and too-old fixes (tests, demo data).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Ingest checks and stores fixes whose Officer is set; items already refused by a parser
// are passed through as rejections. Rejected items never stop the others. When it
// returns without error everything accepted is committed; on error nothing of this call
// is.
//
// Small calls arriving together share one transaction (group commit, see GroupConfig),
// each answered after the commit holding its fixes, with the same answer it would get
// alone. A call whose ctx ends while it waits returns ctx.Err(); its fixes may still be
// committed, as duplicates-proof as any resent fix.
func (s *Store) Ingest(ctx context.Context, items []ingest.RawFix) (Result, error) {
	r := newRequest(ctx, items)
	if len(r.ids) == 0 {
		return r.answer(nil)
	}
	if s.group == nil || r.fixes > s.group.cfg.MaxRequestFixes {
		return r.answer(s.commit(ctx, []*request{r}))
	}
	s.group.submit(r)
	select {
	case <-r.done:
		return r.answer(r.err)
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// request is one call of Ingest: its items by officer and, once committed, its answer.
type request struct {
	ctx       context.Context
	parsed    []ingest.Rejection // refused by a parser
	byOfficer map[string][]ingest.RawFix
	ids       []string // officers of byOfficer, sorted
	fixes     int      // items in byOfficer
	queued    time.Time

	res     Result
	batches []officerBatch
	err     error
	done    chan struct{}
}

func newRequest(ctx context.Context, items []ingest.RawFix) *request {
	r := &request{ctx: ctx, byOfficer: map[string][]ingest.RawFix{}, done: make(chan struct{})}
	for _, it := range items {
		if it.Reject != nil {
			r.parsed = append(r.parsed, *it.Reject)
			continue
		}
		r.byOfficer[it.Fix.Officer] = append(r.byOfficer[it.Fix.Officer], it)
		r.fixes++
	}
	for id := range r.byOfficer {
		r.ids = append(r.ids, id)
	}
	sort.Strings(r.ids)
	r.reset() // the answer of a request with no fix left to store: the parsers' rejections
	return r
}

// reset starts the answer afresh, with a batch for each officer of the request (a
// transaction run again after a failed one starts from the same items). Which officers
// exist is read in the transaction: see settle.
func (r *request) reset() {
	r.res = Result{Rejected: slices.Clone(r.parsed)}
	if r.res.Rejected == nil {
		r.res.Rejected = []ingest.Rejection{}
	}
	r.batches = r.batches[:0]
	for _, id := range r.ids {
		r.batches = append(r.batches, officerBatch{officer: officer.Officer{ID: id}, items: sortByTime(r.byOfficer[id])})
	}
}

// settle fills in the officers read in the transaction, and rejects the fixes of
// unknown ones: their batches store nothing.
func (r *request) settle(known map[string]officer.Officer) {
	for i := range r.batches {
		b := &r.batches[i]
		o, ok := known[b.officer.ID]
		if ok {
			b.officer = o
			continue
		}
		b.unknown = true
		for _, it := range b.items {
			r.res.Rejected = append(r.res.Rejected, ingest.Rejection{Index: it.Index, Code: CodeUnknownOfficer,
				Message: fmt.Sprintf("no officer %q", b.officer.ID)})
		}
	}
}

// answer returns the request's result after its transaction ended with err.
func (r *request) answer(err error) (Result, error) {
	if err != nil {
		return Result{}, err
	}
	res := r.res
	for _, b := range r.batches {
		res.Rejected = append(res.Rejected, b.rejected...)
		res.Alarms = append(res.Alarms, b.refusedAlarms()...)
		res.Duplicates += len(b.accepted) - len(b.fresh)
		res.Stored = append(res.Stored, b.fresh...)
	}
	res.Accepted = len(res.Stored)
	slices.SortFunc(res.Rejected, func(a, b ingest.Rejection) int { return a.Index - b.Index })
	return res, nil
}

// refusedAlarms returns the alarms of the batch's fixes that the filter refused (none
// for an unknown officer: nobody to raise them for).
func (b *officerBatch) refusedAlarms() []Alarm {
	if b.unknown || len(b.rejected) == 0 {
		return nil
	}
	var out []Alarm
	for _, it := range b.items {
		f := it.Fix
		if f.Alarm == "" || !slices.ContainsFunc(b.rejected, func(r ingest.Rejection) bool { return r.Index == it.Index }) {
			continue
		}
		out = append(out, Alarm{Officer: b.officer.ID, Township: b.officer.Township, Point: f.Point, Time: f.Time, Alarm: f.Alarm})
	}
	return out
}

type officerBatch struct {
	officer officer.Officer // only its ID until the transaction read it
	unknown bool            // no such officer: nothing of the batch is stored
	items   []ingest.RawFix
	// filled in by store
	chainTownship string     // the township the chain was read in ("" = not read)
	anchor        *chainFix  // the stored fix just before the batch's first, if any
	old           []chainFix // stored fixes from the anchor to the one after the batch's last
	accepted      []ingest.Fix
	rejected      []ingest.Rejection
	fresh         []Stored // accepted and not stored yet: written
}

func sortByTime(items []ingest.RawFix) []ingest.RawFix {
	slices.SortStableFunc(items, func(a, b ingest.RawFix) int { return a.Fix.Time.Compare(b.Fix.Time) })
	return items
}

// commit stores the fixes of reqs, whose officers are disjoint, in one transaction.
func (s *Store) commit(ctx context.Context, reqs []*request) error {
	var all []*officerBatch
	for _, r := range reqs {
		r.reset()
		for i := range r.batches {
			all = append(all, &r.batches[i])
		}
	}
	if len(all) == 0 {
		return nil
	}
	slices.SortFunc(all, func(a, b *officerBatch) int { return strings.Compare(a.officer.ID, b.officer.ID) })
	return s.store(ctx, reqs, all)
}

// copyMin is the number of new fixes from which a transaction writes them with COPY, a
// round trip of its own but the fastest way in for many rows; fewer go in one INSERT on
// the pipeline that commits.
const copyMin = 500

// store runs the transaction on one connection in two pipelined round trips (three with
// COPY): BEGIN, read the officers and the city's resolution, lock the officers and read
// each one's chain around the new fixes; then, after filtering in Go, insert, apply
// coverage deltas, move latest positions and COMMIT.
func (s *Store) store(ctx context.Context, reqs []*request, batches []*officerBatch) error {
	if err := s.ensurePartitions(ctx, batches); err != nil {
		return err
	}
	now := s.now()
	conn, err := s.db.Acquire(ctx)
	if err != nil {
		return pgdb.Translate(err, "positions")
	}
	defer conn.Release()
	err = s.transact(ctx, conn.Conn(), reqs, batches, now)
	if err != nil && !conn.Conn().IsClosed() && conn.Conn().PgConn().TxStatus() != 'I' {
		// The pool would drop a connection left in a transaction: end it instead. The
		// rollback must run even when ctx is what ended the transaction.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_, _ = conn.Exec(rctx, "ROLLBACK")
		cancel()
	}
	return pgdb.Translate(err, "positions")
}

func (s *Store) transact(ctx context.Context, conn *pgx.Conn, reqs []*request, batches []*officerBatch, now time.Time) error {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	ids := make([]string, len(batches))
	for i, ob := range batches {
		ids[i] = ob.officer.ID
	}
	known := make(map[string]officer.Officer, len(batches))
	s.officers.QueueMany(b, ids, known)
	var resolution int
	s.grid.QueueResolution(b, &resolution)
	queueLocks(b, batches)
	queueChains(b, s.rememberedTownships(batches))
	if err := s.timed(StageChain, func() error { return conn.SendBatch(ctx, b).Close() }); err != nil {
		return err
	}
	if resolution == 0 {
		resolution = grid.DefaultResolution
	}
	for _, r := range reqs {
		r.settle(known)
	}
	if err := s.rereadChains(ctx, conn, batches); err != nil {
		return err
	}
	var inserted []Stored
	var changes []coverage.Change
	_ = s.timed(StageFilter, func() error {
		for _, ob := range batches {
			if ob.unknown {
				continue
			}
			var prev *ingest.Fix
			if ob.anchor != nil {
				prev = &ingest.Fix{Time: ob.anchor.Time, Point: ob.anchor.Point}
			}
			ob.accepted, ob.rejected = ingest.Filter(ob.items, prev, now, s.filter)
			ob.fresh = newFixes(ob, resolution)
			inserted = append(inserted, ob.fresh...)
		}
		changes = coverageChanges(batches)
		return nil
	})
	b = &pgx.Batch{}
	if len(inserted) >= copyMin {
		if err := s.timed(StageCopy, func() error { return copyPositions(ctx, conn, inserted) }); err != nil {
			return err
		}
	} else {
		queueInsert(b, inserted)
	}
	s.coverage.QueueAdd(b, changes)
	queueLatest(b, inserted)
	b.Queue("COMMIT")
	return s.timed(StageWrite, func() error { return conn.SendBatch(ctx, b).Close() })
}

// rememberedTownships sets each batch's chain township to its officer's remembered one
// ("" for an officer not seen yet) and returns the batches.
func (s *Store) rememberedTownships(batches []*officerBatch) []*officerBatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ob := range batches {
		ob.chainTownship = s.townships[ob.officer.ID]
	}
	return batches
}

// rereadChains reads again, in the transaction and under its locks, the chains that were
// read in another township than the officer's (an officer seen for the first time, or
// moved), and remembers every known officer's township. In the usual case every chain
// was read in the right township and this costs no round trip.
func (s *Store) rereadChains(ctx context.Context, conn *pgx.Conn, batches []*officerBatch) error {
	var again []*officerBatch
	s.mu.Lock()
	for _, ob := range batches {
		if ob.unknown {
			continue
		}
		s.townships[ob.officer.ID] = ob.officer.Township
		if ob.chainTownship != ob.officer.Township {
			ob.chainTownship = ob.officer.Township
			again = append(again, ob)
		}
	}
	s.mu.Unlock()
	if len(again) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	queueChains(b, again)
	return s.timed(StageChain, func() error { return conn.SendBatch(ctx, b).Close() })
}

// queueLocks serialises ingest per officer, so that two transactions of one officer
// never compute coverage from the same stale chain. Locks are taken in one order: no
// deadlock.
func queueLocks(b *pgx.Batch, batches []*officerBatch) {
	ids := make([]string, len(batches))
	for i, ob := range batches {
		ids[i] = ob.officer.ID
	}
	b.Queue(`
		SELECT pg_advisory_xact_lock(k)
		FROM (SELECT DISTINCT hashtextextended('officer:' || o, 0) AS k FROM unnest($1::text[]) o ORDER BY k) s`, ids)
}

// ensurePartitions creates the daily partitions the fixes fall in, outside the ingest
// transaction, once per day per process.
func (s *Store) ensurePartitions(ctx context.Context, batches []*officerBatch) error {
	var lo, hi time.Time
	missing := false
	s.mu.Lock()
	for _, b := range batches {
		for _, it := range b.items {
			t := it.Fix.Time.UTC()
			day := t.Format(time.DateOnly)
			if s.partitions[day] {
				continue
			}
			missing = true
			if lo.IsZero() || t.Before(lo) {
				lo = t
			}
			if t.After(hi) {
				hi = t
			}
		}
	}
	s.mu.Unlock()
	if !missing {
		return nil
	}
	// Only days within the filter's window can be stored; others are rejected later.
	floor := s.now().Add(-s.filter.WithDefaults().MaxAge - 24*time.Hour)
	ceil := s.now().Add(s.filter.WithDefaults().FutureTolerance + 24*time.Hour)
	lo, hi = maxTime(lo, floor), minTime(hi, ceil)
	if hi.Before(lo) {
		return nil
	}
	if err := s.EnsurePartitions(ctx, lo, hi); err != nil {
		return err
	}
	s.mu.Lock()
	for d := lo.UTC().Truncate(24 * time.Hour); !d.After(hi); d = d.Add(24 * time.Hour) {
		s.partitions[d.Format(time.DateOnly)] = true
	}
	s.mu.Unlock()
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
