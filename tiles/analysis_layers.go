package tiles

import (
	"context"
	"fmt"
	"net/url"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/analytics"
	"github.com/gridwatch/gridwatch/patrol/blindzone"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// Layer names of analyses.
const (
	LayerHotspots   = "hotspots"
	LayerBlindzones = "blindzones"
)

// memo keeps the last analyses by (parameters, scope, layer version): one whole-city
// analysis serves every tile of a map wall instead of being computed per tile. Concurrent
// callers of one key share one computation (a wall opening a layer asks for 20–40 tiles
// at once): the first starts it, the others wait for it.
type memo struct {
	mu       sync.Mutex
	entries  map[string]any
	order    []string
	inflight map[string]*memoCall

	// computations counts the computations started, for metrics and tests.
	computations atomic.Int64
}

// memoCall is one running computation of memo.get, shared by every caller of its key.
type memoCall struct {
	done    chan struct{}
	v       any
	err     error
	waiters int                // callers still waiting; the computation is cancelled when none is
	cancel  context.CancelFunc // cancels the computation's context
}

const memoSize = 8

// get returns the value of key, computing it with compute when it is neither kept nor
// being computed. compute runs on its own goroutine with a context that carries ctx's
// values but not its cancellation, cancelled once every caller waiting for it has given
// up: a client that goes away neither fails the others nor wastes their computation. A
// caller whose ctx ends returns ctx.Err(). Errors are returned to every caller of that
// computation and not kept: the next call computes again.
func (m *memo) get(ctx context.Context, key string, compute func(ctx context.Context) (any, error)) (any, error) {
	m.mu.Lock()
	if v, ok := m.entries[key]; ok {
		m.mu.Unlock()
		return v, nil
	}
	if m.inflight == nil {
		m.inflight = map[string]*memoCall{}
	}
	cl, ok := m.inflight[key]
	if ok {
		cl.waiters++
	} else {
		cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		cl = &memoCall{done: make(chan struct{}), waiters: 1, cancel: cancel}
		m.inflight[key] = cl
		m.computations.Add(1)
		go m.run(cctx, key, cl, compute)
	}
	m.mu.Unlock()

	select {
	case <-cl.done:
		return cl.v, cl.err
	case <-ctx.Done():
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-cl.done: // finished while we were giving up: take the result after all
		return cl.v, cl.err
	default:
	}
	cl.waiters--
	if cl.waiters == 0 {
		cl.cancel()
		// A caller arriving from now on must start afresh, not join a cancelled computation.
		if m.inflight[key] == cl {
			delete(m.inflight, key)
		}
	}
	return nil, ctx.Err()
}

// run computes the value of cl, keeps it unless it failed and wakes cl's waiters.
func (m *memo) run(ctx context.Context, key string, cl *memoCall, compute func(context.Context) (any, error)) {
	defer cl.cancel()
	v, err := safeCompute(ctx, compute)
	m.mu.Lock()
	if err == nil {
		m.keep(key, v)
	}
	if m.inflight[key] == cl {
		delete(m.inflight, key)
	}
	cl.v, cl.err = v, err
	m.mu.Unlock()
	close(cl.done)
}

// safeCompute runs compute, turning a panic into an error: it runs on a goroutine of its
// own, where a panic would otherwise take the whole server down.
func safeCompute(ctx context.Context, compute func(context.Context) (any, error)) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("compute analysis: panic: %v\n%s", r, debug.Stack())
		}
	}()
	return compute(ctx)
}

// keep stores v under key, dropping the oldest entry beyond memoSize. m.mu must be held.
func (m *memo) keep(key string, v any) {
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
}

// Analyses is what the analysis layers read of package analytics (its Store): the
// parsed analysis of a request, its results and the shapes of blind-zone units.
type Analyses interface {
	ParseQuery(ctx context.Context, q url.Values, who auth.Identity, now time.Time, span time.Duration, limits analytics.Limits) (analytics.Query, error)
	HotSpots(ctx context.Context, q analytics.Query, seed uint64) (analytics.HotSpots, error)
	BlindZones(ctx context.Context, level string, q analytics.Query) ([]blindzone.Result, error)
	UnitShapes(ctx context.Context, level string, results []blindzone.Result) (map[string]orb.Geometry, error)
}

var _ Analyses = (*analytics.Store)(nil)

// analysisLayer draws the result of an analysis over the whole study area, computed once
// per parameters and data version (see memo) and cut into tiles.
type analysisLayer struct {
	store    Analyses
	versions *Versions
	name     string
	memo     *memo
}

// analysisSpan is the window of an analysis layer when from is not given.
const analysisSpan = 30 * 24 * time.Hour

// analysisParams are the parameters of an analysis layer: the analysis, already confined
// to the caller's township, and for blind zones the level ("" = the analysis's default).
type analysisParams struct {
	Query analytics.Query
	Level string
}

// String returns the parameters as query strings: the case filter's canonical form
// (cases.Filter.String) and the statistics' parameters, sorted.
func (p analysisParams) String() string {
	v := url.Values{"k": {strconv.Itoa(p.Query.K)}, "permutations": {strconv.Itoa(p.Query.Permutations)}}
	if p.Level != "" {
		v.Set("level", p.Level)
	}
	return p.Query.Filter.String() + "|" + v.Encode()
}

// Parse reads the parameters the analyses share (see analytics.Store.ParseQuery), for the
// caller of r (confined to its township), and level. The default window ends at the end of the hour of r.Now,
// so that the memo and the cache serve the whole hour. Errors: invalid, forbidden.
func (l analysisLayer) Parse(ctx context.Context, q url.Values, r Request) (analysisParams, error) {
	now := r.Now.Truncate(time.Hour).Add(time.Hour)
	query, err := l.store.ParseQuery(ctx, q, r.Caller, now, analysisSpan, analytics.Limits{})
	if err != nil {
		return analysisParams{}, err
	}
	p := analysisParams{Query: query}
	if l.name == LayerBlindzones {
		switch p.Level = q.Get("level"); p.Level {
		case "", "township", "grid", "cell":
		default:
			return p, errLevel(p.Level)
		}
	}
	return p, nil
}

func (l analysisLayer) Fields() map[string]string {
	if l.name == LayerHotspots {
		return map[string]string{"h3": "String", "township": "String", "count": "Number", "gi_z": "Number", "p_fdr": "Number", "bin": "Number"}
	}
	return map[string]string{"code": "String", "kind": "String", "cases_other": "Number", "expected_other": "Number",
		"p_adjusted": "Number", "patrol_visits": "Number"}
}

func (l analysisLayer) Features(ctx context.Context, r Request, p analysisParams) ([]mvt.Feature, error) {
	key := p.String() + "|" + r.Caller.Township + "|" + versionString(l.versions.Version(l.name, mvt.Tile{}))
	bound := r.Tile.BoundWithBuffer(mvt.BufferPixels, mvt.DefaultExtent)
	if l.name == LayerHotspots {
		v, err := l.memo.get(ctx, key, func(ctx context.Context) (any, error) { return l.store.HotSpots(ctx, p.Query, 1) })
		if err != nil {
			return nil, err
		}
		return hotspotFeatures(v.(analytics.HotSpots), bound), nil
	}
	level := p.Level
	if level == "" {
		level = analytics.DefaultLevel(p.Query)
	}
	v, err := l.memo.get(ctx, key, func(ctx context.Context) (any, error) { return l.blindUnits(ctx, level, p.Query) })
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
		hexagon := grid.Boundary(c.H3)
		if !hexagon.Bound().Intersects(bound) {
			continue
		}
		out = append(out, mvt.Feature{ID: uint64(len(out) + 1), Geometry: hexagon, Properties: map[string]any{
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
