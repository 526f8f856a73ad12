package cases

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// Handler serves the case API.
type Handler struct {
	store       *Store
	claimWindow time.Duration
}

// NewHandler returns a Handler on store. Reporter, officer and device tokens may date a
// case or an event at most claimWindow back (≤ 0: DefaultClaimWindow); see CheckClaim.
func NewHandler(store *Store, claimWindow time.Duration) *Handler {
	return &Handler{store: store, claimWindow: claimWindow}
}

// Role sets of the case routes.
var (
	reporters   = []auth.Role{auth.Admin, auth.Supervisor, auth.Officer, auth.Reporter}
	caseReaders = []auth.Role{auth.Admin, auth.Supervisor, auth.Analyst, auth.Officer, auth.Legal}
	caseActors  = []auth.Role{auth.Admin, auth.Supervisor, auth.Officer, auth.Legal}
	// procedureReaders follow penalty deadlines: readers and legal reviewers.
	procedureReaders = []auth.Role{auth.Admin, auth.Supervisor, auth.Analyst, auth.Legal}
	dispatchers      = []auth.Role{auth.Admin, auth.Supervisor}
)

// MaxCaseBody caps a case or event body.
const MaxCaseBody = 64 << 10

// maxWindow caps list and SLA windows.
const maxWindow = 366 * 24 * time.Hour

// Routes returns the case routes of /api/v1.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodGet, Pattern: "/sectors", Roles: api.Everyone, Handler: h.sectors},
		{Method: http.MethodPost, Pattern: "/cases", Roles: reporters, MaxBody: MaxCaseBody, Handler: h.create},
		{Method: http.MethodGet, Pattern: "/cases", Roles: caseReaders, Handler: h.list},
		{Method: http.MethodGet, Pattern: "/cases/sla", Roles: api.Readers, Handler: h.sla},
		{Method: http.MethodGet, Pattern: "/cases/overdue", Roles: procedureReaders, Handler: h.overdue},
		{Method: http.MethodGet, Pattern: "/cases/{id}", Roles: caseReaders, Handler: h.get},
		{Method: http.MethodPost, Pattern: "/cases/{id}/events", Roles: caseActors, MaxBody: MaxCaseBody, Handler: h.postEvent},
		{Method: http.MethodGet, Pattern: "/cases/{id}/events", Roles: caseReaders, Handler: h.events},
		{Method: http.MethodGet, Pattern: "/cases/{id}/verify", Roles: caseReaders, Handler: h.verify},
		{Method: http.MethodGet, Pattern: "/cases/{id}/dispatch", Roles: dispatchers, Handler: h.suggest},
		{Method: http.MethodPost, Pattern: "/cases/{id}/dispatch", Roles: dispatchers, MaxBody: MaxCaseBody, Handler: h.dispatch},
	}
}

func (h *Handler) sectors(w http.ResponseWriter, r *http.Request) error {
	list, err := h.store.Sectors(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

// caseRequest is the body of POST /cases.
type caseRequest struct {
	Sector      string     `json:"sector"`
	Item        string     `json:"item"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Lat         *float64   `json:"lat"`
	Lon         *float64   `json:"lon"`
	Datum       string     `json:"datum"`
	Source      Source     `json:"source"`
	ReportedAt  *time.Time `json:"reported_at"`
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) error {
	var req caseRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Lat == nil || req.Lon == nil {
		return apperr.Invalidf("lat and lon are required")
	}
	datum, err := geo.ParseDatum(req.Datum)
	if err != nil {
		return apperr.Invalidf("%v", err)
	}
	nc := NewCase{Sector: req.Sector, Item: req.Item, Title: req.Title, Description: req.Description, Lat: *req.Lat, Lon: *req.Lon,
		Datum: datum, Source: req.Source}
	if req.ReportedAt != nil {
		nc.ReportedAt = *req.ReportedAt
	}
	if err := CheckClaim(auth.Caller(r), "reported_at", nc.ReportedAt, h.store.now(), h.claimWindow); err != nil {
		return err
	}
	c, err := h.store.Create(r.Context(), auth.Caller(r), nc)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.QueryInt(r.URL.Query(), "limit", 1000, 1, 10_000)
	if err != nil {
		return err
	}
	who := auth.Caller(r)
	f, err := ParseFilter(r.Context(), r.URL.Query(), who, h.store,
		Window{Now: time.Now(), Span: 30 * 24 * time.Hour, Max: maxWindow})
	if err != nil {
		return err
	}
	f.Limit = limit
	list, err := h.store.List(r.Context(), who, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

func caseID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFoundf("no case %q", chi.URLParam(r, "id"))
	}
	return id, nil
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	c, err := h.store.WithDeadlines(r.Context(), auth.Caller(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (h *Handler) overdue(w http.ResponseWriter, r *http.Request) error {
	list, err := h.store.Overdue(r.Context(), auth.Caller(r), r.URL.Query().Get("township"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

// eventRequest is the body of POST /cases/{id}/events.
type eventRequest struct {
	Type       string     `json:"type"`
	Officer    string     `json:"officer"`
	Department string     `json:"department"`
	Note       string     `json:"note"`
	At         *time.Time `json:"at"`
	// The penalty procedure's facts (see Procedure).
	Hearing        string   `json:"hearing"`
	Outcome        string   `json:"outcome"`
	AmountYuan     *float64 `json:"amount_yuan"`
	Level          string   `json:"level"`
	Party          string   `json:"party"`
	PartyName      string   `json:"party_name"`
	LicenceRevoked bool     `json:"licence_revoked"`
	// PublishedAt (decide): when a decision entered after the fact was published.
	PublishedAt *time.Time `json:"published_at"`
}

// eventAnswer is what an appended event returns: the case after it and the event.
type eventAnswer struct {
	Case  Case  `json:"case"`
	Event Event `json:"event"`
}

func (h *Handler) postEvent(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	var req eventRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	ne := NewEvent{Type: EventType(req.Type), Officer: req.Officer, Department: req.Department, Note: req.Note,
		Procedure: Procedure{Hearing: req.Hearing, Outcome: req.Outcome, AmountYuan: req.AmountYuan, Level: req.Level,
			Party: req.Party, PartyName: req.PartyName, LicenceRevoked: req.LicenceRevoked, PublishedAt: req.PublishedAt}}
	if req.At != nil {
		ne.At = *req.At
	}
	if err := CheckClaim(auth.Caller(r), "at", ne.At, h.store.now(), h.claimWindow); err != nil {
		return err
	}
	c, e, err := h.store.AppendEvent(r.Context(), auth.Caller(r), id, ne)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, eventAnswer{Case: c, Event: e})
	return nil
}

func (h *Handler) events(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	list, err := h.store.Events(r.Context(), auth.Caller(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) verify(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	v, err := h.store.Verify(r.Context(), auth.Caller(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (h *Handler) suggest(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	list, err := h.store.Suggest(r.Context(), auth.Caller(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

// dispatch assigns the case in one call: to the officer named, or to the nearest
// suggested one.
func (h *Handler) dispatch(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	var req struct {
		Officer string `json:"officer"`
		Note    string `json:"note"`
	}
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(r, &req); err != nil {
			return err
		}
	}
	who := auth.Caller(r)
	if req.Officer == "" {
		list, err := h.store.Suggest(r.Context(), who, id)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return apperr.Conflictf("no officer of the case's squadron is on duty (a fix in the last %s)", OnDutyWithin)
		}
		req.Officer = list[0].Officer
	}
	c, e, err := h.store.AppendEvent(r.Context(), who, id, NewEvent{Type: EventAssign, Officer: req.Officer, Note: req.Note})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, eventAnswer{Case: c, Event: e})
	return nil
}

func (h *Handler) sla(w http.ResponseWriter, r *http.Request) error {
	from, to, err := httpx.TimeRange(r.URL.Query(), time.Now(), 30*24*time.Hour, maxWindow)
	if err != nil {
		return err
	}
	list, err := h.store.SLAs(r.Context(), auth.Caller(r), r.URL.Query().Get("township"), from, to)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}
