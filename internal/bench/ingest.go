package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/cputime"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/position"
)

// IngestOptions size the ingest benchmark.
type IngestOptions struct {
	DatabaseURL string // server to create the scratch database on
	Fixes       int    // total fixes (default 1,000,000)
	Officers    int    // officers sending them (default 500)
	Clients     int    // concurrent HTTP clients and COPY streams (default 4)
	Batch       int    // fixes per request (default 1,000)
	// SingleRowFixes is how many of the fixes the single-row floor writes (default all).
	SingleRowFixes int
	// CPUProfile, when set, names a file the process's CPU profile during the HTTP run
	// is written to (server and clients together).
	CPUProfile string
	Seed       uint64
}

func (o *IngestOptions) defaults() {
	if o.Fixes == 0 {
		o.Fixes = 1_000_000
	}
	if o.Officers == 0 {
		o.Officers = 500
	}
	if o.Clients == 0 {
		o.Clients = 4
	}
	if o.Batch == 0 {
		o.Batch = 1000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.SingleRowFixes <= 0 || o.SingleRowFixes > o.Fixes {
		o.SingleRowFixes = o.Fixes
	}
}

// IngestReport is what the ingest benchmark measured.
type IngestReport struct {
	Fixes, Officers, Clients, Batch int
	Copy, HTTP                      time.Duration
	// CopyFloor and SingleRowFloor are the fixes written straight through pgx with COPY
	// and one row per commit; HTTPCPU is the CPU of the HTTP run (process and backends).
	CopyFloor, SingleRowFloor Floor
	HTTPCPU                   time.Duration
	// StageSecondsPerMillion is server time per 1M fixes in each ingest stage.
	StageSecondsPerMillion map[string]float64
}

// CopyRate and HTTPRate are fixes per second.
func (r IngestReport) CopyRate() float64 { return float64(r.Fixes) / r.Copy.Seconds() }

// HTTPRate is fixes per second through the API.
func (r IngestReport) HTTPRate() float64 { return float64(r.Fixes) / r.HTTP.Seconds() }

// Ratio is HTTP ingest speed over raw COPY speed.
func (r IngestReport) Ratio() float64 { return r.HTTPRate() / r.CopyRate() }

// String formats the report.
func (r IngestReport) String() string {
	return fmt.Sprintf(`ingest benchmark: %d fixes of %d officers, %d clients, %d fixes per request
  raw binary COPY into positions (baseline): %8.2f s  %9.0f fixes/s
  POST /api/v1/positions over HTTP:          %8.2f s  %9.0f fixes/s
  ratio HTTP / COPY: %.2f
  floors straight through pgx, same fixes: raw COPY %s
                                           single-row commits %s
  HTTP: %.3f ms CPU a fix (process + PostgreSQL); ratio HTTP / single-row commits: %.2f
  server time per 1M fixes by stage: chain %.1f s, filter %.1f s, copy %.1f s, write %.1f s
`, r.Fixes, r.Officers, r.Clients, r.Batch, r.Copy.Seconds(), r.CopyRate(), r.HTTP.Seconds(), r.HTTPRate(), r.Ratio(),
		r.CopyFloor, r.SingleRowFloor, ms(r.HTTPCPU)/float64(r.Fixes), r.HTTPRate()/r.SingleRowFloor.Rate(),
		r.StageSecondsPerMillion["chain"], r.StageSecondsPerMillion["filter"],
		r.StageSecondsPerMillion["copy"], r.StageSecondsPerMillion["write"])
}

// genFix is one generated fix.
type genFix struct {
	Officer  string  `json:"officer"`
	Time     string  `json:"time"`
	Lat      float64 `json:"lat"`
	Lon      float64 `json:"lon"`
	Accuracy float64 `json:"accuracy"`
	Speed    float64 `json:"speed"`
	t        time.Time
}

// benchArea is the township the fixes walk in: about 19 × 18 km.
var benchArea = orb.MultiPolygon{{{{120.10, 31.75}, {120.30, 31.75}, {120.30, 31.91}, {120.10, 31.91}, {120.10, 31.75}}}}

// Ingest runs the benchmark: the same generated fixes are written once by raw binary
// COPY and once through POST /api/v1/positions of a real server, on a scratch database.
func Ingest(ctx context.Context, opt IngestOptions, log io.Writer) (IngestReport, error) {
	opt.defaults()
	dbURL, drop, err := scratchDB(ctx, opt.DatabaseURL)
	if err != nil {
		return IngestReport{}, err
	}
	defer drop()
	// The clients share one token at full speed, so the rate limits are off.
	srv, err := app.Open(ctx, app.Config{Addr: "127.0.0.1:0", DatabaseURL: dbURL, Migrate: true,
		RateLimits: &app.RateLimits{}})
	if err != nil {
		return IngestReport{}, err
	}
	defer srv.Close()
	token, err := setupCity(ctx, srv, opt.Officers)
	if err != nil {
		return IngestReport{}, err
	}
	perOfficer := generate(opt)
	fmt.Fprintf(log, "generated %d fixes\n", opt.Fixes)

	var dbName string
	if u, err := url.Parse(dbURL); err == nil {
		dbName = strings.TrimPrefix(u.Path, "/")
	}
	rep := IngestReport{Fixes: opt.Fixes, Officers: opt.Officers, Clients: opt.Clients, Batch: opt.Batch}
	copyBatches, singleBatches, err := baseline(ctx, srv, perOfficer, opt)
	if err != nil {
		return rep, err
	}
	if rep.CopyFloor, err = writeFloor(ctx, copyBatches, dbName, srv.Positions.CopyRaw); err != nil {
		return rep, fmt.Errorf("raw COPY: %w", err)
	}
	rep.Copy = rep.CopyFloor.Took
	fmt.Fprintf(log, "raw COPY done in %s\n", rep.Copy.Round(time.Millisecond))
	if err := srv.Positions.Truncate(ctx); err != nil {
		return rep, err
	}
	if rep.SingleRowFloor, err = writeFloor(ctx, singleBatches, dbName, srv.Positions.InsertRaw); err != nil {
		return rep, fmt.Errorf("single-row commits: %w", err)
	}
	fmt.Fprintf(log, "single-row commits of %d fixes done in %s\n", rep.SingleRowFloor.Fixes, rep.SingleRowFloor.Took.Round(time.Millisecond))
	if err := srv.Positions.Truncate(ctx); err != nil {
		return rep, err
	}
	if err := srv.Coverage.Truncate(ctx); err != nil {
		return rep, err
	}
	before := stageTimes(srv)
	stopProfile := startCPUProfile(opt.CPUProfile, log)
	cpuStart, pgStart := cputime.Process(), backendCPU(dbName)
	rep.HTTP, err = postAll(ctx, srv, token, perOfficer, opt)
	stopProfile()
	if err != nil {
		return rep, fmt.Errorf("HTTP ingest: %w", err)
	}
	rep.HTTPCPU = cputime.Process() - cpuStart
	for pid, t := range backendCPU(dbName) {
		rep.HTTPCPU += t - pgStart[pid]
	}
	stored, err := srv.Positions.Count(ctx, "")
	if err != nil {
		return rep, err
	}
	if stored != int64(opt.Fixes) {
		return rep, fmt.Errorf("HTTP ingest stored %d fixes, want %d", stored, opt.Fixes)
	}
	after := stageTimes(srv)
	rep.StageSecondsPerMillion = map[string]float64{}
	for i, name := range position.StageNames {
		rep.StageSecondsPerMillion[name] = (after[i] - before[i]).Seconds() * 1e6 / float64(opt.Fixes)
	}
	return rep, nil
}

func stageTimes(srv *app.Server) []time.Duration {
	out := make([]time.Duration, len(position.StageNames))
	for i := range out {
		out[i] = srv.Positions.StageTime(position.Stage(i))
	}
	return out
}

// setupCity creates the township, a squadron, the officers and an admin token.
func setupCity(ctx context.Context, srv *app.Server, officers int) (string, error) {
	if _, err := srv.Grid.Import(ctx, []grid.TownshipInput{{Code: "B1", Name: "bench", Geom: benchArea}}, 9); err != nil {
		return "", err
	}
	if err := srv.Grid.CreateSquadron(ctx, grid.Squadron{Code: "BQ", Name: "bench squadron", Township: "B1"}); err != nil {
		return "", err
	}
	for i := range officers {
		id := officerID(i)
		if _, err := srv.Officers.Create(ctx, officer.Officer{ID: id, Name: id, Squadron: "BQ"}, ""); err != nil {
			return "", err
		}
	}
	token, _, err := srv.Tokens.Create(ctx, auth.TokenSpec{Name: "bench", Role: auth.Admin})
	return token, err
}

func officerID(i int) string { return fmt.Sprintf("b%05d", i) }

// generate makes each officer's walk, one fix every 5 s ending a minute ago, so that
// every fix passes the filter.
func generate(opt IngestOptions) [][]genFix {
	rng := rand.New(rand.NewPCG(opt.Seed, 2))
	per := opt.Fixes / opt.Officers
	out := make([][]genFix, opt.Officers)
	end := time.Now().Add(-time.Minute).Truncate(time.Second)
	b := benchArea.Bound()
	for i := range out {
		n := per
		if i < opt.Fixes%opt.Officers {
			n++
		}
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		heading := rng.Float64() * 6.283
		fixes := make([]genFix, n)
		for j := range fixes {
			heading += (rng.Float64() - 0.5) * 0.6
			step := 1.3 * 5 / 111_000.0 // walking, 5 s, in degrees
			p = orb.Point{p[0] + step*cosine(heading), p[1] + step*sine(heading)}
			p = orb.Point{clamp(p[0], b.Min[0], b.Max[0]), clamp(p[1], b.Min[1], b.Max[1])}
			t := end.Add(-time.Duration(n-j) * 5 * time.Second)
			fixes[j] = genFix{Officer: officerID(i), Time: t.Format(time.RFC3339), Lat: p[1], Lon: p[0],
				Accuracy: 5 + rng.Float64()*10, Speed: 1.3, t: t}
		}
		out[i] = fixes
	}
	return out
}

// baseline encodes every fix for the floors, before their clocks start: all of them
// for COPY, opt.SingleRowFixes for single-row commits, in one batch per client, officer
// i's fixes in batch i mod clients. The partitions exist before timing, as they do for
// the HTTP run.
func baseline(ctx context.Context, srv *app.Server, perOfficer [][]genFix, opt IngestOptions) (copies, singles []position.BaselineBatch, err error) {
	now := time.Now()
	if err := srv.Positions.EnsurePartitions(ctx, now.Add(-48*time.Hour), now.Add(24*time.Hour)); err != nil {
		return nil, nil, err
	}
	copies = make([]position.BaselineBatch, opt.Clients)
	singles = make([]position.BaselineBatch, opt.Clients)
	// The single-row floor takes the same share of every officer's walk.
	share := float64(opt.SingleRowFixes) / float64(opt.Fixes)
	for i, walk := range perOfficer {
		n := int(share*float64(len(walk)) + 0.5)
		for j, f := range walk {
			bf := position.BaselineFix{Officer: f.Officer, Time: f.t, Township: "B1", Lon: f.Lon, Lat: f.Lat,
				H3: grid.CellAt(orb.Point{f.Lon, f.Lat}, 9), AccuracyM: float32(f.Accuracy), SpeedMS: float32(f.Speed)}
			copies[i%opt.Clients].Add(bf)
			if j < n {
				singles[i%opt.Clients].Add(bf)
			}
		}
	}
	return copies, singles, nil
}

// postAll sends every fix through the API: officer i's batches go, in time order, from
// client i mod clients. Bodies are encoded before the clock starts.
func postAll(ctx context.Context, srv *app.Server, token string, perOfficer [][]genFix, opt IngestOptions) (time.Duration, error) {
	if err := srv.Listen(); err != nil {
		return 0, err
	}
	serveCtx, stop := context.WithCancel(ctx)
	defer stop()
	go srv.Serve(serveCtx) //nolint:errcheck
	endpoint := "http://" + srv.Addr().String() + "/api/v1/positions"

	bodies := make([][][]byte, opt.Clients)
	for i, fixes := range perOfficer {
		for lo := 0; lo < len(fixes); lo += opt.Batch {
			b, err := json.Marshal(map[string]any{"positions": fixes[lo:min(lo+opt.Batch, len(fixes))]})
			if err != nil {
				return 0, err
			}
			bodies[i%opt.Clients] = append(bodies[i%opt.Clients], b)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: opt.Clients}, Timeout: 5 * time.Minute}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, opt.Clients)
	for c := range opt.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, body := range bodies[c] {
				if err := post(ctx, client, endpoint, token, body); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return elapsed, nil
}

func post(ctx context.Context, client *http.Client, endpoint, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /positions: %d %s", resp.StatusCode, answer)
	}
	var a position.Result
	if err := json.Unmarshal(answer, &a); err != nil {
		return err
	}
	if len(a.Rejected) > 0 {
		return fmt.Errorf("generated fixes rejected: %+v", a.Rejected[0])
	}
	return nil
}
