package httpx

import (
	"math"
	"net"
	"net/http"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/ratelimit"
)

// RateLimit answers 429 with Retry-After when the bucket of the request's key is empty.
// A request whose key is "" is not limited; a nil limiter limits nothing.
func RateLimit(l *ratelimit.Limiter, key func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if l == nil || l.Rate().Unlimited() {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if k := key(r); k != "" {
				if ok, wait := l.Allow(k); !ok {
					WriteTooMany(w, r, wait)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// WriteTooMany answers 429 rate_limited, telling the client to come back after wait.
func WriteTooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	WriteError(w, r, TooMany(wait))
}

// TooMany is the rate_limited error of a request to come back after wait (at least one
// second): WriteError sends its Retry-After.
func TooMany(wait time.Duration) error {
	return apperr.TooMany(wait, "too many requests: retry after %d s", RetryAfterSeconds(wait))
}

// RetryAfterSeconds is wait as the whole seconds of a Retry-After header, at least 1.
func RetryAfterSeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

// ClientAddr returns the IP address of the request's client (without the port). Behind a
// trusted reverse proxy the server rewrites RemoteAddr from X-Forwarded-For first.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
