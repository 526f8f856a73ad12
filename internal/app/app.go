// Package app assembles a Gridwatch server from its parts: configuration, the database
// pool, migrations, stores, handlers, the router and the HTTP server with its timeouts
// and graceful shutdown. cmd/gridwatch and end-to-end tests both use it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/admission"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/cluster"
	"github.com/gridwatch/gridwatch/internal/metrics"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/internal/ratelimit"
	"github.com/gridwatch/gridwatch/migrations"
	"github.com/gridwatch/gridwatch/patrol/alert"
	"github.com/gridwatch/gridwatch/patrol/analytics"
	"github.com/gridwatch/gridwatch/patrol/assessment"
	"github.com/gridwatch/gridwatch/patrol/calendar"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/coverage"
	"github.com/gridwatch/gridwatch/patrol/documents"
	"github.com/gridwatch/gridwatch/patrol/evidence"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/gridwatch/gridwatch/patrol/inspection"
	"github.com/gridwatch/gridwatch/patrol/live"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/planning"
	"github.com/gridwatch/gridwatch/patrol/position"
	"github.com/gridwatch/gridwatch/patrol/powers"
	"github.com/gridwatch/gridwatch/patrol/webhook"
	"github.com/gridwatch/gridwatch/tiles"
)

// Config is the server's configuration. Zero durations take the defaults below.
type Config struct {
	Addr        string // listen address, e.g. ":8080"
	DatabaseURL string // libpq URL or key=value string
	// Migrate applies pending migrations at start instead of refusing to start.
	Migrate bool
	// StatementTimeout bounds each SQL statement (default 30 s); it stays below
	// WriteTimeout so that a slow query ends as a 503, not a dropped connection.
	StatementTimeout time.Duration
	// WriteTimeout bounds writing a response (default 2 min).
	WriteTimeout time.Duration
	// H3Resolution is the resolution of the first township split (default 9).
	H3Resolution int
	// TileCacheBytes bounds the in-memory tile cache (default 256 MiB).
	TileCacheBytes int64
	// Filter tunes the plausibility checks of incoming fixes (zero: defaults).
	Filter ingest.FilterConfig
	// GroupCommit tunes how small ingest requests share transactions (zero fields:
	// position.DefaultGroupConfig; a negative Window turns it off).
	GroupCommit position.GroupConfig
	// TokenCacheTTL is how long a live token's identity is kept in memory (default
	// auth.DefaultCacheTTL; negative: every request looks its token up). Revocations
	// reach every instance at once through the database's notification; the TTL bounds
	// how long one missed could go unnoticed.
	TokenCacheTTL time.Duration
	// Webhooks tunes the delivery of webhooks (timeouts, backoff; zero: defaults).
	Webhooks webhook.Config
	// ShutdownTimeout is how long in-flight requests may take to finish after a stop
	// signal (default twice the statement timeout and 5 s: a request may wait that long
	// for a connection, then run a statement that long).
	ShutdownTimeout time.Duration
	// RateLimits bound how fast one client may go; nil takes DefaultRateLimits.
	RateLimits *RateLimits
	// TrustProxy takes the client's address from X-Forwarded-For / X-Real-IP, for a
	// server behind a reverse proxy that sets them (and only then: clients could forge them).
	TrustProxy bool
	// CORSOrigins may call the API from pages of their own (see httpx.CORS); none by default.
	CORSOrigins []string
	// EvidenceDir is the evidence store's directory (files by SHA-256); "" makes a
	// temporary one, for tests: a server keeps its evidence in a directory it is given.
	EvidenceDir string
	// Evidence bounds uploads (zero fields: evidence.DefaultFileBytes and
	// DefaultRequestBytes).
	Evidence evidence.Limits
	// Procedure sets the penalty procedure's periods and major-decision rule (zero fields:
	// the Administrative Penalty Law's periods, cases.DefaultMajorRule).
	Procedure cases.ProcedureConfig
	// DisclosureWindow is how long a decision stays in 执法公示 after it is made (0:
	// documents.DefaultWindow, a year).
	DisclosureWindow time.Duration
	// Admission bounds the analyses, API and tiles alike: concurrency in the server and
	// per token, the wait for a turn, the cost budget (zero fields:
	// admission.DefaultConfig).
	Admission admission.Config
	// ClaimWindow is how far back reporter, officer and device tokens may date a case
	// (reported_at) or an event (at) (0: cases.DefaultClaimWindow, 7 days).
	ClaimWindow time.Duration
}

// RateLimits are the request rate limits. A zero Rate turns a limit off.
type RateLimits struct {
	Ingest    ratelimit.Rate // positions in, per token (OsmAnd: per device key)
	Export    ratelimit.Rate // analyses, plans and their downloads, per token
	Open311   ratelimit.Rate // Open311, per api_key in the query, else per client address
	Public    ratelimit.Rate // 执法公示 (/public, /api/v1/public/…), per client address
	BadTokens ratelimit.Rate // bad bearer tokens, per client address
}

// DefaultRateLimits are generous for the intended clients — a phone sends a fix every
// few seconds, a gateway a batch a second, an analyst's page a few queries at once —
// and stop runaway scripts and token guessing.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		Ingest:    ratelimit.Rate{PerSecond: 50, Burst: 200},
		Export:    ratelimit.Rate{PerSecond: 10, Burst: 60},
		Open311:   ratelimit.Rate{PerSecond: 5, Burst: 30},
		Public:    ratelimit.Rate{PerSecond: 5, Burst: 30},
		BadTokens: ratelimit.Rate{PerSecond: 1.0 / 6, Burst: 20}, // 10 a minute after 20
	}
}

func (c *Config) setDefaults() {
	if c.Addr == "" {
		c.Addr = ":8080"
	}
	if c.StatementTimeout == 0 {
		c.StatementTimeout = 30 * time.Second
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 2 * time.Minute
	}
	if c.H3Resolution == 0 {
		c.H3Resolution = grid.DefaultResolution
	}
	if c.TileCacheBytes == 0 {
		c.TileCacheBytes = 256 << 20
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 2*c.StatementTimeout + 5*time.Second
	}
	if c.RateLimits == nil {
		limits := DefaultRateLimits()
		c.RateLimits = &limits
	}
}

// Server is a configured Gridwatch server.
type Server struct {
	cfg    Config
	DB     *pgxpool.Pool
	Tokens *auth.Store
	// TokenCache answers token lookups from memory; nil when Config.TokenCacheTTL turned
	// it off.
	TokenCache *auth.Cache
	Grid       *grid.Store
	Officers   *officer.Store
	Positions  *position.Store
	Coverage   *coverage.Store
	Live       *live.Broker
	// Alerts keeps the alerts of real-time supervision; Watcher evaluates their rules.
	Alerts  *alert.Store
	Watcher *alert.Watcher
	// Webhooks keeps subscriptions and the outbox; Deliverer posts it.
	Webhooks  *webhook.Store
	Deliverer *webhook.Deliverer
	Cases     *cases.Store
	Analytics *analytics.Store
	// Admission bounds the analyses (see Config.Admission).
	Admission *admission.Controller
	Tiles     *tiles.Server
	Plans     *planning.Store
	Powers    *powers.Store
	Evidence  *evidence.Store
	Calendar  *calendar.Store
	// DocLinks signs the short-lived links that open printable documents without a token.
	DocLinks *documents.Signer
	// Inspections keeps 双随机一公开 and 案卷评查: targets, draws, tasks, reviews.
	Inspections *inspection.Store
	// Assessment computes 监督考核 from the cases and patrol and keeps its weights.
	Assessment *assessment.Store
	// Bus tells other instances on the same database what this one changed, and hears
	// theirs (see peers.go).
	Bus     *cluster.Bus
	limits  limiters
	metrics *metrics.Metrics
	rollup  *tiles.Rollup // records coverage changes in the tile versions
	http    *http.Server
	ln      net.Listener
}

// Open connects to the database, checks (or applies) migrations and builds the handler.
// It fails when the database is unreachable or not at the binary's schema version.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	cfg.setDefaults()
	if cfg.DatabaseURL == "" {
		return nil, errors.New("no database: set DATABASE_URL or --db")
	}
	if cfg.H3Resolution < 0 || cfg.H3Resolution > grid.MaxResolution {
		return nil, fmt.Errorf("H3 resolution %d is out of range 0..%d", cfg.H3Resolution, grid.MaxResolution)
	}
	pool, err := pgdb.Open(ctx, cfg.DatabaseURL, pgdb.Options{StatementTimeout: cfg.StatementTimeout})
	if err != nil {
		return nil, err
	}
	if err := checkSchema(ctx, pool, cfg.Migrate); err != nil {
		pool.Close()
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		DB:      pool,
		Tokens:  auth.NewStore(pool),
		Grid:    grid.NewStore(pool, cfg.H3Resolution),
		Bus:     cluster.New(pool),
		limits:  newLimiters(*cfg.RateLimits),
		metrics: metrics.New(pool),
	}
	if cfg.TokenCacheTTL >= 0 {
		s.TokenCache = auth.NewCache(s.Tokens, cfg.TokenCacheTTL, 0)
		s.TokenCache.OnlyWhile(s.Bus.Listening)
	}
	s.Calendar = calendar.NewStore(pool)
	s.Officers = officer.NewStore(pool, s.Grid)
	s.Coverage = coverage.NewStore(pool, s.Grid)
	s.Positions = position.NewStore(pool, s.Officers, s.Grid, s.Coverage, cfg.Filter)
	s.Positions.SetGroupCommit(cfg.GroupCommit, newGroupMetrics(s.metrics.Registry()).observe)
	s.Live = live.NewBroker(s.Positions)
	s.Cases = cases.NewStore(pool, s.Grid, s.Officers, s.Positions)
	s.Powers = powers.NewStore(pool, powerSectors{s.Cases}, s.Grid)
	s.Cases.UsePowers(s.Powers)
	blobs, err := openEvidence(cfg.EvidenceDir)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.Evidence = evidence.NewStore(pool, blobs, s.Cases, s.Positions)
	s.Cases.UseEvidence(s.Evidence)
	s.Cases.UseProcedure(s.Calendar, cfg.Procedure)
	if s.DocLinks, err = documents.LoadSigner(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	s.Analytics = analytics.NewStore(s.Cases, s.Grid, s.Coverage, s.Powers)
	s.Inspections = inspection.NewStore(pool, inspection.Sources{Grid: s.Grid, Sectors: s.Cases, Officers: s.Officers,
		Cases: s.Cases, Evidence: s.Evidence, Calendar: s.Calendar, Powers: s.Powers})
	s.Analytics.UseInspections(s.Inspections)
	s.Evidence.UseTasks(s.Inspections)
	s.Plans = planning.NewStore(pool, s.Analytics, planning.Sources{Grid: s.Grid, Officers: s.Officers,
		Positions: s.Positions, Coverage: s.Coverage, Cases: s.Cases})
	s.Assessment = assessment.NewStore(pool, assessment.Sources{Cases: s.Cases, Coverage: s.Coverage, Grid: s.Grid,
		Officers: s.Officers, Inspections: s.Inspections, Evidence: s.Evidence, Plans: s.Plans,
		Usage: s.Analytics})
	s.Alerts = alert.NewStore(pool)
	s.Webhooks = webhook.NewStore(pool)
	s.Deliverer = webhook.NewDeliverer(s.Webhooks, cfg.Webhooks)
	s.Alerts.UseOutbox(s.Webhooks)
	s.Cases.UseEventHook(s.Webhooks.CaseEvents())
	s.Watcher = alert.NewWatcher(s.Alerts, alert.Sources{Officers: s.Officers, Cells: s.Grid, Latest: s.Positions, Cases: s.Cases,
		Plans: s.Plans, Tracks: s.Positions, HotSpots: s.Analytics, Townships: s.Grid})
	if s.Tiles, err = tiles.NewServer(tiles.Stores{Grid: s.Grid, Cases: s.Cases, Coverage: s.Coverage,
		Tracks: s.Positions, Analyses: s.Analytics}, cfg.TileCacheBytes); err != nil {
		pool.Close()
		return nil, err
	}
	s.Admission = admission.New(cfg.Admission)
	s.Analytics.Admission(s.Admission, analysisVersions{s.Tiles.Versions()})
	s.rollup = tiles.NewRollup(s.Tiles.Versions(), 0)
	s.wireInvalidation()
	s.registerMetrics()
	s.http = &http.Server{
		Addr:              cfg.Addr,
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.WriteTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}
	return s, nil
}

// openEvidence opens the evidence store in dir, or in a new temporary directory when dir
// is "".
func openEvidence(dir string) (*evidence.Blobs, error) {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "gridwatch-evidence-")
		if err != nil {
			return nil, fmt.Errorf("evidence store: %w", err)
		}
		slog.Warn("no evidence directory configured: evidence goes to a temporary directory", "dir", tmp)
		dir = tmp
	}
	return evidence.OpenBlobs(dir)
}

// checkSchema makes sure the database is at this binary's schema version, applying the
// pending migrations when migrate is set.
func checkSchema(ctx context.Context, pool *pgxpool.Pool, migrate bool) error {
	if migrate {
		return Migrate(ctx, pool)
	}
	current, err := migrations.Current(ctx, pool)
	if err != nil {
		return fmt.Errorf("database unreachable or unreadable: %w", err)
	}
	latest, err := migrations.Latest()
	if err != nil {
		return err
	}
	switch {
	case current < latest:
		return fmt.Errorf("the database schema is at version %d, this binary needs %d: run `gridwatch migrate` first, or start with --migrate", current, latest)
	case current > latest:
		return fmt.Errorf("the database schema is at version %d, newer than this binary's %d: upgrade gridwatch", current, latest)
	}
	return nil
}

// Migrate applies the pending migrations on one connection of pool, then stores the
// working-day calendars this build ships for the years the database has none of.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect for migrations: %w", err)
	}
	defer conn.Release()
	from, err := migrations.Apply(ctx, conn.Conn())
	if err != nil {
		return err
	}
	latest, _ := migrations.Latest()
	if from != latest {
		slog.InfoContext(ctx, "database migrated", "from", from, "to", latest)
	}
	// Roll-ups written before their hexagons were stored (migration add_rollup_hexagons)
	// get them here: the database has no h3.
	if err := grid.NewStore(pool, 0).FillRollupHexagons(ctx); err != nil {
		return fmt.Errorf("fill the roll-ups' hexagons: %w", err)
	}
	// The State Council's arrangements this build carries, for the years the database has
	// none of: working-day deadlines need them from the first case.
	years, err := calendar.NewStore(pool).LoadShipped(ctx)
	if err != nil {
		return fmt.Errorf("load the shipped calendars: %w", err)
	}
	if len(years) > 0 {
		slog.InfoContext(ctx, "working-day calendars loaded", "years", years)
	}
	return nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// Listen binds the configured address. Addr returns the bound address afterwards, which
// matters with port 0.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	return nil
}

// Addr returns the address the server listens on, after Listen.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve answers requests until ctx is cancelled, then stops taking new connections,
// lets in-flight requests finish (up to ShutdownTimeout) and returns. It calls Listen
// when that was not done.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	served := make(chan error, 1)
	go func() { served <- s.http.Serve(s.ln) }()
	s.Background(ctx)
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down: finishing in-flight requests", "timeout", s.cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := s.http.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// authenticator checks tokens: through the token cache unless it is off.
func (s *Server) authenticator() auth.Authenticator {
	if s.TokenCache != nil {
		return s.TokenCache
	}
	return s.Tokens
}

// Close releases the database pool. Call it after Serve returns.
func (s *Server) Close() {
	s.DB.Close()
}

// Background starts the server's background work until ctx ends: position partitions
// made ahead, the exchange of changes with other instances, the evaluation of alert
// rules and the delivery of webhooks. Serve calls it; tests
// that serve Handler themselves call it when they need either.
func (s *Server) Background(ctx context.Context) {
	go s.keepPartitionsAhead(ctx)
	go s.Bus.Run(ctx, peerEvents{s})
	go s.Watcher.Run(ctx)
	go s.Deliverer.Run(ctx)
}

// partitionCheck is how often the server makes sure position partitions exist ahead.
const partitionCheck = 6 * time.Hour

// keepPartitionsAhead creates the daily position partitions of yesterday to two days
// ahead at start and every few hours, so that ingest rarely has to.
func (s *Server) keepPartitionsAhead(ctx context.Context) {
	tick := time.NewTicker(partitionCheck)
	defer tick.Stop()
	for {
		if err := s.Positions.KeepPartitionsAhead(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("creating position partitions ahead", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
