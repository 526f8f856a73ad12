package demo

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/demo/casegen"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// BlindTownships are the demo townships where every case is urban management or work
// safety: the supervision blind zones (监管盲区) the analytics must find.
var BlindTownships = []string{"320281009", "320281114", "320281117"} // 申港, 周庄, 顾山

// CaseWindow is how far back the demo's cases go.
const CaseWindow = 90 * 24 * time.Hour

// importer is the identity the demo's cases are recorded under.
var importer = auth.Identity{Name: "demo-import", Role: auth.Admin}

// LoadCases generates the demo city's cases of the CaseWindow before now — about 700 a
// month over 11 sectors, clustered hot spots, the blind townships — and stores each with
// its history through the case store's rules. It does nothing when cases exist already.
// It returns the hot spots' centre cells (none when it did nothing), the first being the
// one whose rate rises over the window.
func LoadCases(ctx context.Context, g *grid.Store, officers *officer.Store, store *cases.Store, seed int64, now time.Time) ([]grid.Cell, error) {
	existing, err := store.List(ctx, importer, cases.Filter{Limit: 1})
	if err != nil || len(existing) > 0 {
		return nil, err
	}
	towns, err := g.Townships(ctx, "")
	if err != nil {
		return nil, err
	}
	var city casegen.City
	for _, t := range towns {
		cells, err := g.CellsOf(ctx, grid.CellFilter{Township: t.Code})
		if err != nil {
			return nil, err
		}
		list, err := officers.List(ctx, officer.Filter{Township: t.Code})
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(list))
		for i, o := range list {
			ids[i] = o.ID
		}
		city.Townships = append(city.Townships, casegen.Township{Code: t.Code, Cells: cells, Officers: ids,
			Blind: slices.Contains(BlindTownships, t.Code)})
	}
	res, err := casegen.Generate(city, now.Add(-CaseWindow), now, seed, casegen.Options{})
	if err != nil {
		return nil, err
	}
	for i, gc := range res.Cases {
		events := make([]cases.NewEvent, len(gc.Events))
		for j, e := range gc.Events {
			events[j] = cases.NewEvent{Type: e.Type, Officer: e.Officer, Department: e.Department, At: e.At}
		}
		nc := cases.NewCase{Sector: gc.Sector, Title: gc.Title, Description: gc.Description, Lat: gc.Lat, Lon: gc.Lon,
			Source: gc.Source, ReportedAt: gc.ReportedAt}
		if _, err := store.CreateWithHistory(ctx, importer, nc, events); err != nil {
			return nil, fmt.Errorf("demo case %d: %w", i, err)
		}
	}
	slog.InfoContext(ctx, "demo cases loaded", "cases", len(res.Cases), "hotspots", len(res.HotspotCenters))
	return res.HotspotCenters, nil
}
