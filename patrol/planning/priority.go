// Package planning turns a squadron's cells into patrol plans: an explainable priority per
// cell, routes per officer from the orienteering solver (package patrol/plan), storage
// with the planner's identity, GPX export, and compliance against the officers' tracks.
package planning

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/patrol/analytics"
	"github.com/gridwatch/gridwatch/patrol/blindzone"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// Weights of the priority components; each component lies in [0, 1].
type Weights struct {
	Hotspot   float64 `json:"hotspot"`    // Gi* z of the last 30 days, positive part, /3, capped at 1
	Staleness float64 `json:"staleness"`  // time since the last visit, /7 days, capped at 1 (never: 1)
	Blind     float64 `json:"blind_zone"` // 1 when the cell's neighbourhood is a sector gap or double blank
	Cases     float64 `json:"open_cases"` // open cases waiting in the cell, /3, capped at 1
}

// DefaultWeights weigh hot spots and staleness fully, blind zones and open cases less.
var DefaultWeights = Weights{Hotspot: 1, Staleness: 1, Blind: 0.5, Cases: 1}

// CellPriority is a cell's priority with the reasons behind it.
type CellPriority struct {
	H3       grid.Cell
	Center   orb.Point
	Priority float64
	Reasons  []string
}

// waiting are the statuses of the open cases that wait in a cell for an officer.
var waiting = []cases.Status{cases.StatusReported, cases.StatusAssigned, cases.StatusAccepted}

// priorities computes the priority of every cell of the squadron's grid areas at time now.
func (s *Store) priorities(ctx context.Context, squadron, township string, now time.Time, w Weights) ([]CellPriority, error) {
	hexes, err := s.src.Grid.SquadronCells(ctx, squadron)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(hexes))
	for i, c := range hexes {
		ids[i] = int64(c)
	}
	lastVisits, err := s.src.Coverage.LastVisits(ctx, ids, now.Add(-30*24*time.Hour))
	if err != nil {
		return nil, err
	}
	counts, err := s.src.Cases.CountsByCell(ctx, cases.Filter{Statuses: waiting}, ids)
	if err != nil {
		return nil, err
	}
	type raw struct {
		cell  grid.Cell
		last  *time.Time
		cases int
	}
	cells := make([]raw, len(hexes))
	index := make(map[grid.Cell]int, len(hexes))
	for i, c := range hexes {
		cells[i] = raw{cell: c}
		index[c] = i
		if t, ok := lastVisits[c]; ok {
			cells[i].last = &t
		}
	}
	for _, n := range counts {
		cells[index[n.H3]].cases += n.N
	}
	q := analytics.Query{Filter: cases.Filter{Townships: []string{township}, From: now.Add(-30 * 24 * time.Hour), To: now}, K: 1}
	// An analysis that cannot say anything (zero variance, too few units) leaves its
	// component out; one refused its turn (the server or the token busy with analyses)
	// fails the plan, which would otherwise silently lack it.
	hotZ := map[grid.Cell]float64{}
	hs, err := s.analytics.HotSpots(ctx, q, 1)
	if busy(err) {
		return nil, err
	}
	if err == nil {
		for i, c := range hs.Cells {
			hotZ[c.H3] = hs.Result.Z[i]
		}
	}
	blind := map[string]blindzone.Kind{}
	res, err := s.analytics.BlindZones(ctx, "cell", q)
	if busy(err) {
		return nil, err
	}
	for _, r := range res {
		blind[r.Code] = r.Kind
	}
	out := make([]CellPriority, 0, len(cells))
	for _, r := range cells {
		p := CellPriority{H3: r.cell, Center: grid.Center(r.cell)}
		add := func(weight, component float64, reason string) {
			if weight > 0 && component > 0 {
				p.Priority += weight * component
				p.Reasons = append(p.Reasons, reason)
			}
		}
		if z := hotZ[r.cell]; z > 0 {
			add(w.Hotspot, math.Min(z/3, 1), fmt.Sprintf("hot spot: Gi* z = %.1f over 30 days", z))
		}
		if r.last == nil {
			add(w.Staleness, 1, "not visited in 30 days")
		} else if age := now.Sub(*r.last); age > time.Hour {
			add(w.Staleness, math.Min(age.Hours()/(7*24), 1), fmt.Sprintf("last visit %s ago", age.Round(time.Hour)))
		}
		if k := blind[r.cell.String()]; k == blindzone.SectorGap || k == blindzone.DoubleBlank {
			add(w.Blind, 1, "blind zone: "+string(k))
		}
		if r.cases > 0 {
			add(w.Cases, math.Min(float64(r.cases)/3, 1), fmt.Sprintf("%d open cases waiting", r.cases))
		}
		out = append(out, p)
	}
	return out, nil
}

// busy reports whether err refused an analysis its turn or ended its caller: an answer
// to pass on, not an analysis without result.
func busy(err error) bool {
	switch apperr.CodeOf(err) {
	case apperr.RateLimited, apperr.Unavailable:
		return true
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
