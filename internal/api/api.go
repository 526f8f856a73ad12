// Package api declares routes of the /api/v1 tree with the roles allowed on each, so that
// no route exists without an authorization decision, and mounts them on a chi router.
package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/internal/ratelimit"
)

// DefaultMaxBody caps request bodies of routes that declare no limit of their own.
const DefaultMaxBody = 1 << 20

// Route is one endpoint: method, chi pattern (relative to the mount point), the roles
// that may call it and the handler. A route with no roles does not mount.
type Route struct {
	Method  string
	Pattern string
	Roles   []auth.Role
	// MaxBody caps the request body in bytes; 0 means DefaultMaxBody.
	MaxBody int64
	// Limit is the rate limit the route counts against, per token ("" = none).
	Limit   LimitClass
	Handler httpx.HandlerFunc
}

// Role sets shared by many routes.
var (
	// Everyone is every role.
	Everyone = auth.Roles
	// Readers may read grid, patrol and case data (scoped tokens within their township).
	Readers = []auth.Role{auth.Admin, auth.Supervisor, auth.Analyst}
	// Admins may change reference data.
	Admins = []auth.Role{auth.Admin}
)

// LimitClass names a rate limit that routes of one kind share, per token.
type LimitClass string

// The rate-limited kinds of route.
const (
	LimitIngest LimitClass = "ingest" // positions in
	LimitExport LimitClass = "export" // analyses, plans and downloads: heavy to compute
)

// Limits are the rate limiters of the limit classes; a class without one is not limited.
type Limits map[LimitClass]*ratelimit.Limiter

// Mount adds the routes to r, each behind its role check and body limit; it panics on a
// route without roles or handler, so that such a route can never be served. Rate limits
// are not applied: see [Limits.Mount].
func Mount(r chi.Router, routes ...[]Route) { Limits(nil).Mount(r, routes...) }

// Mount is [Mount] with the routes' rate limits, counted per token.
func (l Limits) Mount(r chi.Router, routes ...[]Route) {
	for _, group := range routes {
		for _, rt := range group {
			if len(rt.Roles) == 0 || rt.Handler == nil {
				panic(fmt.Sprintf("api: route %s %s has no roles or no handler", rt.Method, rt.Pattern))
			}
			limit := rt.MaxBody
			if limit == 0 {
				limit = DefaultMaxBody
			}
			r.With(auth.Allow(rt.Roles...), httpx.RateLimit(l[rt.Limit], tokenKey), httpx.LimitBody(limit)).
				Method(rt.Method, rt.Pattern, rt.Handler)
		}
	}
}

// tokenKey keys rate limits by the caller's token.
func tokenKey(r *http.Request) string {
	id := auth.Caller(r)
	if id.TokenID == 0 {
		return ""
	}
	return "token:" + strconv.FormatInt(id.TokenID, 10)
}
