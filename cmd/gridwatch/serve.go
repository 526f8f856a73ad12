package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/gridwatch/gridwatch/internal/admission"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/internal/ratelimit"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/evidence"
	"github.com/gridwatch/gridwatch/patrol/position"
)

func serveCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	addr := addrFlag(fs)
	db := dbFlag(fs)
	migrate := fs.Bool("migrate", false, "apply pending migrations before serving")
	stmt := fs.Duration("statement-timeout", 30*time.Second, "limit on each SQL statement")
	res := resFlag(fs)
	trustProxy := fs.Bool("trust-proxy", false, "take client addresses from X-Forwarded-For (only behind a reverse proxy that sets it)")
	cors := fs.String("cors-origins", os.Getenv("GRIDWATCH_CORS_ORIGINS"), "comma-separated origins whose pages may call the API (env GRIDWATCH_CORS_ORIGINS)")
	group := position.DefaultGroupConfig()
	fs.DurationVar(&group.Window, "group-window", group.Window, "how long a small ingest request waits for others to share its transaction (negative: off)")
	fs.IntVar(&group.MaxFixes, "group-max-fixes", group.MaxFixes, "fixes that close a shared ingest transaction early")
	fs.IntVar(&group.MaxRequestFixes, "group-max-request-fixes", group.MaxRequestFixes, "largest ingest request, in fixes, that shares a transaction")
	fs.IntVar(&group.Groups, "group-transactions", group.Groups, "shared ingest transactions running at once")
	tokenTTL := fs.Duration("token-cache-ttl", auth.DefaultCacheTTL, "how long a live token is trusted from memory when a revocation's notification is missed (negative: look every token up)")
	evidenceDir := fs.String("evidence-dir", "evidence", "directory of the evidence store (files by SHA-256); back it up with the database")
	var evidenceLimits evidence.Limits
	fs.Int64Var(&evidenceLimits.FileBytes, "evidence-max-bytes", evidence.DefaultFileBytes, "largest evidence file, in bytes")
	fs.Int64Var(&evidenceLimits.RequestBytes, "evidence-max-request-bytes", evidence.DefaultRequestBytes, "largest evidence upload request (all its files), in bytes")
	procedure := procedureFlags(fs)
	claimWindow := fs.Duration("claim-window", cases.DefaultClaimWindow, "how far back reporter, officer and device tokens may date a case or an event")
	adm := admission.DefaultConfig()
	fs.IntVar(&adm.Global, "analysis-concurrency", adm.Global, "analyses (API and tiles) computed at once")
	fs.IntVar(&adm.PerToken, "analysis-per-token", adm.PerToken, "analyses of one token computed at once")
	fs.IntVar(&adm.Queue, "analysis-queue", adm.Queue, "analyses of one token waiting for their turn; more get 429")
	fs.DurationVar(&adm.Wait, "analysis-wait", adm.Wait, "longest wait for a turn (then 429 or 503 with Retry-After)")
	fs.Float64Var(&adm.MaxCost, "analysis-max-cost", adm.MaxCost, "budget of one analysis: cells × steps × neighbours × (permutations+1); over it 422")
	limits := app.DefaultRateLimits()
	rateFlag(fs, &limits.Ingest, "rate-ingest", "positions in, per token")
	rateFlag(fs, &limits.Export, "rate-export", "analyses and plans, per token")
	rateFlag(fs, &limits.Open311, "rate-open311", "Open311, per api_key or address")
	rateFlag(fs, &limits.BadTokens, "rate-bad-tokens", "bad tokens, per address")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	srv, err := app.Open(ctx, app.Config{Addr: *addr, DatabaseURL: *db, Migrate: *migrate, StatementTimeout: *stmt,
		H3Resolution: *res, TrustProxy: *trustProxy, RateLimits: &limits, CORSOrigins: httpx.ParseOrigins(*cors), GroupCommit: group,
		TokenCacheTTL: *tokenTTL, EvidenceDir: *evidenceDir, Evidence: evidenceLimits, Procedure: *procedure, ClaimWindow: *claimWindow,
		Admission: adm})
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.Listen(); err != nil {
		return err
	}
	slog.Info("gridwatch serving", "addr", srv.Addr().String())
	return srv.Serve(ctx)
}

// rateFlag adds a flag that sets a rate limit, e.g. "50/s:200" or "off".
func rateFlag(fs *flag.FlagSet, r *ratelimit.Rate, name, what string) {
	fs.Func(name, fmt.Sprintf("rate limit of %s: N/s, N/min or N/h, optional :BURST, or off (default %s)", what, r), func(s string) error {
		parsed, err := ratelimit.ParseRate(s)
		if err == nil {
			*r = parsed
		}
		return err
	})
}

func migrateCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	db := dbFlag(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	pool, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer pool.Close()
	return app.Migrate(ctx, pool)
}
