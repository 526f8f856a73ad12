package webhook

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// maxBody is the largest subscription body.
const maxBody = 8 << 10

// Handler serves subscriptions and their deliveries.
type Handler struct {
	store *Store
}

// NewHandler returns a Handler.
func NewHandler(store *Store) *Handler { return &Handler{store: store} }

// Routes returns the webhook routes of /api/v1, all for admins; a scoped admin's
// subscriptions are of its township.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodPost, Pattern: "/webhooks", Roles: api.Admins, MaxBody: maxBody, Handler: h.create},
		{Method: http.MethodGet, Pattern: "/webhooks", Roles: api.Admins, Handler: h.list},
		{Method: http.MethodDelete, Pattern: "/webhooks/{id}", Roles: api.Admins, Handler: h.deactivate},
		{Method: http.MethodGet, Pattern: "/webhooks/{id}/deliveries", Roles: api.Admins, Handler: h.deliveries},
	}
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) error {
	var n New
	if err := httpx.DecodeJSON(r, &n); err != nil {
		return err
	}
	who := auth.Caller(r)
	if who.Scoped() && n.Township != who.Township {
		return apperr.Forbiddenf("this token may subscribe to the events of township %s only: give it as township", who.Township)
	}
	if err := n.Validate(); err != nil {
		return err
	}
	sub, err := h.store.Create(r.Context(), n, who.Name)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, sub)
	return nil
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) error {
	list, err := h.store.List(r.Context(), auth.Caller(r).Township)
	if err != nil {
		return err
	}
	if list == nil {
		list = []Subscription{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"webhooks": list})
	return nil
}

// subscription returns the subscription of the path, if the caller may see it.
func (h *Handler) subscription(r *http.Request) (Subscription, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return Subscription{}, apperr.Invalidf("webhook id %q is not a positive integer", truncate(chi.URLParam(r, "id")))
	}
	sub, err := h.store.Get(r.Context(), id)
	if err != nil {
		return Subscription{}, err
	}
	if who := auth.Caller(r); who.Scoped() && sub.Township != who.Township {
		return Subscription{}, apperr.NotFoundf("webhook %d not found", id)
	}
	return sub, nil
}

func (h *Handler) deactivate(w http.ResponseWriter, r *http.Request) error {
	sub, err := h.subscription(r)
	if err != nil {
		return err
	}
	if err := h.store.Deactivate(r.Context(), sub.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) deliveries(w http.ResponseWriter, r *http.Request) error {
	sub, err := h.subscription(r)
	if err != nil {
		return err
	}
	list, err := h.store.Deliveries(r.Context(), sub.ID)
	if err != nil {
		return err
	}
	if list == nil {
		list = []Delivery{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"deliveries": list})
	return nil
}
