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

// Guard authenticates requests, and slows down addresses that keep presenting bad tokens:
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
		addr := httpx.ClientAddr(r)
		if spent, wait := g.Failures.Spent(addr); spent {
			httpx.WriteTooMany(w, r, wait)
			return
		}
		token, err := BearerToken(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		id, err := g.Tokens.Authenticate(r.Context(), token)
		if err != nil {
			if apperr.CodeOf(err) == apperr.Unauthorized {
				g.Failures.Allow(addr)
			}
			httpx.WriteError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithIdentity(r.Context(), id)))
	})
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
