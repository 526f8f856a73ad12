package bench

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"time"
)

// The soak records latencies in histograms of fixed size rather than in growing slices:
// a soak watches the process's memory over time, and its own bookkeeping must not look
// like a leak.
//
// Buckets are 1 µs wide below 128 µs; above, each power of two is cut into 64 equal
// buckets, so a bucket is at most 1/64 (1.6 %) of its values wide.
const (
	histSubBits = 6                                             // 64 sub-buckets per power of two
	histMaxExp  = 40                                            // values up to 2^40 µs (12 days)
	histBuckets = (histMaxExp - histSubBits + 1) << histSubBits // every value below 2^histMaxExp µs
)

// histogram counts durations. The zero value is empty and ready to use.
type histogram struct {
	counts [histBuckets]uint64
	n      uint64
	max    time.Duration
}

// histBucket returns the bucket of a duration of us microseconds.
func histBucket(us uint64) int {
	us = min(us, 1<<histMaxExp-1)
	e := max(0, bits.Len64(us)-(histSubBits+1))
	return e<<histSubBits + int(us>>e)
}

// histUpper returns the largest duration, in microseconds, that falls into bucket i.
func histUpper(i int) uint64 {
	if i < 2<<histSubBits {
		return uint64(i)
	}
	e := i>>histSubBits - 1
	m := uint64(i - e<<histSubBits)
	return (m+1)<<e - 1
}

// add counts one duration; negative durations count as zero.
func (h *histogram) add(d time.Duration) {
	us := uint64(max(d, 0) / time.Microsecond)
	h.counts[histBucket(us)]++
	h.n++
	h.max = max(h.max, d)
}

// merge adds o's counts to h.
func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// percentile returns the p-th percentile (0 < p ≤ 100) by the nearest-rank method, as
// the upper edge of the bucket holding it (never above the largest value seen): at most
// 1.6 % or 1 µs above the exact value. It returns 0 for an empty histogram.
func (h *histogram) percentile(p float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(p / 100 * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(histUpper(i)+1)*time.Microsecond-1, h.max)
		}
	}
	return h.max
}

// routeStats are the measurements of one route group.
type routeStats struct {
	total, window histogram
	// statuses counts answers by HTTP status over the whole run; 0 is no answer
	// (connection refused or reset, timeout).
	statuses     map[int]int
	errors       int // answers that are not a success for the group
	windowErrors int
	firstError   string
}

// recorder collects request outcomes by route group. It is safe for concurrent use.
type recorder struct {
	mu     sync.Mutex
	groups map[string]*routeStats
	// windowStart is when the current reporting window began.
	windowStart time.Time
}

func newRecorder(now time.Time) *recorder {
	return &recorder{groups: map[string]*routeStats{}, windowStart: now}
}

// observe records one request of group: its latency, its status (0: no answer) and
// whether it failed, with a message describing the failure.
func (r *recorder) observe(group string, d time.Duration, status int, failure string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.groups[group]
	if g == nil {
		g = &routeStats{statuses: map[int]int{}}
		r.groups[group] = g
	}
	g.total.add(d)
	g.window.add(d)
	g.statuses[status]++
	if failure != "" {
		g.errors++
		g.windowErrors++
		if g.firstError == "" {
			g.firstError = failure
		}
	}
}

// RouteSummary is what was measured of one route group over a period.
type RouteSummary struct {
	Group              string
	Requests           uint64
	PerSecond          float64
	P50, P95, P99, Max time.Duration
	Errors             int
	// Statuses counts answers by HTTP status (0: no answer); whole-run summaries only.
	Statuses   map[int]int
	FirstError string
}

func summarize(group string, h *histogram, elapsed time.Duration, errors int) RouteSummary {
	s := RouteSummary{Group: group, Requests: h.n, Errors: errors,
		P50: h.percentile(50), P95: h.percentile(95), P99: h.percentile(99), Max: h.max}
	if elapsed > 0 {
		s.PerSecond = float64(h.n) / elapsed.Seconds()
	}
	return s
}

// window returns the summaries of the window since the last call (or since the
// recorder was made) and starts a new window at now.
func (r *recorder) window(now time.Time) (time.Duration, []RouteSummary) {
	r.mu.Lock()
	defer r.mu.Unlock()
	elapsed := now.Sub(r.windowStart)
	r.windowStart = now
	out := make([]RouteSummary, 0, len(r.groups))
	for name, g := range r.groups {
		out = append(out, summarize(name, &g.window, elapsed, g.windowErrors))
		g.window = histogram{}
		g.windowErrors = 0
	}
	slices.SortFunc(out, func(a, b RouteSummary) int { return cmp.Compare(a.Group, b.Group) })
	return elapsed, out
}

// totals returns the whole-run summaries, rates over elapsed.
func (r *recorder) totals(elapsed time.Duration) []RouteSummary {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]RouteSummary, 0, len(r.groups))
	for name, g := range r.groups {
		s := summarize(name, &g.total, elapsed, g.errors)
		s.Statuses = make(map[int]int, len(g.statuses))
		for k, v := range g.statuses {
			s.Statuses[k] = v
		}
		s.FirstError = g.firstError
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b RouteSummary) int { return cmp.Compare(a.Group, b.Group) })
	return out
}

// routeTable formats summaries as a table, one route group a line.
func routeTable(b *strings.Builder, rows []RouteSummary, withStatuses bool) {
	fmt.Fprintf(b, "  %-30s %9s %9s %9s %9s %9s %9s %7s", "route group", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors")
	if withStatuses {
		b.WriteString("  answers by status")
	}
	b.WriteString("\n")
	var all uint64
	var rate float64
	for _, s := range rows {
		if s.Requests == 0 && s.Errors == 0 {
			continue // nothing of this group in the window
		}
		fmt.Fprintf(b, "  %-30s %9d %9.1f %9.2f %9.2f %9.2f %9.1f %7d", s.Group, s.Requests, s.PerSecond,
			ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max), s.Errors)
		if withStatuses {
			b.WriteString("  " + statusList(s.Statuses))
		}
		b.WriteString("\n")
		all += s.Requests
		rate += s.PerSecond
	}
	fmt.Fprintf(b, "  %-30s %9d %9.1f\n", "all", all, rate)
}

// statusList formats counts by status in status order, "200×12 304×3"; status 0 is
// written "none".
func statusList(m map[int]int) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		name := fmt.Sprint(k)
		if k == 0 {
			name = "none"
		}
		parts[i] = fmt.Sprintf("%s×%d", name, m[k])
	}
	return strings.Join(parts, " ")
}
