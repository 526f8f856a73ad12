package analytics

import (
	"sort"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// Step is one time step of an emerging hot spot analysis, [From, To).
type Step struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// days is the step's length in days.
func (s Step) days() float64 { return s.To.Sub(s.From).Hours() / 24 }

// meanMonthDays is the mean length of a Gregorian month, the length every month step's
// count is scaled to.
const meanMonthDays = 365.2425 / 12

// Steps is how a window is cut into time steps. Steps are aligned to the end of the
// window, so the step every category judges — the last — is always whole, and a count is
// compared as a rate: each step's count is scaled to the length of a whole step (one day,
// seven days, or the mean month of 30.44 days), which leaves day and week steps as they
// are and makes months of 28 to 31 days comparable. What remains at the start of the
// window is analysed as a step of its own, scaled the same way, when it is at least half
// a whole step; a shorter remainder would weigh a handful of cases by more than two and
// is left out.
type Steps struct {
	Unit    string // day, week or month
	Steps   []Step // analysed, oldest first; the last ends at the window's end
	LeftOut *Step  // the start of the window that no step analyses, if any
	whole   float64
}

// NewSteps cuts [from, to) into steps of unit ("day", "week" — the default when "" — or
// "month") counted back from to. Errors: invalid (an unknown unit, more than maxSteps
// steps, fewer than two).
func NewSteps(unit string, from, to time.Time, maxSteps int) (Steps, error) {
	var back func(k int) time.Time // the start of the k-th step counted back from to
	s := Steps{Unit: unit}
	switch unit {
	case "day":
		s.whole = 1
		back = func(k int) time.Time { return to.AddDate(0, 0, -k) }
	case "", "week":
		s.Unit, s.whole = "week", 7
		back = func(k int) time.Time { return to.AddDate(0, 0, -7*k) }
	case "month":
		s.whole = meanMonthDays
		back = func(k int) time.Time { return monthsBefore(to, k) }
	default:
		return Steps{}, apperr.Invalidf("step %q is not day, week or month", unit)
	}
	end := to
	for k := 1; end.After(from); k++ {
		if k > maxSteps+1 {
			return Steps{}, apperr.Invalidf("the window holds more than %d steps; use a longer step or a shorter window", maxSteps)
		}
		step := Step{From: back(k), To: end}
		if step.From.Before(from) {
			rest := Step{From: from, To: end}
			if 2*rest.To.Sub(rest.From) < step.To.Sub(step.From) {
				s.LeftOut = &rest
				break
			}
			step = rest
		}
		s.Steps = append(s.Steps, step)
		end = step.From
	}
	for i, j := 0, len(s.Steps)-1; i < j; i, j = i+1, j-1 {
		s.Steps[i], s.Steps[j] = s.Steps[j], s.Steps[i]
	}
	switch {
	case len(s.Steps) > maxSteps:
		return Steps{}, apperr.Invalidf("the window holds more than %d steps; use a longer step or a shorter window", maxSteps)
	case len(s.Steps) < 2:
		return Steps{}, apperr.Invalidf("emerging hot spots need at least 2 whole %s steps in the window (from %s to %s)",
			s.Unit, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return s, nil
}

// monthsBefore is t moved back k calendar months, its day of month kept or, when the
// month is shorter, its last day (31 March one month back is 28 or 29 February).
func monthsBefore(t time.Time, k int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m-time.Month(k), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// Index returns the step holding t, or -1 when t is in no step.
func (s Steps) Index(t time.Time) int {
	i := sort.Search(len(s.Steps), func(i int) bool { return t.Before(s.Steps[i].To) })
	if i == len(s.Steps) || t.Before(s.Steps[i].From) {
		return -1
	}
	return i
}

// Weight is what one case of step i counts for: the whole step's length over step i's
// (1 for every whole day or week step).
func (s Steps) Weight(i int) float64 {
	days := s.Steps[i].days()
	if s.Unit != "month" && days == s.whole {
		return 1
	}
	return s.whole / days
}

// MostlySteps is how many steps "at least 90 % of the steps" means for this many steps:
// every step below 10.
func (s Steps) MostlySteps() int { return (9*len(s.Steps) + 9) / 10 }
