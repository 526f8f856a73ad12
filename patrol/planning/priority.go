// Package planning turns a squadron's cells into patrol plans: an explainable priority per
// cell, routes per officer from the orienteering solver (package patrol/plan), storage
// with the planner's identity, GPX export, and compliance against the officers' tracks.
package planning

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/pgdb"
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

// priorities computes the priority of every cell of the squadron's grid areas at time now.
func (s *Store) priorities(ctx context.Context, squadron, township string, now time.Time, w Weights) ([]CellPriority, error) {
	rows, err := s.db.Query(ctx, `
		SELECT c.h3,
		       (SELECT max(v.last_visit) FROM coverage v WHERE v.h3 = c.h3 AND v.hour >= $2::timestamptz - interval '30 days'),
		       (SELECT count(*) FROM cases k WHERE k.h3 = c.h3 AND k.status IN ('reported', 'assigned', 'accepted'))::int
		FROM cells c JOIN grid_areas g ON g.code = c.grid_area
		WHERE g.squadron = $1 ORDER BY c.h3`, squadron, now)
	if err != nil {
		return nil, pgdb.Translate(err, "cells")
	}
	type raw struct {
		cell  grid.Cell
		last  *time.Time
		cases int
	}
	var cells []raw
	for rows.Next() {
		var r raw
		var c int64
		if err := rows.Scan(&c, &r.last, &r.cases); err != nil {
			rows.Close()
			return nil, pgdb.Translate(err, "cells")
		}
		r.cell = grid.Cell(c)
		cells = append(cells, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, pgdb.Translate(err, "cells")
	}
	q := analytics.Query{Filter: cases.Filter{Townships: []string{township}, From: now.Add(-30 * 24 * time.Hour), To: now}, K: 1}
	hotZ := map[grid.Cell]float64{}
	if hs, err := s.analytics.HotSpots(ctx, q, 1); err == nil {
		for i, c := range hs.Cells {
			hotZ[c.H3] = hs.Result.Z[i]
		}
	}
	blind := map[string]blindzone.Kind{}
	if res, err := s.analytics.BlindZones(ctx, "cell", q); err == nil {
		for _, r := range res {
			blind[r.Code] = r.Kind
		}
	}
	out := make([]CellPriority, 0, len(cells))
	for _, r := range cells {
		p := CellPriority{H3: r.cell, Center: grid.Geometry(r.cell).Center}
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
