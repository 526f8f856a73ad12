package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/demo/simulate"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/position"
)

// CellsPerOfficer sizes the demo's bureaus: a squadron gets one officer per this many
// cells of its township's share (bigger townships have bigger bureaus, 40–80 staff in the
// seed), and at least MinOfficersPerSquadron. About 310 officers for the demo city.
const (
	CellsPerOfficer        = 40
	MinOfficersPerSquadron = 3
)

// officersFor returns how many officers each squadron of a township with that many cells
// and squadrons gets.
func officersFor(cells, squadrons int) int {
	return max(MinOfficersPerSquadron, (cells+squadrons*CellsPerOfficer/2)/(squadrons*CellsPerOfficer))
}

// shiftLength is the demo's day shift.
const shiftLength = 8 * time.Hour

// china is the demo city's time zone (UTC+8, no daylight saving).
var china = time.FixedZone("CST", 8*3600)

// Patrol holds what loading the demo's patrols needs.
type Patrol struct {
	Grid      *grid.Store
	Officers  *officer.Store
	Positions *position.Store
}

// LastShift returns the most recent 08:00–16:00 China-time day shift that ended before now.
func LastShift(now time.Time) simulate.Shift {
	local := now.In(china)
	start := time.Date(local.Year(), local.Month(), local.Day(), 8, 0, 0, 0, china)
	if now.Before(start.Add(shiftLength)) {
		start = start.AddDate(0, 0, -1)
	}
	return simulate.Shift{Start: start.UTC(), Duration: shiftLength}
}

// LoadPatrols creates officers (see CellsPerOfficer) in every squadron that has none, each
// patrolling one of the squadron's grid areas on foot or by e-bike, and sends their last
// day shift through the ingest path that devices use (filtering included: the few bad
// fixes the simulation makes are rejected as they would be).
func LoadPatrols(ctx context.Context, p Patrol, seed int64, now time.Time) error {
	squadrons, err := p.Grid.Squadrons(ctx, "")
	if err != nil {
		return err
	}
	areas, err := p.Grid.GridAreas(ctx, "")
	if err != nil {
		return err
	}
	bySquadron := map[string][]grid.GridArea{}
	for _, a := range areas {
		bySquadron[a.Squadron] = append(bySquadron[a.Squadron], a)
	}
	towns, err := p.Grid.Townships(ctx, "")
	if err != nil {
		return err
	}
	cellsOf := map[string]int{}
	for _, t := range towns {
		cellsOf[t.Code] = t.Cells
	}
	squadronsOf := map[string]int{}
	for _, q := range squadrons {
		squadronsOf[q.Township]++
	}
	shift := LastShift(now)
	var total position.Result
	for _, q := range squadrons {
		existing, err := p.Officers.List(ctx, officer.Filter{Squadron: q.Code})
		if err != nil {
			return err
		}
		if len(existing) > 0 || len(bySquadron[q.Code]) == 0 {
			continue
		}
		n := officersFor(cellsOf[q.Township], squadronsOf[q.Township])
		res, err := patrolSquadron(ctx, p, q, bySquadron[q.Code], n, shift, seed)
		if err != nil {
			return fmt.Errorf("demo patrols of %s: %w", q.Code, err)
		}
		total.Accepted += res.Accepted
		total.Duplicates += res.Duplicates
		total.Rejected = append(total.Rejected, res.Rejected...)
	}
	slog.InfoContext(ctx, "demo patrols loaded", "shift_start", shift.Start, "fixes_stored", total.Accepted,
		"fixes_rejected", len(total.Rejected))
	return nil
}

func patrolSquadron(ctx context.Context, p Patrol, q grid.Squadron, areas []grid.GridArea, officers int, shift simulate.Shift, seed int64) (position.Result, error) {
	var total position.Result
	for i := range officers {
		area := areas[i%len(areas)]
		cells, err := p.Grid.CellsOf(ctx, grid.CellFilter{Grid: area.Code})
		if err != nil {
			return total, err
		}
		o := officer.Officer{
			ID:       fmt.Sprintf("%s-%02d", q.Code, i+1),
			Name:     fmt.Sprintf("%s %d号", q.Name, i+1),
			Squadron: q.Code,
			DeviceID: fmt.Sprintf("phone-%s-%02d", q.Code, i+1),
		}
		if _, err := p.Officers.Create(ctx, o, ""); err != nil {
			return total, err
		}
		mode := simulate.Walk
		if i%3 == 2 {
			mode = simulate.EBike
		}
		sim := simulate.Officer{ID: o.ID, DeviceID: o.DeviceID, Area: cells, Mode: mode}
		if q.Base != nil {
			sim.Base = *q.Base
		}
		fixes, err := simulate.OfficerDay(sim, shift, seed, simulate.Options{})
		if err != nil {
			return total, err
		}
		res, err := p.Positions.Ingest(ctx, ingest.Indexed(fixes, nil))
		if err != nil {
			return total, err
		}
		total.Accepted += res.Accepted
		total.Rejected = append(total.Rejected, res.Rejected...)
	}
	return total, nil
}
