// Package api declares routes of the /api/v1 tree with the roles allowed on each, so that
// no route exists without an authorization decision, and mounts them on a chi router.
package api

import (
	"fmt"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
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

// Mount registers routes on r, each behind its role guard and body limit. It panics on a
// route without roles or handler: that is a programming error caught by any test that
// builds the router.
func Mount(r chi.Router, routes ...[]Route) {
	for _, group := range routes {
		for _, rt := range group {
			if len(rt.Roles) == 0 || rt.Handler == nil {
				panic(fmt.Sprintf("api: route %s %s has no roles or no handler", rt.Method, rt.Pattern))
			}
			limit := rt.MaxBody
			if limit == 0 {
				limit = DefaultMaxBody
			}
			r.With(auth.Allow(rt.Roles...), httpx.LimitBody(limit)).Method(rt.Method, rt.Pattern, rt.Handler)
		}
	}
}
