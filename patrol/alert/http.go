package alert

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// MaxSettingsBody is the largest settings document accepted.
const MaxSettingsBody = 16 << 10

// maxNoteBody is the largest acknowledgement or resolution body.
const maxNoteBody = 4 << 10

// Handler serves alerts and their settings.
type Handler struct {
	store   *Store
	watcher *Watcher
}

// NewHandler returns a Handler; watcher reloads settings when they change.
func NewHandler(store *Store, watcher *Watcher) *Handler {
	return &Handler{store: store, watcher: watcher}
}

// stewards may acknowledge and resolve: admins anywhere, supervisors in their township.
var stewards = []auth.Role{auth.Admin, auth.Supervisor}

// Routes returns the alert routes of /api/v1.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodGet, Pattern: "/alerts", Roles: api.Readers, Handler: h.list},
		{Method: http.MethodPost, Pattern: "/alerts/{id}/ack", Roles: stewards, MaxBody: maxNoteBody, Handler: h.ack},
		{Method: http.MethodPost, Pattern: "/alerts/{id}/resolve", Roles: stewards, MaxBody: maxNoteBody, Handler: h.resolve},
		{Method: http.MethodGet, Pattern: "/alert-settings/{township}", Roles: api.Admins, Handler: h.getSettings},
		{Method: http.MethodPut, Pattern: "/alert-settings/{township}", Roles: api.Admins, MaxBody: MaxSettingsBody, Handler: h.putSettings},
	}
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := Filter{Status: Status(q.Get("status")), Rule: Rule(q.Get("rule"))}
	if f.Status != "" && !slices.Contains([]Status{Open, Acknowledged, Resolved}, f.Status) {
		return apperr.Fieldf("status", "must be open, acknowledged or resolved, not %q", truncate(string(f.Status)))
	}
	if f.Rule != "" && !slices.Contains([]Rule{SOS, Offline, LeftArea, OffPlan, MockLocation, CaseOverdue, Hotspot}, f.Rule) {
		return apperr.Fieldf("rule", "unknown rule %q", truncate(string(f.Rule)))
	}
	var err error
	if f.Township, err = auth.Caller(r).TownshipFilter(q.Get("township")); err != nil {
		return err
	}
	list, err := h.store.List(r.Context(), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []Alert{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"alerts": list})
	return nil
}

// noteBody is the body of ack and resolve; it may be empty.
type noteBody struct {
	Note string `json:"note"`
}

func (h *Handler) ack(w http.ResponseWriter, r *http.Request) error {
	return h.step(w, r, h.store.Acknowledge)
}

func (h *Handler) resolve(w http.ResponseWriter, r *http.Request) error {
	return h.step(w, r, h.store.Resolve)
}

// step acknowledges or resolves the alert of the path, with the body's note.
func (h *Handler) step(w http.ResponseWriter, r *http.Request,
	do func(ctx context.Context, who auth.Identity, id int64, note string) (Alert, error)) error {
	id, err := alertID(r)
	if err != nil {
		return err
	}
	var body noteBody
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(r, &body); err != nil {
			return err
		}
	}
	a, err := do(r.Context(), auth.Caller(r), id, body.Note)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, a)
	return nil
}

func alertID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Invalidf("alert id %q is not a positive integer", truncate(chi.URLParam(r, "id")))
	}
	return id, nil
}

// settings returns the township of the path and its settings, if the caller may see it.
func (h *Handler) settings(r *http.Request) (string, Settings, error) {
	township := chi.URLParam(r, "township")
	if err := auth.Caller(r).CheckTownship(township); err != nil {
		return "", Settings{}, err
	}
	all, err := h.store.Settings(r.Context())
	if err != nil {
		return "", Settings{}, err
	}
	set, ok := all[township]
	if !ok {
		set = DefaultSettings()
	}
	return township, set, nil
}

func (h *Handler) getSettings(w http.ResponseWriter, r *http.Request) error {
	_, set, err := h.settings(r)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, set)
	return nil
}

func (h *Handler) putSettings(w http.ResponseWriter, r *http.Request) error {
	var rules map[string]json.RawMessage
	if err := httpx.DecodeJSON(r, &rules); err != nil {
		return err
	}
	township, set, err := h.settings(r)
	if err != nil {
		return err
	}
	if set, err = set.Merge(rules); err != nil {
		return err
	}
	if err := h.store.PutSettings(r.Context(), township, set, auth.Caller(r).Name); err != nil {
		return err
	}
	if h.watcher != nil {
		if err := h.watcher.Reload(r.Context()); err != nil {
			return err
		}
	}
	httpx.WriteJSON(w, http.StatusOK, set)
	return nil
}
