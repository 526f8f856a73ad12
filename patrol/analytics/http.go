package analytics

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/paulmach/orb/geojson"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/admission"
	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/hotspot"
)

// Limits of the analyses.
type Limits struct {
	MaxWindow       time.Duration // longest [from, to) (default 366 days)
	MaxPermutations int           // default 9,999
	MaxSteps        int           // emerging hot spots: most time steps (default 120)
}

func (l *Limits) defaults() {
	if l.MaxWindow == 0 {
		l.MaxWindow = 366 * 24 * time.Hour
	}
	if l.MaxPermutations == 0 {
		l.MaxPermutations = 9999
	}
	if l.MaxSteps == 0 {
		l.MaxSteps = 120
	}
}

// Handler serves the analytics API.
type Handler struct {
	store    *Store
	limits   Limits
	now      func() time.Time
	permSeed uint64
}

// NewHandler returns a Handler on store.
func NewHandler(store *Store, limits Limits) *Handler {
	limits.defaults()
	return &Handler{store: store, limits: limits, now: time.Now, permSeed: 1}
}

// Routes returns the analytics routes of /api/v1 (readers: admin, supervisor, analyst).
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodGet, Pattern: "/hotspots", Roles: api.Readers, Limit: api.LimitExport, Handler: h.hotspots},
		{Method: http.MethodGet, Pattern: "/hotspots/emerging", Roles: api.Readers, Limit: api.LimitExport, Handler: h.emerging},
		{Method: http.MethodGet, Pattern: "/blindzones", Roles: api.Readers, Limit: api.LimitExport, Handler: h.blindzones},
		{Method: http.MethodGet, Pattern: "/powers/usage", Roles: api.Readers, Limit: api.LimitExport, Handler: h.usage},
	}
}

// Query selects what an analysis covers: the cases of a filter (Townships, the study
// townships, none = the whole city; Sector; the window From, To) and the statistics'
// parameters. The analyses count cases of every status.
type Query struct {
	cases.Filter
	K            int // neighbourhood ring, 1..5
	Permutations int // hot spots: conditional permutations, 0 = analytic
}

// ParseQuery reads the parameters the analyses share — the case filter (sector, from/to
// with the default span before now, township; see cases.ParseFilter), k, permutations —
// and confines a scoped caller to its township. Errors: invalid, forbidden.
func (s *Store) ParseQuery(ctx context.Context, q url.Values, who auth.Identity, now time.Time, span time.Duration, limits Limits) (Query, error) {
	limits.defaults()
	var p Query
	var err error
	// s answers the sector lookups; ParseFilter asks only for a sector code.
	if p.Filter, err = cases.ParseFilter(ctx, q, who, s,
		cases.Window{Now: now, Span: span, Max: limits.MaxWindow, Always: true, AnyStatus: true}); err != nil {
		return p, err
	}
	if p.K, err = httpx.QueryInt(q, "k", 1, 1, 5); err != nil {
		return p, err
	}
	if p.Permutations, err = httpx.QueryInt(q, "permutations", 0, 0, limits.MaxPermutations); err != nil {
		return p, err
	}
	return p, nil
}

// params are a request's Query and output format.
type params struct {
	Query
	csv bool
}

// readParams parses the shared parameters and the format of a request.
func (h *Handler) readParams(r *http.Request, defaultSpan time.Duration) (params, error) {
	q, err := h.store.ParseQuery(r.Context(), r.URL.Query(), auth.Caller(r), h.now(), defaultSpan, h.limits)
	if err != nil {
		return params{}, err
	}
	p := params{Query: q}
	switch f := r.URL.Query().Get("format"); f {
	case "", "geojson":
	case "csv":
		p.csv = true
	default:
		return p, apperr.Invalidf("format %q is not geojson or csv", f)
	}
	return p, nil
}

// studyCells loads the cells of the study area.
func (s *Store) studyCells(ctx context.Context, q Query) ([]StudyCell, error) {
	cells, err := s.Cells(ctx, q.Townships)
	if err != nil {
		return nil, err
	}
	if len(cells) == 0 {
		return nil, apperr.Invalidf("the study area has no cells (unknown township?)")
	}
	return cells, nil
}

// studyArea indexes the cells of the study area and finds their neighbourhoods.
func studyArea(cells []StudyCell, k int) (hotspot.Neighbors, map[grid.Cell]int) {
	ids := make([]grid.Cell, len(cells))
	index := make(map[grid.Cell]int, len(cells))
	for i, c := range cells {
		ids[i] = c.H3
		index[c.H3] = i
	}
	return hotspot.Neighbors(grid.Rings(ids, k)), index
}

// HotSpots is a hot spot analysis: the study area's cells, their counts and statistics.
type HotSpots struct {
	Cells  []StudyCell
	Counts []float64
	Result hotspot.Result
}

// HotSpots runs Gi* over every cell of the study area, zero-filled. Its cost is checked
// before any work and it runs in its turn; identical analyses share one result (see
// Store.Admission). Errors: invalid, unprocessable (zero variance, over the budget),
// rate_limited, unavailable.
func (s *Store) HotSpots(ctx context.Context, q Query, seed uint64) (HotSpots, error) {
	cells, err := s.studyCells(ctx, q)
	if err != nil {
		return HotSpots{}, err
	}
	cost := admission.Cost{Cells: len(cells), Steps: 1, Ring: admission.Ring(q.K), Permutations: q.Permutations}
	if err := s.admit.Check(cost); err != nil {
		return HotSpots{}, err
	}
	key := "hotspots|" + q.key() + "|seed=" + strconv.FormatUint(seed, 10)
	v, err := s.share(ctx, DataCases, key, func(any) int64 { return int64(len(cells)) * 96 }, func(ctx context.Context) (any, error) {
		return s.hotSpots(ctx, q, cells, seed)
	})
	if err != nil {
		return HotSpots{}, err
	}
	return v.(HotSpots), nil
}

func (s *Store) hotSpots(ctx context.Context, q Query, cells []StudyCell, seed uint64) (HotSpots, error) {
	nb, index := studyArea(cells, q.K)
	events, err := s.cases.Reports(ctx, q.Filter)
	if err != nil {
		return HotSpots{}, err
	}
	x := make([]float64, len(cells))
	for _, e := range events {
		if i, ok := index[e.H3]; ok {
			x[i]++
		}
	}
	res, err := hotspot.Analyze(ctx, x, nb, hotspot.Options{Permutations: q.Permutations, Seed: seed})
	if err != nil {
		return HotSpots{}, analysisError(err)
	}
	return HotSpots{Cells: cells, Counts: x, Result: res}, nil
}

// analysisError maps the statistics' errors to application errors.
func analysisError(err error) error {
	switch {
	case errors.Is(err, hotspot.ErrZeroVariance):
		return apperr.New(apperr.Unprocessable, "every cell of the study area has the same count: with zero variance there are no hot or cold spots to find (widen the window or the area)")
	case errors.Is(err, hotspot.ErrInvalidInput):
		return apperr.Wrap(err, apperr.Invalid, "%v", err)
	}
	return err
}

func (h *Handler) hotspots(w http.ResponseWriter, r *http.Request) error {
	p, err := h.readParams(r, 30*24*time.Hour)
	if err != nil {
		return err
	}
	hs, err := h.store.HotSpots(r.Context(), p.Query, h.permSeed)
	if err != nil {
		return err
	}
	cells, x, res := hs.Cells, hs.Counts, hs.Result
	header := []string{"h3", "township", "count", "gi_z", "p", "p_fdr", "bin"}
	row := func(i int) []any {
		return []any{cells[i].H3.String(), cells[i].Township, int(x[i]), round(res.Z[i], 4), round(res.P[i], 6), round(res.PFDR[i], 6), res.Bin[i]}
	}
	return write(w, p.csv, "hotspots", header, len(cells), row, func(i int) grid.Cell { return cells[i].H3 }, nil)
}

func (h *Handler) emerging(w http.ResponseWriter, r *http.Request) error {
	p, err := h.readParams(r, 12*7*24*time.Hour)
	if err != nil {
		return err
	}
	steps, err := NewSteps(r.URL.Query().Get("step"), p.From, p.To, h.limits.MaxSteps)
	if err != nil {
		return err
	}
	timeK, err := httpx.QueryInt(r.URL.Query(), "time_k", 1, 0, 12)
	if err != nil {
		return err
	}
	em, err := h.store.Emerging(r.Context(), p.Query, steps, timeK)
	if err != nil {
		return err
	}
	cells := em.Cells
	header := []string{"h3", "township", "category", "trend_z", "trend_p", "hot_steps", "cold_steps", "z_series"}
	row := func(i int) []any {
		series := make([]float64, len(em.Steps))
		for t := range em.Steps {
			series[t] = round(em.Steps[t].Z[i], 3)
		}
		pat := em.Patterns[i]
		return []any{cells[i].H3.String(), cells[i].Township, string(pat.Category), round(pat.Trend.Z, 4), round(pat.Trend.P, 6),
			pat.Hot, pat.Cold, series}
	}
	extra := map[string]any{
		"step": steps.Unit, "steps": steps.Steps, "left_out": steps.LeftOut,
		"mostly_steps": steps.MostlySteps(), "unreachable": nonNil(hotspot.Unreachable(len(steps.Steps))),
	}
	return write(w, p.csv, "emerging-hotspots", header, len(cells), row, func(i int) grid.Cell { return cells[i].H3 }, extra)
}

// nonNil keeps an empty list a list ([] rather than null) in JSON.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// EmergingSpots is an emerging hot spot analysis: the study area's cells, the Gi* of
// every step and each cell's pattern.
type EmergingSpots struct {
	Cells    []StudyCell
	Steps    []hotspot.Result // one per analysed step, oldest first
	Patterns []hotspot.Pattern
}

// Emerging runs the space-time analysis over every cell of the study area, zero-filled,
// with the given steps and time_k; bounded and shared as HotSpots. Errors: invalid,
// unprocessable (zero variance, over the budget), rate_limited, unavailable.
func (s *Store) Emerging(ctx context.Context, q Query, steps Steps, timeK int) (EmergingSpots, error) {
	cells, err := s.studyCells(ctx, q)
	if err != nil {
		return EmergingSpots{}, err
	}
	cost := admission.Cost{Cells: len(cells), Steps: len(steps.Steps), Ring: admission.Ring(q.K) * (2*timeK + 1)}
	if err := s.admit.Check(cost); err != nil {
		return EmergingSpots{}, err
	}
	key := "emerging|" + q.key() + "|" + stepsKey(steps, timeK)
	size := func(any) int64 { return int64(len(cells)) * int64(len(steps.Steps)+1) * 64 }
	v, err := s.share(ctx, DataCases, key, size, func(ctx context.Context) (any, error) {
		nb, index := studyArea(cells, q.K)
		f := q.Filter
		f.From, f.To = steps.Steps[0].From, steps.Steps[len(steps.Steps)-1].To
		events, err := s.cases.Reports(ctx, f)
		if err != nil {
			return EmergingSpots{}, err
		}
		return emergingOf(cells, nb, index, events, steps, timeK)
	})
	if err != nil {
		return EmergingSpots{}, err
	}
	return v.(EmergingSpots), nil
}

// emergingOf builds the space-time cube of events — each case weighted by
// [Steps.Weight], so that steps are compared as rates — and classifies every cell.
func emergingOf(cells []StudyCell, nb hotspot.Neighbors, index map[grid.Cell]int, events []CaseEvent, steps Steps, timeK int) (EmergingSpots, error) {
	cube := make([][]float64, len(steps.Steps))
	for t := range cube {
		cube[t] = make([]float64, len(cells))
	}
	for _, e := range events {
		i, ok := index[e.H3]
		if !ok {
			continue
		}
		if t := steps.Index(e.Time); t >= 0 {
			cube[t][i]++
		}
	}
	for t, row := range cube {
		if w := steps.Weight(t); w != 1 {
			for i := range row {
				row[i] *= w
			}
		}
	}
	results, err := hotspot.GiStarCube(cube, nb, timeK)
	if err != nil {
		return EmergingSpots{}, analysisError(err)
	}
	patterns, err := hotspot.Emerging(results)
	if err != nil {
		return EmergingSpots{}, analysisError(err)
	}
	return EmergingSpots{Cells: cells, Steps: results, Patterns: patterns}, nil
}

// round rounds x to the given number of decimals, half away from zero; NaN becomes 0.
func round(x float64, digits int) float64 {
	if math.IsNaN(x) {
		return 0
	}
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// write answers rows as CSV (an analyst's download, with a UTF-8 byte-order mark so that
// Excel reads the Chinese names right) or as a GeoJSON FeatureCollection of the cells'
// hexagons with the rows as properties and extra as members of the collection.
func write(w http.ResponseWriter, asCSV bool, name string, header []string, n int, row func(int) []any, cellOf func(int) grid.Cell, extra map[string]any) error {
	if asCSV {
		return httpx.WriteCSV(w, name, header, n, row)
	}
	fc := geojson.NewFeatureCollection()
	fc.ExtraMembers = extra
	for i := range n {
		f := geojson.NewFeature(grid.Boundary(cellOf(i)))
		vals := row(i)
		f.ID = vals[0]
		for j, v := range vals {
			f.Properties[header[j]] = v
		}
		fc.Append(f)
	}
	httpx.WriteGeoJSON(w, http.StatusOK, fc)
	return nil
}
