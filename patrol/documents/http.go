package documents

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// Cases reads a case and its history as the caller may (package cases' Store).
type Cases interface {
	WithDeadlines(ctx context.Context, who auth.Identity, id int64) (cases.Case, error)
	Events(ctx context.Context, who auth.Identity, id int64) ([]cases.Event, error)
}

// Items gives an enforcement power (package powers' Store).
type Items interface {
	Item(ctx context.Context, code string) (powers.Item, error)
}

// Names gives the names of townships and officers; an unknown code answers not_found.
type Names interface {
	TownshipName(ctx context.Context, code string) (string, error)
	OfficerName(ctx context.Context, id string) (string, error)
}

// Handler serves the documents.
type Handler struct {
	cases Cases
	items Items
	names Names
}

// NewHandler returns a Handler reading through cases, items and names.
func NewHandler(c Cases, items Items, names Names) *Handler {
	return &Handler{cases: c, items: items, names: names}
}

// Routes returns the document routes of /api/v1: whoever may read the case may print it.
func (h *Handler) Routes() []api.Route {
	readers := []auth.Role{auth.Admin, auth.Supervisor, auth.Analyst, auth.Officer, auth.Legal}
	return []api.Route{
		{Method: http.MethodGet, Pattern: "/cases/{id}/documents/{kind}", Roles: readers, Handler: h.document},
	}
}

func (h *Handler) document(w http.ResponseWriter, r *http.Request) error {
	k, ok := ParseKind(chi.URLParam(r, "kind"))
	if !ok {
		names := make([]string, len(Kinds))
		for i, k := range Kinds {
			names[i] = string(k)
		}
		return apperr.Invalidf("unknown document %q (%s)", chi.URLParam(r, "kind"), strings.Join(names, ", "))
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.NotFoundf("no case %q", chi.URLParam(r, "id"))
	}
	rec, err := h.record(r.Context(), auth.Caller(r), id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	missing, err := Render(&buf, k, rec)
	if err != nil {
		return err
	}
	if missing != "" {
		return apperr.Conflictf("case %d has not reached %s yet: the %s records it (the case is %s)", id, missing, k.Title(), rec.Case.Status)
	}
	return writePage(w, buf.Bytes(), "private, no-store")
}

// writePage answers a rendered page under the documents' CSP, with cacheControl.
func writePage(w http.ResponseWriter, page []byte, cacheControl string) error {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", cacheControl)
	_, err := w.Write(page)
	return err
}

// record gathers what the documents of case id are rendered from. Errors: not_found,
// forbidden (as reading the case).
func (h *Handler) record(ctx context.Context, who auth.Identity, id int64) (Record, error) {
	c, err := h.cases.WithDeadlines(ctx, who, id)
	if err != nil {
		return Record{}, err
	}
	events, err := h.cases.Events(ctx, who, id)
	if err != nil {
		return Record{}, err
	}
	rec := Record{Case: c, Events: events, Officers: map[string]string{}}
	if c.Item != nil {
		if rec.Item, err = h.items.Item(ctx, *c.Item); err != nil && apperr.CodeOf(err) != apperr.NotFound {
			return Record{}, err
		}
		rec.Item.Code = *c.Item
	}
	if c.Township != nil {
		if rec.Township, err = h.names.TownshipName(ctx, *c.Township); err != nil && apperr.CodeOf(err) != apperr.NotFound {
			return Record{}, err
		}
	}
	ids := []*string{c.Officer}
	for _, e := range events {
		ids = append(ids, e.Officer)
	}
	for _, o := range ids {
		if o == nil || rec.Officers[*o] != "" {
			continue
		}
		n, err := h.names.OfficerName(ctx, *o)
		if err != nil && apperr.CodeOf(err) != apperr.NotFound {
			return Record{}, err
		}
		rec.Officers[*o] = n
	}
	return rec, nil
}
