package planning

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// Handler serves the planning API.
type Handler struct{ store *Store }

// NewHandler returns a Handler on store.
func NewHandler(store *Store) *Handler { return &Handler{store: store} }

// planners may plan: admins and supervisors (in their township).
var planners = []auth.Role{auth.Admin, auth.Supervisor}

// Routes returns the planning routes of /api/v1.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodPost, Pattern: "/plans", Roles: planners, MaxBody: 64 << 10, Limit: api.LimitExport, Handler: h.create},
		{Method: http.MethodGet, Pattern: "/plans", Roles: api.Readers, Handler: h.list},
		{Method: http.MethodGet, Pattern: "/plans/{id}", Roles: api.Readers, Handler: h.get},
		{Method: http.MethodGet, Pattern: "/plans/{id}/compliance", Roles: api.Readers, Handler: h.compliance},
	}
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) error {
	var req Request
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	p, err := h.store.Create(r.Context(), auth.Caller(r), req)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, p)
	return nil
}

// get answers a plan as JSON, or as GPX when the id ends in .gpx.
func (h *Handler) get(w http.ResponseWriter, r *http.Request) error {
	raw := chi.URLParam(r, "id")
	asGPX := strings.HasSuffix(raw, ".gpx")
	id, err := strconv.ParseInt(strings.TrimSuffix(raw, ".gpx"), 10, 64)
	if err != nil {
		return apperr.NotFoundf("no plan %q", raw)
	}
	p, err := h.store.Get(r.Context(), auth.Caller(r), id)
	if err != nil {
		return err
	}
	if asGPX {
		w.Header().Set("Content-Type", "application/gpx+xml")
		w.Header().Set("Content-Disposition", "attachment; filename=\"plan-"+strconv.FormatInt(id, 10)+".gpx\"")
		return WriteGPX(w, p)
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

// list answers the stored plans the caller may see, the latest shift first: GET
// /plans?squadron=&township=&limit= (limit 1–500, default 50).
func (h *Handler) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := httpx.QueryInt(q, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	township, err := auth.Caller(r).TownshipFilter(q.Get("township"))
	if err != nil {
		return err
	}
	list, err := h.store.List(r.Context(), ListFilter{Squadron: q.Get("squadron"), Township: township, Limit: limit})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) compliance(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return apperr.NotFoundf("no plan %q", chi.URLParam(r, "id"))
	}
	c, err := h.store.Compliance(r.Context(), auth.Caller(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}
