package auth

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/internal/ratelimit"
)

// Authenticator checks tokens; Store satisfies it.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (Identity, error)
}

// Middleware authenticates the request's bearer token and puts its Identity in the
// context. Without a valid token the request ends with 401; with the database down, 503.
func Middleware(a Authenticator) func(http.Handler) http.Handler {
	return Guard{Tokens: a}.Middleware
}

// Guard authenticates requests — their answers carry Cache-Control: no-store and
// X-Content-Type-Options: nosniff — and slows down addresses that keep presenting bad
// tokens:
// each bad token takes one from the address's Failures bucket, and while the bucket is
// empty the address gets 429 with Retry-After without its tokens being looked up.
// A nil Failures limits nothing.
type Guard struct {
	Tokens   Authenticator
	Failures *ratelimit.Limiter
}

// Middleware is Guard's http middleware; see [Middleware].
func (g Guard) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := g.Throttled(r); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		token, err := BearerToken(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		id, err := g.Check(r, token)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		// What a token may read is nobody else's: no shared cache keeps it (a handler
		// may loosen this, as tiles do for revalidation), and no browser guesses a type
		// other than the one declared (a CSV or a GPX rendered as HTML).
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r.WithContext(WithIdentity(r.Context(), id)))
	})
}

// Checker authenticates a credential that a request carries elsewhere than in its
// Authorization header: an OsmAnd device key in the path, an Open311 api_key. Guard is
// one, so that every kind of key is throttled alike.
type Checker interface {
	Check(r *http.Request, token string) (Identity, error)
}

// Throttled returns a rate_limited error (with its RetryAfter) while r's client address
// has spent its bad-credential budget, nil otherwise.
func (g Guard) Throttled(r *http.Request) error {
	if spent, wait := g.Failures.Spent(httpx.ClientAddr(r)); spent {
		return httpx.TooMany(wait)
	}
	return nil
}

// Check authenticates token, presented by r's client: while the address has spent its
// bad-credential budget it is a rate_limited error without a lookup; an unknown,
// expired or revoked token is an unauthorized error that takes one from the budget.
func (g Guard) Check(r *http.Request, token string) (Identity, error) {
	if err := g.Throttled(r); err != nil {
		return Identity{}, err
	}
	id, err := g.Tokens.Authenticate(r.Context(), token)
	if apperr.CodeOf(err) == apperr.Unauthorized {
		g.Failures.Allow(httpx.ClientAddr(r))
	}
	return id, err
}

// BearerToken returns the token of an "Authorization: Bearer" header. Errors have code
// unauthorized.
func BearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", apperr.New(apperr.Unauthorized, "this request needs an Authorization: Bearer token")
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", apperr.New(apperr.Unauthorized, "the Authorization header must be \"Bearer TOKEN\"")
	}
	return strings.TrimSpace(token), nil
}

// Allow lets through requests whose identity has one of the roles and answers the
// others with 403. It must run after Middleware.
func Allow(roles ...Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, ok := FromContext(r.Context())
			if !ok {
				httpx.WriteError(w, r, apperr.New(apperr.Unauthorized, "this request needs an Authorization: Bearer token"))
				return
			}
			if !slices.Contains(roles, id.Role) {
				httpx.WriteError(w, r, apperr.Forbiddenf("role %s may not %s %s", id.Role, r.Method, r.URL.Path))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
