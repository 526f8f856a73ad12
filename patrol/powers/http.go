package powers

import (
	"mime"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// MaxListBytes caps an imported list (CSV or XLSX), and the XLSX once unzipped.
const MaxListBytes = 20 << 20

// Content types of the imported lists.
const (
	ContentTypeCSV  = "text/csv"
	ContentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// Handler serves the powers API.
type Handler struct {
	store *Store
}

// NewHandler returns a Handler on store.
func NewHandler(store *Store) *Handler { return &Handler{store: store} }

// Routes returns the powers routes of /api/v1. Changes to the catalog and to who holds
// what are the city's (an unscoped admin's); readers read, a scoped token its township.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodGet, Pattern: "/departments", Roles: api.Everyone, Handler: h.departments},
		{Method: http.MethodGet, Pattern: "/powers", Roles: api.Readers, Handler: h.held},
		{Method: http.MethodGet, Pattern: "/powers/items", Roles: api.Everyone, Handler: h.items},
		{Method: http.MethodPut, Pattern: "/powers/items/{code}/bands", Roles: api.Admins, Handler: h.setBands},
		{Method: http.MethodPost, Pattern: "/powers/import", Roles: api.Admins, MaxBody: MaxListBytes, Handler: h.importList},
		{Method: http.MethodPost, Pattern: "/powers/bands/import", Roles: api.Admins, MaxBody: MaxListBytes, Handler: h.importBands},
		{Method: http.MethodPost, Pattern: "/powers/adjustments", Roles: api.Admins, MaxBody: MaxAdjustmentBody, Handler: h.adjust},
		{Method: http.MethodGet, Pattern: "/powers/adjustments", Roles: api.Readers, Handler: h.adjustments},
	}
}

// MaxAdjustmentBody caps the JSON body of an adjustment.
const MaxAdjustmentBody = 4 << 20

// cityAdmin refuses a scoped token: the catalog and its delegations are the whole city's.
func cityAdmin(who auth.Identity) error {
	if who.Scoped() {
		return apperr.Forbiddenf("the powers catalog is the city's: a token scoped to township %s may not change it", who.Township)
	}
	return nil
}

// township reads the township parameter, confined to a scoped caller's township.
// Errors: forbidden for another township.
func township(r *http.Request) (string, error) {
	who, t := auth.Caller(r), r.URL.Query().Get("township")
	if !who.Scoped() {
		return t, nil
	}
	if t != "" && t != who.Township {
		return "", apperr.Forbiddenf("this token reads township %s only", who.Township)
	}
	return who.Township, nil
}

// day reads a YYYY-MM-DD query parameter; today in China time when absent.
func (h *Handler) day(r *http.Request, name string) (Date, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return h.store.Today(), nil
	}
	d, err := ParseDate(s)
	if err != nil {
		return Date{}, apperr.Invalidf("parameter %s: %v", name, err)
	}
	return d, nil
}

func (h *Handler) departments(w http.ResponseWriter, r *http.Request) error {
	list, err := h.store.Departments(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) items(w http.ResponseWriter, r *http.Request) error {
	list, err := h.store.Items(r.Context(), r.URL.Query().Get("sector"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) held(w http.ResponseWriter, r *http.Request) error {
	town, err := township(r)
	if err != nil {
		return err
	}
	at, err := h.day(r, "at")
	if err != nil {
		return err
	}
	list, err := h.store.Held(r.Context(), town, at)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) adjustments(w http.ResponseWriter, r *http.Request) error {
	town, err := township(r)
	if err != nil {
		return err
	}
	list, err := h.store.Adjustments(r.Context(), town)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

// adjustmentRequest is the body of POST /powers/adjustments.
type adjustmentRequest struct {
	Effective *Date    `json:"effective"`
	Document  string   `json:"document"`
	Grant     []Change `json:"grant"`
	Revoke    []Change `json:"revoke"`
}

func (h *Handler) adjust(w http.ResponseWriter, r *http.Request) error {
	who := auth.Caller(r)
	if err := cityAdmin(who); err != nil {
		return err
	}
	var req adjustmentRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Effective == nil {
		return apperr.Invalidf("effective (YYYY-MM-DD) is required")
	}
	adj, err := h.store.Adjust(r.Context(), who.Name, NewAdjustment{Effective: *req.Effective, Document: req.Document,
		Grant: req.Grant, Revoke: req.Revoke})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, adj)
	return nil
}

func (h *Handler) setBands(w http.ResponseWriter, r *http.Request) error {
	if err := cityAdmin(auth.Caller(r)); err != nil {
		return err
	}
	var bands []Band
	if err := httpx.DecodeJSON(r, &bands); err != nil {
		return err
	}
	it, err := h.store.SetBands(r.Context(), chi.URLParam(r, "code"), bands)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, it)
	return nil
}

// SheetFormat tells a list's format (CSV or XLSX) by the request's content type, for every
// import of a sheet. Errors: invalid.
func SheetFormat(r *http.Request) (Format, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
	case mt == ContentTypeCSV:
		return CSV, nil
	case mt == ContentTypeXLSX:
		return XLSX, nil
	}
	return "", apperr.Invalidf("content type %q is neither %s nor %s", ct, ContentTypeCSV, ContentTypeXLSX)
}

// readSheet reads the request body as a list in the format its content type names.
func readSheet(r *http.Request) ([]SheetRow, error) {
	format, err := SheetFormat(r)
	if err != nil {
		return nil, err
	}
	return ReadSheet(r.Body, format, MaxListBytes)
}

func (h *Handler) importList(w http.ResponseWriter, r *http.Request) error {
	who := auth.Caller(r)
	if err := cityAdmin(who); err != nil {
		return err
	}
	effective, err := h.day(r, "effective")
	if err != nil {
		return err
	}
	rows, err := readSheet(r)
	if err != nil {
		return err
	}
	list, errs := ParseList(rows)
	res, err := h.store.ImportList(r.Context(), who.Name, ListImport{Effective: effective,
		Document: r.URL.Query().Get("document"), Rows: list, Errors: errs})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, res)
	return nil
}

func (h *Handler) importBands(w http.ResponseWriter, r *http.Request) error {
	if err := cityAdmin(auth.Caller(r)); err != nil {
		return err
	}
	rows, err := readSheet(r)
	if err != nil {
		return err
	}
	list, errs := ParseBands(rows)
	res, err := h.store.ImportBands(r.Context(), list, errs)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, res)
	return nil
}
