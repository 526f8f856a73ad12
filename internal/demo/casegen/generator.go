package casegen

import (
	"math/rand/v2"
	"time"

	"github.com/gridwatch/gridwatch/patrol/cases"
)

// generator draws cases; it holds the state shared by all of them.
type generator struct {
	r        *rand.Rand
	m        *cityMap
	opt      *Options
	from, to time.Time
}

// The chances of each source, in the order of cases.Sources (patrol,
// hotline, citizen app, referral): officers on patrol find most core cases,
// residents report more of the others.
var (
	coreSources  = [4]float64{0.60, 0.20, 0.15, 0.05}
	otherSources = [4]float64{0.35, 0.30, 0.20, 0.15}
)

// newCase draws a case in the cell of index ci, of the cluster cl or of the
// background when cl is nil.
func (g *generator) newCase(ci int, cl *cluster) Case {
	r := g.r
	town := &g.m.towns[g.m.town[ci]]
	core := town.Blind || r.Float64() < g.opt.CoreShare
	theme := -1
	if cl != nil {
		theme = cl.theme
	}
	s := &sectors[g.m.sector.pick(r, core, theme)]
	mix := otherSources
	if core {
		mix = coreSources
	}
	src := pickSource(r, mix)
	tp := &s.topics[r.IntN(len(s.topics))]
	desc := tp.bodies[r.IntN(len(tp.bodies))]
	switch src {
	case cases.SourcePatrol:
		desc = "网格巡查发现:" + desc
	case cases.SourceHotline:
		desc = "12345热线市民来电反映:" + desc
	case cases.SourceCitizenApp:
		desc = "市民通过“城市啄木鸟”平台上报:" + desc
	case cases.SourceReferral:
		desc = s.dept + "移交线索:" + desc
	}
	cell := g.m.cells[ci]
	lat, lon := pointIn(r, cell, g.m.res)
	reported := g.reportTime(src, cl != nil && cl.trend)
	c := Case{
		Sector:      s.Code,
		Source:      src,
		Title:       tp.title,
		Description: desc,
		Township:    town.Code,
		Cell:        cell,
		Lat:         lat,
		Lon:         lon,
		ReportedAt:  reported,
	}
	refer := !core && r.Float64() < g.opt.ReferShare
	c.Events = g.lifecycle(reported, src, core, refer, town.Officers[r.IntN(len(town.Officers))], s.dept)
	return c
}

// pickSource draws a source by the chances in mix.
func pickSource(r *rand.Rand, mix [4]float64) cases.Source {
	u := r.Float64()
	for i, p := range mix {
		if u < p {
			return cases.Sources[i]
		}
		u -= p
	}
	return cases.Sources[len(cases.Sources)-1]
}

// sectorPicker draws sectors by their weights within a class.
type sectorPicker struct {
	core, other     []int     // indices into sectors, with a positive weight
	coreCum, othCum []float64 // cumulative weights
}

func newSectorPicker() sectorPicker {
	var p sectorPicker
	for i := range sectors {
		s := &sectors[i]
		if s.weight <= 0 {
			continue
		}
		if s.Core {
			p.core = append(p.core, i)
			p.coreCum = append(p.coreCum, cumLast(p.coreCum)+s.weight)
		} else {
			p.other = append(p.other, i)
			p.othCum = append(p.othCum, cumLast(p.othCum)+s.weight)
		}
	}
	return p
}

func cumLast(cum []float64) float64 {
	if len(cum) == 0 {
		return 0
	}
	return cum[len(cum)-1]
}

// pick returns the index in sectors of a sector of the class core; a
// non-core sector theme ≥ 0 (a cluster's) is themeBoost times likelier.
func (p *sectorPicker) pick(r *rand.Rand, core bool, theme int) int {
	if core {
		return p.core[drawCum(r, p.coreCum)]
	}
	if theme >= 0 {
		extra := (themeBoost - 1) * sectors[theme].weight
		if r.Float64()*(cumLast(p.othCum)+extra) < extra {
			return theme
		}
	}
	return p.other[drawCum(r, p.othCum)]
}
