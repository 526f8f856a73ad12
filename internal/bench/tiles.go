package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/cputime"
	"github.com/gridwatch/gridwatch/internal/demo"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/tiles"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// TilesOptions size the tiles benchmark.
type TilesOptions struct {
	// DatabaseURL is the server the scratch database is created on; with Keep, the
	// benchmark's database itself.
	DatabaseURL string
	// Keep benchmarks in DatabaseURL itself and leaves its data there, for a peer server
	// pointed at it or for the next run: the database is migrated, the demo city loaded
	// when it has no townships and the synthetic cases when it has no cases.
	Keep bool
	// Cases is the number of synthetic cases (default 200,000).
	Cases int
	// Clients is the number of concurrent HTTP clients (default 8).
	Clients int
	// Duration bounds each cold pass and is the length of each warm run (default 10 s).
	Duration time.Duration
	// Peer is the base URL of a pg_tileserv serving the same database; "" measures our
	// server alone.
	Peer string
	// PeerPID is the process ID of the peer, on this machine, whose CPU time is counted
	// in its runs' CPU; 0 leaves it out (the peer's runs then count only the clients'
	// and the database's).
	PeerPID int
	// PeerWait is how long to wait for the peer to serve the benchmark's tables (default
	// 5 min): time to start it on the printed database URL.
	PeerWait time.Duration
	// ColdPasses is the number of cold passes over each set (default 1), our cache made
	// cold again before each (every tile of the layer's version changed); the cold run
	// reports them together. A pass over the cells set lasts about a second: on a shared
	// machine several say more.
	ColdPasses int
	// Gzip asks both servers for gzip-encoded tiles, as browsers and map libraries do.
	Gzip bool
	// CPUProfile, when set, names a file the process's CPU profile during the runs is
	// written to (our server and the clients of both together).
	CPUProfile string
	Seed       uint64
}

func (o *TilesOptions) defaults() {
	if o.Cases == 0 {
		o.Cases = 200_000
	}
	if o.Clients == 0 {
		o.Clients = 8
	}
	if o.Duration == 0 {
		o.Duration = 10 * time.Second
	}
	if o.ColdPasses == 0 {
		o.ColdPasses = 1
	}
	if o.PeerWait == 0 {
		o.PeerWait = 5 * time.Minute
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
}

// Tile sets: the layers and zooms measured, with the equivalent pg_tileserv layer. The
// peer is asked for the same properties and the same 64-pixel buffer as ours (its
// default buffer is 256).
var tileSets = []tileSet{
	{layer: tiles.LayerCases, minZ: 12, maxZ: 14, peerTable: "public.cases",
		peerQuery: "properties=id,sector,status,reported_at,township&buffer=64"},
	{layer: tiles.LayerCells, minZ: 10, maxZ: 13, peerTable: "public." + peerCellsView,
		peerQuery: "properties=h3,township,grid_area&buffer=64"},
}

// sizeZooms are the low zooms whose tile sizes are reported.
const sizeMinZ, sizeMaxZ = 6, 9

// tileSizeTarget is the largest tile size the report accepts without a warning, in bytes.
const tileSizeTarget = 500 << 10

// peerCellsView publishes the cells' hexagons alone to the peer: pg_tileserv names a
// layer schema.table, and cells has two geometry columns (geom and center), so
// public.cells would be either of them.
const peerCellsView = "bench_cells"

// tileSet is one layer's tiles over the city at a range of zooms.
type tileSet struct {
	layer      string // our layer
	minZ, maxZ uint32
	peerTable  string // the peer's layer, schema.table
	peerQuery  string
	tiles      []mvt.Tile
}

func (s tileSet) name() string { return fmt.Sprintf("%s z%d–%d", s.layer, s.minZ, s.maxZ) }

// TilesRun is one pass (cold) or timed run (warm) of a tile set against one server.
type TilesRun struct {
	Set, Server, Pass string
	// Tiles is the number of tiles in the set; Requests how many were answered.
	Tiles, Requests, Errors int
	Elapsed                 time.Duration
	P50, P99                time.Duration
	Bytes                   int64 // response bodies, as sent (gzip-encoded when asked)
	FirstError              string
	latencies               []time.Duration // sorted
	// CacheHits and CacheBuilds count our tile cache's work during the run.
	CacheHits, CacheBuilds int64
	// CPU is the CPU time the run cost: this process (our server and the clients of
	// either server), the database's backends and, for the peer's runs with
	// TilesOptions.PeerPID, the peer's process. 0 when it could not be read (not Linux).
	CPU time.Duration
}

// CPUPerTile is CPU per tile answered, in milliseconds.
func (r TilesRun) CPUPerTile() float64 { return ms(r.CPU) / math.Max(1, float64(r.Requests)) }

// cpuMeter reads the CPU time a run costs: this process's, the benchmark database's
// backends' and, when pid is not 0, another process's (the peer).
type cpuMeter struct {
	database string
	pid      int
}

// cpuReading is what a cpuMeter read at one moment.
type cpuReading struct {
	process, other time.Duration
	backends       map[int]time.Duration
}

// read returns the CPU time used so far by what m counts.
func (m cpuMeter) read() cpuReading {
	r := cpuReading{process: cputime.Process(), backends: backendCPU(m.database)}
	if m.pid != 0 {
		r.other, _ = processCPU(m.pid)
	}
	return r
}

// since returns the CPU time used from start to r. Backends are counted each from its
// own start: one that ended meanwhile (a closed pool's) takes nothing away, one that
// began counts from zero.
func (r cpuReading) since(start cpuReading) time.Duration {
	t := r.process - start.process + r.other - start.other
	for pid, b := range r.backends {
		t += b - start.backends[pid]
	}
	return t
}

// measure runs f and sets the CPU time it cost in the run it returns.
func (m cpuMeter) measure(f func() TilesRun) TilesRun {
	start := m.read()
	r := f()
	r.CPU = m.read().since(start)
	return r
}

// Rate is tiles answered per second.
func (r TilesRun) Rate() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// TileSizes are the sizes of one layer's tiles over the city at one zoom.
type TileSizes struct {
	Server, Layer string
	Zoom          uint32
	Tiles, Empty  int
	Max, P99      int           // uncompressed MVT bytes
	Slowest       time.Duration // longest answer, the tile built cold
	Errors        int
}

// TilesReport is what the tiles benchmark measured.
type TilesReport struct {
	Cases, Clients int
	Duration       time.Duration
	Gzip           bool
	Database       string // URL, password hidden
	Peer           string
	PeerPID        int
	ColdPasses     int
	Runs           []TilesRun
	Sizes          []TileSizes
}

// run returns the run of a set, server and pass, or false.
func (r TilesReport) run(set, server, pass string) (TilesRun, bool) {
	for _, x := range r.Runs {
		if x.Set == set && x.Server == server && x.Pass == pass {
			return x, true
		}
	}
	return TilesRun{}, false
}

// String formats the report.
func (r TilesReport) String() string {
	var b strings.Builder
	enc := "identity (uncompressed MVT)"
	if r.Gzip {
		enc = "gzip"
	}
	peer := "none"
	if r.Peer != "" {
		peer = "pg_tileserv at " + r.Peer
	}
	fmt.Fprintf(&b, "tiles benchmark: %d cases, %d clients, cold = %d pass(es) over the set (each at most %s), warm = %s of passes, encoding %s\n",
		r.Cases, r.Clients, r.ColdPasses, r.Duration, r.Duration, enc)
	fmt.Fprintf(&b, "  database %s; peer: %s\n", r.Database, peer)
	fmt.Fprintf(&b, "  %-15s %-6s %-5s %7s %9s %9s %9s %9s %10s %7s %s\n", "set", "server", "pass", "tiles", "tiles/s", "p50 ms", "p99 ms", "KB/tile", "CPU ms/tile", "errors", "cache hits/builds")
	for _, x := range r.Runs {
		cache := ""
		if x.Server == "ours" {
			cache = fmt.Sprintf("%d/%d", x.CacheHits, x.CacheBuilds)
		}
		n := fmt.Sprint(x.Requests)
		if x.Pass == "cold" && x.Requests < x.Tiles {
			n = fmt.Sprintf("%d/%d", x.Requests, x.Tiles)
		}
		fmt.Fprintf(&b, "  %-15s %-6s %-5s %7s %9.1f %9.2f %9.2f %9.1f %10.2f %7d %s\n", x.Set, x.Server, x.Pass, n, x.Rate(),
			ms(x.P50), ms(x.P99), float64(x.Bytes)/1024/math.Max(1, float64(x.Requests)), x.CPUPerTile(), x.Errors, cache)
	}
	if r.Peer != "" {
		b.WriteString("  ratio ours / pg_tileserv, tiles/s:")
		for i, s := range tileSets {
			sep := ";"
			if i == 0 {
				sep = ""
			}
			fmt.Fprintf(&b, "%s %s", sep, s.name())
			for _, pass := range []string{"cold", "warm"} {
				ours, ok1 := r.run(s.name(), "ours", pass)
				peer, ok2 := r.run(s.name(), "peer", pass)
				if ok1 && ok2 && peer.Rate() > 0 {
					fmt.Fprintf(&b, " %s %.2f×", pass, ours.Rate()/peer.Rate())
				}
			}
		}
		b.WriteString("\n")
		if r.PeerPID != 0 {
			b.WriteString("  ratio pg_tileserv / ours, CPU per tile (process, clients and database; pg_tileserv's process counted):")
			for i, s := range tileSets {
				sep := ";"
				if i == 0 {
					sep = ""
				}
				ours, ok1 := r.run(s.name(), "ours", "cold")
				peer, ok2 := r.run(s.name(), "peer", "cold")
				if ok1 && ok2 && ours.CPU > 0 {
					fmt.Fprintf(&b, "%s %s cold %.2f×", sep, s.name(), peer.CPUPerTile()/ours.CPUPerTile())
				}
			}
			b.WriteString("\n")
		}
	}
	for _, x := range r.Runs {
		if x.FirstError != "" {
			fmt.Fprintf(&b, "  first error, %s %s %s: %s\n", x.Set, x.Server, x.Pass, x.FirstError)
		}
	}
	fmt.Fprintf(&b, "  tile sizes over the city at z%d–%d, uncompressed MVT (target < %d KB):\n", sizeMinZ, sizeMaxZ, tileSizeTarget>>10)
	fmt.Fprintf(&b, "  %-6s %-6s %4s %6s %6s %10s %10s %12s %s\n", "server", "layer", "zoom", "tiles", "empty", "max KB", "p99 KB", "slowest ms", "errors")
	over := 0
	for _, s := range r.Sizes {
		fmt.Fprintf(&b, "  %-6s %-6s %4d %6d %6d %10.1f %10.1f %12.1f %d\n", s.Server, s.Layer, s.Zoom, s.Tiles, s.Empty,
			float64(s.Max)/1024, float64(s.P99)/1024, ms(s.Slowest), s.Errors)
		if s.Server == "ours" && s.Max >= tileSizeTarget {
			over++
		}
	}
	if over > 0 {
		fmt.Fprintf(&b, "  WARNING: %d of our zoom levels have a tile of %d KB or more\n", over, tileSizeTarget>>10)
	}
	return b.String()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Tiles runs the benchmark: on a scratch database holding the demo city and opt.Cases
// synthetic cases, the cases layer at z12–14 and the cells layer at z10–13, every tile
// over the city in a shuffled order, are requested by opt.Clients concurrent clients
// from our server — in-process, over loopback — once with an empty cache (cold) and
// then again for opt.Duration (warm); then the same from the peer, when there is one.
func Tiles(ctx context.Context, opt TilesOptions, log io.Writer) (TilesReport, error) {
	opt.defaults()
	dbURL, drop, err := benchDB(ctx, opt.DatabaseURL, opt.Keep)
	if err != nil {
		return TilesReport{}, err
	}
	defer drop()
	loader, err := app.Open(ctx, app.Config{Addr: "127.0.0.1:0", DatabaseURL: dbURL, Migrate: true})
	if err != nil {
		return TilesReport{}, err
	}
	defer loader.Close()
	n, err := prepareTiles(ctx, loader, opt, log)
	if err != nil {
		return TilesReport{}, err
	}
	token, _, err := loader.Tokens.Create(ctx, auth.TokenSpec{Name: "bench tiles", Role: auth.Admin, TTL: time.Hour})
	if err != nil {
		return TilesReport{}, err
	}
	city, ok, err := loader.Grid.Extent(ctx, "")
	if err != nil || !ok {
		return TilesReport{}, fmt.Errorf("city bound: no township (%v)", err)
	}
	sets := slices.Clone(tileSets)
	for i := range sets {
		if sets[i].tiles, err = cityTiles(city, sets[i].minZ, sets[i].maxZ, opt.Seed+uint64(i)); err != nil {
			return TilesReport{}, err
		}
	}
	rep := TilesReport{Cases: n, Clients: opt.Clients, Duration: opt.Duration, Gzip: opt.Gzip, Database: redactURL(dbURL),
		Peer: opt.Peer, PeerPID: opt.PeerPID, ColdPasses: opt.ColdPasses}
	meter := cpuMeter{}
	if u, err := url.Parse(dbURL); err == nil {
		meter.database = strings.TrimPrefix(u.Path, "/")
	}
	fmt.Fprintf(log, "benchmark database: %s\n  tables for a peer: public.cases (points), public.%s (the cells' hexagons)\n", dbURL, peerCellsView)
	for _, s := range sets {
		fmt.Fprintf(log, "  %s: %d tiles\n", s.name(), len(s.tiles))
	}
	if opt.Peer != "" {
		if err := waitForPeer(ctx, opt, sets, log); err != nil {
			return rep, err
		}
	}

	stopProfile := startCPUProfile(opt.CPUProfile, log)
	defer stopProfile()
	for _, s := range sets {
		runs, err := measureOurs(ctx, dbURL, token, s, opt, meter)
		if err != nil {
			return rep, fmt.Errorf("%s, ours: %w", s.name(), err)
		}
		rep.Runs = append(rep.Runs, runs...)
		logRuns(log, runs)
		if opt.Peer != "" {
			runs := measurePeer(ctx, s, opt, cpuMeter{database: meter.database, pid: opt.PeerPID})
			rep.Runs = append(rep.Runs, runs...)
			logRuns(log, runs)
		}
	}
	if rep.Sizes, err = measureSizes(ctx, dbURL, token, city, opt); err != nil {
		return rep, fmt.Errorf("tile sizes: %w", err)
	}
	return rep, nil
}

func logRuns(log io.Writer, runs []TilesRun) {
	for _, r := range runs {
		fmt.Fprintf(log, "%s %s %s: %d tiles in %s, %.0f tiles/s\n", r.Set, r.Server, r.Pass, r.Requests, r.Elapsed.Round(time.Millisecond), r.Rate())
	}
}

// redactURL hides the password of a database URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return "(not a URL)"
	}
	return u.Redacted()
}

// prepareTiles loads what is missing — the demo city, the synthetic cases — creates the
// peer's view and returns the number of cases.
func prepareTiles(ctx context.Context, srv *app.Server, opt TilesOptions, log io.Writer) (int, error) {
	towns, existing, err := cityContents(ctx, srv)
	if err != nil {
		return 0, err
	}
	if towns == 0 {
		if err := demo.Load(ctx, srv.Grid, demo.DefaultSeed, 0); err != nil {
			return 0, err
		}
	}
	if existing == 0 {
		start := time.Now()
		if err := loadCases(ctx, srv, opt.Cases, opt.Seed); err != nil {
			return 0, fmt.Errorf("load cases: %w", err)
		}
		fmt.Fprintf(log, "%d cases written by COPY in %s\n", opt.Cases, time.Since(start).Round(time.Millisecond))
		existing = opt.Cases
	} else if existing != opt.Cases {
		fmt.Fprintf(log, "the database holds %d cases already: benchmarking those\n", existing)
	}
	// pg_tileserv filters on the geometry it serves: give it the index a deployment of it
	// would have (ours reads cells by their centre, which has its index).
	if err := srv.Grid.CreateCellsView(ctx, peerCellsView); err != nil {
		return 0, err
	}
	if err := srv.Cases.Analyze(ctx); err != nil {
		return 0, err
	}
	return existing, srv.Grid.Analyze(ctx)
}

// cityContents returns how many townships and cases the server's database holds.
func cityContents(ctx context.Context, srv *app.Server) (towns, reported int, err error) {
	list, err := srv.Grid.Townships(ctx, "")
	if err != nil {
		return 0, 0, err
	}
	reported, err = srv.Cases.Count(ctx)
	return len(list), reported, err
}

// maxTilesPerZoom bounds a tile set: the benchmark requests every tile of it.
const maxTilesPerZoom = 20_000

// cityTiles returns the tiles touching b at zooms minZ to maxZ, in an order shuffled by
// seed: consecutive requests are not neighbours, as with many users panning at once.
func cityTiles(b orb.Bound, minZ, maxZ uint32, seed uint64) ([]mvt.Tile, error) {
	var out []mvt.Tile
	for z := minZ; z <= maxZ; z++ {
		ts, err := mvt.TilesTouching(b, z, maxTilesPerZoom)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	rng := rand.New(rand.NewPCG(seed, 3))
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}

// percentile returns the p-th percentile (0 < p ≤ 100) of sorted values by the
// nearest-rank method: the smallest value with at least p % of the values at or below
// it. It returns the zero value for no values.
func percentile[T cmp.Ordered](sorted []T, p float64) T {
	if len(sorted) == 0 {
		var zero T
		return zero
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// target is a server the load is sent to.
type target struct {
	name   string
	url    func(t mvt.Tile) string
	header http.Header
}

func ourTarget(addr, token, layer string, gzip bool) target {
	h := http.Header{"Authorization": {"Bearer " + token}}
	if gzip {
		h.Set("Accept-Encoding", "gzip")
	}
	return target{name: "ours", header: h, url: func(t mvt.Tile) string {
		return fmt.Sprintf("http://%s/tiles/%s/%d/%d/%d.mvt", addr, layer, t.Z, t.X, t.Y)
	}}
}

func peerTarget(base string, s tileSet, gzip bool) target {
	h := http.Header{}
	if gzip {
		h.Set("Accept-Encoding", "gzip")
	}
	base = strings.TrimSuffix(base, "/")
	return target{name: "peer", header: h, url: func(t mvt.Tile) string {
		return fmt.Sprintf("%s/%s/%d/%d/%d.pbf?%s", base, s.peerTable, t.Z, t.X, t.Y, s.peerQuery)
	}}
}

// startOurs starts a fresh server, with an empty tile cache, on the benchmark database.
func startOurs(ctx context.Context, dbURL string) (*app.Server, func(), error) {
	srv, err := app.Open(ctx, app.Config{Addr: "127.0.0.1:0", DatabaseURL: dbURL})
	if err != nil {
		return nil, nil, err
	}
	if err := srv.Listen(); err != nil {
		srv.Close()
		return nil, nil, err
	}
	serveCtx, cancel := context.WithCancel(ctx)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(serveCtx)
	}()
	return srv, func() {
		cancel()
		<-served
		srv.Close()
	}, nil
}

// warmPool opens every connection of the pool and has PostGIS loaded on each, as a
// server that has run a while has them: cold passes then measure building tiles, not
// connecting (password authentication, loading PostGIS take tens of milliseconds a
// connection), like the peer's, whose connections are open since its first request.
func warmPool(ctx context.Context, pool *pgxpool.Pool) error {
	conns := make([]*pgxpool.Conn, 0, pool.Config().MaxConns)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for range pool.Config().MaxConns {
		c, err := pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("warm the pool: %w", err)
		}
		conns = append(conns, c)
		if _, err := c.Exec(ctx, "SELECT postgis_lib_version()"); err != nil {
			return fmt.Errorf("warm the pool: %w", err)
		}
	}
	return nil
}

// measureOurs runs a set cold, then warm, on a fresh server (empty tile cache, open
// connections).
func measureOurs(ctx context.Context, dbURL, token string, s tileSet, opt TilesOptions, meter cpuMeter) ([]TilesRun, error) {
	srv, stop, err := startOurs(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer stop()
	if err := warmPool(ctx, srv.DB); err != nil {
		return nil, err
	}
	tg := ourTarget(srv.Addr().String(), token, s.layer, opt.Gzip)
	world := orb.Bound{Min: orb.Point{-180, -85.06}, Max: orb.Point{180, 85.06}}
	var runs []TilesRun
	for _, pass := range []string{"cold", "warm"} {
		before := srv.Tiles.CacheStats()
		r := meter.measure(func() TilesRun {
			if pass == "warm" {
				return load(ctx, tg, s, pass, opt)
			}
			return coldPasses(opt.ColdPasses, func(i int) TilesRun {
				if i > 0 {
					srv.Tiles.Versions().TouchBound(s.layer, world) // every tile of the layer cold again
				}
				return load(ctx, tg, s, pass, opt)
			})
		})
		after := srv.Tiles.CacheStats()
		r.CacheHits, r.CacheBuilds = after.Hits-before.Hits, after.Builds-before.Builds
		runs = append(runs, r)
	}
	return runs, nil
}

// measurePeer runs a set against the peer: a first pass, then again for the duration.
// pg_tileserv caches nothing, so both build every tile.
func measurePeer(ctx context.Context, s tileSet, opt TilesOptions, meter cpuMeter) []TilesRun {
	tg := peerTarget(opt.Peer, s, opt.Gzip)
	return []TilesRun{
		meter.measure(func() TilesRun {
			return coldPasses(opt.ColdPasses, func(int) TilesRun { return load(ctx, tg, s, "cold", opt) })
		}),
		meter.measure(func() TilesRun { return load(ctx, tg, s, "warm", opt) }),
	}
}

// coldPasses runs pass n times (i from 0) and reports the passes as one run: their
// tiles, times and bytes added up, percentiles over all their answers.
func coldPasses(n int, pass func(i int) TilesRun) TilesRun {
	run := pass(0)
	for i := 1; i < n; i++ {
		r := pass(i)
		run.Tiles += r.Tiles
		run.Requests += r.Requests
		run.Errors += r.Errors
		run.Elapsed += r.Elapsed
		run.Bytes += r.Bytes
		if run.FirstError == "" {
			run.FirstError = r.FirstError
		}
		run.latencies = append(run.latencies, r.latencies...)
	}
	slices.Sort(run.latencies)
	run.P50, run.P99 = percentile(run.latencies, 50), percentile(run.latencies, 99)
	return run
}

// load sends the set's tiles from opt.Clients concurrent clients: for "cold" each tile
// once (stopping at opt.Duration), for "warm" over and over for opt.Duration.
func load(ctx context.Context, tg target, s tileSet, pass string, opt TilesOptions) TilesRun {
	client := newClient(opt.Clients)
	defer client.CloseIdleConnections()
	repeat := pass == "warm"
	var next atomic.Int64
	type result struct {
		latencies []time.Duration
		bytes     int64
		errors    int
		firstErr  error
	}
	results := make([]result, opt.Clients)
	start := time.Now()
	deadline := start.Add(opt.Duration)
	var wg sync.WaitGroup
	for c := range opt.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[c]
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				if !repeat && i >= len(s.tiles) {
					return
				}
				t0 := time.Now()
				n, _, err := fetchTile(ctx, client, tg.url(s.tiles[i%len(s.tiles)]), tg.header)
				res.latencies = append(res.latencies, time.Since(t0))
				res.bytes += n
				if err != nil {
					res.errors++
					if res.firstErr == nil {
						res.firstErr = err
					}
				}
			}
		}()
	}
	wg.Wait()
	run := TilesRun{Set: s.name(), Server: tg.name, Pass: pass, Tiles: len(s.tiles), Elapsed: time.Since(start)}
	var all []time.Duration
	for _, res := range results {
		all = append(all, res.latencies...)
		run.Bytes += res.bytes
		run.Errors += res.errors
		if res.firstErr != nil && run.FirstError == "" {
			run.FirstError = res.firstErr.Error()
		}
	}
	slices.Sort(all)
	run.Requests = len(all)
	run.P50, run.P99 = percentile(all, 50), percentile(all, 99)
	run.latencies = all
	return run
}

func newClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true},
		Timeout:   time.Minute,
	}
}

// fetchTile requests one tile and reads the whole body; it returns the body's size and
// status. 200 and 204 (an empty tile) are answers, any other status an error.
func fetchTile(ctx context.Context, client *http.Client, u string, h http.Header) (int64, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header = h.Clone()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return 0, resp.StatusCode, fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	n, err := io.Copy(io.Discard, resp.Body)
	return n, resp.StatusCode, err
}

// waitForPeer waits until the peer serves a tile of each set's layer. Each try first
// asks for the layer list, which makes pg_tileserv read the tables again: it may have
// started before they existed.
func waitForPeer(ctx context.Context, opt TilesOptions, sets []tileSet, log io.Writer) error {
	fmt.Fprintf(log, "waiting up to %s for the peer at %s to serve those tables (start pg_tileserv with DATABASE_URL set to the URL above)\n",
		opt.PeerWait, opt.Peer)
	client := newClient(1)
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(opt.PeerWait)
	for {
		var lastErr error
		if _, _, err := fetchTile(ctx, client, strings.TrimSuffix(opt.Peer, "/")+"/index.json", nil); err != nil {
			lastErr = err
		}
		for _, s := range sets {
			if lastErr != nil {
				break
			}
			tg := peerTarget(opt.Peer, s, false)
			_, _, lastErr = fetchTile(ctx, client, tg.url(s.tiles[0]), tg.header)
		}
		if lastErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the peer at %s does not serve the benchmark tables: %w", opt.Peer, lastErr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// measureSizes fetches, uncompressed and one at a time, every tile over the city at the
// low zooms of our cases and cells layers from a fresh server, and the peer's.
func measureSizes(ctx context.Context, dbURL, token string, city orb.Bound, opt TilesOptions) ([]TileSizes, error) {
	srv, stop, err := startOurs(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer stop()
	client := newClient(1)
	defer client.CloseIdleConnections()
	var out []TileSizes
	for _, s := range tileSets {
		targets := []target{ourTarget(srv.Addr().String(), token, s.layer, false)}
		if opt.Peer != "" {
			targets = append(targets, peerTarget(opt.Peer, s, false))
		}
		for _, tg := range targets {
			for z := uint32(sizeMinZ); z <= sizeMaxZ; z++ {
				ts, err := mvt.TilesTouching(city, z, maxTilesPerZoom)
				if err != nil {
					return nil, err
				}
				row := TileSizes{Server: tg.name, Layer: s.layer, Zoom: z, Tiles: len(ts)}
				var sizes []int
				for _, t := range ts {
					t0 := time.Now()
					n, status, err := fetchTile(ctx, client, tg.url(t), tg.header)
					row.Slowest = max(row.Slowest, time.Since(t0))
					switch {
					case err != nil:
						row.Errors++
					case status == http.StatusNoContent || n == 0:
						row.Empty++
					}
					sizes = append(sizes, int(n))
				}
				slices.Sort(sizes)
				row.Max, row.P99 = percentile(sizes, 100), percentile(sizes, 99)
				out = append(out, row)
			}
		}
	}
	return out, nil
}

// cityCell is a cell of the city with where it lies.
type cityCell struct {
	center   orb.Point
	township string
	gridArea *string
	squadron *string
}

// benchCase is a generated case, as COPY writes it.
type benchCase struct {
	p          orb.Point
	cell       int64
	township   string
	gridArea   *string
	squadron   *string
	sector     string
	status     string
	source     string
	reportedAt time.Time
}

var (
	caseStatuses = []string{"reported", "assigned", "accepted", "on_site", "resolved", "referred", "closed"}
	caseSources  = []string{"patrol", "hotline_12345", "citizen_app", "referral"}
)

// Case clusters: most cases fall around a few dozen hot spots of various sizes and
// weights, the rest anywhere in the city.
const (
	caseClusters   = 40
	clusteredShare = 0.7
)

// generateCases makes n cases of the city's cells at resolution res over the 90 days
// before now. Each case's cell is the one holding its point, so its township, grid
// area and squadron are those of that cell; points falling outside the city are drawn
// again.
func generateCases(n int, cells map[int64]cityCell, res int, sectors []string, now time.Time, seed uint64) []benchCase {
	rng := rand.New(rand.NewPCG(seed, 4))
	ids := make([]int64, 0, len(cells))
	for id := range cells {
		ids = append(ids, id)
	}
	slices.Sort(ids) // map order is random; the cases must not be
	randomCell := func() cityCell { return cells[ids[rng.IntN(len(ids))]] }
	type cluster struct {
		center  orb.Point
		sigmaM  float64
		cumProb float64
	}
	clusters := make([]cluster, caseClusters)
	total := 0.0
	for i := range clusters {
		total += rng.ExpFloat64()
		clusters[i] = cluster{center: randomCell().center, sigmaM: 150 + rng.Float64()*1200, cumProb: total}
	}
	const window = 90 * 24 * time.Hour
	out := make([]benchCase, 0, n)
	for len(out) < n {
		around, sigmaM := randomCell().center, 120.0
		if rng.Float64() < clusteredShare {
			w := rng.Float64() * total
			i, _ := slices.BinarySearchFunc(clusters, w, func(c cluster, w float64) int { return cmp.Compare(c.cumProb, w) })
			around, sigmaM = clusters[min(i, len(clusters)-1)].center, clusters[min(i, len(clusters)-1)].sigmaM
		}
		p := offsetMeters(around, rng.NormFloat64()*sigmaM, rng.NormFloat64()*sigmaM)
		id := int64(grid.CellAt(p, res))
		c, ok := cells[id]
		if !ok {
			continue // outside the city
		}
		out = append(out, benchCase{
			p: p, cell: id, township: c.township, gridArea: c.gridArea, squadron: c.squadron,
			sector:     sectors[rng.IntN(len(sectors))],
			status:     caseStatuses[rng.IntN(len(caseStatuses))],
			source:     caseSources[rng.IntN(len(caseSources))],
			reportedAt: now.Add(-time.Duration(rng.Int64N(int64(window)))).Truncate(time.Second),
		})
	}
	return out
}

// offsetMeters moves p east and north by metres, on a sphere: plenty for a city.
func offsetMeters(p orb.Point, eastM, northM float64) orb.Point {
	const mPerDegree = 111_320.0
	return orb.Point{p[0] + eastM/(mPerDegree*math.Cos(p[1]*math.Pi/180)), p[1] + northM/mPerDegree}
}

// loadCases writes n generated cases into cases with binary COPY: no history rows, no
// store rules, since tiles read neither.
func loadCases(ctx context.Context, srv *app.Server, n int, seed uint64) error {
	res, err := srv.Grid.Resolution(ctx)
	if err != nil {
		return err
	}
	places, err := srv.Grid.CellPlaces(ctx)
	if err != nil {
		return err
	}
	cells := make(map[int64]cityCell, len(places))
	for _, c := range places {
		cells[int64(c.H3)] = cityCell{center: c.Center, township: c.Township, gridArea: c.GridArea, squadron: c.Squadron}
	}
	if len(cells) == 0 {
		return errors.New("the city has no cells")
	}
	list, err := srv.Cases.Sectors(ctx)
	if err != nil {
		return err
	}
	sectors := make([]string, len(list))
	for i, sec := range list {
		sectors[i] = sec.Code
	}
	slices.Sort(sectors) // by code, so that a seed draws the same sectors whatever the list's order
	cs := generateCases(n, cells, res, sectors, time.Now(), seed)
	bulk := make([]cases.BulkCase, len(cs))
	for i, c := range cs {
		bulk[i] = cases.BulkCase{Sector: c.sector, Title: "bench case", Lon: c.p[0], Lat: c.p[1], H3: grid.Cell(c.cell),
			Township: c.township, GridArea: c.gridArea, Squadron: c.squadron, Source: cases.Source(c.source),
			Status: cases.Status(c.status), Reporter: "bench", ReportedAt: c.reportedAt}
	}
	_, err = srv.Cases.CopyBulk(ctx, bulk)
	return err
}
