package app_test

// Fault tests (issue 10, "Hardening"): each runs the server against a real PostgreSQL and
// breaks something — the database restarts mid-stream, the database is slow, a client
// goes away, the server is stopped under load — and checks that nothing acknowledged is
// lost, nothing is stored twice and nothing hangs.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/internal/pgtest"
	"github.com/gridwatch/gridwatch/patrol/coverage"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// TestFaultDatabaseRestartMidIngest restarts PostgreSQL (immediate stop, then start)
// while several devices post position batches and retry each batch until it is answered
// with 2xx. In the end every fix is stored exactly once, the coverage table agrees with a
// recomputation from the stored fixes, the outage was answered with 503 (never 500) and
// the server keeps serving.
func TestFaultDatabaseRestartMidIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster of its own")
	}
	ctx := context.Background()
	dir, url := faultCluster(t)
	srv, err := app.Open(ctx, app.Config{DatabaseURL: url, Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	officers, devices := faultPatrol(t, srv, 4)
	plan := faultPlan(officers, 30, 40)
	client := &http.Client{Timeout: 15 * time.Second}

	var (
		acked        atomic.Int64 // batches answered 2xx
		ackedAfter   atomic.Int64 // of those, answered after the clients met the outage
		outage       atomic.Bool  // a client met the outage
		mu           sync.Mutex
		failures     = map[string]int{} // status or transport error → count
		clientErrors []string
	)
	deadline := time.Now().Add(60 * time.Second)
	// Half the clients stop at a quarter of their stream until PostgreSQL has been killed,
	// so that the outage surely falls mid-stream; the others run on, with requests in
	// flight when it comes.
	killed := make(chan struct{})
	openGate := sync.OnceFunc(func() { close(killed) })
	defer openGate() // on a failure before the kill
	var atGate, wg sync.WaitGroup
	for i := range officers {
		gated := i%2 == 0
		if gated {
			atGate.Add(1)
		}
		wg.Go(func() {
			p := faultPoster{url: ts.URL, token: devices[i], client: client}
			for b, batch := range plan[i] {
				if gated && b == len(plan[i])/4 {
					atGate.Done()
					<-killed
				}
				for attempt := 0; ; attempt++ {
					status, body, err := p.post(ctx, batch)
					if err == nil && status/100 == 2 {
						if msg := faultCheckAnswer(body, len(batch)); msg != "" {
							mu.Lock()
							clientErrors = append(clientErrors, msg)
							mu.Unlock()
						}
						acked.Add(1)
						if outage.Load() {
							ackedAfter.Add(1)
						}
						break
					}
					outage.Store(true)
					what := fmt.Sprint(status)
					if err != nil {
						what = "transport error"
					} else if status == http.StatusServiceUnavailable && faultProblemCode(body) != "unavailable" {
						what = "503 without code unavailable"
					} else if status == http.StatusInternalServerError {
						what = "500: " + string(body)
					}
					mu.Lock()
					failures[what]++
					mu.Unlock()
					if time.Now().After(deadline) {
						mu.Lock()
						clientErrors = append(clientErrors, fmt.Sprintf("officer %s: batch still not acknowledged at the deadline (last: %s %v)", officers[i], what, err))
						mu.Unlock()
						return
					}
					time.Sleep(min(50*time.Millisecond<<min(attempt, 4), 500*time.Millisecond))
				}
				time.Sleep(20 * time.Millisecond) // a device's pace
			}
		})
	}

	atGate.Wait()
	t.Logf("restarting PostgreSQL after %d of %d batches", acked.Load(), len(officers)*len(plan[0]))
	if _, err := devdb(t, dir, "kill"); err != nil {
		t.Fatalf("devdb kill: %v", err)
	}
	openGate()
	time.Sleep(300 * time.Millisecond) // let the clients meet the dead database
	if _, err := devdb(t, dir, "start"); err != nil {
		t.Fatalf("devdb start again: %v", err)
	}
	wg.Wait()

	t.Logf("failed attempts during the restart: %v; batches acknowledged after the first: %d", failures, ackedAfter.Load())
	for _, msg := range clientErrors {
		t.Error(msg)
	}
	if len(failures) == 0 || ackedAfter.Load() == 0 {
		t.Error("no batch was acknowledged after a failed attempt: the restart did not fall mid-stream")
	}
	for what, n := range failures {
		if what != "503" && what != "transport error" {
			t.Errorf("%d attempts answered %s; a database outage must be answered 503 unavailable", n, what)
		}
	}
	if resp, body := (&env{t: t, http: ts}).do("GET", "/healthz", "", nil); resp.StatusCode != 200 {
		t.Errorf("healthz after the restart = %d %s", resp.StatusCode, body)
	}
	sent := faultKeys(plan)
	faultCheckStored(t, srv.DB, sent, sent)
	faultCheckCoverage(t, srv.DB, officers)
}

// TestFaultSlowDatabaseAnswers503 holds a lock on the table a route reads, with a short
// statement timeout, and fires many requests at that route at once: each must end within
// a few timeouts with 503 unavailable and Retry-After — waiting for a pool connection
// included — and the route must answer 200 again once the lock is gone.
func TestFaultSlowDatabaseAnswers503(t *testing.T) {
	const timeout = 500 * time.Millisecond
	ts, admin, watch, release := faultLockedCoverage(t, app.Config{StatementTimeout: timeout})

	// Far more requests than pool connections: queued behind each other on 4 connections
	// of 500 ms each, the last would wait n/4 × 500 ms = 12 s; bounded, a request waits
	// at most pgdb.MinAcquireTimeout for a connection.
	const n = 96
	type outcome struct {
		status     int
		retryAfter string
		ctype      string
		body       []byte
		took       time.Duration
		err        error
	}
	results := make([]outcome, n)
	client := &http.Client{Timeout: 20 * time.Second}
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", ts.URL+"/api/v1/coverage", nil)
			req.Header.Set("Authorization", "Bearer "+admin)
			began := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				results[i] = outcome{err: err, took: time.Since(began)}
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			results[i] = outcome{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"),
				ctype: resp.Header.Get("Content-Type"), body: body, took: time.Since(began)}
		})
	}
	wg.Wait()
	t.Logf("%d requests against a locked table ended in %v", n, time.Since(start).Round(time.Millisecond))

	// Each request waits at most pgdb.MinAcquireTimeout for each connection and a timeout
	// for each of its two statements (the token, the coverage); the rest is slack for a
	// busy machine and the race detector.
	const bound = 2*pgdb.MinAcquireTimeout + 8*timeout
	var slowest time.Duration
	for i, r := range results {
		slowest = max(slowest, r.took)
		switch {
		case r.err != nil:
			t.Errorf("request %d: %v after %v", i, r.err, r.took)
		case r.status != http.StatusServiceUnavailable || r.ctype != "application/problem+json" ||
			faultProblemCode(r.body) != "unavailable" || r.retryAfter == "":
			t.Errorf("request %d = %d %s (Retry-After %q) %s; want 503 problem+json unavailable with Retry-After",
				i, r.status, r.ctype, r.retryAfter, r.body)
		case r.took > bound:
			t.Errorf("request %d took %v; with a statement timeout of %v it must end within %v", i, r.took, timeout, bound)
		}
	}
	t.Logf("slowest request: %v", slowest.Round(time.Millisecond))
	faultRecovers(t, watch, release, ts, admin, "gridwatch queries still waiting for the lock after the requests ended")
}

// TestFaultClientDisconnectCancelsQuery starts a request whose query waits for a lock,
// with the default (long) statement timeout, and cancels the client: the query must be
// gone from the database within a couple of seconds, not run on for the client nobody
// answers. (The request context reaches pgx, which on cancellation gives up the
// connection and sends PostgreSQL a cancel request for it; closing the socket alone
// would leave a backend waiting on a lock.)
func TestFaultClientDisconnectCancelsQuery(t *testing.T) {
	ctx := context.Background()
	ts, admin, watch, release := faultLockedCoverage(t, app.Config{})

	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(reqCtx, "GET", ts.URL+"/api/v1/coverage", nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("answered %d while the table was locked", resp.StatusCode)
		}
		done <- err
	}()
	faultEventually(t, 5*time.Second, "the request's query never reached the database", func() bool {
		return watch.waiting() == 1
	})
	time.Sleep(200 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("client: %v, want its own cancellation", err)
	}
	faultRecovers(t, watch, release, ts, admin, "the query of a request whose client went away still runs")
}

// faultLockedCoverage serves cfg on a fresh database whose coverage table another
// connection holds an ACCESS EXCLUSIVE lock on, and returns the server, an admin token,
// a watch on the database's waiting queries and the function that releases the lock.
func faultLockedCoverage(t *testing.T, cfg app.Config) (*httptest.Server, string, faultWatch, func()) {
	t.Helper()
	cfg.DatabaseURL = pgtest.NewDB(t)
	srv, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	admin := faultToken(t, srv)
	watch := faultObserver(t, cfg.DatabaseURL)
	return ts, admin, watch, faultLockTable(t, cfg.DatabaseURL, "coverage", "ACCESS EXCLUSIVE")
}

// faultRecovers checks that no gridwatch query waits for the lock any more (failing with
// stuck otherwise), releases the lock, and sees /api/v1/coverage answer 200 again.
func faultRecovers(t *testing.T, watch faultWatch, release func(), ts *httptest.Server, admin, stuck string) {
	t.Helper()
	faultEventually(t, 2*time.Second, stuck, func() bool { return watch.waiting() == 0 })
	release()
	resp, body := (&env{t: t, http: ts, tokens: map[auth.Role]string{auth.Admin: admin}}).do("GET", "/api/v1/coverage", auth.Admin, nil)
	if resp.StatusCode != 200 {
		t.Errorf("GET /api/v1/coverage after the lock is released = %d %s", resp.StatusCode, body)
	}
}

// TestFaultSIGTERMUnderLoad runs the gridwatch binary, has devices post batches, holds
// their ingest transactions in flight with a lock, sends SIGTERM and then lets them go:
// the in-flight requests finish with 2xx, new connections are refused, the process exits
// 0, and every acknowledged fix is in the database exactly once.
func TestFaultSIGTERMUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the gridwatch binary")
	}
	ctx := context.Background()
	url := pgtest.NewDB(t)
	srv, err := app.Open(ctx, app.Config{DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	officers, devices := faultPatrol(t, srv, 4)
	srv.Close()
	bin := faultServe(t, url)
	cmd, addr, base := bin.cmd, bin.addr, bin.base

	plan := faultPlan(officers, 40, 50)
	client := &http.Client{Timeout: 30 * time.Second}
	var (
		ledger       = newFaultLedger()
		batchesAcked atomic.Int64
		sigterm      atomic.Int64 // when SIGTERM was sent, Unix ns; 0 before
		inFlightOK   atomic.Int64 // requests begun before SIGTERM and answered 2xx after it
	)
	var wg sync.WaitGroup
	for i := range officers {
		wg.Go(func() {
			p := faultPoster{url: base, token: devices[i], client: client}
			for _, batch := range plan[i] {
				began := time.Now().UnixNano()
				status, body, err := p.post(ctx, batch)
				if err != nil || status/100 != 2 {
					if sigterm.Load() == 0 {
						ledger.fail("officer %s before SIGTERM: %d %s %v", officers[i], status, body, err)
					}
					return // after SIGTERM: the server is going away (refused, reset or 503)
				}
				if s := sigterm.Load(); s != 0 && began < s {
					inFlightOK.Add(1)
				}
				ledger.ack(body, batch)
				batchesAcked.Add(1)
			}
		})
	}

	faultEventually(t, 20*time.Second, "too few batches acknowledged before SIGTERM", func() bool {
		return batchesAcked.Load() >= 8
	})
	// Hold every ingest transaction at its last step, so that requests are surely in
	// flight when the signal arrives.
	watch := faultObserver(t, url)
	release := faultLockTable(t, url, "officer_latest", "EXCLUSIVE")
	// Group commit gathers concurrent requests into one transaction, so one waiting
	// session may hold several requests: one is enough to have requests in flight.
	faultEventually(t, 10*time.Second, "no ingest waited for the lock", func() bool {
		return watch.waiting() >= 1
	})
	inFlight := watch.waiting()
	sigterm.Store(time.Now().UnixNano())
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The listener closes at once: a new connection is refused while old requests finish.
	faultEventually(t, 5*time.Second, "the server still accepts connections after SIGTERM", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	release()
	select {
	case <-bin.exited:
		if bin.exitErr != nil {
			t.Errorf("gridwatch serve after SIGTERM: %v, want exit status 0", bin.exitErr)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("gridwatch serve still running 40 s after SIGTERM (shutdown timeout 30 s)")
	}
	wg.Wait()
	acked := ledger.report(t)
	t.Logf("%d batches acknowledged; %d requests were held in flight at SIGTERM, %d of them finished with 2xx",
		batchesAcked.Load(), inFlight, inFlightOK.Load())
	if inFlightOK.Load() < int64(inFlight) {
		t.Errorf("%d requests were in flight at SIGTERM, only %d finished with 2xx", inFlight, inFlightOK.Load())
	}
	p := faultPoster{url: base, token: devices[0], client: client}
	status, _, err := p.post(ctx, plan[0][len(plan[0])-1])
	if err == nil {
		t.Errorf("POST after the server exited = %d, want connection refused", status)
	}

	db := pgtest.NewPoolFor(t, url)
	faultCheckStored(t, db, faultKeys(plan), acked)
	faultCheckCoverage(t, db, officers)
}

// faultBinary is a gridwatch serve process of the test.
type faultBinary struct {
	cmd        *exec.Cmd
	addr, base string
	exited     chan struct{} // closed when the process has exited; exitErr is then set
	exitErr    error
}

// faultServe builds the gridwatch binary, runs `gridwatch serve` on the database url with
// extra flags and waits for it to answer /healthz. The process is killed at the end of
// the test if still running, and its log shown when the test failed.
func faultServe(t *testing.T, url string, flags ...string) *faultBinary {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gridwatch")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/gridwatch").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b := &faultBinary{addr: faultFreeAddr(t), exited: make(chan struct{})}
	b.base = "http://" + b.addr
	var logs faultLog
	b.cmd = exec.Command(bin, append([]string{"serve", "--db", url, "--addr", b.addr}, flags...)...)
	b.cmd.Env = append(os.Environ(), "GRIDWATCH_LOG_LEVEL=warn")
	b.cmd.Stderr = &logs
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { b.exitErr = b.cmd.Wait(); close(b.exited) }()
	t.Cleanup(func() {
		select {
		case <-b.exited:
		default:
			_ = b.cmd.Process.Kill()
			<-b.exited
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	faultEventually(t, 20*time.Second, "the server never answered /healthz", func() bool {
		resp, err := http.Get(b.base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return b
}

// TestFaultSIGKILLMidStream runs the gridwatch binary, has many devices post one new fix
// per request as fast as they are answered (small requests: the group commit path), and
// kills the process with SIGKILL mid-stream: every fix acknowledged before the kill is
// stored, exactly once, and coverage agrees with a recomputation from the stored fixes.
func TestFaultSIGKILLMidStream(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the gridwatch binary")
	}
	ctx := context.Background()
	url := pgtest.NewDB(t)
	srv, err := app.Open(ctx, app.Config{DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	officers, devices := faultPatrol(t, srv, 16)
	srv.Close()
	bin := faultServe(t, url, "--rate-ingest", "off")

	// Each request holds one new fix and repeats the three before it, as a phone
	// re-sending its buffer does.
	plan := faultPlan(officers, 400, 1)
	client := &http.Client{Timeout: 30 * time.Second}
	ledger := newFaultLedger()
	var n atomic.Int64
	killed := make(chan struct{})
	var wg sync.WaitGroup
	for i := range officers {
		wg.Go(func() {
			p := faultPoster{url: bin.base, token: devices[i], client: client}
			for _, batch := range plan[i] {
				status, body, err := p.post(ctx, batch)
				if err != nil || status/100 != 2 {
					select {
					case <-killed:
					default:
						ledger.fail("officer %s before SIGKILL: %d %s %v", officers[i], status, body, err)
					}
					return
				}
				ledger.ack(body, batch)
				n.Add(1)
			}
		})
	}
	faultEventually(t, 30*time.Second, "too few requests acknowledged before SIGKILL", func() bool {
		return n.Load() >= 300
	})
	close(killed)
	if err := bin.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-bin.exited
	wg.Wait()
	acked := ledger.report(t)
	t.Logf("%d requests (%d distinct fixes) acknowledged before SIGKILL", n.Load(), len(acked))
	db := pgtest.NewPoolFor(t, url)
	faultCheckStored(t, db, faultKeys(plan), acked)
	faultCheckCoverage(t, db, officers)
}

// faultCluster is a privateCluster whose commits are made durable, as in production: devdb's cluster runs with
// synchronous_commit off, which may lose the last acknowledged commits in an immediate
// shutdown and would blame the server for the cluster's settings.
func faultCluster(t *testing.T) (dir, url string) {
	t.Helper()
	dir, url = privateCluster(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range []string{"ALTER SYSTEM SET synchronous_commit = on", "SELECT pg_reload_conf()"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return dir, url
}

// faultPatrol gives srv a township (a 10 × 9 km square split at resolution 9), a squadron
// and n officers, and returns the officers' IDs and a device token for each.
func faultPatrol(t *testing.T, srv *app.Server, n int) (ids, devices []string) {
	t.Helper()
	ctx := context.Background()
	square := orb.MultiPolygon{{{{120.20, 31.80}, {120.30, 31.80}, {120.30, 31.88}, {120.20, 31.88}, {120.20, 31.80}}}}
	if _, err := srv.Grid.Import(ctx, []grid.TownshipInput{{Code: "320281001", Name: "澄江", Geom: square}}, 9); err != nil {
		t.Fatal(err)
	}
	if err := srv.Grid.CreateSquadron(ctx, grid.Squadron{Code: "Q1", Name: "一中队", Township: "320281001"}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		id := fmt.Sprintf("f%d", i+1)
		if _, err := srv.Officers.Create(ctx, officer.Officer{ID: id, Name: "警员 " + id, Squadron: "Q1", DeviceID: "dev-" + id}, ""); err != nil {
			t.Fatal(err)
		}
		tok, _, err := srv.Tokens.Create(ctx, auth.TokenSpec{Name: "phone " + id, Role: auth.Device, Officer: id})
		if err != nil {
			t.Fatal(err)
		}
		ids, devices = append(ids, id), append(devices, tok)
	}
	return ids, devices
}

// faultToken returns a new admin token of srv.
func faultToken(t *testing.T, srv *app.Server) string {
	t.Helper()
	tok, _, err := srv.Tokens.Create(context.Background(), auth.TokenSpec{Name: "fault-admin", Role: auth.Admin})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// faultFix is one item of a POST /api/v1/positions batch.
type faultFix struct {
	Officer string  `json:"officer"`
	Time    string  `json:"time"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
}

// faultKey identifies a fix the way positions are unique: officer and time (to the
// microsecond, PostgreSQL's precision).
type faultKey struct {
	officer string
	micros  int64
}

func (f faultFix) key() faultKey {
	tm, err := time.Parse(time.RFC3339Nano, f.Time)
	if err != nil {
		panic(err)
	}
	return faultKey{f.Officer, tm.UnixMicro()}
}

// faultPlan returns, per officer, a walk of plausible fixes (5–9 s apart, a few metres a
// second, with an occasional gap of minutes) ending in the last hours, cut into batches
// of size fixes; each batch repeats the last three fixes of the one before, as a device
// re-sending its buffer does.
func faultPlan(officers []string, batches, size int) [][][]faultFix {
	plan := make([][][]faultFix, len(officers))
	for i, id := range officers {
		rng := rand.New(rand.NewPCG(uint64(i)+1, 10))
		p := orb.Point{120.22 + 0.015*float64(i), 31.83}
		tm := time.Now().UTC().Add(-5 * time.Hour).Truncate(time.Second)
		var walk []faultFix
		for range batches * size {
			step := time.Duration(5+rng.IntN(5)) * time.Second
			if rng.IntN(150) == 0 {
				step = time.Duration(6+rng.IntN(10)) * time.Minute
			}
			tm = tm.Add(step)
			p = orb.Point{p[0] + (rng.Float64()-0.5)*0.0006, p[1] + (rng.Float64()-0.5)*0.0006}
			walk = append(walk, faultFix{Officer: id, Time: tm.Format(time.RFC3339Nano), Lat: p[1], Lon: p[0]})
		}
		for b := range batches {
			lo := max(b*size-3, 0)
			plan[i] = append(plan[i], walk[lo:(b+1)*size])
		}
	}
	return plan
}

// faultKeys returns the distinct fixes of a plan.
func faultKeys(plan [][][]faultFix) map[faultKey]bool {
	keys := map[faultKey]bool{}
	for _, batches := range plan {
		for _, b := range batches {
			for _, f := range b {
				keys[f.key()] = true
			}
		}
	}
	return keys
}

// faultPoster posts position batches with one token.
type faultPoster struct {
	url, token string
	client     *http.Client
}

// post sends one batch and returns the status and body, or a transport error.
func (p faultPoster) post(ctx context.Context, batch []faultFix) (int, []byte, error) {
	body, err := json.Marshal(map[string]any{"positions": batch})
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", p.url+"/api/v1/positions", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// faultCheckAnswer checks a 2xx answer to a batch of n plausible fixes: every one is
// accepted or a duplicate, none rejected. It returns what is wrong, or "".
func faultCheckAnswer(body []byte, n int) string {
	var a struct {
		Accepted   int               `json:"accepted"`
		Duplicates int               `json:"duplicates"`
		Rejected   []json.RawMessage `json:"rejected"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return fmt.Sprintf("answer %s: %v", body, err)
	}
	if a.Accepted+a.Duplicates != n || len(a.Rejected) != 0 {
		return fmt.Sprintf("answer to a batch of %d plausible fixes: %s", n, body)
	}
	return ""
}

// faultProblemCode returns the code of a problem document, or "".
func faultProblemCode(body []byte) string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(body, &p)
	return p.Code
}

// faultLedger gathers, across the clients' goroutines, the fixes the server
// acknowledged and the problems seen.
type faultLedger struct {
	mu    sync.Mutex
	acked map[faultKey]bool
	errs  []string
}

func newFaultLedger() *faultLedger { return &faultLedger{acked: map[faultKey]bool{}} }

// fail records a problem, reported by report.
func (l *faultLedger) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, fmt.Sprintf(format, args...))
}

// ack checks a 2xx answer to batch and records its fixes as acknowledged.
func (l *faultLedger) ack(body []byte, batch []faultFix) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if msg := faultCheckAnswer(body, len(batch)); msg != "" {
		l.errs = append(l.errs, msg)
	}
	for _, f := range batch {
		l.acked[f.key()] = true
	}
}

// report fails t with every problem recorded and returns the acknowledged fixes; the
// clients must have stopped.
func (l *faultLedger) report(t *testing.T) map[faultKey]bool {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, msg := range l.errs {
		t.Error(msg)
	}
	return l.acked
}

// faultCheckStored checks the positions table: no (officer, time) twice, every acked fix
// stored, nothing stored that was not sent.
func faultCheckStored(t *testing.T, db *pgxpool.Pool, sent, acked map[faultKey]bool) {
	t.Helper()
	ctx := context.Background()
	var rows, distinct int
	if err := db.QueryRow(ctx, "SELECT count(*), count(DISTINCT (officer, time)) FROM positions").Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != distinct {
		t.Errorf("positions: %d rows but %d distinct (officer, time)", rows, distinct)
	}
	r, err := db.Query(ctx, "SELECT officer, time FROM positions")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[faultKey]bool{}
	for r.Next() {
		var k faultKey
		var tm time.Time
		if err := r.Scan(&k.officer, &tm); err != nil {
			t.Fatal(err)
		}
		k.micros = tm.UnixMicro()
		stored[k] = true
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	lost, foreign := 0, 0
	for k := range acked {
		if !stored[k] {
			lost++
		}
	}
	for k := range stored {
		if !sent[k] {
			foreign++
		}
	}
	t.Logf("positions: %d stored, %d acknowledged, %d sent", len(stored), len(acked), len(sent))
	if lost > 0 {
		t.Errorf("%d of %d acknowledged fixes are not stored", lost, len(acked))
	}
	if foreign > 0 {
		t.Errorf("%d stored fixes were never sent", foreign)
	}
}

// faultCheckCoverage compares the coverage table and each officer's latest position with
// a recomputation from the stored fixes.
func faultCheckCoverage(t *testing.T, db *pgxpool.Pool, officers []string) {
	t.Helper()
	ctx := context.Background()
	type key struct {
		coverage.Key
		officer string
	}
	want := map[key]coverage.Tally{}
	for _, id := range officers {
		rows, err := db.Query(ctx, "SELECT time, h3 FROM positions WHERE officer = $1 ORDER BY time", id)
		if err != nil {
			t.Fatal(err)
		}
		chain, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (coverage.Fix, error) {
			var f coverage.Fix
			return f, row.Scan(&f.Time, &f.H3)
		})
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range coverage.Contributions(chain, false) {
			want[key{k, id}] = v
		}
		var latest time.Time
		if err := db.QueryRow(ctx, "SELECT time FROM officer_latest WHERE officer = $1", id).Scan(&latest); err != nil {
			t.Errorf("latest position of %s: %v", id, err)
		} else if len(chain) > 0 && !latest.Equal(chain[len(chain)-1].Time) {
			t.Errorf("latest position of %s at %v, want its newest fix at %v", id, latest, chain[len(chain)-1].Time)
		}
	}
	rows, err := db.Query(ctx, "SELECT h3, hour, officer, visits, dwell_s, last_visit FROM coverage")
	if err != nil {
		t.Fatal(err)
	}
	got := map[key]coverage.Tally{}
	for rows.Next() {
		var k key
		var v coverage.Tally
		if err := rows.Scan(&k.H3, &k.Hour, &k.officer, &v.Visits, &v.DwellS, &v.Last); err != nil {
			t.Fatal(err)
		}
		k.Hour = k.Hour.UTC()
		got[k] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	keys := map[key]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	bad := 0
	for k := range keys {
		g, w := got[k], want[k]
		if g.Visits != w.Visits || g.DwellS-w.DwellS > 1e-6 || w.DwellS-g.DwellS > 1e-6 || !g.Last.Equal(w.Last) {
			if bad++; bad <= 5 {
				t.Errorf("coverage bucket %v: got %+v, want %+v", k, g, w)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d coverage buckets differ from the recomputation", bad, len(want))
	}
}

// faultLockTable takes a lock on table in mode from a connection of its own and returns
// the function that releases it (also called at cleanup).
func faultLockTable(t *testing.T, url, table, mode string) (release func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Both are constants of the test, not input.
	if _, err := tx.Exec(ctx, "LOCK TABLE "+pgx.Identifier{table}.Sanitize()+" IN "+mode+" MODE"); err != nil {
		t.Fatal(err)
	}
	release = sync.OnceFunc(func() {
		_ = tx.Rollback(ctx)
		_ = conn.Close(ctx)
	})
	t.Cleanup(release)
	return release
}

// faultWatch looks at the server's sessions in pg_stat_activity.
type faultWatch struct {
	t  *testing.T
	db *pgxpool.Pool
}

func faultObserver(t *testing.T, url string) faultWatch {
	return faultWatch{t: t, db: pgtest.NewPoolFor(t, url)}
}

// waiting returns how many of the server's queries (application_name gridwatch) are
// waiting for a lock.
func (w faultWatch) waiting() int {
	w.t.Helper()
	var n int
	err := w.db.QueryRow(context.Background(), `
		SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'gridwatch'
		  AND state = 'active' AND wait_event_type = 'Lock'`).Scan(&n)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

// faultEventually polls cond every 20 ms and fails the test with msg when it is still
// false after limit.
func faultEventually(t *testing.T, limit time.Duration, msg string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s (waited %v)", msg, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// faultFreeAddr returns a local address with a port that was free a moment ago.
func faultFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// faultLog is a bytes.Buffer safe for a child process's output and the test reading it.
type faultLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *faultLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *faultLog) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Clone(b.buf.String())
}
