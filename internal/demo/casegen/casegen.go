package casegen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/uber/h3-go/v4"
)

// City is the demo city as Generate sees it: its townships.
type City struct {
	Townships []Township
}

// Township is one township or sub-district (镇/街道).
type Township struct {
	// Code identifies the township; required and unique in the city.
	Code string
	// Cells are all the H3 cells of the township, of one resolution
	// across the city; no cell may belong to two townships.
	Cells []h3.Cell
	// Officers are the IDs of the township's officers, who handle its
	// cases; at least one is required.
	Officers []string
	// Blind marks a blind zone (监管盲区): the township files only core
	// cases (urban management, work safety), as many as the others.
	Blind bool
}

// Case is a generated case.
type Case struct {
	Sector      string       // a sector code of Sectors, never EmptySector
	Source      cases.Source // where the case came from
	Title       string       // a short title in Chinese, such as 占道经营
	Description string       // a sentence or two in Chinese
	Township    string       // the code of the township holding Cell
	Cell        h3.Cell      // the cell of the case
	Lat, Lon    float64      // WGS-84, a point inside Cell
	ReportedAt  time.Time    // UTC, whole seconds, in [from, to)
	Events      []Event      // the lifecycle so far, in time order
}

// Event is one step of a case's lifecycle after its report.
type Event struct {
	Type cases.EventType // assign, accept, arrive, resolve, refer or close
	At   time.Time       // UTC, whole seconds, after the previous event and before to
	// Officer is the officer handling the case, one of its township's
	// officers; empty on close, which the command center does.
	Officer string
	// Department is the department a case is referred to, on refer only.
	Department string
}

// Result is what Generate makes.
type Result struct {
	// Cases are the cases in order of ReportedAt.
	Cases []Case
	// HotspotCenters are the centre cells of the clusters of raised rates,
	// one per cluster; the first is the intensifying one (see
	// Options.Trend).
	HotspotCenters []h3.Cell
}

// Generate makes the cases of city reported in [from, to), with their
// lifecycles up to to, as described in the package documentation. The
// result depends only on its arguments.
//
// Generate returns an error when the city has no township, a township's
// code is empty or repeated, a township has no cell or no officer, an
// officer ID is empty, a cell is invalid, repeated or of another
// resolution than the others, from is not before to, opt is out of range,
// more than [MaxCases] cases are expected, or hotspots are asked for and
// every township is blind.
func Generate(city City, from, to time.Time, seed int64, opt Options) (Result, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return Result{}, err
	}
	if !from.Before(to) {
		return Result{}, fmt.Errorf("casegen: window [%v, %v) is empty", from, to)
	}
	m, err := newMap(&city)
	if err != nil {
		return Result{}, err
	}
	window := to.Sub(from)
	expected := opt.PerMonth * float64(window) / float64(Month)
	if expected > MaxCases {
		return Result{}, fmt.Errorf("casegen: %.0f cases expected: want at most %d", expected, MaxCases)
	}

	layout := rand.New(rand.NewPCG(uint64(seed), 0x6c61796f7574)) // "layout"
	m.weigh(layout)
	clusters, err := m.placeHotspots(layout, opt.Hotspots)
	if err != nil {
		return Result{}, err
	}

	g := generator{
		r: rand.New(rand.NewPCG(uint64(seed), 0x6361736573)), // "cases"
		m: m, opt: &opt, from: from, to: to,
	}
	out := make([]Case, 0, int(expected*1.1)+16)
	bgMean := expected * (1 - opt.HotspotShare)
	for range poisson(g.r, bgMean) {
		out = append(out, g.newCase(m.drawCell(g.r), nil))
	}
	for i := range clusters {
		c := &clusters[i]
		for range poisson(g.r, expected*opt.HotspotShare/float64(len(clusters))) {
			out = append(out, g.newCase(c.draw(g.r), c))
		}
	}
	// The stable sort keeps the generation order among equal times, so the
	// order is deterministic.
	slices.SortStableFunc(out, func(a, b Case) int { return a.ReportedAt.Compare(b.ReportedAt) })

	res := Result{Cases: out, HotspotCenters: make([]h3.Cell, len(clusters))}
	for i := range clusters {
		res.HotspotCenters[i] = clusters[i].centre
	}
	return res, nil
}

// cityMap is the validated city: every cell once, with its township and
// background weight.
type cityMap struct {
	towns  []Township
	cells  []h3.Cell
	town   []int32         // township index of each cell
	index  map[h3.Cell]int // cell → its index in cells
	cum    []float64       // cumulative background weight of cells[:i+1]
	res    int             // the resolution of every cell
	sector sectorPicker
}

// newMap validates city and indexes its cells.
func newMap(city *City) (*cityMap, error) {
	if len(city.Townships) == 0 {
		return nil, errors.New("casegen: the city has no township")
	}
	n := 0
	for _, t := range city.Townships {
		n += len(t.Cells)
	}
	m := &cityMap{
		towns: city.Townships,
		cells: make([]h3.Cell, 0, n),
		town:  make([]int32, 0, n),
		index: make(map[h3.Cell]int, n),
		res:   -1,
	}
	codes := make(map[string]bool, len(city.Townships))
	for ti, t := range city.Townships {
		switch {
		case t.Code == "":
			return nil, fmt.Errorf("casegen: township %d has no code", ti)
		case codes[t.Code]:
			return nil, fmt.Errorf("casegen: township %s appears twice", t.Code)
		case len(t.Cells) == 0:
			return nil, fmt.Errorf("casegen: township %s has no cell", t.Code)
		case len(t.Officers) == 0:
			return nil, fmt.Errorf("casegen: township %s has no officer", t.Code)
		case slices.Contains(t.Officers, ""):
			return nil, fmt.Errorf("casegen: township %s has an empty officer ID", t.Code)
		}
		codes[t.Code] = true
		for _, c := range t.Cells {
			if !c.IsValid() {
				return nil, fmt.Errorf("casegen: township %s: invalid cell %v", t.Code, c)
			}
			if m.res < 0 {
				m.res = resolution(c)
			} else if r := resolution(c); r != m.res {
				return nil, fmt.Errorf("casegen: township %s: cell %v has resolution %d, want %d like the others", t.Code, c, r, m.res)
			}
			if j, dup := m.index[c]; dup {
				return nil, fmt.Errorf("casegen: cell %v is in townships %s and %s", c, city.Townships[m.town[j]].Code, t.Code)
			}
			m.index[c] = len(m.cells)
			m.cells = append(m.cells, c)
			m.town = append(m.town, int32(ti))
		}
	}
	m.sector = newSectorPicker()
	return m, nil
}

// poisson draws from the Poisson distribution of the given mean by counting
// the arrivals of a unit-rate Poisson process in [0, mean): exact, and
// linear in mean, which is bounded by MaxCases.
func poisson(r *rand.Rand, mean float64) int {
	n := 0
	for s := r.ExpFloat64(); s < mean; s += r.ExpFloat64() {
		n++
	}
	return n
}

// resolution returns the resolution of a valid cell, read from its index
// bits 52–55 as the H3 index format defines them, without a call into C.
func resolution(c h3.Cell) int { return int(uint64(c) >> 52 & 0xf) }
