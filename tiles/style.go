package tiles

import (
	"fmt"
	"net/http"

	"github.com/gridwatch/gridwatch/internal/httpx"
)

// style answers a MapLibre GL style (version 8) that draws every layer on a dark
// background, legible on a map wall: townships and grid areas as outlines, patrol coverage
// as cell fills (dark where nobody went), tracks, and cases by status. Tile requests must
// carry the token (MapLibre's transformRequest).
func (s *Server) style(w http.ResponseWriter, r *http.Request) error {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	base := fmt.Sprintf("%s://%s/tiles", scheme, r.Host)
	source := func(layer string, minZoom int) map[string]any {
		return map[string]any{"type": "vector", "tiles": []string{base + "/" + layer + "/{z}/{x}/{y}.mvt"},
			"minzoom": minZoom, "maxzoom": 16}
	}
	layer := func(id, kind, src string, paint map[string]any, extra ...any) map[string]any {
		l := map[string]any{"id": id, "type": kind, "source": src, "source-layer": src, "paint": paint}
		for i := 0; i+1 < len(extra); i += 2 {
			l[extra[i].(string)] = extra[i+1]
		}
		return l
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"version": 8,
		"name":    "Gridwatch map wall",
		"center":  []float64{120.28, 31.84},
		"zoom":    10,
		"sources": map[string]any{
			LayerTownships: source(LayerTownships, 0),
			LayerGrids:     source(LayerGrids, 9),
			LayerCells:     source(LayerCells, 10),
			LayerCoverage:  source(LayerCoverage, 6),
			LayerTracks:    source(LayerTracks, TracksMinZoom),
			LayerCases:     source(LayerCases, 6),
		},
		"layers": []any{
			map[string]any{"id": "background", "type": "background", "paint": map[string]any{"background-color": "#0b1220"}},
			layer("coverage-fill", "fill", LayerCoverage, map[string]any{
				"fill-color":   []any{"step", []any{"get", "visits"}, "#3b0d0d", 1, "#12324a", 5, "#1f6f8b", 20, "#38b2ac"},
				"fill-opacity": 0.55,
			}),
			layer("grids-line", "line", LayerGrids, map[string]any{"line-color": "#4a5568", "line-width": 1}, "minzoom", 11),
			layer("townships-line", "line", LayerTownships, map[string]any{"line-color": "#e2e8f0", "line-width": 2.5}),
			layer("townships-label", "symbol", LayerTownships, map[string]any{"text-color": "#e2e8f0"},
				"layout", map[string]any{"text-field": []any{"get", "name"}, "text-size": 22}),
			layer("tracks-line", "line", LayerTracks, map[string]any{"line-color": "#f6e05e", "line-width": 2, "line-opacity": 0.8}),
			layer("cases-circle", "circle", LayerCases, map[string]any{
				"circle-radius": []any{"interpolate", []any{"linear"}, []any{"get", "count"}, 1, 5, 50, 18},
				"circle-color": []any{"match", []any{"get", "status"},
					"reported", "#f56565", "assigned", "#ed8936", "accepted", "#ecc94b", "on_site", "#48bb78",
					"#a0aec0"},
				"circle-stroke-color": "#0b1220", "circle-stroke-width": 1,
			}),
		},
	})
	return nil
}
