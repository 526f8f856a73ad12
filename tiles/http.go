package tiles

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// ContentType is the media type of a vector tile.
const ContentType = "application/vnd.mapbox-vector-tile"

// Layer names.
const (
	LayerTownships = "townships"
	LayerGrids     = "grids"
	LayerCells     = "cells"
	LayerCases     = "cases"
)

// Server serves vector tiles of the layers, cached and invalidated by data versions.
type Server struct {
	grid     Grid
	sources  map[string]layer
	cache    *Cache
	versions *Versions
	memos    []*memo // of the analysis layers
	now      func() time.Time
}

// NewServer returns a Server of the layers over the stores st, with a tile cache of
// cacheBytes. Errors: those of NewVersions with the default configuration.
func NewServer(st Stores, cacheBytes int64) (*Server, error) {
	versions, err := NewVersions(DefaultVersionsConfig())
	if err != nil {
		return nil, err
	}
	hot, blind := &memo{}, &memo{}
	return &Server{
		grid: st.Grid,
		sources: map[string]layer{
			LayerTownships:  bind(polygonLayer{grid: st.Grid, level: grid.LevelTownship}),
			LayerGrids:      bind(polygonLayer{grid: st.Grid, level: grid.LevelGrid}),
			LayerCells:      bind(cellLayer{grid: st.Grid}),
			LayerCases:      bind(caseLayer{cases: st.Cases, grid: st.Grid}),
			LayerCoverage:   bind(coverageLayer{grid: st.Grid, coverage: st.Coverage}),
			LayerTracks:     bind(tracksLayer{tracks: st.Tracks}),
			LayerHotspots:   bind(analysisLayer{store: st.Analyses, versions: versions, name: LayerHotspots, memo: hot}),
			LayerBlindzones: bind(analysisLayer{store: st.Analyses, versions: versions, name: LayerBlindzones, memo: blind}),
		},
		cache:    NewCache(cacheBytes),
		versions: versions,
		memos:    []*memo{hot, blind},
		now:      time.Now,
	}, nil
}

// Versions returns the data versions, for the stores' change notifications.
func (s *Server) Versions() *Versions { return s.versions }

// CacheStats returns the cache's counters.
func (s *Server) CacheStats() CacheStats { return s.cache.Stats() }

// AnalysisComputations returns how many analyses the analysis layers have computed since
// the Server was made: one per (parameters, scope, data version) however many tiles
// asked for it at once, again only after an error or once the analysis was dropped.
func (s *Server) AnalysisComputations() int64 {
	var n int64
	for _, m := range s.memos {
		n += m.computations.Load()
	}
	return n
}

// tileReaders may read tiles: whoever reads the map.
var tileReaders = []auth.Role{auth.Admin, auth.Supervisor, auth.Analyst, auth.Officer}

// officerLayers are the layers an officer token may draw, as the API lets it read: the
// map, and its own track and cases (Request.Officer). Coverage and the analyses are
// readers' data.
var officerLayers = map[string]bool{LayerTownships: true, LayerGrids: true, LayerCells: true,
	LayerTracks: true, LayerCases: true}

// Routes returns the tile routes, relative to /tiles. The analysis layers count against
// the same per-token limit as the analysis routes (api.LimitExport): a cold tile of
// theirs may run a whole analysis.
func (s *Server) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodGet, Pattern: "/" + LayerHotspots + "/{z}/{x}/{y}.mvt", Roles: tileReaders, Limit: api.LimitExport, Handler: s.tileOf(LayerHotspots)},
		{Method: http.MethodGet, Pattern: "/" + LayerBlindzones + "/{z}/{x}/{y}.mvt", Roles: tileReaders, Limit: api.LimitExport, Handler: s.tileOf(LayerBlindzones)},
		{Method: http.MethodGet, Pattern: "/{layer}/{z}/{x}/{y}.mvt", Roles: tileReaders, Handler: s.tile},
		{Method: http.MethodGet, Pattern: "/style.json", Roles: tileReaders, Handler: s.style},
		{Method: http.MethodGet, Pattern: "/{layer}.json", Roles: tileReaders, Handler: s.tileJSON},
	}
}

func (s *Server) source(r *http.Request) (string, layer, error) {
	return s.sourceNamed(chi.URLParam(r, "layer"))
}

func (s *Server) sourceNamed(name string) (string, layer, error) {
	src, ok := s.sources[name]
	if !ok {
		return "", nil, apperr.NotFoundf("no tile layer %q (layers: %s)", name, strings.Join(s.Layers(), ", "))
	}
	return name, src, nil
}

// Layers returns the names of the server's layers, sorted.
func (s *Server) Layers() []string {
	names := make([]string, 0, len(s.sources))
	for n := range s.sources {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// tile answers one tile: 200 with the MVT (gzip when accepted), 204 when empty, 304 when
// the client's ETag is current; 403 for an officer token on a layer it may not read. The
// cache key holds the layer, tile, parameters, the caller's township scope and officer
// confinement and the tile's data version.
func (s *Server) tile(w http.ResponseWriter, r *http.Request) error {
	return s.serveTile(w, r, chi.URLParam(r, "layer"))
}

// tileOf is tile for the route of one layer, whose pattern has no {layer}.
func (s *Server) tileOf(name string) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error { return s.serveTile(w, r, name) }
}

func (s *Server) serveTile(w http.ResponseWriter, r *http.Request, name string) error {
	name, src, err := s.sourceNamed(name)
	if err != nil {
		return err
	}
	who := auth.Caller(r)
	var officer string
	if who.Role == auth.Officer {
		if !officerLayers[name] || who.Officer == "" {
			return apperr.Forbiddenf("an officer token may not read the %s layer", name)
		}
		officer = who.Officer
	}
	t, err := mvt.ParseTile(chi.URLParam(r, "z"), chi.URLParam(r, "x"), chi.URLParam(r, "y"))
	if err != nil {
		return err
	}
	// The request is parsed once, here: its canonical form is the cache key, and the
	// features are built from the same parsed values, at the same clock reading.
	query, build, err := src.parse(r.Context(), r.URL.Query(),
		Request{Tile: t, Caller: who, Officer: officer, Now: s.now()})
	if err != nil {
		return err
	}
	key := Key{Layer: name, Tile: t, Params: query.String(), Version: s.versions.Version(name, t)}
	entry, err := s.cache.GetOrBuild(r.Context(), key, func(ctx context.Context) ([]byte, error) {
		features, err := build(ctx)
		if err != nil {
			return nil, err
		}
		return mvt.Encode(t, mvt.Layer{Name: name, Features: features})
	})
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Cache-Control", "private, no-cache") // revalidate with the ETag: data changes
	h.Set("Vary", "Accept-Encoding, Authorization")
	if len(entry.Raw) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	// Each coding is its own representation with its own ETag; ServeContent answers
	// If-None-Match (and HEAD and ranges) against the ETag set here.
	body, etag := entry.Raw, entry.ETag
	if httpx.AcceptsEncoding(r.Header, "gzip") {
		body, etag = entry.Gzip, entry.GzipETag
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	h.Set("Content-Type", ContentType)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	return nil
}

// tileJSON answers TileJSON 3.0.0 for a layer.
func (s *Server) tileJSON(w http.ResponseWriter, r *http.Request) error {
	name, src, err := s.source(r)
	if err != nil {
		return err
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	bounds := []float64{-180, -85.0511, 180, 85.0511}
	// The bounds of what the caller may see: its township's for a scoped token.
	extent, ok, err := s.grid.Extent(r.Context(), auth.Caller(r).Township)
	if err != nil {
		return err
	}
	if ok {
		bounds = []float64{extent.Min[0], extent.Min[1], extent.Max[0], extent.Max[1]}
	}
	url := fmt.Sprintf("%s://%s/tiles/%s/{z}/{x}/{y}.mvt", scheme, r.Host, name)
	if q := r.URL.RawQuery; q != "" {
		url += "?" + q
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"tilejson": "3.0.0",
		"name":     name,
		"scheme":   "xyz",
		"tiles":    []string{url},
		"minzoom":  0,
		"maxzoom":  mvt.DefaultMaxZoom,
		"bounds":   bounds,
		"vector_layers": []map[string]any{{
			"id": name, "fields": src.Fields(), "minzoom": 0, "maxzoom": mvt.DefaultMaxZoom,
		}},
	})
	return nil
}
