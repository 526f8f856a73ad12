package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// ProblemContentType is the media type of error responses (RFC 9457).
const ProblemContentType = "application/problem+json"

// Status maps an error code to its HTTP status. It is the only such mapping.
func Status(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.Unprocessable:
		return http.StatusUnprocessableEntity
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

var titles = map[apperr.Code]string{
	apperr.Invalid:          "Invalid request",
	apperr.Unauthorized:     "Unauthorized",
	apperr.Forbidden:        "Forbidden",
	apperr.NotFound:         "Not found",
	apperr.MethodNotAllowed: "Method not allowed",
	apperr.Conflict:         "Conflict",
	apperr.TooLarge:         "Request too large",
	apperr.Unprocessable:    "Cannot be processed",
	apperr.RateLimited:      "Too many requests",
	apperr.Unavailable:      "Service unavailable",
	apperr.Internal:         "Internal error",
}

// Problem is the body of an error response. Extension members are flattened into it.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Code      apperr.Code    `json:"code"`
	RequestID string         `json:"request_id,omitempty"`
	Extra     map[string]any `json:"-"`
}

// MarshalJSON writes the fixed members followed by the extension members.
func (p Problem) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(p.Extra)+6)
	for k, v := range p.Extra {
		m[k] = v
	}
	m["type"] = p.Type
	m["title"] = p.Title
	m["status"] = p.Status
	m["detail"] = p.Detail
	m["code"] = p.Code
	if p.RequestID != "" {
		m["request_id"] = p.RequestID
	}
	return json.Marshal(m)
}

// ProblemFor builds the problem document for err. Internal errors get a generic detail;
// the cause is for the log only.
func ProblemFor(ctx context.Context, err error) Problem {
	code := apperr.CodeOf(err)
	detail := apperr.MessageOf(err)
	if code == apperr.Internal {
		detail = "internal error"
	}
	return Problem{
		Type:      "urn:gridwatch:problem:" + string(code),
		Title:     titles[code],
		Status:    Status(code),
		Detail:    detail,
		Code:      code,
		RequestID: RequestID(ctx),
		Extra:     apperr.ExtraOf(err),
	}
}

// WriteError writes err as a problem document and logs it when it is a server-side
// failure. A request whose client went away is logged at debug level and gets no body.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		slog.DebugContext(ctx, "request cancelled by client", "request_id", RequestID(ctx), "err", err)
		w.WriteHeader(499) // nginx's "client closed request"; nobody reads it.
		return
	}
	p := ProblemFor(ctx, err)
	if p.Status >= 500 {
		slog.ErrorContext(ctx, "request failed", "request_id", p.RequestID,
			"method", r.Method, "path", LogPath(r), "status", p.Status, "err", err)
	}
	switch p.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="gridwatch"`)
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "5")
	}
	if wait := apperr.RetryAfterOf(err); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds(wait)))
	}
	writeJSON(w, p.Status, ProblemContentType, p)
}
