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
	"github.com/gridwatch/gridwatch/internal/httpx"
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
	cases  Cases
	items  Items
	names  Names
	signer *Signer
}

// NewHandler returns a Handler reading through cases, items and names, and signing links
// to documents with signer.
func NewHandler(c Cases, items Items, names Names, signer *Signer) *Handler {
	return &Handler{cases: c, items: items, names: names, signer: signer}
}

// Routes returns the document routes of /api/v1: whoever may read the case may print it,
// or get a signed link that opens it (Signed).
func (h *Handler) Routes() []api.Route {
	readers := []auth.Role{auth.Admin, auth.Supervisor, auth.Analyst, auth.Officer, auth.Legal}
	return []api.Route{
		{Method: http.MethodGet, Pattern: "/cases/{id}/documents/{kind}", Roles: readers, Handler: h.document},
		{Method: http.MethodGet, Pattern: "/cases/{id}/documents/{kind}/link", Roles: readers, Handler: h.link},
	}
}

// target returns the case and document a request's path names. Errors: invalid (an
// unknown document), not_found (no such case number).
func target(r *http.Request) (int64, Kind, error) {
	k, ok := ParseKind(chi.URLParam(r, "kind"))
	if !ok {
		names := make([]string, len(Kinds))
		for i, k := range Kinds {
			names[i] = string(k)
		}
		return 0, "", apperr.Invalidf("unknown document %q (%s)", chi.URLParam(r, "kind"), strings.Join(names, ", "))
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, "", apperr.NotFoundf("no case %q", chi.URLParam(r, "id"))
	}
	return id, k, nil
}

// render renders document k of case id as who may read it. Errors: not_found,
// forbidden (as reading the case); conflict (the case has not reached the stage the
// document records).
func (h *Handler) render(ctx context.Context, who auth.Identity, id int64, k Kind) ([]byte, error) {
	rec, err := h.record(ctx, who, id)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	missing, err := Render(&buf, k, rec)
	if err != nil {
		return nil, err
	}
	if missing != "" {
		return nil, apperr.Conflictf("case %d has not reached %s yet: the %s records it (the case is %s)", id, missing, k.Title(), rec.Case.Status)
	}
	return buf.Bytes(), nil
}

func (h *Handler) document(w http.ResponseWriter, r *http.Request) error {
	id, k, err := target(r)
	if err != nil {
		return err
	}
	page, err := h.render(r.Context(), auth.Caller(r), id, k)
	if err != nil {
		return err
	}
	return writePage(w, page, "private, no-store")
}

// link answers a signed link to a document the caller may read and that the case has
// reached, so that the page can open it in a tab of its own (a tab cannot send the
// bearer token). Errors as the document's.
func (h *Handler) link(w http.ResponseWriter, r *http.Request) error {
	id, k, err := target(r)
	if err != nil {
		return err
	}
	if _, err := h.render(r.Context(), auth.Caller(r), id, k); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, h.signer.Sign(id, k))
	return nil
}

// linkReader is who reads a case for a signed link: the link stands for a reader's
// permission checked when it was signed; the analyst role reads and writes nothing more.
var linkReader = auth.Identity{Name: "signed document link", Role: auth.Analyst}

// Signed serves GET /documents/{id}/{kind}?expires=…&signature=… without a token: the
// document a signed link names, under the documents' CSP, while the link lasts. Errors:
// forbidden (a bad, tampered or expired signature, checked before anything is read);
// those of the document.
func (h *Handler) Signed(w http.ResponseWriter, r *http.Request) error {
	id, k, err := target(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if err := h.signer.Check(id, k, q.Get("expires"), q.Get("signature")); err != nil {
		return err
	}
	page, err := h.render(r.Context(), linkReader, id, k)
	if err != nil {
		return err
	}
	return writePage(w, page, "private, no-store")
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
