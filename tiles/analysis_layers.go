package tiles

import (
	"context"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/analytics"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// Layer names of analyses.
const (
	LayerHotspots   = "hotspots"
	LayerBlindzones = "blindzones"
)

// memo keeps the last analyses by (parameters, scope, layer version): one whole-city
// analysis serves every tile of a map wall instead of being computed per tile.
type memo struct {
	mu      sync.Mutex
	entries map[string]any
	order   []string
}

const memoSize = 8

func (m *memo) get(key string, compute func() (any, error)) (any, error) {
	m.mu.Lock()
	if v, ok := m.entries[key]; ok {
		m.mu.Unlock()
		return v, nil
	}
	m.mu.Unlock()
	v, err := compute()
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = map[string]any{}
	}
	if _, ok := m.entries[key]; !ok {
		m.order = append(m.order, key)
		if len(m.order) > memoSize {
			delete(m.entries, m.order[0])
			m.order = m.order[1:]
		}
	}
	m.entries[key] = v
	return v, nil
}

// analysisLayer draws the result of an analysis over the whole study area, computed once
// per parameters and data version (see memo) and cut into tiles.
type analysisLayer struct {
	store    *analytics.Store
	versions *Versions
	name     string
	now      func() time.Time
	memo     *memo
}

// analysisParams are the query parameters the analysis layers read.
var analysisParams = []string{"sector", "from", "to", "township", "k", "permutations", "level"}

func (l analysisLayer) Params(q url.Values) (string, error) {
	out := url.Values{}
	for _, k := range analysisParams {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	if q.Get("from") == "" || q.Get("to") == "" {
		out.Set("hour", l.now().UTC().Truncate(time.Hour).Format(time.RFC3339))
	}
	if lv := q.Get("level"); l.name == LayerBlindzones && lv != "" && lv != "township" && lv != "grid" && lv != "cell" {
		return "", errLevel(lv)
	}
	return out.Encode(), nil
}

func (l analysisLayer) Fields() map[string]string {
	if l.name == LayerHotspots {
		return map[string]string{"h3": "String", "township": "String", "count": "Number", "gi_z": "Number", "p_fdr": "Number", "bin": "Number"}
	}
	return map[string]string{"code": "String", "kind": "String", "cases_other": "Number", "expected_other": "Number",
		"p_adjusted": "Number", "patrol_visits": "Number"}
}

func (l analysisLayer) query(ctx context.Context, r Request) (analytics.Query, error) {
	span := 30 * 24 * time.Hour
	// The hour rounding of the default window keeps the memo and the cache useful.
	now := l.now().Truncate(time.Hour).Add(time.Hour)
	return l.store.ParseQuery(ctx, r.Query, auth.Identity{Township: r.Township, Role: auth.Analyst}, now, span, analytics.Limits{})
}

func (l analysisLayer) Features(ctx context.Context, r Request) ([]mvt.Feature, error) {
	q, err := l.query(ctx, r)
	if err != nil {
		return nil, err
	}
	params, _ := l.Params(r.Query)
	key := params + "|" + r.Township + "|" + versionString(l.versions.Version(l.name, mvt.Tile{}))
	bound := r.Tile.BoundWithBuffer(mvt.BufferPixels, mvt.DefaultExtent)
	if l.name == LayerHotspots {
		v, err := l.memo.get(key, func() (any, error) { return l.store.HotSpots(ctx, q, 1) })
		if err != nil {
			return nil, err
		}
		return hotspotFeatures(v.(analytics.HotSpots), bound), nil
	}
	level := r.Query.Get("level")
	if level == "" {
		level = analytics.DefaultLevel(q)
	}
	v, err := l.memo.get(key, func() (any, error) { return l.blindUnits(ctx, level, q) })
	if err != nil {
		return nil, err
	}
	var out []mvt.Feature
	for _, u := range v.([]blindUnit) {
		if u.geom.Bound().Intersects(bound) {
			f := u.feature
			f.ID = uint64(len(out) + 1)
			out = append(out, f)
		}
	}
	return out, nil
}

func hotspotFeatures(hs analytics.HotSpots, bound orb.Bound) []mvt.Feature {
	var out []mvt.Feature
	for i, c := range hs.Cells {
		g := grid.Geometry(c.H3)
		if !bound.Contains(g.Center) && !g.Boundary.Bound().Intersects(bound) {
			continue
		}
		out = append(out, mvt.Feature{ID: uint64(len(out) + 1), Geometry: g.Boundary, Properties: map[string]any{
			"h3": c.H3.String(), "township": c.Township, "count": int(hs.Counts[i]),
			"gi_z": hs.Result.Z[i], "p_fdr": hs.Result.PFDR[i], "bin": hs.Result.Bin[i],
		}})
	}
	return out
}

// blindUnit is a blind-zone result ready to draw.
type blindUnit struct {
	geom    orb.Geometry
	feature mvt.Feature
}

func (l analysisLayer) blindUnits(ctx context.Context, level string, q analytics.Query) ([]blindUnit, error) {
	results, err := l.store.BlindZones(ctx, level, q)
	if err != nil {
		return nil, err
	}
	shapes, err := l.store.UnitShapes(ctx, level, results)
	if err != nil {
		return nil, err
	}
	out := make([]blindUnit, 0, len(results))
	for _, res := range results {
		g, ok := shapes[res.Code]
		if !ok {
			continue
		}
		out = append(out, blindUnit{geom: g, feature: mvt.Feature{Geometry: g, Properties: map[string]any{
			"code": res.Code, "kind": string(res.Kind), "cases_other": res.CasesOther, "expected_other": res.ExpectedOther,
			"p_adjusted": res.PAdjusted, "patrol_visits": res.PatrolVisits,
		}}})
	}
	return out, nil
}

func versionString(v uint64) string { return strconv.FormatUint(v, 10) }

func errLevel(level string) error {
	return apperr.Invalidf("level %q is not township, grid or cell", level)
}
