package grid

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// MaxImportBytes caps a township import body: a county's detailed boundaries are a few
// MiB; this leaves room for a province's.
const MaxImportBytes = 64 << 20

// Handler serves the grid API.
type Handler struct {
	store *Store
}

// NewHandler returns a Handler on store.
func NewHandler(store *Store) *Handler { return &Handler{store: store} }

// locators may ask where a point is: readers and officers in the field.
var locators = []auth.Role{auth.Admin, auth.Supervisor, auth.Analyst, auth.Officer}

// Routes returns the grid routes of /api/v1.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodPost, Pattern: "/townships", Roles: api.Admins, MaxBody: MaxImportBytes, Handler: h.importTownships},
		{Method: http.MethodGet, Pattern: "/townships", Roles: api.Readers, Handler: h.townships},
		{Method: http.MethodGet, Pattern: "/townships/{code}", Roles: api.Readers, Handler: h.township},
		{Method: http.MethodGet, Pattern: "/cells", Roles: api.Readers, Handler: h.cells},
		{Method: http.MethodGet, Pattern: "/locate", Roles: locators, Handler: h.locate},
		{Method: http.MethodPost, Pattern: "/squadrons", Roles: api.Admins, Handler: h.createSquadron},
		{Method: http.MethodGet, Pattern: "/squadrons", Roles: api.Readers, Handler: h.squadrons},
		{Method: http.MethodPost, Pattern: "/grids", Roles: api.Admins, MaxBody: 8 << 20, Handler: h.createGrid},
		{Method: http.MethodGet, Pattern: "/grids", Roles: api.Readers, Handler: h.grids},
	}
}

func datumParam(r *http.Request) (geo.Datum, error) {
	d, err := geo.ParseDatum(r.URL.Query().Get("datum"))
	if err != nil {
		return "", apperr.Invalidf("%v", err)
	}
	return d, nil
}

func (h *Handler) importTownships(w http.ResponseWriter, r *http.Request) error {
	res, err := httpx.QueryInt(r.URL.Query(), "res", 0, 0, MaxResolution)
	if err != nil {
		return err
	}
	datum, err := datumParam(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return httpx.TooLargeError(err)
		}
		return apperr.Wrap(err, apperr.Invalid, "could not read the request body")
	}
	towns, err := ParseTownships(body, datum)
	if err != nil {
		return err
	}
	id := auth.Caller(r)
	for _, t := range towns {
		if err := id.CheckTownship(t.Code); err != nil {
			return err
		}
	}
	if id.Scoped() {
		// Another resolution than the city's splits every township again: not a scoped
		// token's to do. The city's own is kept (0), whatever it becomes meanwhile.
		current, err := h.store.Resolution(r.Context())
		if err != nil {
			return err
		}
		if res != 0 && res != current {
			return apperr.Forbiddenf("a token confined to township %s may not split the city at resolution %d (it is at %d)",
				id.Township, res, current)
		}
		res = 0
	}
	result, err := h.store.Import(r.Context(), towns, res)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, result)
	return nil
}

func (h *Handler) townships(w http.ResponseWriter, r *http.Request) error {
	township, err := auth.Caller(r).TownshipFilter("")
	if err != nil {
		return err
	}
	list, err := h.store.Townships(r.Context(), township)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) township(w http.ResponseWriter, r *http.Request) error {
	code := chi.URLParam(r, "code")
	if err := auth.Caller(r).CheckTownship(code); err != nil {
		return err
	}
	feature, err := h.store.TownshipFeature(r.Context(), code)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/geo+json")
	_, err = w.Write(append(feature, '\n'))
	return err
}

func (h *Handler) cells(w http.ResponseWriter, r *http.Request) error {
	township, err := auth.Caller(r).TownshipFilter(r.URL.Query().Get("township"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/geo+json")
	return h.store.WriteCells(r.Context(), w, CellFilter{Township: township, Grid: r.URL.Query().Get("grid")})
}

func (h *Handler) locate(w http.ResponseWriter, r *http.Request) error {
	lat, err := httpx.QueryFloat(r, "lat", -90, 90)
	if err != nil {
		return err
	}
	lon, err := httpx.QueryFloat(r, "lon", -180, 180)
	if err != nil {
		return err
	}
	datum, err := datumParam(r)
	if err != nil {
		return err
	}
	loc, err := h.store.Locate(r.Context(), geo.ToWGS84(orb.Point{lon, lat}, datum))
	if err != nil {
		return err
	}
	if err := auth.Caller(r).CheckTownship(loc.Township.Code); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, loc)
	return nil
}

// squadronRequest is the body of POST /squadrons.
type squadronRequest struct {
	Code     string      `json:"code"`
	Name     string      `json:"name"`
	Township string      `json:"township"`
	Base     *[]*float64 `json:"base"` // element pointers: a null must not read as 0
}

func (h *Handler) createSquadron(w http.ResponseWriter, r *http.Request) error {
	var req squadronRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := auth.Caller(r).CheckTownship(req.Township); err != nil {
		return err
	}
	q := Squadron{Code: req.Code, Name: req.Name, Township: req.Township}
	if req.Base != nil {
		b := *req.Base
		if len(b) != 2 || b[0] == nil || b[1] == nil {
			return apperr.Invalidf("base must be [lon, lat]")
		}
		q.Base = &orb.Point{*b[0], *b[1]}
	}
	if err := h.store.CreateSquadron(r.Context(), q); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, q)
	return nil
}

func (h *Handler) squadrons(w http.ResponseWriter, r *http.Request) error {
	township, err := auth.Caller(r).TownshipFilter(r.URL.Query().Get("township"))
	if err != nil {
		return err
	}
	list, err := h.store.Squadrons(r.Context(), township)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

// gridRequest is the body of POST /grids.
type gridRequest struct {
	Code     string          `json:"code"`
	Name     string          `json:"name"`
	Township string          `json:"township"`
	Squadron string          `json:"squadron"`
	Cells    []string        `json:"cells"`
	Geometry json.RawMessage `json:"geometry"`
	Datum    string          `json:"datum"`
}

func (h *Handler) createGrid(w http.ResponseWriter, r *http.Request) error {
	var req gridRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := auth.Caller(r).CheckTownship(req.Township); err != nil {
		return err
	}
	g := NewGridArea{Code: req.Code, Name: req.Name, Township: req.Township, Squadron: req.Squadron}
	switch {
	case len(req.Cells) > 0 && len(req.Geometry) > 0:
		return apperr.Invalidf("give either cells or geometry, not both")
	case len(req.Cells) > 0:
		for i, s := range req.Cells {
			c, err := ParseCell(s)
			if err != nil {
				return apperr.Invalidf("cells[%d]: %v", i, err)
			}
			g.Cells = append(g.Cells, c)
		}
	case len(req.Geometry) > 0:
		p, err := parseGridPolygon(req.Geometry, req.Datum)
		if err != nil {
			return err
		}
		g.Polygon = p
	}
	area, err := h.store.CreateGridArea(r.Context(), g)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, area)
	return nil
}

// parseGridPolygon reads a GeoJSON Polygon in the given datum and returns it in WGS-84.
func parseGridPolygon(raw json.RawMessage, datumName string) (orb.Polygon, error) {
	datum, err := geo.ParseDatum(datumName)
	if err != nil {
		return nil, apperr.Invalidf("%v", err)
	}
	g, err := geo.ReadGeometry(raw)
	if err != nil {
		return nil, apperr.Invalidf("geometry: %v", err)
	}
	p, ok := g.(orb.Polygon)
	if !ok {
		return nil, apperr.Invalidf("geometry must be a Polygon, not %s", g.GeoJSONType())
	}
	if err := geo.ValidatePolygonal(p); err != nil {
		return nil, apperr.Invalidf("geometry: %v", err)
	}
	return convertDatum(orb.MultiPolygon{p}, datum)[0], nil
}

func (h *Handler) grids(w http.ResponseWriter, r *http.Request) error {
	township, err := auth.Caller(r).TownshipFilter(r.URL.Query().Get("township"))
	if err != nil {
		return err
	}
	list, err := h.store.GridAreas(r.Context(), township)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}
