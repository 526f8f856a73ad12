package calendar

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// Handler serves the calendar API.
type Handler struct {
	store *Store
}

// NewHandler returns a Handler on store.
func NewHandler(store *Store) *Handler { return &Handler{store: store} }

// MaxBody caps a year's arrangement.
const MaxBody = 64 << 10

// Routes returns the calendar routes of /api/v1: every role reads (reference data, like
// sectors); the city's admins record a year.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodPost, Pattern: "/calendar", Roles: api.Admins, MaxBody: MaxBody, Handler: h.put},
		{Method: http.MethodGet, Pattern: "/calendar/{year}", Roles: api.Everyone, Handler: h.get},
	}
}

func (h *Handler) put(w http.ResponseWriter, r *http.Request) error {
	who := auth.Caller(r)
	if who.Scoped() {
		return apperr.Forbiddenf("the calendar is the city's: a token scoped to township %s may not change it", who.Township)
	}
	var y Year
	if err := httpx.DecodeJSON(r, &y); err != nil {
		return err
	}
	if err := h.store.Put(r.Context(), who.Name, y); err != nil {
		return err
	}
	st, err := h.store.Get(r.Context(), y.Year)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, st)
	return nil
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) error {
	year, err := strconv.Atoi(chi.URLParam(r, "year"))
	if err != nil || year < MinYear || year > MaxYear {
		return apperr.NotFoundf("no calendar year %q (%d..%d)", chi.URLParam(r, "year"), MinYear, MaxYear)
	}
	st, err := h.store.Get(r.Context(), year)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}
