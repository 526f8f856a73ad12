package coverage

import (
	"net/http"
	"time"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// MaxWindow is the longest window a coverage query may span.
const MaxWindow = 366 * 24 * time.Hour

// Handler serves GET /coverage.
type Handler struct {
	store *Store
	now   func() time.Time
}

// NewHandler returns a Handler on store.
func NewHandler(store *Store) *Handler { return &Handler{store: store, now: time.Now} }

// Routes returns the coverage routes of /api/v1.
func (h *Handler) Routes() []api.Route {
	return []api.Route{{Method: http.MethodGet, Pattern: "/coverage", Roles: api.Readers, Handler: h.cells}}
}

func (h *Handler) cells(w http.ResponseWriter, r *http.Request) error {
	township, err := auth.Caller(r).TownshipFilter(r.URL.Query().Get("township"))
	if err != nil {
		return err
	}
	from, to, err := httpx.TimeRange(r.URL.Query(), h.now(), 24*time.Hour, MaxWindow)
	if err != nil {
		return err
	}
	list, err := h.store.Cells(r.Context(), township, from, to)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}
