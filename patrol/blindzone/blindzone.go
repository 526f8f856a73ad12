package blindzone

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gridwatch/gridwatch/patrol/hotspot"
)

// ErrInvalidInput is wrapped by every error about malformed arguments: no
// units or no sectors, an empty or repeated unit or sector code, a negative,
// NaN or infinite number, a case count in a sector missing from the sector
// list, an option out of range. The message names the unit and value.
var ErrInvalidInput = errors.New("blindzone: invalid input")

// ErrNoExposure is returned when no unit has patrol hours, patrol visits or
// area, so there is nothing to scale an expected case count by.
var ErrNoExposure = errors.New("blindzone: no exposure")

// Sector is an enforcement sector as the analysis needs it: its code and
// whether it is core (urban_management, work_safety), i.e. handled by every
// township bureau and so left out of the blind zone test.
type Sector struct {
	Code string `json:"code"`
	Core bool   `json:"core"`
}

// Unit is one place over the analysis window: a township, a grid area or a
// cell neighbourhood, aggregated by the caller.
type Unit struct {
	Code          string         `json:"code"`
	AreaKm2       float64        `json:"area_km2"`      // area, km²
	PatrolVisits  int            `json:"patrol_visits"` // visits (an officer entering the unit)
	PatrolHours   float64        `json:"patrol_hours"`  // patrol dwell time, hours
	CasesBySector map[string]int `json:"cases_by_sector"`
}

// Kind is what [Analyze] found in a unit.
type Kind string

// The kinds, in the order they are tested; the first that applies wins.
const (
	DoubleBlank Kind = "double_blank" // 双空白: no patrol visit and no case at all
	SectorGap   Kind = "sector_gap"   // patrolled, significantly fewer non-core cases than expected
	PatrolGap   Kind = "patrol_gap"   // no patrol visit, but some case
	None        Kind = "none"         // none of the above
)

// Source says which of a unit's measures its exposure was derived from.
type Source string

// The sources, in the order they are tried (see the package comment).
const (
	FromHours  Source = "patrol_hours"  // the unit's own patrol hours
	FromVisits Source = "patrol_visits" // visits × the city's average hours per visit
	FromArea   Source = "area"          // area × the city's patrol density
)

// Options tunes [Analyze]. The zero value is the documented default.
type Options struct {
	// Alpha is the false discovery rate: a patrolled unit is a sector gap when
	// its BH-adjusted p_absence is below Alpha. 0 means 0.05; otherwise it
	// must be in (0, 1].
	Alpha float64
	// MinExpected is the expected count at or above which a non-core sector
	// with no case in a unit is listed in [Result.SectorsMissing]. 0 means 3;
	// otherwise it must be positive and finite.
	MinExpected float64
	// MaxRatio is how far below expectation "far below" is: a sector gap has at
	// most MaxRatio × expected non-core cases, as well as a significant p. Counts
	// vary between places more than a Poisson model says (some townships are
	// simply quieter), so significance alone would flag ordinary quiet places;
	// the seed's finding is places where such cases are zero. 0 means 0.25;
	// otherwise it must be in (0, 1].
	MaxRatio float64
}

// The defaults of [Options].
const (
	DefaultAlpha       = 0.05
	DefaultMinExpected = 3.0
	DefaultMaxRatio    = 0.25
)

// Result is the blind zone analysis of one unit.
type Result struct {
	Code         string  `json:"code"`
	PatrolVisits int     `json:"patrol_visits"`
	PatrolHours  float64 `json:"patrol_hours"`
	// Exposure is the unit's patrol effort in the common basis: patrol hours
	// (hours-equivalent) when any unit has patrol hours, else patrol visits,
	// else km² of area. ExposureFrom says which of the unit's own measures
	// it was converted from.
	Exposure     float64 `json:"exposure"`
	ExposureFrom Source  `json:"exposure_from"`
	CasesTotal   int     `json:"cases_total"`
	CasesCore    int     `json:"cases_core"`  // in core sectors
	CasesOther   int     `json:"cases_other"` // in every other sector
	// ExpectedOther is the leave-one-out city rate of non-core cases per unit
	// of exposure, times Exposure; 0 when no other unit has exposure (and
	// PAbsence is then 1).
	ExpectedOther float64 `json:"expected_other"`
	// PAbsence is the lower tail P(N ≤ CasesOther) of a Poisson with mean
	// ExpectedOther: how surprising so few non-core cases are.
	PAbsence float64 `json:"p_absence"`
	// PAdjusted is PAbsence adjusted by Benjamini–Hochberg across the
	// patrolled units (or, for a unit without patrol, across the units
	// without patrol).
	PAdjusted float64 `json:"p_adjusted"`
	Kind      Kind    `json:"kind"`
	// SectorsMissing lists, sorted, the non-core sectors with no case in the
	// unit whose own leave-one-out expected count is at least
	// Options.MinExpected. Never nil.
	SectorsMissing []string `json:"sectors_missing"`
	// Reason explains Kind in one sentence, with the numbers behind it.
	Reason string `json:"reason"`
}

// Analyze finds the blind zones among units, one [Result] per unit in the
// order of units; the method is the package comment's. sectors must list every
// sector that appears in a unit's CasesBySector (a sector with no case
// anywhere may be listed too, and is then never missing).
//
// Errors wrap [ErrInvalidInput] for malformed input (see there) and
// [ErrNoExposure] when every unit has zero patrol hours, visits and area.
func Analyze(units []Unit, sectors []Sector, opt Options) ([]Result, error) {
	alpha, minExp, maxRatio, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	if len(units) == 0 {
		return nil, fmt.Errorf("%w: no units to analyse", ErrInvalidInput)
	}
	core, other, err := splitSectors(sectors)
	if err != nil {
		return nil, err
	}
	if err := validate(units, core, other); err != nil {
		return nil, err
	}

	n := len(units)
	exposure, from := Exposures(units)
	var totalExposure float64
	for _, e := range exposure {
		totalExposure += e
	}
	if totalExposure == 0 {
		return nil, fmt.Errorf("%w: every unit has zero patrol hours, zero patrol visits and zero area, so nothing sets an expected case count", ErrNoExposure)
	}

	// City-wide totals, from which each unit's leave-one-out rate subtracts
	// its own part. Counts are integers, so that subtraction is exact.
	res := make([]Result, n)
	var totalOther int64
	bySector := make([]int64, len(other))
	for i, u := range units {
		r := &res[i]
		*r = Result{Code: u.Code, PatrolVisits: u.PatrolVisits, PatrolHours: u.PatrolHours,
			Exposure: exposure[i], ExposureFrom: from[i], SectorsMissing: []string{}}
		for code, c := range u.CasesBySector {
			r.CasesTotal += c
			if core[code] {
				r.CasesCore += c
			} else {
				r.CasesOther += c
				bySector[other[code]] += int64(c)
			}
		}
		totalOther += int64(r.CasesOther)
	}

	otherCodes := make([]string, len(other))
	for code, j := range other {
		otherCodes[j] = code
	}
	missing := make([][]sectorExpectation, n)
	comparable := make([]bool, n)
	for i, u := range units {
		r := &res[i]
		rest, ok := restExposure(totalExposure, exposure[i])
		if !ok {
			r.PAbsence = 1
			continue
		}
		comparable[i] = true
		r.ExpectedOther = float64(totalOther-int64(r.CasesOther)) / rest * exposure[i]
		r.PAbsence = PoissonCDF(r.CasesOther, r.ExpectedOther)
		for j, code := range otherCodes {
			if u.CasesBySector[code] != 0 {
				continue
			}
			// The unit has no case here, so its leave-one-out sector total
			// is the city's.
			if e := float64(bySector[j]) / rest * exposure[i]; e >= minExp {
				missing[i] = append(missing[i], sectorExpectation{code, e})
			}
		}
		slices.SortFunc(missing[i], func(a, b sectorExpectation) int { return strings.Compare(a.code, b.code) })
		for _, m := range missing[i] {
			r.SectorsMissing = append(r.SectorsMissing, m.code)
		}
	}

	// BH within each family: the sector gap test is only ever applied to
	// patrolled units, so only they share one correction.
	patrolled := make([]bool, n)
	for i, u := range units {
		patrolled[i] = u.PatrolVisits > 0 || u.PatrolHours > 0
	}
	for _, family := range []bool{true, false} {
		var idx []int
		var p []float64
		for i := range res {
			if patrolled[i] == family {
				idx = append(idx, i)
				p = append(p, res[i].PAbsence)
			}
		}
		for k, q := range hotspot.AdjustBH(p) {
			res[idx[k]].PAdjusted = q
		}
	}

	for i := range res {
		r := &res[i]
		switch {
		case !patrolled[i] && r.CasesTotal == 0:
			r.Kind = DoubleBlank
		case patrolled[i] && float64(r.CasesOther) <= maxRatio*r.ExpectedOther && r.PAdjusted < alpha:
			r.Kind = SectorGap
		case !patrolled[i]:
			r.Kind = PatrolGap
		default:
			r.Kind = None
		}
		r.Reason = reason(r, units[i].AreaKm2, comparable[i], missing[i], alpha, maxRatio)
	}
	return res, nil
}

// restExposure is the exposure of the units other than one: total minus its
// own. When they have (next to) none there is no rate to compare with, and ok
// is false; the tolerance keeps a rounding residue of the subtraction from
// posing as a tiny denominator.
func restExposure(total, own float64) (rest float64, ok bool) {
	rest = total - own
	return rest, rest > total*1e-12
}

// ExpectedLeaveOneOut returns, for each unit i, the count expected at the rate
// of the other units: (Σ counts − counts[i]) / (Σ exposure − exposure[i]) ×
// exposure[i], the leave-one-out expectation [Analyze] compares non-core cases
// with. comparable[i] is false, and the expectation 0, when the other units
// have (next to) no exposure. counts and exposure have the same length; counts
// are ≥ 0 and exposures finite and ≥ 0 (the caller's to check).
func ExpectedLeaveOneOut(counts []int, exposure []float64) (expected []float64, comparable []bool) {
	var total int64
	var totalExposure float64
	for i, c := range counts {
		total += int64(c)
		totalExposure += exposure[i]
	}
	expected, comparable = make([]float64, len(counts)), make([]bool, len(counts))
	for i, c := range counts {
		if rest, ok := restExposure(totalExposure, exposure[i]); ok {
			expected[i], comparable[i] = float64(total-int64(c))/rest*exposure[i], true
		}
	}
	return expected, comparable
}

// resolve applies the defaults and checks the ranges of opt.
func (opt Options) resolve() (alpha, minExpected, maxRatio float64, err error) {
	alpha, minExpected, maxRatio = opt.Alpha, opt.MinExpected, opt.MaxRatio
	if maxRatio == 0 {
		maxRatio = DefaultMaxRatio
	}
	if !(maxRatio > 0 && maxRatio <= 1) {
		return 0, 0, 0, fmt.Errorf("%w: MaxRatio %v is not in (0, 1]", ErrInvalidInput, opt.MaxRatio)
	}
	if alpha == 0 {
		alpha = DefaultAlpha
	}
	if !(alpha > 0 && alpha <= 1) {
		return 0, 0, 0, fmt.Errorf("%w: Alpha %v is not in (0, 1]", ErrInvalidInput, opt.Alpha)
	}
	if minExpected == 0 {
		minExpected = DefaultMinExpected
	}
	if !(minExpected > 0 && !math.IsInf(minExpected, 1)) {
		return 0, 0, 0, fmt.Errorf("%w: MinExpected %v is not a positive number", ErrInvalidInput, opt.MinExpected)
	}
	return alpha, minExpected, maxRatio, nil
}

// splitSectors returns the set of core sector codes and the index of every
// non-core sector code.
func splitSectors(sectors []Sector) (core map[string]bool, other map[string]int, err error) {
	if len(sectors) == 0 {
		return nil, nil, fmt.Errorf("%w: no sectors", ErrInvalidInput)
	}
	core, other = make(map[string]bool), make(map[string]int)
	for _, s := range sectors {
		_, dupOther := other[s.Code]
		switch {
		case s.Code == "":
			return nil, nil, fmt.Errorf("%w: a sector has an empty code", ErrInvalidInput)
		case core[s.Code] || dupOther:
			return nil, nil, fmt.Errorf("%w: sector %q is listed twice", ErrInvalidInput, s.Code)
		case s.Core:
			core[s.Code] = true
		default:
			other[s.Code] = len(other)
		}
	}
	return core, other, nil
}

// validate checks units against the rules of [ErrInvalidInput].
func validate(units []Unit, core map[string]bool, other map[string]int) error {
	seen := make(map[string]bool, len(units))
	for _, u := range units {
		if u.Code == "" {
			return fmt.Errorf("%w: a unit has an empty code", ErrInvalidInput)
		}
		if seen[u.Code] {
			return fmt.Errorf("%w: unit %q is listed twice", ErrInvalidInput, u.Code)
		}
		seen[u.Code] = true
		if !finiteNonNegative(u.AreaKm2) {
			return fmt.Errorf("%w: unit %q has area %v km², want a finite number ≥ 0", ErrInvalidInput, u.Code, u.AreaKm2)
		}
		if !finiteNonNegative(u.PatrolHours) {
			return fmt.Errorf("%w: unit %q has %v patrol hours, want a finite number ≥ 0", ErrInvalidInput, u.Code, u.PatrolHours)
		}
		if u.PatrolVisits < 0 {
			return fmt.Errorf("%w: unit %q has %d patrol visits, want ≥ 0", ErrInvalidInput, u.Code, u.PatrolVisits)
		}
		for code, c := range u.CasesBySector {
			if _, ok := other[code]; !ok && !core[code] {
				return fmt.Errorf("%w: unit %q has cases in sector %q, which is not in the sector list", ErrInvalidInput, u.Code, code)
			}
			if c < 0 {
				return fmt.Errorf("%w: unit %q has %d cases in sector %q, want ≥ 0", ErrInvalidInput, u.Code, c, code)
			}
		}
	}
	return nil
}

func finiteNonNegative(x float64) bool { return x >= 0 && !math.IsInf(x, 1) }

// measure is one of a unit's measures of patrol effort, in the order
// exposure tries them.
type measure int

const (
	hours measure = iota
	visits
	area
	numMeasures
)

func (m measure) of(u Unit) float64 {
	switch m {
	case hours:
		return u.PatrolHours
	case visits:
		return float64(u.PatrolVisits)
	}
	return u.AreaKm2
}

func (m measure) source() Source {
	switch m {
	case hours:
		return FromHours
	case visits:
		return FromVisits
	}
	return FromArea
}

// Exposures returns every unit's exposure in the common basis and the measure
// it came from, as the package comment describes, in the order of units. All
// exposures are 0 when no unit has any measure. Other tests of observed
// against expected counts (the use of delegated powers) scale by it, so that
// every analysis measures patrol effort alike.
func Exposures(units []Unit) ([]float64, []Source) {
	basis := numMeasures
	for m := hours; m < numMeasures && basis == numMeasures; m++ {
		for _, u := range units {
			if m.of(u) > 0 {
				basis = m
				break
			}
		}
	}
	exposure := make([]float64, len(units))
	from := make([]Source, len(units))
	for i := range from {
		from[i] = FromArea
	}
	if basis == numMeasures {
		return exposure, from
	}
	// ratio[m] converts measure m to the basis: Σ basis / Σ m over the units
	// that have both; NaN when no unit has both.
	var ratio [numMeasures]float64
	for m := basis; m < numMeasures; m++ {
		var sb, sm float64
		for _, u := range units {
			if b, x := basis.of(u), m.of(u); b > 0 && x > 0 {
				sb += b
				sm += x
			}
		}
		ratio[m] = math.NaN()
		if sm > 0 {
			ratio[m] = sb / sm
		}
	}
	ratio[basis] = 1
	for i, u := range units {
		for m := basis; m < numMeasures; m++ {
			if x := m.of(u); x > 0 && !math.IsNaN(ratio[m]) {
				exposure[i], from[i] = x*ratio[m], m.source()
				break
			}
		}
	}
	return exposure, from
}

// sectorExpectation is a missing sector and its expected count.
type sectorExpectation struct {
	code     string
	expected float64
}

// reason writes the one-sentence explanation of r.Kind.
func reason(r *Result, areaKm2 float64, comparable bool, missing []sectorExpectation, alpha float64, maxRatio float64) string {
	var b strings.Builder
	switch r.Kind {
	case DoubleBlank:
		b.WriteString("No patrol visit and no case in any sector in the window")
		if comparable && r.ExpectedOther > 0 {
			fmt.Fprintf(&b, ", although at the city's patrol density and case rate its %s km² would give %s non-core cases",
				num(areaKm2), num(r.ExpectedOther))
		}
	case PatrolGap:
		fmt.Fprintf(&b, "No patrol visit in the window, yet %d cases were filed (%d core, %d non-core", r.CasesTotal, r.CasesCore, r.CasesOther)
		if comparable {
			fmt.Fprintf(&b, " against %s expected from its %s km²", num(r.ExpectedOther), num(areaKm2))
		}
		b.WriteString(")")
		writeMissing(&b, missing)
	default: // patrolled: SectorGap or None
		fmt.Fprintf(&b, "Patrolled (%d visits, ", r.PatrolVisits)
		if r.PatrolHours > 0 {
			fmt.Fprintf(&b, "%s patrol hours)", num(r.PatrolHours))
		} else {
			b.WriteString("no patrol hours recorded)")
		}
		fmt.Fprintf(&b, " with %d core and %d non-core cases", r.CasesCore, r.CasesOther)
		switch {
		case !comparable:
			b.WriteString(", but no other unit has patrol or area to compare it with")
		case r.Kind == SectorGap:
			fmt.Fprintf(&b, ", far below the %s non-core cases expected (p = %s, BH-adjusted %s < %s)",
				num(r.ExpectedOther), pval(r.PAbsence), pval(r.PAdjusted), pval(alpha))
		case float64(r.CasesOther) >= r.ExpectedOther:
			fmt.Fprintf(&b, ", no fewer non-core cases than the %s expected", num(r.ExpectedOther))
		case r.PAdjusted < alpha:
			fmt.Fprintf(&b, ", fewer non-core cases than the %s expected (p = %s, BH-adjusted %s) but more than %s of them: a quiet place, not a gap",
				num(r.ExpectedOther), pval(r.PAbsence), pval(r.PAdjusted), num(maxRatio))
		default:
			fmt.Fprintf(&b, ", not significantly fewer non-core cases than the %s expected (p = %s, BH-adjusted %s ≥ %s)",
				num(r.ExpectedOther), pval(r.PAbsence), pval(r.PAdjusted), pval(alpha))
		}
		writeMissing(&b, missing)
	}
	b.WriteString(".")
	return b.String()
}

// writeMissing appends the missing sectors with their expected counts.
func writeMissing(b *strings.Builder, missing []sectorExpectation) {
	for k, m := range missing {
		if k == 0 {
			b.WriteString("; no case in ")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "%s (%s expected)", m.code, num(m.expected))
	}
}

// num formats a count, hours or km² for a sentence: one decimal.
func num(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

// pval formats a p-value with three significant digits, so that 0.0498 is
// not rounded to the 0.05 it is compared with.
func pval(p float64) string { return strconv.FormatFloat(p, 'g', 3, 64) }
