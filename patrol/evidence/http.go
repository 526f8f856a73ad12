package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// Limits bound uploads.
type Limits struct {
	FileBytes    int64 // per file (default DefaultFileBytes)
	RequestBytes int64 // the whole request (default DefaultRequestBytes)
}

// The default limits.
const (
	DefaultFileBytes    = 50 << 20
	DefaultRequestBytes = 200 << 20
	maxFiles            = 20   // files in one request
	maxFields           = 200  // form fields in one request
	maxFieldBytes       = 1024 // one form field
)

// Handler serves the evidence API.
type Handler struct {
	store  *Store
	limits Limits
}

// NewHandler returns a Handler on store; zero limits take the defaults.
func NewHandler(store *Store, limits Limits) *Handler {
	return &Handler{store: store, limits: limits.WithDefaults()}
}

// WithDefaults returns l with the defaults in place of zero (or negative) fields.
func (l Limits) WithDefaults() Limits {
	if l.FileBytes <= 0 {
		l.FileBytes = DefaultFileBytes
	}
	if l.RequestBytes <= 0 {
		l.RequestBytes = DefaultRequestBytes
	}
	return l
}

// Routes returns the evidence routes of /api/v1.
func (h *Handler) Routes() []api.Route {
	readers := []auth.Role{auth.Admin, auth.Supervisor, auth.Analyst, auth.Officer, auth.Legal}
	return []api.Route{
		{Method: http.MethodPost, Pattern: "/cases/{id}/evidence", Roles: []auth.Role{auth.Admin, auth.Supervisor, auth.Officer},
			MaxBody: h.limits.RequestBytes, Handler: h.upload},
		{Method: http.MethodGet, Pattern: "/cases/{id}/evidence", Roles: readers, Handler: h.list},
		{Method: http.MethodGet, Pattern: "/evidence/{sha256}", Roles: readers, Handler: h.serve},
		{Method: http.MethodPost, Pattern: "/inspection/tasks/{id}/evidence", Roles: []auth.Role{auth.Admin, auth.Supervisor, auth.Officer},
			MaxBody: h.limits.RequestBytes, Handler: h.uploadToTask},
		{Method: http.MethodGet, Pattern: "/inspection/tasks/{id}/evidence", Roles: taskReaders, Handler: h.taskList},
		{Method: http.MethodGet, Pattern: "/inspection/tasks/{id}/evidence/verify", Roles: taskReaders, Handler: h.verifyTask},
	}
}

// taskReaders read inspection tasks (as package inspection's list of tasks).
var taskReaders = []auth.Role{auth.Admin, auth.Supervisor, auth.Analyst, auth.Officer}

func caseID(r *http.Request) (int64, error) { return pathID(r, "case") }

// pathID reads the path's id of a case or a task: not_found when not a positive integer.
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFoundf("no %s %q", what, chi.URLParam(r, "id"))
	}
	return id, nil
}

// uploadAnswer is the answer of POST /cases/{id}/evidence.
type uploadAnswer struct {
	Case     int64    `json:"case"`
	Evidence []Record `json:"evidence"`
}

func (h *Handler) upload(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	who := auth.Caller(r)
	// Refuse a caller who may not see the case before taking in its files.
	if _, err := h.store.cases.Get(r.Context(), who, id); err != nil {
		return err
	}
	recs, err := h.receive(r, func(ups []Upload) ([]Record, error) { return h.store.Add(r.Context(), who, id, ups) })
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, uploadAnswer{Case: id, Evidence: recs})
	return nil
}

// receive reads the files of a multipart upload and keeps them with add; staged files
// not kept are discarded.
func (h *Handler) receive(r *http.Request, add func([]Upload) ([]Record, error)) ([]Record, error) {
	form, err := readForm(r, h.store.blobs, h.limits.FileBytes)
	defer form.discard(h.store.blobs)
	if err != nil {
		return nil, err
	}
	ups, err := form.uploads(time.Now())
	if err != nil {
		return nil, err
	}
	return add(ups)
}

// taskUploadAnswer is the answer of POST /inspection/tasks/{id}/evidence.
type taskUploadAnswer struct {
	Task     int64    `json:"task"`
	Evidence []Record `json:"evidence"`
}

func (h *Handler) uploadToTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "inspection task")
	if err != nil {
		return err
	}
	who := auth.Caller(r)
	tasks, err := h.store.taskAccess()
	if err != nil {
		return err
	}
	// Refuse a caller who may not record the task (or a task with its result) before
	// taking in its files.
	if err := tasks.WithOpenTask(r.Context(), who, id, func(context.Context, pgx.Tx) error { return nil }); err != nil {
		return err
	}
	recs, err := h.receive(r, func(ups []Upload) ([]Record, error) { return h.store.AddToTask(r.Context(), who, id, ups) })
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, taskUploadAnswer{Task: id, Evidence: recs})
	return nil
}

func (h *Handler) taskList(w http.ResponseWriter, r *http.Request) error {
	return byTask(w, r, h.store.TaskList)
}

func (h *Handler) verifyTask(w http.ResponseWriter, r *http.Request) error {
	return byTask(w, r, h.store.VerifyTask)
}

// byTask answers a read of the inspection task named by the path's id: 200 with what
// read returns.
func byTask[Out any](w http.ResponseWriter, r *http.Request, read func(context.Context, auth.Identity, int64) (Out, error)) error {
	id, err := pathID(r, "inspection task")
	if err != nil {
		return err
	}
	out, err := read(r.Context(), auth.Caller(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// form is a multipart upload read: its files staged, its fields by name in order.
type form struct {
	files  []*Staged
	names  []string // the file names the client gave
	types  []string // the Content-Type of each file part
	fields map[string][]string
}

func (f *form) discard(b *Blobs) {
	for _, st := range f.files {
		b.Discard(st)
	}
}

// readForm reads a multipart/form-data body with net/http's reader: parts named "file"
// are staged in the store as they stream in (at most maxFile bytes each), the others are
// fields. Errors: invalid (not multipart, malformed, too many parts or fields, a field
// over 1 KiB, no file); too_large (a file over maxFile, the body over the route's limit).
func readForm(r *http.Request, blobs *Blobs, maxFile int64) (*form, error) {
	f := &form{fields: map[string][]string{}}
	mr, err := r.MultipartReader()
	if err != nil {
		return f, apperr.Invalidf("send multipart/form-data with the files in parts named \"file\": %v", err)
	}
	nFields := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return f, bodyError(err)
		}
		name := part.FormName()
		if name == "file" {
			if len(f.files) == maxFiles {
				return f, apperr.Invalidf("at most %d files per request", maxFiles)
			}
			st, err := blobs.Stage(part, maxFile)
			if err != nil {
				if apperr.CodeOf(err) == apperr.TooLarge {
					return f, apperr.New(apperr.TooLarge, "file %d is over the limit of %s per file", len(f.files)+1, httpx.FormatBytes(maxFile))
				}
				return f, bodyError(err)
			}
			f.files = append(f.files, st)
			f.names = append(f.names, cleanFilename(part.FileName()))
			f.types = append(f.types, part.Header.Get("Content-Type"))
			continue
		}
		if nFields++; nFields > maxFields {
			return f, apperr.Invalidf("at most %d form fields per request", maxFields)
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			return f, bodyError(err)
		}
		if len(b) > maxFieldBytes {
			return f, apperr.Invalidf("form field %.40q is over %d bytes", name, maxFieldBytes)
		}
		f.fields[name] = append(f.fields[name], string(b))
	}
	if len(f.files) == 0 {
		return f, apperr.Invalidf("no file: send each file in a part named \"file\"")
	}
	return f, nil
}

// bodyError reports a failure to read the body: too_large over the route's limit,
// invalid otherwise (truncated or malformed multipart).
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return httpx.TooLargeError(err)
	}
	if apperr.CodeOf(err) != apperr.Internal {
		return err
	}
	return apperr.Wrap(err, apperr.Invalid, "the multipart body could not be read: %v", err)
}

// perFile lists the fields that describe each file, given once per file in the order of
// the files, or once for all of them (sha256 excepted).
var perFile = []string{"kind", "sha256", "captured_at", "lat", "lon", "datum", "mock_location"}

// value returns field name's value for the i-th of n files ("" when not given).
func (f *form) value(name string, i int) (string, error) {
	vals := f.fields[name]
	switch {
	case len(vals) == 0:
		return "", nil
	case len(vals) == len(f.files):
		return strings.TrimSpace(vals[i]), nil
	case len(vals) == 1 && name != "sha256":
		return strings.TrimSpace(vals[0]), nil
	}
	return "", apperr.Invalidf("%s is given %d times for %d files: give it once per file, in the files' order", name, len(vals), len(f.files))
}

// uploads checks what was declared about each file against its bytes. Errors: invalid
// (an unknown field, an unknown or undeclared kind, a declared hash the bytes do not
// match, a bad capture time or position).
func (f *form) uploads(now time.Time) ([]Upload, error) {
	for name := range f.fields {
		known := false
		for _, p := range perFile {
			known = known || p == name
		}
		if !known {
			return nil, apperr.Invalidf("unknown form field %.40q (file, %s)", name, strings.Join(perFile, ", "))
		}
	}
	ups := make([]Upload, len(f.files))
	for i, st := range f.files {
		u, err := f.upload(i, st, now)
		if err != nil {
			what := fmt.Sprintf("file %d", i+1)
			if f.names[i] != "" {
				what += fmt.Sprintf(" (%s)", f.names[i])
			}
			return nil, apperr.Invalidf("%s: %s", what, apperr.MessageOf(err))
		}
		ups[i] = u
	}
	return ups, nil
}

func (f *form) upload(i int, st *Staged, now time.Time) (Upload, error) {
	get := func(name string) string {
		v, _ := f.value(name, i)
		return v
	}
	for _, name := range perFile {
		if _, err := f.value(name, i); err != nil {
			return Upload{}, err
		}
	}
	u := Upload{File: st, Filename: f.names[i]}
	if want := strings.ToLower(get("sha256")); want != "" {
		if len(want) != 64 || strings.Trim(want, "0123456789abcdef") != "" {
			return u, apperr.Invalidf("sha256 %.80q is not 64 hex digits", want)
		}
		if want != st.SHA256 {
			return u, apperr.Invalidf("its bytes hash to %s, not the declared sha256 %s", st.SHA256, want)
		}
	}
	u.ContentType = contentType(st.Head, f.types[i])
	if k := get("kind"); k != "" {
		kind, ok := ParseKind(k)
		if !ok {
			return u, apperr.Invalidf("unknown kind %.40q (photo, video, audio, document)", k)
		}
		u.Kind = kind
	} else if kind, ok := KindOf(u.ContentType); ok {
		u.Kind = kind
	} else {
		return u, apperr.Invalidf("unknown kind: the bytes are %s; declare kind (photo, video, audio, document)", u.ContentType)
	}
	if s := get("captured_at"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || t.Year() < 2000 {
			return u, apperr.Invalidf("captured_at %.40q is not an RFC 3339 time", s)
		}
		if t.After(now.Add(5 * time.Minute)) {
			return u, apperr.Invalidf("captured_at %s is in the future", t.Format(time.RFC3339))
		}
		t = t.UTC().Truncate(time.Microsecond)
		u.CapturedAt = &t
	}
	latText, lonText := get("lat"), get("lon")
	if latText != "" || lonText != "" {
		lat, err1 := strconv.ParseFloat(latText, 64)
		lon, err2 := strconv.ParseFloat(lonText, 64)
		if err1 != nil || err2 != nil || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180) {
			return u, apperr.Invalidf("lat %.40q, lon %.40q is not a position: both are needed, in decimal degrees", latText, lonText)
		}
		datum, err := geo.ParseDatum(get("datum"))
		if err != nil {
			return u, apperr.Invalidf("datum %.40q must be wgs84, gcj02 or bd09", get("datum"))
		}
		p := geo.ToWGS84(orb.Point{lon, lat}, datum)
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) {
			return u, apperr.Invalidf("lat %s, lon %s is not a position", latText, lonText)
		}
		u.Lon, u.Lat = &p[0], &p[1]
	}
	if s := get("mock_location"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return u, apperr.Invalidf("mock_location %.40q must be true or false", s)
		}
		u.Mock = &b
	}
	return u, nil
}

// contentType is the type sniffed from a file's first bytes, or the part's declared type
// when sniffing finds nothing better than octet-stream.
func contentType(head []byte, declared string) string {
	sniffed := http.DetectContentType(head)
	if sniffed != "application/octet-stream" || declared == "" {
		return sniffed
	}
	if mt, params, err := mime.ParseMediaType(declared); err == nil && len(mt) <= 100 {
		return mime.FormatMediaType(mt, params)
	}
	return sniffed
}

// cleanFilename keeps the base of a client's file name when it is short, printable UTF-8.
func cleanFilename(s string) string {
	s = filepath.Base(strings.ReplaceAll(s, `\`, "/"))
	if s == "." || s == "/" || len(s) > 200 || !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return ""
	}
	return s
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	list, err := h.store.List(r.Context(), auth.Caller(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

// inline are the content types served for display in the page; others are downloads.
func inline(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return strings.HasPrefix(mt, "image/") || strings.HasPrefix(mt, "video/") || strings.HasPrefix(mt, "audio/") || mt == "application/pdf"
}

// serve sends a stored file: immutable (named by its hash), ranges allowed, never
// sniffed or run as a page by the browser.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) error {
	sum := strings.ToLower(chi.URLParam(r, "sha256"))
	rec, err := h.store.File(r.Context(), auth.Caller(r), sum)
	if err != nil {
		return err
	}
	f, err := h.store.blobs.Open(rec.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	hd := w.Header()
	hd.Set("Content-Type", rec.ContentType)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	hd.Set("Cache-Control", "private, max-age=31536000, immutable")
	hd.Set("ETag", `"`+rec.SHA256+`"`)
	disposition := "attachment"
	if inline(rec.ContentType) {
		disposition = "inline"
	}
	name := rec.Filename
	if name == "" {
		name = rec.SHA256
	}
	hd.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}
