package analytics

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/patrol/blindzone"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/hotspot"
	"github.com/gridwatch/gridwatch/patrol/inspection"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// Powers is what the usage of delegated powers reads of the catalog (package powers'
// Store).
type Powers interface {
	Items(ctx context.Context, sector string) ([]powers.Item, error)
	Delegations(ctx context.Context, township string, from, to powers.Date) ([]powers.Delegation, error)
}

// Inspections counts the regulator's activity per item and township (package
// inspection's Store).
type Inspections interface {
	CountsByItem(ctx context.Context, from, to time.Time) ([]inspection.ItemCount, error)
}

// UseInspections makes the usage report and the blind zones count inspections.
func (s *Store) UseInspections(i Inspections) { s.inspections = i }

// ItemUsage is how one township used one item it held over the window.
type ItemUsage struct {
	Township      string `json:"township"`
	Item          string `json:"item"`
	Name          string `json:"name"`
	Sector        string `json:"sector"`
	DelegatedDays int    `json:"delegated_days"` // days of the window the township held the item
	Cases         int    `json:"cases"`          // cases citing the item in the township
	Inspections   int    `json:"inspections"`    // inspections under the item in the township (监管)
	// DoubleBlank is the seed's 双空白: held on every day of the window, and neither
	// inspected nor enforced (no case) in it.
	DoubleBlank bool    `json:"double_blank"`
	Expected    float64 `json:"expected"`   // at the other holders' rate per delegated exposure
	P           float64 `json:"p"`          // P(N ≤ cases) for Poisson(expected)
	PAdjusted   float64 `json:"p_adjusted"` // Benjamini–Hochberg over the report's items
	ZeroUse     bool    `json:"zero_use"`
}

// SectorUsage is one township's items of one sector, summed.
type SectorUsage struct {
	Township      string  `json:"township"`
	Sector        string  `json:"sector"`
	Items         int     `json:"items"`          // items held on some day of the window
	ItemsZeroUse  int     `json:"items_zero_use"` // of them, zero-use ones
	DelegatedDays int     `json:"delegated_days"`
	Cases         int     `json:"cases"`
	Inspections   int     `json:"inspections"`
	ItemsDouble   int     `json:"items_double_blank"` // of the items, 双空白 ones
	Expected      float64 `json:"expected"`
	P             float64 `json:"p"`
	PAdjusted     float64 `json:"p_adjusted"` // Benjamini–Hochberg over the report's sectors
	ZeroUse       bool    `json:"zero_use"`
}

// Usage is the report of GET /powers/usage: per township and item, and per township and
// sector, over the days of a window.
type Usage struct {
	From       powers.Date   `json:"from"`
	To         powers.Date   `json:"to"` // exclusive
	WindowDays int           `json:"window_days"`
	Items      []ItemUsage   `json:"items"`
	Sectors    []SectorUsage `json:"sectors"`
}

// dayWindow is the China days [from, to) a window of instants touches.
func dayWindow(from, to time.Time) (powers.Date, powers.Date) {
	end := powers.DateOf(to)
	if powers.DateOf(to.Add(-time.Nanosecond)).Equal(end.Time) {
		end = end.AddDays(1) // the window ends inside the day, not at its start: count it
	}
	return powers.DateOf(from), end
}

// overlapDays is how many days of [from, to) a delegation covers.
func overlapDays(d powers.Delegation, from, to powers.Date) int {
	start, end := d.ValidFrom, to
	if start.Before(from.Time) {
		start = from
	}
	if d.ValidTo != nil && d.ValidTo.Before(end.Time) {
		end = *d.ValidTo
	}
	return max(0, int(end.Sub(start.Time).Hours()/24+0.5))
}

// usageInput is what computeUsage reads, gathered from the owners' stores.
type usageInput struct {
	from, to    powers.Date
	townships   []string           // every township, for the city's rates
	exposure    map[string]float64 // per township, as blind zones measure it
	items       []powers.Item
	delegations []powers.Delegation
	counts      []cases.ItemCount
	inspections []inspection.ItemCount
	sectors     []blindzone.Sector // the sectors reported
	report      func(township string) bool
}

// computeUsage compares each township's cases under each item it held with the other
// holders' rate: a township's delegated exposure for an item is its patrol exposure
// times the share of the window it held the item; the expectation is the leave-one-out
// rate of blind zones (blindzone.ExpectedLeaveOneOut) among the townships that held the
// item on some day of the window.
func computeUsage(in usageInput) Usage {
	window := int(in.to.Sub(in.from.Time).Hours()/24 + 0.5)
	u := Usage{From: in.from, To: in.to, WindowDays: window, Items: []ItemUsage{}, Sectors: []SectorUsage{}}
	type pair struct{ item, township string }
	days := map[pair]int{}
	for _, d := range in.delegations {
		days[pair{d.Item, d.Township}] += overlapDays(d, in.from, in.to)
	}
	used := map[pair]int{}
	for _, c := range in.counts {
		used[pair{c.Item, c.Area}] += c.N
	}
	inspected := map[pair]int{}
	for _, c := range in.inspections {
		inspected[pair{c.Item, c.Township}] += c.N
	}
	reported := map[string]bool{}
	for _, s := range in.sectors {
		reported[s.Code] = true
	}
	for _, it := range in.items {
		if !reported[it.Sector] {
			continue
		}
		var holders []string
		var counts []int
		var exposure []float64
		for _, t := range in.townships {
			if n := days[pair{it.Code, t}]; n > 0 {
				holders = append(holders, t)
				counts = append(counts, used[pair{it.Code, t}])
				exposure = append(exposure, in.exposure[t]*float64(n)/float64(window))
			}
		}
		expected, _ := blindzone.ExpectedLeaveOneOut(counts, exposure)
		for _, t := range in.townships {
			p := pair{it.Code, t}
			if !in.report(t) || (days[p] == 0 && used[p] == 0 && inspected[p] == 0) {
				continue
			}
			row := ItemUsage{Township: t, Item: it.Code, Name: it.Name, Sector: it.Sector, DelegatedDays: days[p], Cases: used[p],
				Inspections: inspected[p]}
			row.DoubleBlank = row.DelegatedDays == window && row.Cases == 0 && row.Inspections == 0
			if k := slices.Index(holders, t); k >= 0 {
				row.Expected = expected[k]
			}
			row.P = blindzone.PoissonCDF(row.Cases, row.Expected)
			u.Items = append(u.Items, row)
		}
	}
	slices.SortFunc(u.Items, func(a, b ItemUsage) int {
		return cmp.Or(cmp.Compare(a.Township, b.Township), cmp.Compare(a.Sector, b.Sector), cmp.Compare(a.Item, b.Item))
	})
	adjust(len(u.Items), func(i int) *float64 { return &u.Items[i].P }, func(i int) *float64 { return &u.Items[i].PAdjusted })

	index := map[[2]string]int{}
	for _, t := range in.townships {
		if !in.report(t) {
			continue
		}
		for _, s := range in.sectors {
			index[[2]string{t, s.Code}] = len(u.Sectors)
			u.Sectors = append(u.Sectors, SectorUsage{Township: t, Sector: s.Code})
		}
	}
	for i := range u.Items {
		r := &u.Items[i]
		r.ZeroUse = r.DelegatedDays == window && significantlyUnused(r.Cases, r.Expected, r.PAdjusted)
		s := &u.Sectors[index[[2]string{r.Township, r.Sector}]]
		if r.DelegatedDays > 0 {
			s.Items++
		}
		if r.ZeroUse {
			s.ItemsZeroUse++
		}
		if r.DoubleBlank {
			s.ItemsDouble++
		}
		s.DelegatedDays += r.DelegatedDays
		s.Cases += r.Cases
		s.Inspections += r.Inspections
		s.Expected += r.Expected
	}
	for i := range u.Sectors {
		u.Sectors[i].P = blindzone.PoissonCDF(u.Sectors[i].Cases, u.Sectors[i].Expected)
	}
	adjust(len(u.Sectors), func(i int) *float64 { return &u.Sectors[i].P }, func(i int) *float64 { return &u.Sectors[i].PAdjusted })
	for i := range u.Sectors {
		s := &u.Sectors[i]
		s.ZeroUse = s.Items > 0 && significantlyUnused(s.Cases, s.Expected, s.PAdjusted)
	}
	return u
}

// significantlyUnused is the zero-use rule on counts: no case where at least
// blindzone.DefaultMinExpected were expected, significant at blindzone.DefaultAlpha.
func significantlyUnused(cases int, expected, pAdjusted float64) bool {
	return cases == 0 && expected >= blindzone.DefaultMinExpected && pAdjusted < blindzone.DefaultAlpha
}

// adjust writes the Benjamini–Hochberg adjustment of n p-values.
func adjust(n int, p func(int) *float64, q func(int) *float64) {
	ps := make([]float64, n)
	for i := range ps {
		ps[i] = *p(i)
	}
	for i, v := range hotspot.AdjustBH(ps) {
		*q(i) = v
	}
}

// Usage reports how each township of the query used the items it held over the query's
// window (see computeUsage), the city's rates computed over every township; the query's
// sector selects the items and sectors reported. Errors: invalid when the analytics
// were built without the powers catalog, and the stores'.
func (s *Store) Usage(ctx context.Context, q Query) (Usage, error) {
	if s.powers == nil {
		return Usage{}, apperr.Invalidf("this server keeps no powers catalog")
	}
	from, to := dayWindow(q.From, q.To)
	units, err := s.patrolUnits(ctx, "township", nil, q.From, q.To)
	if err != nil {
		return Usage{}, err
	}
	in := usageInput{from: from, to: to, exposure: map[string]float64{}, report: inStudy(q.Townships)}
	exposure, _ := blindzone.Exposures(units)
	for i, u := range units {
		in.townships = append(in.townships, u.Code)
		in.exposure[u.Code] = exposure[i]
	}
	if in.items, err = s.powers.Items(ctx, ""); err != nil {
		return Usage{}, err
	}
	if in.delegations, err = s.powers.Delegations(ctx, "", from, to); err != nil {
		return Usage{}, err
	}
	if in.counts, err = s.cases.CountsByItem(ctx, "township", cases.Filter{From: q.From, To: q.To}); err != nil {
		return Usage{}, err
	}
	if s.inspections != nil {
		if in.inspections, err = s.inspections.CountsByItem(ctx, q.From, q.To); err != nil {
			return Usage{}, err
		}
	}
	all, err := s.sectors(ctx)
	if err != nil {
		return Usage{}, err
	}
	for _, sec := range all {
		if q.Sector == cases.AllSectors || q.Sector == sec.Code || (q.Sector == cases.NonCore && !sec.Core) {
			in.sectors = append(in.sectors, sec)
		}
	}
	return computeUsage(in), nil
}

// inStudy reports whether a township is among the study townships (all when none).
func inStudy(townships []string) func(string) bool {
	return func(t string) bool { return len(townships) == 0 || slices.Contains(townships, t) }
}

// usageHeader is the CSV of a usage report: its item rows, then its sector rows (level
// item or sector; the columns that do not apply to a level are empty).
var usageHeader = []string{"level", "township", "sector", "item", "name", "items", "items_zero_use", "delegated_days",
	"cases", "expected", "p", "p_adjusted", "zero_use", "inspections", "items_double_blank", "double_blank"}

func (h *Handler) usage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.readParams(r, 30*24*time.Hour)
	if err != nil {
		return err
	}
	u, err := h.store.Usage(r.Context(), p.Query)
	if err != nil {
		return err
	}
	if !p.csv {
		httpx.WriteJSON(w, http.StatusOK, u)
		return nil
	}
	row := func(i int) []any {
		if i < len(u.Items) {
			it := u.Items[i]
			return []any{"item", it.Township, it.Sector, it.Item, it.Name, nil, nil, it.DelegatedDays, it.Cases,
				round(it.Expected, 3), round(it.P, 8), round(it.PAdjusted, 8), it.ZeroUse, it.Inspections, nil, it.DoubleBlank}
		}
		s := u.Sectors[i-len(u.Items)]
		return []any{"sector", s.Township, s.Sector, nil, nil, s.Items, s.ItemsZeroUse, s.DelegatedDays, s.Cases,
			round(s.Expected, 3), round(s.P, 8), round(s.PAdjusted, 8), s.ZeroUse, s.Inspections, s.ItemsDouble, nil}
	}
	return httpx.WriteCSV(w, "powers-usage", usageHeader, len(u.Items)+len(u.Sectors), row)
}

// ItemsUnused names, for each sector gap among the blind-zone results of a level
// (township or grid), the items of non-core sectors that the unit's township held on
// every day of the query's window and that no case in the unit cited, by code. Other
// units, and every cell of level cell (a cell's neighbourhood may straddle townships),
// get none. Errors: the stores'.
func (s *Store) ItemsUnused(ctx context.Context, level string, q Query, results []blindzone.Result) (map[string][]string, error) {
	out := map[string][]string{}
	var gaps []string
	for _, r := range results {
		if r.Kind == blindzone.SectorGap {
			gaps = append(gaps, r.Code)
		}
	}
	if len(gaps) == 0 || s.powers == nil || (level != "township" && level != "grid") {
		return out, nil
	}
	townshipOf := map[string]string{}
	for _, code := range gaps {
		townshipOf[code] = code
	}
	if level == "grid" {
		areas, err := s.grid.GridAreas(ctx, "")
		if err != nil {
			return nil, err
		}
		for _, a := range areas {
			townshipOf[a.Code] = a.Township
		}
	}
	from, to := dayWindow(q.From, q.To)
	delegations, err := s.powers.Delegations(ctx, "", from, to)
	if err != nil {
		return nil, err
	}
	items, err := s.powers.Items(ctx, "")
	if err != nil {
		return nil, err
	}
	sectors, err := s.sectors(ctx)
	if err != nil {
		return nil, err
	}
	core := map[string]bool{}
	for _, sec := range sectors {
		core[sec.Code] = sec.Core
	}
	nonCore := map[string]bool{}
	for _, it := range items {
		nonCore[it.Code] = !core[it.Sector]
	}
	window := int(to.Sub(from.Time).Hours()/24 + 0.5)
	heldDays := map[[2]string]int{} // township, item
	for _, d := range delegations {
		if nonCore[d.Item] {
			heldDays[[2]string{d.Township, d.Item}] += overlapDays(d, from, to)
		}
	}
	counts, err := s.cases.CountsByItem(ctx, level, cases.Filter{From: q.From, To: q.To})
	if err != nil {
		return nil, err
	}
	cited := map[[2]string]bool{} // unit, item
	for _, c := range counts {
		cited[[2]string{c.Area, c.Item}] = true
	}
	for _, unit := range gaps {
		list := []string{}
		for key, n := range heldDays {
			if key[0] == townshipOf[unit] && n == window && !cited[[2]string{unit, key[1]}] {
				list = append(list, key[1])
			}
		}
		slices.Sort(list)
		out[unit] = list
	}
	return out, nil
}

// DoubleBlank names, for each township among the blind-zone results of level township,
// the items it held on every day of the query's window that no case in it cited and no
// inspection in it was made under: the seed's 双空白 (neither 监管 nor 执法), by code.
// Other levels get none. Errors: the stores'.
func (s *Store) DoubleBlank(ctx context.Context, level string, q Query, results []blindzone.Result) (map[string][]string, error) {
	out := map[string][]string{}
	if level != "township" || s.powers == nil {
		return out, nil
	}
	u, err := s.Usage(ctx, Query{Filter: cases.Filter{From: q.From, To: q.To, Townships: q.Townships, Sector: cases.AllSectors}})
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		out[r.Code] = []string{}
	}
	for _, it := range u.Items {
		if _, ok := out[it.Township]; ok && it.DoubleBlank {
			out[it.Township] = append(out[it.Township], it.Item)
		}
	}
	return out, nil
}
