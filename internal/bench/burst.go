package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridwatch/gridwatch/internal/admission"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/cputime"
	"github.com/gridwatch/gridwatch/internal/demo"
)

// BurstOptions sets up a burst: the analyst's concurrent blind-zone analyses of issue 19
// against the demo city.
type BurstOptions struct {
	DatabaseURL string
	InPlace     bool   // run in DatabaseURL itself (loading what is missing), not a scratch database
	Requests    int    // concurrent analyses, each over another window (default 60)
	Cases       int    // synthetic cases (default 20,000)
	Query       string // the analysis's parameters but the window (default level=cell&k=5)
	// Unbounded runs the server with admission as good as off — every analysis at
	// once, no budget — the way the server ran before issue 19: the baseline.
	Unbounded bool
	Seed      uint64
}

func (o *BurstOptions) defaults() {
	if o.Requests <= 0 {
		o.Requests = 60
	}
	if o.Cases <= 0 {
		o.Cases = 20_000
	}
	if o.Query == "" {
		o.Query = "level=cell&k=5"
	}
	if o.Seed == 0 {
		o.Seed = 19
	}
}

// BurstReport is what a burst measured. RSS is the whole process's (server and the
// clients, which hold little): the peak sampled every 10 ms during the burst, against the
// baseline after loading and a collection.
type BurstReport struct {
	Database    string
	Admission   string
	Cells       int
	Requests    int
	Query       string
	Statuses    map[int]int
	RetryAfter  bool // every 429 and 503 carried Retry-After
	Duration    time.Duration
	BaselineRSS uint64
	PeakRSS     uint64
	PeakHeap    uint64
	CPU         time.Duration // the process's CPU time during the burst
}

func (r BurstReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "burst: %d concurrent GET /api/v1/blindzones?%s&from=… (each window different), one analyst token\n", r.Requests, r.Query)
	fmt.Fprintf(&b, "  database   %s, %d cells\n", r.Database, r.Cells)
	fmt.Fprintf(&b, "  admission  %s\n", r.Admission)
	codes := make([]int, 0, len(r.Statuses))
	for c := range r.Statuses {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d × %d", r.Statuses[c], c))
	}
	fmt.Fprintf(&b, "  answers    %s (Retry-After on every 429/503: %v)\n", strings.Join(parts, ", "), r.RetryAfter)
	fmt.Fprintf(&b, "  wall time  %s, CPU %s\n", r.Duration.Round(time.Millisecond), r.CPU.Round(time.Millisecond))
	fmt.Fprintf(&b, "  RSS        baseline %.0f MB, peak %.0f MB (+%.0f MB); peak Go heap %.0f MB\n",
		mb(r.BaselineRSS), mb(r.PeakRSS), mb(r.PeakRSS)-mb(r.BaselineRSS), mb(r.PeakHeap))
	return b.String()
}

// Burst starts a server on a scratch database (or opt.DatabaseURL in place) holding the
// demo city and opt.Cases synthetic cases, sends opt.Requests blind-zone analyses at
// once with one analyst token, each over a different window, and measures the answers,
// the time and the process's peak resident memory.
func Burst(ctx context.Context, opt BurstOptions, log io.Writer) (BurstReport, error) {
	opt.defaults()
	dbURL, drop, err := benchDB(ctx, opt.DatabaseURL, opt.InPlace)
	if err != nil {
		return BurstReport{}, err
	}
	defer drop()
	cfg := app.Config{Addr: "127.0.0.1:0", DatabaseURL: dbURL, Migrate: true, RateLimits: &app.RateLimits{}}
	if opt.Unbounded {
		cfg.Admission = admission.Config{Global: 1 << 20, PerToken: 1 << 20, Queue: 1 << 20, Wait: time.Hour, MaxCost: 1e300}
	}
	srv, err := app.Open(ctx, cfg)
	if err != nil {
		return BurstReport{}, err
	}
	defer srv.Close()
	start := time.Now()
	towns, existing, err := cityContents(ctx, srv)
	if err != nil {
		return BurstReport{}, err
	}
	if towns == 0 {
		if err := demo.Load(ctx, srv.Grid, demo.DefaultSeed, 0); err != nil {
			return BurstReport{}, err
		}
	}
	if existing == 0 {
		if err := loadCases(ctx, srv, opt.Cases, opt.Seed); err != nil {
			return BurstReport{}, fmt.Errorf("load cases: %w", err)
		}
		if err := srv.Cases.Analyze(ctx); err != nil {
			return BurstReport{}, err
		}
	}
	cells, err := srv.Analytics.Cells(ctx, nil)
	if err != nil {
		return BurstReport{}, err
	}
	token, _, err := srv.Tokens.Create(ctx, auth.TokenSpec{Name: "burst analyst", Role: auth.Analyst, TTL: time.Hour})
	if err != nil {
		return BurstReport{}, err
	}
	fmt.Fprintf(log, "burst database %s ready in %s: %d cells\n", redactURL(dbURL), time.Since(start).Round(time.Millisecond), len(cells))
	base, stop, err := serveInBackground(ctx, srv)
	if err != nil {
		return BurstReport{}, err
	}
	defer stop()

	rep := BurstReport{Database: redactURL(dbURL), Admission: srv.Admission.String(), Cells: len(cells), Requests: opt.Requests,
		Query: opt.Query, Statuses: map[int]int{}, RetryAfter: true}
	if opt.Unbounded {
		rep.Admission = "unbounded (the baseline: every analysis at once, no budget)"
	}
	runtime.GC()
	debug.FreeOSMemory()
	rep.BaselineRSS = rss()
	var peak, peakHeap atomic.Uint64
	peak.Store(rep.BaselineRSS)
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			if r := rss(); r > peak.Load() {
				peak.Store(r)
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peakHeap.Load() {
				peakHeap.Store(ms.HeapAlloc)
			}
			select {
			case <-sampling:
				return
			case <-tick.C:
			}
		}
	}()

	to := time.Now().UTC().Truncate(time.Hour)
	var mu sync.Mutex
	var wg sync.WaitGroup
	cpu0 := cputime.Process()
	began := time.Now()
	for i := range opt.Requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from := to.Add(-time.Duration(30*24+i) * time.Hour)
			status, retry, err := burstGet(ctx, base+"/api/v1/blindzones?"+opt.Query+"&from="+from.Format(time.RFC3339)+
				"&to="+to.Format(time.RFC3339), token)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				rep.Statuses[0]++
				fmt.Fprintf(log, "burst request %d: %v\n", i, err)
				return
			}
			rep.Statuses[status]++
			if (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && !retry {
				rep.RetryAfter = false
			}
		}()
	}
	wg.Wait()
	rep.Duration = time.Since(began)
	rep.CPU = cputime.Process() - cpu0
	close(sampling)
	<-sampled
	rep.PeakRSS, rep.PeakHeap = peak.Load(), peakHeap.Load()
	return rep, ctx.Err()
}

// burstGet sends one analysis and reads its answer to the end.
func burstGet(ctx context.Context, url, token string) (status int, retryAfter bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, false, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After") != "", err
}
