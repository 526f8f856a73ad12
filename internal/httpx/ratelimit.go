package httpx

import (
	"math"
	"net"
	"net/http"
	"strconv"
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
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	WriteError(w, r, apperr.New(apperr.RateLimited, "too many requests: retry after %d s", secs))
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
