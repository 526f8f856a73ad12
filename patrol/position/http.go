package position

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// Limits of the ingest endpoints.
const (
	MaxBatchFixes = 10_000   // fixes in one POST /positions
	MaxBatchBytes = 4 << 20  // its body
	MaxGPXBytes   = 32 << 20 // a GPX upload
	MaxGPXPoints  = 200_000  // track points in one GPX upload
	MaxOsmAndBody = 64 << 10 // one OsmAnd request
)

// Publisher receives what was stored, for the live feed. It must not block.
type Publisher interface {
	Publish(stored []Stored)
}

// AlarmPublisher is a Publisher that also receives the alarms of fixes not stored (see
// Result.Alarms), for the alert rules. It must not block.
type AlarmPublisher interface {
	PublishAlarms(alarms []Alarm)
}

// Handler serves position ingest, tracks and stops.
type Handler struct {
	store    *Store
	officers *officer.Store
	tokens   auth.Checker
	live     Publisher
}

// NewHandler returns a Handler. tokens authenticates OsmAnd keys (auth.Guard, which
// throttles addresses that guess them); live may be nil.
func NewHandler(store *Store, officers *officer.Store, tokens auth.Checker, live Publisher) *Handler {
	return &Handler{store: store, officers: officers, tokens: tokens, live: live}
}

// senders may post positions: admins for anyone, devices and officers for their officer.
var senders = []auth.Role{auth.Admin, auth.Device, auth.Officer}

// Routes returns the position routes of /api/v1.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodPost, Pattern: "/positions", Roles: senders, MaxBody: MaxBatchBytes, Limit: api.LimitIngest, Handler: h.postBatch},
		{Method: http.MethodPost, Pattern: "/officers/{id}/gpx", Roles: senders, MaxBody: MaxGPXBytes, Limit: api.LimitIngest, Handler: h.postGPX},
		{Method: http.MethodGet, Pattern: "/officers/{id}/track", Roles: trackReaders, Handler: h.getTrack},
		{Method: http.MethodGet, Pattern: "/officers/{id}/stops", Roles: trackReaders, Handler: h.getStops},
	}
}

// OsmAnd serves /osmand/{key}: Traccar Client's protocol, authenticated by the device
// token in the path instead of a header.
func (h *Handler) OsmAnd() http.Handler {
	return httpx.LimitBody(MaxOsmAndBody)(httpx.HandlerFunc(h.osmand))
}

func (h *Handler) postBatch(w http.ResponseWriter, r *http.Request) error {
	items, err := ingest.ParseBatch(r.Body, MaxBatchFixes)
	if err != nil {
		return parseError(err)
	}
	caller := auth.Caller(r)
	confine(caller, items)
	if err := h.confineTownship(r.Context(), caller, items); err != nil {
		return err
	}
	return h.ingestAndAnswer(w, r, items)
}

func (h *Handler) postGPX(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	caller := auth.Caller(r)
	if caller.Officer != "" && caller.Officer != id {
		return apperr.Forbiddenf("this token may post positions for officer %s only", caller.Officer)
	}
	o, err := h.officers.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if err := caller.CheckTownship(o.Township); err != nil {
		return err
	}
	fixes, rejected, err := ingest.ParseGPX(r.Body, MaxGPXPoints)
	if err != nil {
		return parseError(err)
	}
	for i := range fixes {
		fixes[i].Officer = id
	}
	return h.ingestAndAnswer(w, r, ingest.Indexed(fixes, rejected))
}

// confine rejects the items of officers other than the token's, for officer and device
// tokens.
func confine(caller auth.Identity, items []ingest.RawFix) {
	if caller.Officer == "" || caller.Role == auth.Admin {
		return
	}
	for i := range items {
		if items[i].Reject == nil && items[i].Fix.Officer != caller.Officer {
			items[i].Reject = &ingest.Rejection{Index: items[i].Index, Code: CodeForbiddenOfficer,
				Message: fmt.Sprintf("this token may post positions for officer %s only", caller.Officer)}
		}
	}
}

// confineTownship rejects, for a token confined to a township, the items of officers of
// another township. Unknown officers are left to the store (unknown_officer).
func (h *Handler) confineTownship(ctx context.Context, caller auth.Identity, items []ingest.RawFix) error {
	if !caller.Scoped() {
		return nil
	}
	var ids []string
	for _, it := range items {
		if it.Reject == nil {
			ids = append(ids, it.Fix.Officer)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	officers, err := h.officers.Many(ctx, ids)
	if err != nil {
		return err
	}
	for i := range items {
		o, ok := officers[items[i].Fix.Officer]
		if items[i].Reject == nil && ok && !caller.MaySee(o.Township) {
			items[i].Reject = &ingest.Rejection{Index: items[i].Index, Code: CodeForbiddenOfficer,
				Message: fmt.Sprintf("officer %s is not of township %s, this token's", o.ID, caller.Township)}
		}
	}
	return nil
}

func (h *Handler) ingestAndAnswer(w http.ResponseWriter, r *http.Request, items []ingest.RawFix) error {
	res, err := h.ingest(r.Context(), items)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (h *Handler) ingest(ctx context.Context, items []ingest.RawFix) (Result, error) {
	res, err := h.store.Ingest(ctx, items)
	if err != nil {
		return Result{}, err
	}
	if h.live != nil && len(res.Stored) > 0 {
		h.live.Publish(res.Stored)
	}
	if ap, ok := h.live.(AlarmPublisher); ok && len(res.Alarms) > 0 {
		ap.PublishAlarms(res.Alarms)
	}
	return res, nil
}

// parseError maps a parser's whole-upload failure to an application error.
func parseError(err error) error {
	var tooMany *ingest.TooManyError
	if errors.As(err, &tooMany) {
		return apperr.New(apperr.TooLarge, "%s", tooMany.Error())
	}
	var pe *ingest.Error
	if errors.As(err, &pe) {
		if pe.Code == ingest.CodeTooLarge {
			return httpx.TooLargeError(err)
		}
		return &apperr.Error{Code: apperr.Invalid, Message: pe.Message, Err: err,
			Extra: map[string]any{"reason": pe.Code}}
	}
	return err
}

// osmand stores the fixes of one Traccar Client request. A fix that parses but fails the
// plausibility checks is answered 200 all the same: the client would otherwise resend it
// forever and hold back every later fix behind it. Such fixes are logged.
func (h *Handler) osmand(w http.ResponseWriter, r *http.Request) error {
	key, err := h.tokens.Check(r, chi.URLParam(r, "key"))
	if err != nil {
		return err
	}
	// Only device tokens: a key in a URL ends up in proxies' logs and phones' settings,
	// where an admin's token must never be invited.
	if key.Role != auth.Device {
		return apperr.Forbiddenf("the key must be a device token, not %s", key.Role)
	}
	fixes, err := ingest.ParseOsmAnd(r, MaxOsmAndBody)
	if err != nil {
		return parseError(err)
	}
	for _, f := range fixes {
		// Not a position at all: malformed, unlike an implausible one (see above).
		if !ingest.ValidCoordinates(f.Point) {
			return apperr.Invalidf("lat %v, lon %v is not a position", f.Point[1], f.Point[0])
		}
	}
	items := make([]ingest.RawFix, len(fixes))
	for i, f := range fixes {
		o, err := h.officers.ByDevice(r.Context(), f.DeviceID)
		if err != nil {
			return err
		}
		if key.Role == auth.Device && o.ID != key.Officer {
			return apperr.Forbiddenf("device %s is not the device of this key's officer", f.DeviceID)
		}
		if err := key.CheckTownship(o.Township); err != nil {
			return err
		}
		f.Officer = o.ID
		items[i] = ingest.RawFix{Index: i, Fix: f}
	}
	res, err := h.ingest(r.Context(), items)
	if err != nil {
		return err
	}
	for _, rej := range res.Rejected {
		slog.InfoContext(r.Context(), "osmand fix refused", "request_id", httpx.RequestID(r.Context()),
			"officer", key.Officer, "code", rej.Code, "reason", rej.Message)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
