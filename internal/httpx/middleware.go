package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

type requestIDKey struct{}

// RequestIDHeader carries the request ID in both directions.
const RequestIDHeader = "X-Request-ID"

// RequestID returns the ID that the RequestIDs middleware gave the request, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// RequestIDs gives each request an ID: the caller's X-Request-ID when it is short and
// printable, a random one otherwise. The ID is echoed in the response header, in logs
// and in problem documents.
func RequestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !acceptableID(id) {
			id = newID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func acceptableID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Recover turns a panic in a handler into a logged 500 problem; the server goes on.
// http.ErrAbortHandler is re-raised, as net/http expects.
func Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			slog.ErrorContext(r.Context(), "panic in handler", "request_id", RequestID(r.Context()),
				"method", r.Method, "path", LogPath(r), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			WriteError(w, r, apperr.New(apperr.Internal, "internal error"))
		}()
		next.ServeHTTP(w, r)
	})
}

// RequestInfo describes a finished request for logs and metrics.
type RequestInfo struct {
	Method   string
	Route    string // the chi route pattern, "unmatched" when none matched
	Status   int
	Bytes    int64
	Duration time.Duration
}

// Observe calls each observer with the RequestInfo of every finished request and writes
// an access log line.
func Observe(observers ...func(RequestInfo)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &recorder{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			info := RequestInfo{
				Method:   r.Method,
				Route:    routePattern(r),
				Status:   rec.status,
				Bytes:    rec.bytes,
				Duration: time.Since(start),
			}
			for _, o := range observers {
				o(info)
			}
			level := slog.LevelInfo
			if info.Status >= 500 {
				level = slog.LevelWarn
			}
			slog.Log(r.Context(), level, "request", "request_id", RequestID(r.Context()),
				"method", info.Method, "path", LogPath(r), "route", info.Route, "status", info.Status,
				"bytes", info.Bytes, "duration_ms", float64(info.Duration.Microseconds())/1000,
				"remote", r.RemoteAddr)
		})
	}
}

func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}

// recorder notes the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status = code
		r.wroteHeader = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush, deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// NotFound answers requests that match no route.
func NotFound(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, apperr.NotFoundf("no route for %s %s", r.Method, r.URL.Path))
}

// MethodNotAllowed answers requests whose path exists with another method.
func MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, apperr.New(apperr.MethodNotAllowed, "method %s is not allowed on %s", r.Method, r.URL.Path))
}
