package alert

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/patrol/analytics"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/hotspot"
)

// HotSpots runs emerging hot spot analyses (package analytics' Store).
type HotSpots interface {
	Emerging(ctx context.Context, q analytics.Query, steps analytics.Steps, timeK int) (analytics.EmergingSpots, error)
}

// Townships lists the townships (package grid's Store).
type Townships interface {
	Townships(ctx context.Context, township string) ([]grid.TownshipSummary, error)
}

// The daily analysis of the hotspot rule: weekly steps over the 12 weeks before the day
// (China time) — the defaults of GET /api/v1/hotspots/emerging — with k = 1 and
// time_k = 1.
const (
	hotspotStep  = "week"
	hotspotWeeks = 12
	hotspotK     = 1
	hotspotTimeK = 1
)

// hotspotOnce is how long after a cell's hotspot alert (by its observed day) no other is
// raised for it, even once the first is resolved: a step, over which the daily analyses
// share all but a day and would find the same cell again.
const hotspotOnce = 7 * 24 * time.Hour

// alerting are the emerging categories that raise hotspot: a cell hot at the last step and
// never before, or hot at most steps with a rising trend.
var alerting = map[hotspot.Category]bool{hotspot.NewHot: true, hotspot.IntensifyingHot: true}

// CheckHotspots runs the daily analysis of every township whose day it is: the rule on,
// its hour (China time) passed, not yet run today by this Watcher. Every instance runs
// it; the unique index and the once-a-week rule keep one alert per cell. An error in one
// township is logged and the others go on.
func (w *Watcher) CheckHotspots(ctx context.Context) error {
	if w.src.HotSpots == nil || w.src.Townships == nil {
		return nil
	}
	defer w.timing.add(CheckHotspot, time.Now())
	now := w.now().In(china)
	today := now.Format(time.DateOnly)
	towns, err := w.src.Townships.Townships(ctx, "")
	if err != nil {
		return err
	}
	for _, t := range towns {
		set := w.settingsOf(t.Code).Hotspot
		if !set.Enabled || now.Hour() < set.Hour || w.hotDay[t.Code] == today {
			continue
		}
		if err := w.EvaluateHotspots(ctx, t.Code); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			slog.Warn("hotspot alerts", "township", t.Code, "err", err)
		}
		w.hotDay[t.Code] = today // tried: a failure waits for tomorrow rather than retrying every tick
	}
	return nil
}

// EvaluateHotspots runs a township's emerging hot spot analysis over the weeks before the
// Watcher's day (China time), raises hotspot for every cell new or intensifying (unless
// one was raised for it within hotspotOnce), and resolves the township's hotspot alerts
// whose cell is no longer hot at the last step. An analysis that cannot be made (no cases,
// so zero variance; over the analysis budget) raises and resolves nothing.
func (w *Watcher) EvaluateHotspots(ctx context.Context, township string) error {
	y, m, d := w.now().In(china).Date()
	to := time.Date(y, m, d, 0, 0, 0, 0, china)
	steps, err := analytics.NewSteps(hotspotStep, to.AddDate(0, 0, -7*hotspotWeeks), to, hotspotWeeks)
	if err != nil {
		return err
	}
	q := analytics.Query{Filter: cases.Filter{Townships: []string{township}, Sector: cases.AllSectors,
		From: steps.Steps[0].From, To: to}, K: hotspotK}
	em, err := w.src.HotSpots.Emerging(ctx, q, steps, hotspotTimeK)
	if apperr.CodeOf(err) == apperr.Unprocessable {
		// No cases (zero variance) or over the analysis budget: nothing to judge by, so
		// nothing is raised and nothing resolved.
		slog.Info("hotspot alerts: no analysis", "township", township, "reason", apperr.MessageOf(err))
		return nil
	}
	if err != nil {
		return fmt.Errorf("emerging hot spots of %s: %w", township, err)
	}
	since := to.Add(-hotspotOnce)
	seen, err := w.store.Observed(ctx, township, Hotspot, since)
	if err != nil {
		return err
	}
	hotNow := map[string]bool{}
	type raise struct {
		cell grid.Cell
		i    int
	}
	var raises []raise
	last := em.Steps[len(em.Steps)-1]
	for i, c := range em.Cells {
		if last.Bin[i] > 0 {
			hotNow[c.H3.String()] = true
		}
		if alerting[em.Patterns[i].Category] && !seen[c.H3.String()] {
			raises = append(raises, raise{c.H3, i})
		}
	}
	// The hottest first, and no more than the township's max_cells a day: a wall with a
	// hundred new cells in its tray helps nobody. Cells alerted in the past week are left
	// out before counting, so that they do not hold the places of new ones.
	slices.SortStableFunc(raises, func(a, b raise) int { return cmp.Compare(last.Z[b.i], last.Z[a.i]) })
	raises = raises[:min(len(raises), w.settingsOf(township).Hotspot.MaxCells)]
	open, err := w.store.Unresolved(ctx, Hotspot)
	if err != nil {
		return err
	}
	for _, a := range open {
		if a.Township == township && !hotNow[a.Subject] {
			w.apply(ctx, Change{Rule: Hotspot, Subject: a.Subject, Township: township})
		}
	}
	for _, r := range raises {
		pat := em.Patterns[r.i]
		w.apply(ctx, Change{Raise: true, Rule: Hotspot, Subject: r.cell.String(), Township: township, Time: to,
			Since: since, // another instance may have raised it meanwhile
			Point: grid.Geometry(r.cell).Center, Detail: map[string]any{
				"cell": r.cell.String(), "category": pat.Category, "hot_steps": pat.Hot, "steps": len(em.Steps),
				"step": steps.Unit, "from": steps.Steps[0].From, "to": to, "gi_z": round2(last.Z[r.i]),
				"trend_z": round2(pat.Trend.Z), "trend_p": round2(pat.Trend.P)}})
	}
	return nil
}

// round2 rounds to two decimals (NaN to 0) for an alert's detail.
func round2(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return math.Round(x*100) / 100
}
