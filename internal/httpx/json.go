package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, "application/json", v)
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only unsupported values (channels, NaN) get here: a programming error.
		slog.Error("encode response", "err", err)
		status = http.StatusInternalServerError
		contentType = ProblemContentType
		body = []byte(`{"type":"urn:gridwatch:problem:internal","title":"Internal error","status":500,"detail":"internal error","code":"internal"}`)
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// DecodeJSON reads the request body as one JSON value into v. Unknown fields, keys that
// name a field in another case ("LAT" for "lat"), trailing data, a wrong content type and
// bodies over the route's limit are errors with codes invalid or too_large.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return apperr.Invalidf("content type %q is not JSON", ct)
		}
	}
	// The body is held once (it is capped by the route's limit) to be read twice: decoded,
	// then its keys checked for their exact case.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if tooLarge(err) {
			return jsonError(err)
		}
		return apperr.Wrap(err, apperr.Invalid, "request body could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return apperr.Invalidf("request body must hold a single JSON value")
	}
	return exactKeys(body, reflect.TypeOf(v))
}

// jsonError turns a decoding error into an application error with a useful message.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case tooLarge(err):
		return TooLargeError(err)
	case errors.Is(err, io.EOF):
		return apperr.Invalidf("request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Invalidf("request body is truncated JSON")
	case errors.As(err, &syntax):
		return apperr.Invalidf("malformed JSON at byte %d: %v", syntax.Offset, err)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return apperr.Invalidf("field %q must be %s, not JSON %s", field, typeErr.Type, typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for this one.
		return apperr.Invalidf("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		return apperr.Wrap(err, apperr.Invalid, "invalid JSON: %v", err)
	}
}

func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// TooLargeError reports a body over its limit, naming the limit when known.
func TooLargeError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.TooLarge, "request body is over the limit of %s", FormatBytes(mbe.Limit))
	}
	return apperr.New(apperr.TooLarge, "request body is too large")
}

// FormatBytes writes n bytes the way a person reads a limit: 20 MiB, 512 KiB, 100 bytes.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

// LimitBody caps the request body at limit bytes; reading past it fails with
// *http.MaxBytesError, which DecodeJSON reports as too_large.
func LimitBody(limit int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > limit {
				WriteError(w, r, apperr.New(apperr.TooLarge, "request body is over the limit of %s", FormatBytes(limit)))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			next.ServeHTTP(w, r)
		})
	}
}

// WriteGeoJSON writes v as an application/geo+json response.
func WriteGeoJSON(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, "application/geo+json", v)
}
