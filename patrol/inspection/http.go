package inspection

import (
	"context"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// Handler serves the inspection API.
type Handler struct{ store *Store }

// NewHandler returns a Handler on store.
func NewHandler(store *Store) *Handler { return &Handler{store: store} }

// Role sets of the routes.
var (
	planners      = []auth.Role{auth.Admin, auth.Supervisor}
	taskReaders   = []auth.Role{auth.Admin, auth.Supervisor, auth.Analyst, auth.Officer}
	reviewReaders = []auth.Role{auth.Admin, auth.Supervisor, auth.Analyst, auth.Legal}
)

// Routes returns the inspection routes of /api/v1: planners (admins, supervisors) keep
// targets and draws, officers record the inspections drawn to them, legal reviewers
// score case files. Scoped tokens act in their township.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodPost, Pattern: "/inspection/targets", Roles: planners, MaxBody: powers.MaxListBytes, Handler: h.createTargets},
		{Method: http.MethodGet, Pattern: "/inspection/targets", Roles: api.Readers, Handler: h.targets},
		{Method: http.MethodPost, Pattern: "/inspection/draws", Roles: planners, Handler: h.createDraw},
		{Method: http.MethodGet, Pattern: "/inspection/draws", Roles: api.Readers, Handler: h.draws},
		{Method: http.MethodGet, Pattern: "/inspection/draws/{id}", Roles: api.Readers, Handler: h.draw},
		{Method: http.MethodPut, Pattern: "/inspection/draws/{id}", Roles: planners, Handler: h.updateDraw},
		{Method: http.MethodPost, Pattern: "/inspection/draws/{id}/publish", Roles: planners, Handler: h.publish},
		{Method: http.MethodPost, Pattern: "/inspection/draws/{id}/draw", Roles: planners, Handler: h.run},
		{Method: http.MethodGet, Pattern: "/inspection/tasks", Roles: taskReaders, Handler: h.tasks},
		{Method: http.MethodPost, Pattern: "/inspection/tasks/{id}/result", Roles: []auth.Role{auth.Admin, auth.Supervisor, auth.Officer},
			Handler: h.record},
		{Method: http.MethodGet, Pattern: "/inspection/reviews", Roles: reviewReaders, Handler: h.reviews},
		{Method: http.MethodGet, Pattern: "/inspection/reviews/{id}", Roles: reviewReaders, Handler: h.review},
		{Method: http.MethodPost, Pattern: "/inspection/reviews/{id}/score", Roles: []auth.Role{auth.Legal}, Handler: h.score},
		{Method: http.MethodPost, Pattern: "/inspection/reviews/{id}/fixup/close", Roles: planners, Handler: h.closeFixup},
		{Method: http.MethodGet, Pattern: "/inspection/summary", Roles: api.Readers, Handler: h.summary},
	}
}

func idParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Invalidf("id %q is not a positive integer", chi.URLParam(r, "id"))
	}
	return id, nil
}

func queryID(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Invalidf("parameter %s %q is not a positive integer", name, s)
	}
	return id, nil
}

// createTargets takes a JSON array of targets, or a CSV or XLSX list.
func (h *Handler) createTargets(w http.ResponseWriter, r *http.Request) error {
	var rows []TargetRow
	var errs []RowError
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" || mt == "" {
		var list []NewTarget
		if err := httpx.DecodeJSON(r, &list); err != nil {
			return err
		}
		if len(list) > MaxTargets {
			return apperr.New(apperr.TooLarge, "%d targets: at most %d at once", len(list), MaxTargets)
		}
		for i, nt := range list {
			if err := nt.validate(); err != nil {
				errs = append(errs, RowError{Row: i, Reason: "invalid", Message: apperr.MessageOf(err)})
				continue
			}
			rows = append(rows, TargetRow{Row: i, Target: nt})
		}
	} else {
		format, err := powers.SheetFormat(r)
		if err != nil {
			return err
		}
		sheet, err := powers.ReadSheet(r.Body, format, powers.MaxListBytes)
		if err != nil {
			return err
		}
		rows, errs = ParseTargets(sheet)
	}
	list, err := h.store.CreateTargets(r.Context(), auth.Caller(r), rows, errs)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, list)
	return nil
}

func (h *Handler) targets(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := TargetFilter{Township: q.Get("township")}
	if s := q.Get("sector"); s != "" {
		f.Sectors = []string{s}
	}
	if s := q.Get("risk"); s != "" {
		risk, err := ParseRisk(s)
		if err != nil {
			return err
		}
		f.Risks = []Risk{risk}
	}
	list, err := h.store.Targets(r.Context(), auth.Caller(r), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) createDraw(w http.ResponseWriter, r *http.Request) error {
	var nd NewDraw
	if err := httpx.DecodeJSON(r, &nd); err != nil {
		return err
	}
	d, err := h.store.CreateDraw(r.Context(), auth.Caller(r), nd)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, d)
	return nil
}

func (h *Handler) updateDraw(w http.ResponseWriter, r *http.Request) error {
	return withBody(w, r, h.store.UpdateDraw)
}

// withBody answers a change of the object named by the path's id with the JSON body:
// the object as changed, 200.
func withBody[In, Out any](w http.ResponseWriter, r *http.Request, change func(context.Context, auth.Identity, int64, In) (Out, error)) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	var in In
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := change(r.Context(), auth.Caller(r), id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// byID answers a step or read of the object named by the path's id: the object, 200.
func byID[Out any](w http.ResponseWriter, r *http.Request, step func(context.Context, auth.Identity, int64) (Out, error)) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	out, err := step(r.Context(), auth.Caller(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) draws(w http.ResponseWriter, r *http.Request) error {
	list, err := h.store.Draws(r.Context(), auth.Caller(r), r.URL.Query().Get("kind"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) draw(w http.ResponseWriter, r *http.Request) error { return byID(w, r, h.store.Draw) }

func (h *Handler) publish(w http.ResponseWriter, r *http.Request) error {
	return byID(w, r, h.store.Publish)
}

func (h *Handler) run(w http.ResponseWriter, r *http.Request) error { return byID(w, r, h.store.Run) }

func (h *Handler) tasks(w http.ResponseWriter, r *http.Request) error {
	drawID, err := queryID(r, "draw")
	if err != nil {
		return err
	}
	list, err := h.store.Tasks(r.Context(), auth.Caller(r), TaskFilter{Draw: drawID})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) record(w http.ResponseWriter, r *http.Request) error {
	return withBody(w, r, h.store.Record)
}

func (h *Handler) reviews(w http.ResponseWriter, r *http.Request) error {
	drawID, err := queryID(r, "draw")
	if err != nil {
		return err
	}
	list, err := h.store.Reviews(r.Context(), auth.Caller(r), drawID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) review(w http.ResponseWriter, r *http.Request) error {
	return byID(w, r, h.store.ReviewFile)
}

func (h *Handler) score(w http.ResponseWriter, r *http.Request) error {
	return withBody(w, r, h.store.Score)
}

// closeRequest is the body of POST /inspection/reviews/{id}/fixup/close.
type closeRequest struct {
	Closure string `json:"closure"`
}

func (h *Handler) closeFixup(w http.ResponseWriter, r *http.Request) error {
	return withBody(w, r, func(ctx context.Context, who auth.Identity, id int64, req closeRequest) (Review, error) {
		return h.store.CloseFixup(ctx, who, id, req.Closure)
	})
}

// summaryWindow is the default window of the summary: a quarter, as reviews are drawn.
const summaryWindow = 92 * 24 * time.Hour

func (h *Handler) summary(w http.ResponseWriter, r *http.Request) error {
	from, to, err := httpx.TimeRange(r.URL.Query(), h.store.now(), summaryWindow, 3*366*24*time.Hour)
	if err != nil {
		return err
	}
	list, err := h.store.Summary(r.Context(), auth.Caller(r), from, to)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}
