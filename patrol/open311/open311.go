package open311

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/internal/ratelimit"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// Backend is what the GeoReport API needs from the case store. Its errors are
// *apperr.Error with codes invalid, not_found, forbidden, unauthorized, unavailable or
// internal. The zero auth.Identity stands for the public (a GET without an api_key).
type Backend interface {
	// Sectors lists the enforcement sectors: the Open311 services.
	Sectors(ctx context.Context) ([]cases.Sector, error)
	// Create records a new case reported by who.
	Create(ctx context.Context, who auth.Identity, nc cases.NewCase) (cases.Case, error)
	// List returns the cases matching f that who may see.
	List(ctx context.Context, who auth.Identity, f cases.Filter) ([]cases.Case, error)
	// Get returns one case; not_found when there is none, forbidden when who may not see it.
	Get(ctx context.Context, who auth.Identity, id int64) (cases.Case, error)
}

// Media keeps the media a request brings as evidence of its case: media_url as a link,
// photos as files (package evidence, through the application).
type Media interface {
	// NewIntake returns an intake for one request's media.
	NewIntake() MediaIntake
	// Limits returns the largest photo and the largest multipart body, in bytes.
	Limits() (fileBytes, bodyBytes int64)
}

// MediaIntake takes in the media of one request (package evidence's Intake).
type MediaIntake interface {
	// AddPhoto stages a photo's bytes; errors too_large over the per-file limit, invalid
	// when the bytes are not an image.
	AddPhoto(filename, declaredType string, r io.Reader) error
	// Create creates the case with a link evidence record per URL and a photo record per
	// staged photo, in one transaction; errors as Backend's Create.
	Create(ctx context.Context, who auth.Identity, nc cases.NewCase, urls []string) (cases.Case, error)
	// Discard removes the staged photos that were not kept.
	Discard()
}

// Handler serves GeoReport v2. Mount its Routes at the API endpoint, e.g. /open311/v2/.
type Handler struct {
	b      Backend
	tokens auth.Checker
	media  Media
	limit  *ratelimit.Limiter

	// Now is the clock behind the default 90-day window of GET requests; time.Now when
	// nil. Set it before serving.
	Now func() time.Time
}

// NewHandler returns a Handler that reads and writes cases through b and checks api_key
// tokens with tokens (auth.Guard, which throttles addresses that guess keys).
func NewHandler(b Backend, tokens auth.Checker) *Handler {
	return &Handler{b: b, tokens: tokens}
}

// UseLimiter counts every request against l: a request with a valid key in the bucket of
// its token, whatever the spelling of the key and wherever it was sent (body, query,
// header); a request without one in the bucket of its client address. Without it nothing
// is limited.
func (h *Handler) UseLimiter(l *ratelimit.Limiter) { h.limit = l }

// UseMedia keeps each request's media_url and photos as evidence of its case through m;
// without it, media_url is checked and not kept, photos are read and dropped, and a
// multipart body has the limit of a form (64 KiB).
func (h *Handler) UseMedia(m Media) { h.media = m }

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Routes returns the GeoReport v2 resources, each as .xml and .json:
//
//	GET  services.{fmt}                the services (sectors)
//	GET  services/{code}.{fmt}         a service definition (no attributes)
//	GET  requests.{fmt}                service requests (cases), newest first
//	POST requests.{fmt}                report a problem (form-encoded, api_key required)
//	GET  requests/{id}.{fmt}           one service request, as a list of one
//	GET  request/{id}.{fmt}            the same, for clients that use the singular
//
// Unmatched paths and methods get the spec's error document too (404, 405).
func (h *Handler) Routes() chi.Router {
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, guessFormat(r), apperr.NotFoundf("no GeoReport resource %s", r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, guessFormat(r), apperr.New(apperr.MethodNotAllowed,
			"method %s is not allowed on %s", r.Method, r.URL.Path))
	})
	r.Method(http.MethodGet, "/services.{format}", handle(h.services))
	r.Method(http.MethodGet, "/services/{code}.{format}", handle(h.definition))
	r.Method(http.MethodGet, "/requests.{format}", handle(h.listRequests))
	r.Method(http.MethodPost, "/requests.{format}", handle(h.createRequest))
	r.Method(http.MethodGet, "/requests/{id}.{format}", handle(h.getRequest))
	r.Method(http.MethodGet, "/request/{id}.{format}", handle(h.getRequest))
	return r
}

// format is a response format, named by the extension of the resource.
type format int

const (
	formatXML format = iota
	formatJSON
)

// parseFormat returns the format an extension names (without its dot).
func parseFormat(ext string) (format, bool) {
	switch strings.ToLower(ext) {
	case "xml":
		return formatXML, true
	case "json":
		return formatJSON, true
	}
	return formatXML, false
}

// guessFormat picks the format of an error for a request whose path names none we
// serve: the path's extension when it is one, JSON when the client accepts JSON, else
// XML, the spec's required format.
func guessFormat(r *http.Request) format {
	if f, ok := parseFormat(strings.TrimPrefix(path.Ext(r.URL.Path), ".")); ok {
		return f
	}
	if strings.Contains(r.Header.Get("Accept"), "json") {
		return formatJSON
	}
	return formatXML
}

// handlerFunc is a GeoReport handler: it answers in format f or returns an error, which
// handle writes in f.
type handlerFunc func(w http.ResponseWriter, r *http.Request, f format) error

// handle adapts a handlerFunc to http.Handler: an unknown format is a 404 (no such
// resource), a returned error is written as the spec's error document.
func handle(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ext := chi.URLParam(r, "format")
		f, ok := parseFormat(ext)
		if !ok {
			writeError(w, r, guessFormat(r), apperr.NotFoundf("unknown format %q: use .xml or .json", ext))
			return
		}
		if err := fn(w, r, f); err != nil {
			writeError(w, r, f, err)
		}
	})
}

// xmlHeader is the declaration the spec requires before the root element.
const xmlHeader = `<?xml version="1.0" encoding="utf-8"?>` + "\n"

// Content types of the responses, as the spec gives them.
const (
	contentTypeXML  = "text/xml; charset=utf-8"
	contentTypeJSON = "application/json; charset=utf-8"
)

// xmlList wraps a list for XML: the root element is named at run time, each item by the
// XMLName tag of its type.
type xmlList[T any] struct {
	XMLName xml.Name
	Items   []T
}

// writeList writes items as a JSON array or as an XML document with the given root
// element.
func writeList[T any](w http.ResponseWriter, r *http.Request, f format, status int, root string, items []T) {
	if items == nil {
		items = []T{} // JSON [] rather than null
	}
	write(w, r, f, status, items, xmlList[T]{XMLName: xml.Name{Local: root}, Items: items})
}

// write answers with jsonValue or xmlValue encoded in format f.
func write(w http.ResponseWriter, r *http.Request, f format, status int, jsonValue, xmlValue any) {
	var body []byte
	var err error
	contentType := contentTypeJSON
	if f == formatXML {
		contentType = contentTypeXML
		body, err = xml.Marshal(xmlValue)
		body = append([]byte(xmlHeader), body...)
	} else {
		body, err = json.Marshal(jsonValue)
	}
	if err != nil {
		// Only a value the encoders cannot represent gets here: a programming error.
		slog.ErrorContext(r.Context(), "encode open311 response", "request_id",
			httpx.RequestID(r.Context()), "err", err)
		status = http.StatusInternalServerError
		body, contentType = errorBody(f, status, "internal error")
	}
	writeBody(w, status, contentType, body)
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// apiError is one error of the spec's error document.
type apiError struct {
	XMLName     xml.Name `xml:"error" json:"-"`
	Code        int      `xml:"code" json:"code"`
	Description string   `xml:"description" json:"description"`
}

// errorBody encodes the error document of one error; it cannot fail.
func errorBody(f format, status int, description string) ([]byte, string) {
	e := []apiError{{Code: status, Description: description}}
	if f == formatXML {
		body, _ := xml.Marshal(xmlList[apiError]{XMLName: xml.Name{Local: "errors"}, Items: e})
		return append([]byte(xmlHeader), body...), contentTypeXML
	}
	body, _ := json.Marshal(e)
	return body, contentTypeJSON
}

// statusOf maps an error to its HTTP status: the application's mapping, except that a
// bad api_key is 403 as the spec demands ("403 for errors because of wrong or missing
// api_key"), never 401.
func statusOf(code apperr.Code) int {
	if code == apperr.Unauthorized {
		return http.StatusForbidden
	}
	return httpx.Status(code)
}

// writeError writes err as the spec's error document in format f. Internal errors show
// "internal error" and are logged with the request ID; a request the client gave up on
// gets no body.
func writeError(w http.ResponseWriter, r *http.Request, f format, err error) {
	ctx := r.Context()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		slog.DebugContext(ctx, "request cancelled by client", "request_id", httpx.RequestID(ctx), "err", err)
		w.WriteHeader(499) // nginx's "client closed request"; nobody reads it.
		return
	}
	code := apperr.CodeOf(err)
	status := statusOf(code)
	description := apperr.MessageOf(err)
	if code == apperr.Internal {
		description = "internal error"
	}
	if status >= 500 {
		slog.ErrorContext(ctx, "open311 request failed", "request_id", httpx.RequestID(ctx),
			"method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	if wait := apperr.RetryAfterOf(err); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(httpx.RetryAfterSeconds(wait)))
	} else if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	body, contentType := errorBody(f, status, description)
	writeBody(w, status, contentType, body)
}

// identify returns who makes the request: the identity of its api_key (or, without one,
// of an "Authorization: Bearer" token), the zero Identity (the public) when it carries
// neither; and counts the request against the limiter (see UseLimiter). apiKey is the
// one value of api_key the handler reads: the body's before the query's for a POST. A
// key that is not valid is an error with code forbidden, as the spec wants; an address
// that guessed too many keys, or a caller over its rate, is rate_limited.
func (h *Handler) identify(ctx context.Context, apiKey string, r *http.Request) (auth.Identity, error) {
	key := strings.TrimSpace(apiKey)
	if key == "" {
		// Another scheme (say, Basic from a proxy) is not ours to judge: no key.
		key, _ = auth.BearerToken(r)
	}
	if key == "" {
		return auth.Identity{}, h.admit(r, auth.Identity{})
	}
	id, err := h.tokens.Check(r.WithContext(ctx), key)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Unauthorized {
			return auth.Identity{}, apperr.Forbiddenf("api_key is not valid")
		}
		return auth.Identity{}, err
	}
	return id, h.admit(r, id)
}

// admit takes one from the bucket of who's token, or of r's address for the public: a
// rate_limited error when it is empty.
func (h *Handler) admit(r *http.Request, who auth.Identity) error {
	bucket := "addr:" + httpx.ClientAddr(r)
	if who.TokenID != 0 {
		bucket = "token:" + strconv.FormatInt(who.TokenID, 10)
	}
	if ok, wait := h.limit.Allow(bucket); !ok {
		return httpx.TooMany(wait)
	}
	return nil
}

// sectorsByCode returns the sectors keyed by code.
func (h *Handler) sectorsByCode(ctx context.Context) (map[string]cases.Sector, error) {
	list, err := h.b.Sectors(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]cases.Sector, len(list))
	for _, s := range list {
		m[s.Code] = s
	}
	return m, nil
}
