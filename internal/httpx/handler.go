package httpx

import (
	"log/slog"
	"net/http"
)

// HandlerFunc is an HTTP handler that returns an error instead of writing one.
// A non-nil error is written as a problem document, unless the handler already wrote
// a response, in which case it is only logged.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// ServeHTTP makes HandlerFunc an http.Handler.
func (h HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tw := &trackingWriter{ResponseWriter: w}
	if err := h(tw, r); err != nil {
		if tw.wrote {
			slog.ErrorContext(r.Context(), "error after the response started", "request_id",
				RequestID(r.Context()), "method", r.Method, "path", LogPath(r), "err", err)
			return
		}
		WriteError(w, r, err)
	}
}

// trackingWriter notes whether a response was started, so that a late error does not
// write a second header.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(code int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush, deadlines).
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
