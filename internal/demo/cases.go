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
	"github.com/gridwatch/gridwatch/patrol/powers"
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
// its history through the case store's rules. Each case cites an item of its sector from
// catalog (none when catalog is nil): one its township holds on the report day when
// there is one, else one it does not hold, which intake routes to the item's department
// (only the case's closing follows then). About PenaltyShare of the cases citing a held
// item and visited on site are filed as penalty cases and taken through the procedure
// (see penalties.steps) under its rules: the officer investigates and delivers, the
// township's legal reviewer reviews. The departments answer the referrals (see
// referralAnswers.answer): most taken up, ReturnShare returned and handled by the
// township then. It does nothing when cases exist already. It
// returns the hot spots' centre cells (none when it did nothing), the first being the
// one whose rate rises over the window.
func LoadCases(ctx context.Context, g *grid.Store, officers *officer.Store, store *cases.Store, catalog *powers.Store,
	seed int64, now time.Time) ([]grid.Cell, error) {
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
	cite, err := newCitations(ctx, catalog, now.Add(-CaseWindow), now)
	if err != nil {
		return nil, err
	}
	pen, err := newPenalties(cite.items, seed, now)
	if err != nil {
		return nil, err
	}
	answers := newReferralAnswers(seed, now)
	filed := 0
	for i, gc := range res.Cases {
		item, held := cite.item(gc.Sector, gc.Township, gc.ReportedAt, i)
		var events []cases.NewEvent
		for _, e := range gc.Events {
			if held || e.Type == cases.EventClose {
				events = append(events, cases.NewEvent{Type: e.Type, Officer: e.Officer, Department: e.Department, At: e.At})
			}
		}
		// A penalty case keeps its dispatch up to the officer's arrival; the procedure
		// follows, each step by whom the rules let take it.
		var later []step
		if arrived, ok := pen.choose(item, held, events); ok {
			events = events[:arrived+1]
			later = pen.steps(item, gc.Township, events[0].Officer, events[arrived].At)
			for len(later) > 0 && later[0].who == importer {
				events, later = append(events, later[0].ev), later[1:]
			}
			filed++
		}
		if len(gc.Events) > 0 {
			events = answers.answer(events, gc.ReportedAt, item != "" && !held, gc.Events[0].Officer)
		}
		nc := cases.NewCase{Sector: gc.Sector, Item: item, Title: gc.Title, Description: gc.Description, Lat: gc.Lat, Lon: gc.Lon,
			Source: gc.Source, ReportedAt: gc.ReportedAt}
		c, err := store.CreateWithHistory(ctx, importer, nc, events)
		if err != nil {
			return nil, fmt.Errorf("demo case %d: %w", i, err)
		}
		for _, s := range later {
			if _, _, err := store.AppendEvent(ctx, s.who, c.ID, s.ev); err != nil {
				return nil, fmt.Errorf("demo case %d: %s by %s: %w", i, s.ev.Type, s.who.Name, err)
			}
		}
	}
	// One more, from before the window: its decision is overdue.
	late, err := loadLateDecision(ctx, store, res.Cases, cite, now)
	if err != nil {
		return nil, err
	}
	if late {
		filed++
	}
	slog.InfoContext(ctx, "demo cases loaded", "cases", len(res.Cases), "penalty_cases", filed, "late_decisions", late,
		"hotspots", len(res.HotspotCenters))
	return res.HotspotCenters, nil
}

// citations chooses the items the demo's cases cite.
type citations struct {
	bySector    map[string][]string // item codes by sector, sorted
	items       []powers.Item
	delegations map[[2]string][]powers.Delegation
}

// newCitations reads the catalog's items and the delegations of [from, to); a nil catalog
// gives no items.
func newCitations(ctx context.Context, catalog *powers.Store, from, to time.Time) (citations, error) {
	c := citations{bySector: map[string][]string{}, delegations: map[[2]string][]powers.Delegation{}}
	if catalog == nil {
		return c, nil
	}
	items, err := catalog.Items(ctx, "")
	if err != nil {
		return c, err
	}
	c.items = items
	for _, it := range items { // by code
		c.bySector[it.Sector] = append(c.bySector[it.Sector], it.Code)
	}
	list, err := catalog.Delegations(ctx, "", powers.DateOf(from), powers.DateOf(to).AddDays(1))
	if err != nil {
		return c, err
	}
	for _, d := range list {
		key := [2]string{d.Item, d.Township}
		c.delegations[key] = append(c.delegations[key], d)
	}
	return c, nil
}

// item picks the n-th case's item: among the sector's items the township holds on the
// report day (China time) when it holds any, else among all the sector's items; "" when
// the sector has none.
func (c citations) item(sector, township string, at time.Time, n int) (item string, held bool) {
	all := c.bySector[sector]
	if len(all) == 0 {
		return "", true
	}
	day := powers.DateOf(at)
	var holding []string
	for _, it := range all {
		for _, d := range c.delegations[[2]string{it, township}] {
			if !day.Before(d.ValidFrom.Time) && (d.ValidTo == nil || day.Before(d.ValidTo.Time)) {
				holding = append(holding, it)
				break
			}
		}
	}
	if len(holding) > 0 {
		return holding[n%len(holding)], true
	}
	return all[n%len(all)], false
}
