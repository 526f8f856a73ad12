package hotspot

import "fmt"

// GiStarCube computes the space-time Gi* of a cube x[step][cell] (steps oldest
// first, every step holding the same cells as nb) and returns one Result per
// step.
//
// The neighbourhood of bin (t, i) is the cylinder of cells {i} ∪ N_i at steps
// t−timeK … t: the spatial neighbourhood now and the same cells, the bin's own
// cell included, over the previous timeK steps. The first timeK steps have
// fewer previous steps and so smaller neighbourhoods. Weights are binary, and
// the mean, SD and n of the formula are those of the whole cube (all steps ×
// all cells). p-values are normal; PFDR and Bin apply Benjamini–Hochberg
// within each step, over that step's cells.
//
// timeK = 0 analyses each step on its own spatial neighbourhood, still against
// the moments of the whole cube. Errors wrap [ErrInvalidInput] or
// [ErrZeroVariance] (every bin of the cube equal).
func GiStarCube(x [][]float64, nb Neighbors, timeK int) ([]Result, error) {
	if len(x) == 0 {
		return nil, fmt.Errorf("%w: no time steps", ErrInvalidInput)
	}
	if timeK < 0 {
		return nil, fmt.Errorf("%w: time_k %d", ErrInvalidInput, timeK)
	}
	n := len(nb)
	for t, row := range x {
		if len(row) != n {
			return nil, fmt.Errorf("%w: step %d has %d cells, neighbour lists %d", ErrInvalidInput, t, len(row), n)
		}
	}
	if err := nb.validate(n); err != nil {
		return nil, err
	}
	m, err := momentsOf(x...)
	if err != nil {
		return nil, err
	}

	spatial := make([][]float64, len(x))
	for t, row := range x {
		spatial[t] = starSums(make([]float64, n), row, nb)
	}
	out := make([]Result, len(x))
	for t := range x {
		from := max(0, t-timeK)
		z := make([]float64, n)
		p := make([]float64, n)
		for i := range z {
			var sum float64
			for s := from; s <= t; s++ {
				sum += spatial[s][i]
			}
			z[i] = m.z(sum, (len(nb[i])+1)*(t-from+1))
			p[i] = PValue(z[i])
		}
		out[t] = newResult(z, p, m, true)
	}
	return out, nil
}

// Category names the emerging hot spot pattern of a cell, as in ArcGIS
// Emerging Hot Spot Analysis. The value is the stable name used in APIs.
type Category string

// The categories. Each hot spot pattern has a cold spot mirror with hot and
// cold, and rising and falling trends, exchanged. "Hot" below means a bin > 0
// (significant at 90 % or more), "mostly" means in at least 90 % of the steps,
// and the trend is the Mann–Kendall test of the cell's z series at 0.05.
const (
	NewHot           Category = "new_hot"           // hot at the final step and never before
	NewCold          Category = "new_cold"          // mirror of NewHot
	ConsecutiveHot   Category = "consecutive_hot"   // a final run of ≥ 2 hot steps, never hot before it, not mostly hot
	ConsecutiveCold  Category = "consecutive_cold"  // mirror of ConsecutiveHot
	IntensifyingHot  Category = "intensifying_hot"  // mostly hot, hot at the end, z rising
	IntensifyingCold Category = "intensifying_cold" // mirror: mostly cold, cold at the end, z falling
	PersistentHot    Category = "persistent_hot"    // mostly hot, hot at the end, no significant trend
	PersistentCold   Category = "persistent_cold"   // mirror of PersistentHot
	DiminishingHot   Category = "diminishing_hot"   // mostly hot, hot at the end, z falling
	DiminishingCold  Category = "diminishing_cold"  // mirror: mostly cold, cold at the end, z rising
	OscillatingHot   Category = "oscillating_hot"   // hot at the end, cold at some earlier step, not mostly hot
	OscillatingCold  Category = "oscillating_cold"  // mirror of OscillatingHot
	HistoricalHot    Category = "historical_hot"    // mostly hot, but not hot at the end
	HistoricalCold   Category = "historical_cold"   // mirror of HistoricalHot
	SporadicHot      Category = "sporadic_hot"      // hot at the end and on and off before, never cold, not mostly hot
	SporadicCold     Category = "sporadic_cold"     // mirror of SporadicHot
	NoPattern        Category = "no_pattern"        // none of the above
)

// profile summarises a bin series from the point of view of one sign: hot
// (+1) or cold (−1).
type profile struct {
	steps    int  // length of the series
	count    int  // steps significant with this sign
	run      int  // length of the final run of such steps; 0 when the last is not
	opposite bool // some step significant with the other sign
	trend    int  // +1 trend towards this sign, −1 away from it, 0 none
}

func newProfile(bins []int, sign int, trend Trend) profile {
	p := profile{steps: len(bins), trend: trend.direction() * sign}
	for _, b := range bins {
		switch {
		case b*sign > 0:
			p.count++
			p.run++
		case b*sign < 0:
			p.opposite = true
			p.run = 0
		default:
			p.run = 0
		}
	}
	return p
}

// last reports whether the final step is significant with this sign.
func (p profile) last() bool { return p.run > 0 }

// mostly reports whether at least 90 % of the steps are significant with this
// sign, in integers to keep 9 of 10 exact.
func (p profile) mostly() bool { return 10*p.count >= 9*p.steps }

// The rules, after Esri's "How Emerging Hot Spot Analysis works", for a hot
// spot (a cold spot reads them with the signs exchanged).

func (p profile) isNew() bool { return p.last() && p.count == 1 }

func (p profile) isConsecutive() bool {
	return p.run >= 2 && p.count == p.run && !p.mostly()
}

func (p profile) isIntensifying() bool { return p.mostly() && p.last() && p.trend > 0 }

// isPersistent requires a hot final step. Esri's text for persistent does not
// name the final step, but its text for historical — "the most recent time
// period is not hot, but at least ninety percent of the time-step intervals
// have been" — describes exactly a mostly-hot cell that is not hot now, with or
// without a trend. An analyst reading "persistent" acts on a place that is hot
// today, so a cell that has cooled at the last step is historical.
func (p profile) isPersistent() bool { return p.mostly() && p.last() && p.trend == 0 }

func (p profile) isDiminishing() bool { return p.mostly() && p.last() && p.trend < 0 }

func (p profile) isOscillating() bool { return p.last() && p.opposite && !p.mostly() }

func (p profile) isHistorical() bool { return p.mostly() && !p.last() }

// isSporadic requires an earlier hot step outside the final run (the "on and
// off" history) and, as in ArcGIS Pro, a hot final step.
func (p profile) isSporadic() bool {
	return p.last() && p.count > p.run && !p.opposite && !p.mostly()
}

// Classify returns the emerging hot spot category of one cell from its Gi_Bin
// series (oldest first, bins −3..3 from FDR per step) and the Mann–Kendall
// trend of its z series. Where rules overlap the first of new, consecutive,
// intensifying, persistent, diminishing, oscillating, historical, sporadic
// wins; the hot and cold rule of one rank never both hold. An empty series
// has no pattern.
func Classify(bins []int, trend Trend) Category {
	if len(bins) == 0 {
		return NoPattern
	}
	hot, cold := newProfile(bins, 1, trend), newProfile(bins, -1, trend)
	rules := [...]struct {
		hot, cold Category
		holds     func(profile) bool
	}{
		{NewHot, NewCold, profile.isNew},
		{ConsecutiveHot, ConsecutiveCold, profile.isConsecutive},
		{IntensifyingHot, IntensifyingCold, profile.isIntensifying},
		{PersistentHot, PersistentCold, profile.isPersistent},
		{DiminishingHot, DiminishingCold, profile.isDiminishing},
		{OscillatingHot, OscillatingCold, profile.isOscillating},
		{HistoricalHot, HistoricalCold, profile.isHistorical},
		{SporadicHot, SporadicCold, profile.isSporadic},
	}
	for _, r := range rules {
		switch {
		case r.holds(hot):
			return r.hot
		case r.holds(cold):
			return r.cold
		}
	}
	return NoPattern
}

// Pattern is the emerging hot spot result of one cell, with the numbers
// behind it.
type Pattern struct {
	Category Category
	Trend    Trend // Mann–Kendall test of the cell's z series
	Hot      int   // steps with a significant hot bin (Bin > 0)
	Cold     int   // steps with a significant cold bin (Bin < 0)
}

// Emerging classifies every cell of a cube from the per-step results of
// [GiStarCube]: it runs [MannKendall] on each cell's z series and [Classify]
// on its bins. It returns nil for no steps, and an error wrapping
// [ErrInvalidInput] when the steps differ in their number of cells.
func Emerging(steps []Result) ([]Pattern, error) {
	if len(steps) == 0 {
		return nil, nil
	}
	n := len(steps[0].Z)
	for t, s := range steps {
		if len(s.Z) != n || len(s.Bin) != n {
			return nil, fmt.Errorf("%w: step %d has %d cells, step 0 has %d", ErrInvalidInput, t, len(s.Z), n)
		}
	}
	out := make([]Pattern, n)
	z := make([]float64, len(steps))
	bins := make([]int, len(steps))
	for i := range out {
		pat := Pattern{}
		for t, s := range steps {
			z[t], bins[t] = s.Z[i], s.Bin[i]
			switch {
			case bins[t] > 0:
				pat.Hot++
			case bins[t] < 0:
				pat.Cold++
			}
		}
		pat.Trend = MannKendall(z)
		pat.Category = Classify(bins, pat.Trend)
		out[i] = pat
	}
	return out, nil
}

// Categories returns every category, hot and cold patterns in rule order, then
// NoPattern.
func Categories() []Category {
	return []Category{
		NewHot, NewCold, ConsecutiveHot, ConsecutiveCold, IntensifyingHot, IntensifyingCold,
		PersistentHot, PersistentCold, DiminishingHot, DiminishingCold, OscillatingHot, OscillatingCold,
		HistoricalHot, HistoricalCold, SporadicHot, SporadicCold, NoPattern,
	}
}

// Unreachable returns the categories (in the order of [Categories]) that no cell
// can fall in when its series has this many steps. Below 10 steps "at least
// 90 % of the steps" means every step, so nothing is historical; at 4 steps or
// fewer no Mann–Kendall trend is significant at 0.05, so nothing intensifies or
// diminishes; at 2, nothing is consecutive, oscillating or sporadic (a cold
// step then a hot one is new). From 10 steps on every
// category can be reached.
func Unreachable(steps int) []Category {
	if steps >= 10 {
		return nil
	}
	found := reachable(steps)
	var out []Category
	for _, c := range Categories() {
		if !found[c] {
			out = append(out, c)
		}
	}
	return out
}

// reachable classifies every bin series of the given length — each step hot,
// cold or neither — with the steepest rising trend, none and the steepest
// falling trend such a series can show, and returns the categories seen.
func reachable(steps int) map[Category]bool {
	rising := make([]float64, steps)
	falling := make([]float64, steps)
	for i := range rising {
		rising[i], falling[i] = float64(i), float64(-i)
	}
	trends := []Trend{MannKendall(rising), {P: 1}, MannKendall(falling)}
	found := map[Category]bool{}
	bins := make([]int, steps)
	for i := range bins {
		bins[i] = -1
	}
	for {
		for _, tr := range trends {
			found[Classify(bins, tr)] = true
		}
		// Next series: count in base 3 over the digits −1, 0, 1.
		i := 0
		for ; i < steps && bins[i] == 1; i++ {
			bins[i] = -1
		}
		if i == steps {
			return found
		}
		bins[i]++
	}
}
