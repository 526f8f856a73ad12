package app

import (
	"encoding/hex"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/internal/ratelimit"
)

// limiters are the server's rate limiters, one set per process: with several instances
// a client may go as fast on each.
type limiters struct {
	api       api.Limits
	open311   *ratelimit.Limiter
	public    *ratelimit.Limiter
	badTokens *ratelimit.Limiter
}

func newLimiters(c RateLimits) limiters {
	return limiters{
		api:       api.Limits{api.LimitIngest: ratelimit.New(c.Ingest), api.LimitExport: ratelimit.New(c.Export)},
		open311:   ratelimit.New(c.Open311),
		public:    ratelimit.New(c.Public),
		badTokens: ratelimit.New(c.BadTokens),
	}
}

// guard authenticates bearer tokens, slowing down addresses that send bad ones.
func (s *Server) guard() func(http.Handler) http.Handler {
	return s.guardian().Middleware
}

// guardian checks every kind of credential — bearer tokens, OsmAnd device keys, Open311
// api_keys — against one bad-credential budget per client address.
func (s *Server) guardian() auth.Guard {
	return auth.Guard{Tokens: s.authenticator(), Failures: s.limits.badTokens}
}

// osmandLimit counts OsmAnd fixes against the ingest limit of their device key.
func (s *Server) osmandLimit() func(http.Handler) http.Handler {
	return httpx.RateLimit(s.limits.api[api.LimitIngest], func(r *http.Request) string {
		return "osmand:" + hex.EncodeToString(auth.HashToken(chi.URLParam(r, "key"))[:8])
	})
}

// publicLimit counts the public reads of 执法公示 per client address, as Open311's
// keyless reads.
func (s *Server) publicLimit() func(http.Handler) http.Handler {
	return httpx.RateLimit(s.limits.public, func(r *http.Request) string {
		return "addr:" + httpx.ClientAddr(r)
	})
}
