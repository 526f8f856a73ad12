package analytics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/patrol/hotspot"
)

// uniformCity is a disk of H3 cells at resolution 9 where cases fall at the same rate
// everywhere and always: the null hypothesis of the space-time analysis.
type uniformCity struct {
	cells []StudyCell
	nb    hotspot.Neighbors
	index map[grid.Cell]int
}

func newUniformCity(t *testing.T, radius int) uniformCity {
	t.Helper()
	disk := h3.GridDisk(h3.LatLngToCell(h3.NewLatLng(31.91, 120.28), 9), radius)
	c := uniformCity{index: map[grid.Cell]int{}}
	ids := make([]grid.Cell, len(disk))
	for i, h := range disk {
		ids[i] = grid.Cell(h)
		c.cells = append(c.cells, StudyCell{H3: ids[i], Township: "320281001"})
		c.index[ids[i]] = i
	}
	c.nb = hotspot.Neighbors(grid.Rings(ids, 1))
	return c
}

// cases draws Poisson(perDay) cases for every cell and day of [from, to), each at a
// uniform time of its day.
func (c uniformCity) cases(rng *rand.Rand, perDay float64, from, to time.Time) []CaseEvent {
	var out []CaseEvent
	for day := from; day.Before(to); day = day.Add(24 * time.Hour) {
		for _, cell := range c.cells {
			for range poisson(rng, perDay) {
				out = append(out, CaseEvent{H3: cell.H3, Time: day.Add(time.Duration(rng.Int64N(int64(24 * time.Hour))))})
			}
		}
	}
	return out
}

// poisson draws from Poisson(mean) by Knuth's method (small means only).
func poisson(rng *rand.Rand, mean float64) int {
	limit, n, p := math.Exp(-mean), 0, rng.Float64()
	for p > limit {
		n++
		p *= rng.Float64()
	}
	return n
}

// TestEmergingOnAUniformCity is the analysis under its null hypothesis: the same case
// rate in every cell and every day. Whatever the window and step — windows that are not
// a whole number of steps, and months of 29 to 31 days — no pattern may appear beyond
// what the per-step FDR at 90 % lets through by chance. (Before steps were aligned to the
// window's end and compared as rates, a 30-day window of weekly steps, whose last step
// was 2 days long, read 98 % of such a city as new cold spots.)
func TestEmergingOnAUniformCity(t *testing.T) {
	to := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	small, large := newUniformCity(t, 9), newUniformCity(t, 51) // 271 and 7,957 cells
	for _, tc := range []struct {
		city   uniformCity
		perDay float64 // cases per cell-day
		days   int
		unit   string
	}{
		{small, 3, 30, "week"},
		{small, 3, 45, "week"},
		{small, 3, 90, "week"},
		{small, 3, 90, "month"},
		{large, 3, 30, "week"},
		{large, 3, 45, "week"},
		{large, 1, 90, "week"},
		{large, 1, 90, "month"},
	} {
		name := fmt.Sprintf("%d cells, %v a day, %d days, %s", len(tc.city.cells), tc.perDay, tc.days, tc.unit)
		t.Run(name, func(t *testing.T) {
			from := to.AddDate(0, 0, -tc.days)
			steps, err := NewSteps(tc.unit, from, to, 120)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(uint64(tc.days), uint64(len(tc.city.cells))))
			events := tc.city.cases(rng, tc.perDay, from, to)
			em, err := emergingOf(tc.city.cells, tc.city.nb, tc.city.index, events, steps, 1)
			if err != nil {
				t.Fatal(err)
			}
			counts := map[hotspot.Category]int{}
			for _, p := range em.Patterns {
				counts[p.Category]++
			}
			patterned := len(em.Patterns) - counts[hotspot.NoPattern]
			t.Logf("%d steps, %d cases: %v", len(steps.Steps), len(events), counts)
			if patterned > len(em.Patterns)/50 {
				t.Errorf("%d of %d cells have a pattern in a uniform city, want at most 2 %%: %v", patterned, len(em.Patterns), counts)
			}
		})
	}
}
