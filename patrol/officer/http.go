package officer

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// Handler serves the officer API.
type Handler struct{ store *Store }

// NewHandler returns a Handler on store.
func NewHandler(store *Store) *Handler { return &Handler{store: store} }

// Routes returns the officer routes of /api/v1.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodPost, Pattern: "/officers", Roles: api.Admins, Handler: h.create},
		{Method: http.MethodGet, Pattern: "/officers", Roles: api.Readers, Handler: h.list},
		{Method: http.MethodGet, Pattern: "/officers/{id}", Roles: api.Readers, Handler: h.get},
	}
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) error {
	var o Officer
	if err := httpx.DecodeJSON(r, &o); err != nil {
		return err
	}
	o.Township = "" // derived from the squadron
	created, err := h.store.Create(r.Context(), o, auth.Caller(r).Township)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, created)
	return nil
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) error {
	township, err := auth.Caller(r).TownshipFilter(r.URL.Query().Get("township"))
	if err != nil {
		return err
	}
	list, err := h.store.List(r.Context(), Filter{Township: township, Squadron: r.URL.Query().Get("squadron")})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) error {
	o, err := h.store.Get(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	if err := auth.Caller(r).CheckTownship(o.Township); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, o)
	return nil
}
