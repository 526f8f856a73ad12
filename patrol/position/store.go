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
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
}

// Resolver tells the H3 resolution the city is split at (package grid's Store).
type Resolver interface {
	Resolution(ctx context.Context) (int, error)
}

// Coverage adds ingest's changes to patrol coverage inside its transaction (package
// coverage's Store).
type Coverage interface {
	Add(ctx context.Context, tx pgx.Tx, changes []coverage.Change) error
}

// Store writes and reads positions.
type Store struct {
	db       *pgxpool.Pool
	officers *officer.Store
	grid     Resolver
	coverage Coverage
	filter   ingest.FilterConfig
	now      func() time.Time

	mu         sync.Mutex
	partitions map[string]bool // UTC days known to have a partition

	// Time spent in each stage of ingest, in nanoseconds, for metrics and benchmarks.
	stageNanos [numStages]atomic.Int64
}

// Stage names a step of ingest whose time is measured.
type Stage int

// The measured stages.
const (
	StageChain    Stage = iota // reading each officer's chain around the new fixes
	StageInsert                // writing the fixes
	StageCoverage              // applying coverage deltas
	StageLatest                // moving latest positions
	numStages
)

// StageNames are the stages' names, for metrics.
var StageNames = [numStages]string{"chain", "insert", "coverage", "latest"}

// StageTime returns the total time spent in a stage since the Store was made.
func (s *Store) StageTime(st Stage) time.Duration { return time.Duration(s.stageNanos[st].Load()) }

// timed runs f and adds its duration to the stage.
func (s *Store) timed(st Stage, f func() error) error {
	start := time.Now()
	err := f()
	s.stageNanos[st].Add(int64(time.Since(start)))
	return err
}

// NewStore returns a Store. filter tunes the plausibility checks (zero: defaults).
func NewStore(db *pgxpool.Pool, officers *officer.Store, grid Resolver, cov Coverage, filter ingest.FilterConfig) *Store {
	return &Store{db: db, officers: officers, grid: grid, coverage: cov, filter: filter, now: time.Now, partitions: map[string]bool{}}
}

// SetClock replaces the clock that judges future and too-old fixes (tests, demo data).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Ingest checks and stores fixes whose Officer is set; items already refused by a parser
// are passed through as rejections. Rejected items never stop the others. When it
// returns without error everything accepted is committed; on error nothing is.
func (s *Store) Ingest(ctx context.Context, items []ingest.RawFix) (Result, error) {
	res := Result{Rejected: []ingest.Rejection{}}
	byOfficer := map[string][]ingest.RawFix{}
	for _, it := range items {
		if it.Reject != nil {
			res.Rejected = append(res.Rejected, *it.Reject)
			continue
		}
		byOfficer[it.Fix.Officer] = append(byOfficer[it.Fix.Officer], it)
	}
	ids := make([]string, 0, len(byOfficer))
	for id := range byOfficer {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	known, err := s.officers.Many(ctx, ids)
	if err != nil {
		return Result{}, err
	}
	var batches []officerBatch
	for _, id := range ids {
		o, ok := known[id]
		if !ok {
			for _, it := range byOfficer[id] {
				res.Rejected = append(res.Rejected, ingest.Rejection{Index: it.Index, Code: CodeUnknownOfficer,
					Message: fmt.Sprintf("no officer %q", id)})
			}
			continue
		}
		batches = append(batches, officerBatch{officer: o, items: sortByTime(byOfficer[id])})
	}
	if len(batches) > 0 {
		if err := s.store(ctx, batches, &res); err != nil {
			return Result{}, err
		}
	}
	slices.SortFunc(res.Rejected, func(a, b ingest.Rejection) int { return a.Index - b.Index })
	return res, nil
}

type officerBatch struct {
	officer officer.Officer
	items   []ingest.RawFix
	// filled in by store
	anchor   *chainFix  // the stored fix just before the batch's first, if any
	old      []chainFix // stored fixes from the anchor to the one after the batch's last
	accepted []ingest.Fix
}

func sortByTime(items []ingest.RawFix) []ingest.RawFix {
	slices.SortStableFunc(items, func(a, b ingest.RawFix) int { return a.Fix.Time.Compare(b.Fix.Time) })
	return items
}

// store runs the transaction: lock the officers, read each one's chain around the new
// fixes, filter, insert, apply coverage deltas, move latest positions.
func (s *Store) store(ctx context.Context, batches []officerBatch, res *Result) error {
	resolution, err := s.grid.Resolution(ctx)
	if err != nil {
		return err
	}
	if resolution == 0 {
		resolution = grid.DefaultResolution
	}
	if err := s.ensurePartitions(ctx, batches); err != nil {
		return err
	}
	now := s.now()
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := lockOfficers(ctx, tx, batches); err != nil {
			return err
		}
		if err := s.timed(StageChain, func() error { return loadChains(ctx, tx, batches) }); err != nil {
			return err
		}
		var inserted []Stored
		for i := range batches {
			b := &batches[i]
			var prev *ingest.Fix
			if b.anchor != nil {
				prev = &ingest.Fix{Time: b.anchor.Time, Point: b.anchor.Point}
			}
			accepted, rejected := ingest.Filter(b.items, prev, now, s.filter)
			res.Rejected = append(res.Rejected, rejected...)
			b.accepted = accepted
			fresh := newFixes(b, resolution)
			res.Duplicates += len(accepted) - len(fresh)
			inserted = append(inserted, fresh...)
		}
		if err := s.timed(StageInsert, func() error { return copyPositions(ctx, tx, inserted) }); err != nil {
			return err
		}
		res.Accepted = len(inserted)
		res.Stored = inserted
		if err := s.timed(StageCoverage, func() error { return s.coverage.Add(ctx, tx, coverageChanges(batches, inserted)) }); err != nil {
			return err
		}
		return s.timed(StageLatest, func() error { return updateLatest(ctx, tx, inserted) })
	})
	return pgdb.Translate(err, "positions")
}

// lockOfficers serialises ingest per officer, so that two batches of one officer never
// compute coverage from the same stale chain. Locks are taken in one order: no deadlock.
func lockOfficers(ctx context.Context, tx pgx.Tx, batches []officerBatch) error {
	ids := make([]string, len(batches))
	for i, b := range batches {
		ids[i] = b.officer.ID
	}
	_, err := tx.Exec(ctx, `
		SELECT pg_advisory_xact_lock(k)
		FROM (SELECT DISTINCT hashtextextended('officer:' || o, 0) AS k FROM unnest($1::text[]) o ORDER BY k) s`, ids)
	return err
}

// ensurePartitions creates the daily partitions the fixes fall in, outside the ingest
// transaction, once per day per process.
func (s *Store) ensurePartitions(ctx context.Context, batches []officerBatch) error {
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
