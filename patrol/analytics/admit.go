package analytics

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/gridwatch/gridwatch/internal/admission"
	"github.com/gridwatch/gridwatch/internal/auth"
)

// The data an analysis reads, for Versions: cases alone (hot spots, emerging hot spots)
// or cases and patrol coverage (blind zones).
const (
	DataCases  = "cases"
	DataPatrol = "patrol"
)

// Versions tells the version of the data an analysis reads: it changes whenever the data
// does (the map tiles' layer versions do so), so that a result kept under a version is
// the result of computing again.
type Versions interface {
	Version(data string) uint64
}

// Admission bounds the analyses: adm checks each one's cost before any work and runs
// it in its turn (see package admission); versions lets identical analyses of the same
// data share one result, kept while the data does not change. Without it (tests, tools)
// nothing is bounded; without versions only concurrent identical analyses share.
func (s *Store) Admission(adm *admission.Controller, versions Versions) {
	s.admit, s.versions = adm, versions
}

// keptBytes bounds the results kept for later callers (estimated sizes).
const keptBytes = 64 << 20

// shared runs identical analyses once: concurrent callers of one key wait for one
// computation, and its result is kept (within keptBytes) while the version of data does
// not change. The computation runs in its turn (Store.admit), on a context that keeps the
// first caller's values (its token counts the turn) but not its cancellation: a caller
// that goes away does not fail the others. A caller whose ctx ends returns ctx.Err().
// Errors are not kept.
type shared struct {
	group singleflight.Group
	// computations counts the computations started, for metrics and tests.
	computations atomic.Int64

	mu      sync.Mutex
	entries map[string]keptResult
	order   []string
	bytes   int64
}

type keptResult struct {
	v    any
	size int64
}

// share returns the result of compute for key over data, computed at most once per data
// version; size estimates a result's bytes.
func (s *Store) share(ctx context.Context, data, key string, size func(any) int64, compute func(context.Context) (any, error)) (any, error) {
	if s.versions != nil {
		key = data + "@" + strconv.FormatUint(s.versions.Version(data), 10) + "|" + key
	}
	if v, ok := s.kept.get(key); ok {
		return v, nil
	}
	ch := s.kept.group.DoChan(key, func() (any, error) {
		cctx := context.WithoutCancel(ctx)
		release, err := s.admit.Admit(cctx, tokenOf(ctx))
		if err != nil {
			return nil, err
		}
		defer release()
		s.kept.computations.Add(1)
		v, err := compute(cctx)
		if err == nil && s.versions != nil {
			s.kept.keep(key, v, size(v))
		}
		return v, err
	})
	select {
	case res := <-ch:
		return res.Val, res.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Computations returns how many analyses the store has computed (not served from a
// shared or kept result).
func (s *Store) Computations() int64 { return s.kept.computations.Load() }

// tokenOf names the turn-taker of ctx: its token, "" for the server itself.
func tokenOf(ctx context.Context) string {
	if id, ok := auth.FromContext(ctx); ok && id.TokenID != 0 {
		return "token:" + strconv.FormatInt(id.TokenID, 10)
	}
	return ""
}

func (k *shared) get(key string) (any, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.entries[key]
	return e.v, ok
}

// keep stores v, dropping the oldest results beyond keptBytes; a result larger than
// that is not kept.
func (k *shared) keep(key string, v any, size int64) {
	if size > keptBytes {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.entries == nil {
		k.entries = map[string]keptResult{}
	}
	if _, ok := k.entries[key]; ok {
		return
	}
	k.entries[key] = keptResult{v: v, size: size}
	k.order = append(k.order, key)
	k.bytes += size
	for k.bytes > keptBytes && len(k.order) > 0 {
		old := k.order[0]
		k.order = k.order[1:]
		k.bytes -= k.entries[old].size
		delete(k.entries, old)
	}
}

// key is the canonical form of q: the case filter's (with the scope it was confined to)
// and the statistics' parameters.
func (q Query) key() string {
	return q.Filter.String() + "|k=" + strconv.Itoa(q.K) + "|permutations=" + strconv.Itoa(q.Permutations)
}

// stepsKey is the canonical form of an emerging analysis's steps and time_k.
func stepsKey(steps Steps, timeK int) string {
	first, last := steps.Steps[0].From, steps.Steps[len(steps.Steps)-1].To
	return fmt.Sprintf("step=%s|%d|%s|%s|time_k=%d", steps.Unit, len(steps.Steps),
		first.UTC().Format(time.RFC3339Nano), last.UTC().Format(time.RFC3339Nano), timeK)
}
