package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/cputime"
	"github.com/gridwatch/gridwatch/internal/demo"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/position"
	"github.com/gridwatch/gridwatch/tiles"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// SoakOptions size the soak. Counts are taken as given (0: none of that client);
// zero durations, Cases and Seed take the defaults in brackets.
type SoakOptions struct {
	// DatabaseURL is the server the scratch database is created on; with InPlace, the
	// soak's database itself.
	DatabaseURL string
	// InPlace soaks in DatabaseURL itself instead of a scratch database beside it: it is
	// migrated, and the demo city and the synthetic cases are loaded when missing. Tests
	// use it with a database of their own.
	InPlace bool
	// Devices is the number of simulated officers' devices, each with its own device token.
	Devices int
	// Interval is how often each device takes a fix and sends it [5 s].
	Interval time.Duration
	// OsmAndEvery makes every n-th device speak Traccar Client's OsmAnd protocol instead
	// of POST /api/v1/positions (0: none does).
	OsmAndEvery int
	// Walls is the number of map walls: each refreshes a viewport of tiles every
	// WallRefresh [10 s] and holds a live feed.
	Walls       int
	WallRefresh time.Duration
	// Analysts is the number of analysts, each sending an analytics query every
	// AnalystEvery [5 s].
	Analysts     int
	AnalystEvery time.Duration
	// Duration is how long the load runs [5 min].
	Duration time.Duration
	// ReportEvery is how often progress is written to the log [30 s]; SampleEvery how
	// often memory is sampled [10 s].
	ReportEvery, SampleEvery time.Duration
	// Cases is the number of synthetic cases loaded for the analysts [20,000].
	Cases int
	// PoolMaxConns caps the server's database pool (0: the server's default, pgxpool's
	// max(4, cores)); it is the URL parameter pool_max_conns a deployment would set.
	PoolMaxConns int
	// GroupWindow is the server's group commit window (0: its default; negative: off).
	GroupWindow time.Duration
	// CPUProfile, when set, names a file the process's CPU profile during the load is
	// written to (runtime/pprof; read it with go tool pprof). It holds the server and
	// the load generator together.
	CPUProfile string
	Seed       uint64
}

func (o *SoakOptions) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.Interval, 5*time.Second)
	def(&o.WallRefresh, 10*time.Second)
	def(&o.AnalystEvery, 5*time.Second)
	def(&o.Duration, 5*time.Minute)
	def(&o.ReportEvery, 30*time.Second)
	def(&o.SampleEvery, 10*time.Second)
	if o.Cases == 0 {
		o.Cases = 20_000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
}

// Route groups of the soak's requests.
const (
	groupPositions = "POST /api/v1/positions"
	groupOsmAnd    = "POST /osmand/{key}"
	groupLive      = "GET /api/v1/live (to headers)"
)

func tileGroup(layer string) string { return "GET /tiles/" + layer }

// wallLayers are the layers a map wall shows, and the size of its viewport in tiles
// (a 1920 × 1080 wall of 512-pixel tiles, partly visible ones included).
var wallLayers = []string{tiles.LayerCells, tiles.LayerCoverage, tiles.LayerCases, tiles.LayerTracks}

const (
	wallCols, wallRows = 5, 3
	wallFetchers       = 6 // concurrent tile requests of a wall, as a browser's per-host limit
	devicePendingMax   = 100
)

// analystQuery is one kind of analyst request; township queries pick a township.
type analystQuery struct {
	group, path string
	township    bool
}

var analystQueries = []analystQuery{
	{"GET /api/v1/hotspots (township)", "/api/v1/hotspots?township=", true},
	{"GET /api/v1/blindzones (grid)", "/api/v1/blindzones?level=grid", false},
	{"GET /api/v1/coverage (township)", "/api/v1/coverage?township=", true},
	{"GET /api/v1/hotspots (city)", "/api/v1/hotspots", false},
}

// MemorySample is the process's memory at one moment of the soak. The process holds
// both the server and the load generator.
type MemorySample struct {
	At         time.Duration // since the load started
	HeapAlloc  uint64        // bytes of live and not yet collected heap objects
	Sys        uint64        // bytes the Go runtime got from the OS
	RSS        uint64        // resident set size, bytes (0 where /proc is missing)
	Goroutines int
	// TileCacheBytes is what the tile cache holds; LiveClients the live feed's clients.
	TileCacheBytes int64
	LiveClients    int
	DBBytes        int64 // pg_database_size of the soak's database
}

// SoakReport is what the soak measured.
type SoakReport struct {
	Options  SoakOptions
	Database string // URL, password hidden
	// Elapsed is how long the load ran, from the first device's start to the last
	// request's answer.
	Elapsed time.Duration
	Routes  []RouteSummary
	// Fixes: taken by the devices, acknowledged by the server (accepted or reported
	// duplicate of an earlier request whose answer was lost; for OsmAnd a 200), reported
	// duplicates, rejected by the server, given up by devices whose
	// buffer overflowed, still unsent at the end, and found in the database at the end.
	FixesTaken, FixesAcked, FixesDuplicate, FixesRejected, FixesDropped, FixesUnsent, FixesStored int64
	RejectedCodes                                                                                 map[string]int64
	// Live events delivered to the walls and expected (each wall: every acknowledged fix
	// of its scope plus the latest positions sent when it connected); reconnects after a
	// wall was dropped make the expectation inexact.
	LiveDelivered, LiveExpected, LiveReconnects int64
	Memory                                      []MemorySample
	// PositionBytes and CoverageBytes are the sizes of positions (all partitions, with
	// indexes) and coverage at the end.
	PositionBytes, CoverageBytes, PositionRows int64
	TileCache                                  tiles.CacheStats
	// CPU is the user and system time of this process during the load (server and load
	// generator together); IngestStages the server's time in each stage of ingest,
	// summed over concurrent requests, by stage name.
	CPU          time.Duration
	IngestStages map[string]time.Duration
	// PostgresCPU is the CPU time of the PostgreSQL backends serving the soak's database
	// during the load, when the server runs on this machine (0: not measured).
	PostgresCPU time.Duration
	// SingleRowFloor and CopyFloor are the fixes the soak stored written again straight
	// through pgx after the load, one row per commit and with COPY (zero: not measured,
	// as on a database in place).
	SingleRowFloor, CopyFloor Floor
	// NotifySent counts the messages this instance sent to its peers with NOTIFY during
	// the load (package cluster), one per ingest request that stored fixes unless its
	// queue overflowed.
	NotifySent int64
}

// Errors is the number of failed requests over every route group.
func (r SoakReport) Errors() int {
	n := 0
	for _, s := range r.Routes {
		n += s.Errors
	}
	return n
}

// Failures lists what the soak expects and did not get: no failed request, no
// rejected or dropped fix, every acknowledged fix stored, every live event delivered.
func (r SoakReport) Failures() []string {
	var out []string
	if n := r.Errors(); n > 0 {
		out = append(out, fmt.Sprintf("%d requests failed", n))
	}
	if r.FixesRejected > 0 {
		out = append(out, fmt.Sprintf("%d fixes rejected", r.FixesRejected))
	}
	if r.FixesDropped > 0 {
		out = append(out, fmt.Sprintf("%d fixes dropped by devices", r.FixesDropped))
	}
	if r.FixesAcked != r.FixesStored {
		out = append(out, fmt.Sprintf("%d fixes acknowledged but %d stored", r.FixesAcked, r.FixesStored))
	}
	if r.LiveReconnects == 0 && r.LiveDelivered != r.LiveExpected {
		out = append(out, fmt.Sprintf("%d live events delivered, %d expected", r.LiveDelivered, r.LiveExpected))
	}
	return out
}

// String formats the report.
func (r SoakReport) String() string {
	var b strings.Builder
	o := r.Options
	fmt.Fprintf(&b, "soak: %d devices (one fix per %s, every %s one on OsmAnd), %d walls (%d×%d tiles × %d layers every %s, live feed), %d analysts (a query every %s), %s\n",
		o.Devices, o.Interval, osmAndShare(o.OsmAndEvery), o.Walls, wallCols, wallRows, len(wallLayers), o.WallRefresh,
		o.Analysts, o.AnalystEvery, o.Duration)
	pool := "default"
	if o.PoolMaxConns > 0 {
		pool = strconv.Itoa(o.PoolMaxConns)
	}
	fmt.Fprintf(&b, "  database %s (pool_max_conns %s); load ran %s; GOMAXPROCS %d\n", r.Database, pool, r.Elapsed.Round(time.Millisecond), runtime.GOMAXPROCS(0))
	routeTable(&b, r.Routes, true)
	for _, s := range r.Routes {
		if s.FirstError != "" {
			fmt.Fprintf(&b, "  first error, %s: %s\n", s.Group, s.FirstError)
		}
	}
	perS := float64(r.FixesAcked) / math.Max(r.Elapsed.Seconds(), 1e-9)
	fmt.Fprintf(&b, "  fixes: taken %d, acknowledged %d (%.1f/s), stored %d, duplicates %d, rejected %d, dropped %d, unsent at the end %d\n",
		r.FixesTaken, r.FixesAcked, perS, r.FixesStored, r.FixesDuplicate, r.FixesRejected, r.FixesDropped, r.FixesUnsent)
	if len(r.RejectedCodes) > 0 {
		codes := make([]string, 0, len(r.RejectedCodes))
		for c, n := range r.RejectedCodes {
			codes = append(codes, fmt.Sprintf("%s×%d", c, n))
		}
		slices.Sort(codes)
		fmt.Fprintf(&b, "  rejections: %s\n", strings.Join(codes, " "))
	}
	if r.FixesAcked > 0 && r.Elapsed > 0 {
		fmt.Fprintf(&b, "  CPU of this process: %.1f s in %.1f s (%.2f cores), %.2f ms per acknowledged fix with everything else it served\n",
			r.CPU.Seconds(), r.Elapsed.Seconds(), r.CPU.Seconds()/r.Elapsed.Seconds(), ms(r.CPU)/float64(r.FixesAcked))
		if r.PostgresCPU > 0 {
			fmt.Fprintf(&b, "  CPU of PostgreSQL's backends for this database: %.1f s (%.2f cores), %.2f ms per acknowledged fix; both together %.2f ms a fix\n",
				r.PostgresCPU.Seconds(), r.PostgresCPU.Seconds()/r.Elapsed.Seconds(), ms(r.PostgresCPU)/float64(r.FixesAcked),
				ms(r.CPU+r.PostgresCPU)/float64(r.FixesAcked))
		}
		if r.SingleRowFloor.Fixes > 0 {
			fmt.Fprintf(&b, "  floors, the stored fixes written again straight through pgx after the load:\n    single-row commits: %s\n    raw COPY:           %s\n",
				r.SingleRowFloor, r.CopyFloor)
			if r.PostgresCPU > 0 {
				fmt.Fprintf(&b, "    the soak's CPU per acknowledged fix is %.1f× the single-row floor's, %.1f× COPY's\n",
					ms(r.CPU+r.PostgresCPU)/float64(r.FixesAcked)/r.SingleRowFloor.CPUPerFix(),
					ms(r.CPU+r.PostgresCPU)/float64(r.FixesAcked)/r.CopyFloor.CPUPerFix())
			}
		}
		b.WriteString("  ingest stages, server time per acknowledged fix (summed over concurrent requests):")
		for _, name := range position.StageNames {
			fmt.Fprintf(&b, " %s %.2f ms", name, ms(r.IngestStages[name])/float64(r.FixesAcked))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "  messages to other instances (NOTIFY): %d sent\n", r.NotifySent)
	fmt.Fprintf(&b, "  live events: delivered %d, expected %d, walls dropped and reconnected %d\n", r.LiveDelivered, r.LiveExpected, r.LiveReconnects)
	c := r.TileCache
	fmt.Fprintf(&b, "  tile cache: %d hits, %d builds, %d evictions, %d entries, %.1f MB\n", c.Hits, c.Builds, c.Evictions, c.Entries, mb(c.Bytes))
	if r.PositionRows > 0 {
		fmt.Fprintf(&b, "  storage at the end: positions %.1f MB for %d rows (%.0f bytes a fix, indexes included), coverage %.1f MB\n",
			mb(r.PositionBytes), r.PositionRows, float64(r.PositionBytes)/float64(r.PositionRows), mb(r.CoverageBytes))
	}
	b.WriteString("  memory of the process (server and load generator together):\n")
	memoryTable(&b, r.Memory)
	if f := r.Failures(); len(f) > 0 {
		fmt.Fprintf(&b, "  FAILED: %s\n", strings.Join(f, "; "))
	} else {
		b.WriteString("  OK: no errors, every acknowledged fix stored, every live event delivered\n")
	}
	return b.String()
}

func osmAndShare(every int) string {
	if every <= 0 {
		return "none"
	}
	return strconv.Itoa(every)
}

func mb[T int64 | uint64](n T) float64 { return float64(n) / (1 << 20) }

func memoryTable(b *strings.Builder, samples []MemorySample) {
	fmt.Fprintf(b, "  %8s %10s %8s %8s %10s %13s %11s %8s\n", "t", "heap MB", "sys MB", "RSS MB", "goroutines", "tile cache MB", "live feeds", "DB MB")
	for _, m := range samples {
		fmt.Fprintf(b, "  %8s %10.1f %8.1f %8.1f %10d %13.1f %11d %8.1f\n", m.At.Round(time.Second), mb(m.HeapAlloc), mb(m.Sys), mb(m.RSS),
			m.Goroutines, mb(m.TileCacheBytes), m.LiveClients, mb(m.DBBytes))
	}
}

// Soak runs a bounded load against a server in this process, over loopback, on a
// scratch database holding the demo city and opt.Cases synthetic cases: opt.Devices
// devices walking in their townships and sending a fix every opt.Interval, opt.Walls map
// walls revalidating a viewport of tiles and holding a live feed, opt.Analysts analysts
// querying hot spots, blind zones and coverage. It writes progress to log and returns
// what it measured; the report's Failures say whether the server kept up without error.
func Soak(ctx context.Context, opt SoakOptions, log io.Writer) (SoakReport, error) {
	opt.defaults()
	dbURL, drop, err := benchDB(ctx, opt.DatabaseURL, opt.InPlace)
	if err != nil {
		return SoakReport{}, err
	}
	defer drop()
	serverURL, err := withPoolMaxConns(dbURL, opt.PoolMaxConns)
	if err != nil {
		return SoakReport{}, err
	}
	srv, err := app.Open(ctx, app.Config{Addr: "127.0.0.1:0", DatabaseURL: serverURL, Migrate: true,
		GroupCommit: position.GroupConfig{Window: opt.GroupWindow}})
	if err != nil {
		return SoakReport{}, err
	}
	defer srv.Close()
	start := time.Now()
	run, err := prepareSoak(ctx, srv, opt, log)
	if err != nil {
		return SoakReport{}, fmt.Errorf("prepare the soak: %w", err)
	}
	fmt.Fprintf(log, "soak database %s ready in %s: %d townships, %d devices, %d walls, %d analysts\n",
		redactURL(dbURL), time.Since(start).Round(time.Millisecond), len(run.townships), len(run.devices), len(run.walls), len(run.analysts))
	base, stop, err := serveInBackground(ctx, srv)
	if err != nil {
		return SoakReport{}, err
	}
	defer stop()
	run.base = base
	if u, err := url.Parse(dbURL); err == nil {
		run.dbName = strings.TrimPrefix(u.Path, "/")
	}
	// Its own connection measures the database's size: the pool may be saturated.
	if run.sizeConn, err = pgx.Connect(ctx, dbURL); err != nil {
		return SoakReport{}, err
	}
	defer run.sizeConn.Close(context.WithoutCancel(ctx))
	rep := run.run(ctx, log)
	rep.Database = redactURL(dbURL)
	// The floors rewrite positions: never on a database the soak was not given to own.
	if !opt.InPlace && rep.FixesStored > 0 && ctx.Err() == nil {
		if rep.SingleRowFloor, rep.CopyFloor, err = soakFloors(ctx, srv.Positions, run.dbName, floorStreams, log); err != nil {
			fmt.Fprintf(log, "soak floors: %v\n", err)
		}
	}
	return rep, ctx.Err()
}

// withPoolMaxConns returns the database URL with pool_max_conns set to n (n > 0).
func withPoolMaxConns(dbURL string, n int) (string, error) {
	if n <= 0 {
		return dbURL, nil
	}
	u, err := url.Parse(dbURL)
	if err != nil || u.Scheme == "" {
		return "", errors.New("setting the pool size needs a postgres:// URL")
	}
	q := u.Query()
	q.Set("pool_max_conns", strconv.Itoa(n))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// soakTownship is a township of the city with a point inside it.
type soakTownship struct {
	code  string
	point orb.Point
}

// soakDevice is one officer's phone.
type soakDevice struct {
	officer, deviceID, token, township string
	osmand                             bool
	walk                               *walker
	pending                            []genFix // taken, not yet acknowledged
}

// soakWall is one map wall of a command centre.
type soakWall struct {
	token    string
	township string   // the token's scope; "" for the whole city
	urls     []string // paths of the viewport's tiles
	group    []string // route group of each URL
	etags    map[string]string
	events   atomic.Int64
	drops    atomic.Int64
	snapshot atomic.Int64 // latest positions expected at the first connection
}

// soakOfficerPrefix starts the ID of every officer the soak creates, so that their fixes
// can be told from others when the soak runs in place.
const soakOfficerPrefix = "soak-"

// soakRun is one soak: the city, its clients and their counters.
type soakRun struct {
	srv       *app.Server
	opt       SoakOptions
	base      string // http://host:port
	townships []soakTownship
	devices   []*soakDevice
	walls     []*soakWall
	analysts  []string // tokens
	rec       *recorder
	sizeConn  *pgx.Conn // measures the database's size
	dbName    string

	taken, acked, duplicates, rejected, dropped atomic.Int64
	ackedIn                                     map[string]*atomic.Int64 // acknowledged fixes by township
	rejMu                                       sync.Mutex
	rejectedCodes                               map[string]int64
}

// prepareSoak loads what is missing — the demo city, the cases — and creates the
// officers, the devices' tokens and the walls' and analysts' tokens.
func prepareSoak(ctx context.Context, srv *app.Server, opt SoakOptions, log io.Writer) (*soakRun, error) {
	step := time.Now()
	towns, existing, err := cityContents(ctx, srv)
	if err != nil {
		return nil, err
	}
	if towns == 0 {
		if err := demo.Load(ctx, srv.Grid, demo.DefaultSeed, 0); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "demo city loaded in %s\n", time.Since(step).Round(time.Millisecond))
		step = time.Now()
	}
	if existing == 0 && opt.Cases > 0 {
		if err := loadCases(ctx, srv, opt.Cases, opt.Seed); err != nil {
			return nil, fmt.Errorf("load cases: %w", err)
		}
		if err := srv.Cases.Analyze(ctx); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "%d cases written by COPY in %s\n", opt.Cases, time.Since(step).Round(time.Millisecond))
		step = time.Now()
	}
	res, err := srv.Grid.Resolution(ctx)
	if err != nil {
		return nil, err
	}
	r := &soakRun{srv: srv, opt: opt, ackedIn: map[string]*atomic.Int64{}, rejectedCodes: map[string]int64{}}

	points, err := srv.Grid.TownshipPoints(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range points {
		r.townships = append(r.townships, soakTownship{code: p.Code, point: p.Point})
		r.ackedIn[p.Code] = &atomic.Int64{}
	}

	// Cells: where devices may walk (their township) and where they start (their
	// squadron's grid areas).
	places, err := srv.Grid.CellPlaces(ctx)
	if err != nil {
		return nil, err
	}
	townshipOf := map[int64]string{}
	squadronCells := map[string][]int64{}
	squadronTownship := map[string]string{}
	for _, c := range places {
		cell := int64(c.H3)
		townshipOf[cell] = c.Township
		if c.Squadron != nil && *c.Squadron != "" {
			sq := *c.Squadron
			squadronCells[sq] = append(squadronCells[sq], cell)
			squadronTownship[sq] = c.Township
		}
	}
	if len(squadronCells) == 0 {
		return nil, errors.New("the city has no squadron with grid areas")
	}
	squadrons := make([]string, 0, len(squadronCells))
	for sq := range squadronCells {
		squadrons = append(squadrons, sq)
	}
	slices.Sort(squadrons)

	for i := range opt.Devices {
		sq := squadronFor(i, opt.Devices, squadrons, func(s string) int { return len(squadronCells[s]) })
		town := squadronTownship[sq]
		rng := rand.New(rand.NewPCG(opt.Seed, uint64(i)+10))
		cells := squadronCells[sq]
		start := grid.Center(grid.Cell(cells[rng.IntN(len(cells))]))
		inside := func(p orb.Point) bool { return townshipOf[int64(grid.CellAt(p, res))] == town }
		d := &soakDevice{
			officer:  fmt.Sprintf("%s%05d", soakOfficerPrefix, i),
			deviceID: fmt.Sprintf("soak-dev-%05d", i),
			township: town,
			osmand:   opt.OsmAndEvery > 0 && i%opt.OsmAndEvery == opt.OsmAndEvery-1,
			walk:     newWalker(start, inside, rng),
		}
		if _, err := srv.Officers.Create(ctx, officer.Officer{ID: d.officer, Name: "soak " + d.officer, Squadron: sq, DeviceID: d.deviceID}, ""); err != nil &&
			apperr.CodeOf(err) != apperr.Conflict { // a soak run again in place keeps its officers
			return nil, err
		}
		if d.token, _, err = srv.Tokens.Create(ctx, auth.TokenSpec{Name: "soak device " + d.deviceID, Role: auth.Device, Officer: d.officer, TTL: 24 * time.Hour}); err != nil {
			return nil, err
		}
		r.devices = append(r.devices, d)
	}

	fmt.Fprintf(log, "%d officers and device tokens created in %s\n", len(r.devices), time.Since(step).Round(time.Millisecond))
	for i := range opt.Walls {
		town := r.townships[i%len(r.townships)]
		// Half the walls are a township's (a scoped supervisor token), half the city's.
		spec := auth.TokenSpec{Name: fmt.Sprintf("soak wall %d", i), Role: auth.Analyst, TTL: 24 * time.Hour}
		if i%2 == 1 {
			spec.Role, spec.Township = auth.Supervisor, town.code
		}
		w := &soakWall{township: spec.Township, etags: map[string]string{}}
		if w.token, _, err = srv.Tokens.Create(ctx, spec); err != nil {
			return nil, err
		}
		z := uint32(12 + i%3)
		for _, layer := range wallLayers {
			for _, t := range viewport(town.point, z, wallCols, wallRows) {
				w.urls = append(w.urls, fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, t.Z, t.X, t.Y))
				w.group = append(w.group, tileGroup(layer))
			}
		}
		r.walls = append(r.walls, w)
	}
	for i := range opt.Analysts {
		tok, _, err := srv.Tokens.Create(ctx, auth.TokenSpec{Name: fmt.Sprintf("soak analyst %d", i), Role: auth.Analyst, TTL: 24 * time.Hour})
		if err != nil {
			return nil, err
		}
		r.analysts = append(r.analysts, tok)
	}
	return r, nil
}

// squadronFor spreads n devices over squadrons in proportion to their weights (cells):
// device i goes to the squadron whose share of the cumulative weight holds (i + ½)/n.
func squadronFor(i, n int, squadrons []string, weight func(string) int) string {
	total := 0
	for _, s := range squadrons {
		total += weight(s)
	}
	target := (float64(i) + 0.5) / float64(n) * float64(total)
	acc := 0
	for _, s := range squadrons {
		acc += weight(s)
		if float64(acc) > target {
			return s
		}
	}
	return squadrons[len(squadrons)-1]
}

// viewport returns the cols × rows tiles at zoom z centred on the tile holding p.
func viewport(p orb.Point, z uint32, cols, rows int) []mvt.Tile {
	c := mvt.Covering(p, z)
	n := int64(1) << z
	var out []mvt.Tile
	for dy := range rows {
		for dx := range cols {
			x := int64(c.X) + int64(dx-cols/2)
			y := int64(c.Y) + int64(dy-rows/2)
			if x >= 0 && y >= 0 && x < n && y < n {
				out = append(out, mvt.Tile{Z: z, X: uint32(x), Y: uint32(y)})
			}
		}
	}
	return out
}

// run sends the load and collects the report.
func (r *soakRun) run(ctx context.Context, log io.Writer) SoakReport {
	opt := r.opt
	rep := SoakReport{Options: opt, RejectedCodes: map[string]int64{}}
	// What the walls get first: the latest position of every officer they may see.
	// Unreadable counts leave nil: the walls are then expected to get the fixes alone.
	latest, _ := r.srv.Positions.LatestCounts(ctx)
	var latestAll int64
	for _, n := range latest {
		latestAll += n
	}
	runtime.GC() // the setup's garbage is not the soak's
	r.rec = newRecorder(time.Now())
	// Samples are taken from this goroutine only.
	var samples []MemorySample
	loadStart := time.Now()
	sample := func() { samples = append(samples, r.sample(ctx, time.Since(loadStart))) }
	sample()

	// The walls' live feeds first, so that every fix of the soak is expected on them.
	liveCtx, stopLive := context.WithCancel(ctx)
	defer stopLive()
	liveClient := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: len(r.walls)}}
	var liveWG sync.WaitGroup
	connected := make(chan struct{}, len(r.walls))
	for _, w := range r.walls {
		if w.township == "" {
			w.snapshot.Store(latestAll)
		} else {
			w.snapshot.Store(latest[w.township])
		}
		liveWG.Add(1)
		go func() {
			defer liveWG.Done()
			r.follow(liveCtx, liveClient, w, connected)
		}()
	}
	for range r.walls {
		select {
		case <-connected:
		case <-time.After(30 * time.Second):
			fmt.Fprintln(log, "soak: a wall's live feed did not connect within 30 s")
		case <-ctx.Done():
		}
	}

	loopCtx, stopLoops := context.WithTimeout(ctx, opt.Duration)
	defer stopLoops()
	stopProfile := startCPUProfile(r.opt.CPUProfile, log)
	cpuStart := cputime.Process()
	pgStart := backendCPU(r.dbName)
	notifyStart, _ := r.srv.Bus.Counts()
	stagesStart := r.stageTimes()
	loadStart = time.Now()
	r.rec.window(loadStart) // the first window starts with the load
	samples[0].At = 0

	var wg sync.WaitGroup
	// Each phone keeps its own connection alive, as a phone does.
	deviceClient := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: max(512, len(r.devices))}, Timeout: time.Minute}
	for i, d := range r.devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Devices start spread evenly over the first interval, as phones do.
			r.device(ctx, loopCtx, deviceClient, d, time.Duration(i)*opt.Interval/time.Duration(len(r.devices)))
		}()
	}
	for i, w := range r.walls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxConnsPerHost: wallFetchers, MaxIdleConnsPerHost: wallFetchers}, Timeout: time.Minute}
			r.wall(ctx, loopCtx, client, w, time.Duration(i)*opt.WallRefresh/time.Duration(len(r.walls)))
		}()
	}
	analystClient := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: max(1, len(r.analysts))}, Timeout: 2 * time.Minute}
	for i, tok := range r.analysts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.analyst(ctx, loopCtx, analystClient, tok, i, time.Duration(i)*opt.AnalystEvery/time.Duration(len(r.analysts)))
		}()
	}

	// Progress: memory samples and reports until the loops end.
	loopsDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(loopsDone)
	}()
	sampleTick := time.NewTicker(opt.SampleEvery)
	reportTick := time.NewTicker(opt.ReportEvery)
progress:
	for {
		select {
		case <-loopsDone:
			break progress
		case <-sampleTick.C:
			sample()
		case <-reportTick.C:
			r.progress(log, time.Since(loadStart), samples[len(samples)-1])
		}
	}
	sampleTick.Stop()
	reportTick.Stop()
	rep.Elapsed = time.Since(loadStart)
	rep.CPU = cputime.Process() - cpuStart
	stopProfile()
	for pid, t := range backendCPU(r.dbName) {
		rep.PostgresCPU += t - pgStart[pid] // a backend started during the load counts from 0
	}
	rep.IngestStages = map[string]time.Duration{}
	for i, d := range r.stageTimes() {
		rep.IngestStages[position.StageNames[i]] = d - stagesStart[i]
	}

	// Every acknowledged fix is on its way to the walls that may see it: wait for them.
	for _, w := range r.walls {
		rep.LiveExpected += r.expectedOn(w)
	}
	drainUntil := time.Now().Add(15 * time.Second)
	for time.Now().Before(drainUntil) && ctx.Err() == nil {
		behind := false
		for _, w := range r.walls {
			if w.events.Load() < r.expectedOn(w) {
				behind = true
			}
		}
		if !behind {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopLive()
	liveWG.Wait()
	liveClient.CloseIdleConnections()
	deviceClient.CloseIdleConnections()
	analystClient.CloseIdleConnections()
	for _, w := range r.walls {
		rep.LiveDelivered += w.events.Load()
		rep.LiveReconnects += w.drops.Load()
	}
	// Let the closed connections' goroutines end, so that the last sample shows what the
	// server keeps, not what it is still tearing down.
	for settle := time.Now().Add(10 * time.Second); time.Now().Before(settle) && runtime.NumGoroutine() > samples[0].Goroutines+20; {
		time.Sleep(100 * time.Millisecond)
	}
	sample()

	rep.Routes = r.rec.totals(rep.Elapsed)
	rep.FixesTaken, rep.FixesAcked, rep.FixesDuplicate = r.taken.Load(), r.acked.Load(), r.duplicates.Load()
	rep.FixesRejected, rep.FixesDropped = r.rejected.Load(), r.dropped.Load()
	for _, d := range r.devices {
		rep.FixesUnsent += int64(len(d.pending))
	}
	r.rejMu.Lock()
	for k, v := range r.rejectedCodes {
		rep.RejectedCodes[k] = v
	}
	r.rejMu.Unlock()
	// A fresh context: the counts matter most when the run was interrupted.
	endCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	var err error
	if rep.FixesStored, err = r.srv.Positions.Count(endCtx, soakOfficerPrefix); err != nil {
		fmt.Fprintf(log, "soak: counting stored fixes: %v\n", err)
		rep.FixesStored = -1
	}
	// Sizes are for the report only: one that cannot be read stays 0.
	rep.PositionBytes, _ = r.srv.Positions.DiskBytes(endCtx)
	rep.CoverageBytes, _ = r.srv.Coverage.DiskBytes(endCtx)
	rep.PositionRows, _ = r.srv.Positions.Count(endCtx, "")
	rep.TileCache = r.srv.Tiles.CacheStats()
	notified, _ := r.srv.Bus.Counts() // after the drain: the bus sends asynchronously
	rep.NotifySent = notified - notifyStart
	rep.Memory = samples
	return rep
}

// expectedOn returns how many live events wall w should have had: the latest positions
// at its first connection and every acknowledged fix it may see.
func (r *soakRun) expectedOn(w *soakWall) int64 {
	n := w.snapshot.Load()
	if w.township != "" {
		return n + r.ackedIn[w.township].Load()
	}
	return n + r.acked.Load()
}

// sample measures the process's memory.
func (r *soakRun) sample(ctx context.Context, at time.Duration) MemorySample {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := MemorySample{At: at, HeapAlloc: ms.HeapAlloc, Sys: ms.Sys, RSS: rss(), Goroutines: runtime.NumGoroutine(),
		TileCacheBytes: r.srv.Tiles.CacheStats().Bytes, LiveClients: r.srv.Live.Subscribers()}
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = r.sizeConn.QueryRow(qctx, "SELECT pg_database_size(current_database())").Scan(&m.DBBytes)
	return m
}

// stageTimes returns the server's total time in each ingest stage so far.
func (r *soakRun) stageTimes() []time.Duration {
	out := make([]time.Duration, len(position.StageNames))
	for i := range out {
		out[i] = r.srv.Positions.StageTime(position.Stage(i))
	}
	return out
}

// rss returns the resident set size of this process from /proc, or 0.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// progress writes the window's figures since the last report.
func (r *soakRun) progress(log io.Writer, at time.Duration, m MemorySample) {
	elapsed, rows := r.rec.window(time.Now())
	var b strings.Builder
	fmt.Fprintf(&b, "soak at %s: last %s; fixes acknowledged %d, live events %d; heap %.1f MB, sys %.1f MB, RSS %.1f MB, %d goroutines, tile cache %.1f MB, DB %.1f MB\n",
		at.Round(time.Second), elapsed.Round(time.Second), r.acked.Load(), r.liveEvents(), mb(m.HeapAlloc), mb(m.Sys), mb(m.RSS), m.Goroutines, mb(m.TileCacheBytes), mb(m.DBBytes))
	routeTable(&b, rows, false)
	fmt.Fprint(log, b.String())
}

func (r *soakRun) liveEvents() int64 {
	var n int64
	for _, w := range r.walls {
		n += w.events.Load()
	}
	return n
}
