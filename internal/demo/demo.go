package demo

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/demo/democity"
)

// DefaultSeed makes the demo city the same on every machine.
const DefaultSeed = 1

// squadronNumerals name squadrons the way the bureaus do: 第一中队, 第二中队 …
var squadronNumerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九"}

// Load imports the demo city's townships at resolution res (0: the store's default) and,
// for each township without grid areas yet, creates its squadrons and grid areas.
func Load(ctx context.Context, store *grid.Store, seed int64, res int) error {
	towns, err := Townships(seed)
	if err != nil {
		return err
	}
	result, err := store.Import(ctx, towns, res)
	if err != nil {
		return fmt.Errorf("import demo townships: %w", err)
	}
	existing, err := store.GridAreas(ctx, "")
	if err != nil {
		return err
	}
	divided := map[string]bool{}
	for _, g := range existing {
		divided[g.Township] = true
	}
	areas := 0
	for _, t := range result.Townships {
		if divided[t.Code] {
			continue
		}
		n, err := divide(ctx, store, t, seed)
		if err != nil {
			return fmt.Errorf("divide township %s: %w", t.Code, err)
		}
		areas += n
	}
	slog.InfoContext(ctx, "demo city loaded", "townships", len(result.Townships), "resolution", result.Resolution, "new_grid_areas", areas)
	return nil
}

// Townships returns the demo city's townships for seed as an import reads them, through
// the GeoJSON an operator would upload, so that benchmarks and tests time the same input.
func Townships(seed int64) ([]grid.TownshipInput, error) {
	body, err := democity.Shapes(seed).MarshalJSON()
	if err != nil {
		return nil, err
	}
	towns, err := grid.ParseTownships(body, geo.WGS84)
	if err != nil {
		return nil, fmt.Errorf("demo shapes: %w", err)
	}
	return towns, nil
}

// divide creates a township's squadrons and grid areas and returns how many areas.
func divide(ctx context.Context, store *grid.Store, t grid.ImportedTownship, seed int64) (int, error) {
	cells, err := store.CellsOf(ctx, grid.CellFilter{Township: t.Code})
	if err != nil {
		return 0, err
	}
	division, err := democity.Partition(cells, seed, democity.PartitionOptions{})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sq := range division.Squadrons {
		code := fmt.Sprintf("%s-Q%d", t.Code, sq.Index+1)
		base := baseOf(sq)
		if err := store.CreateSquadron(ctx, grid.Squadron{
			Code: code, Name: fmt.Sprintf("%s第%s中队", t.Name, squadronNumerals[sq.Index%len(squadronNumerals)]),
			Township: t.Code, Base: &base,
		}); err != nil {
			return n, err
		}
		for _, cells := range sq.GridAreas {
			n++
			if _, err := store.CreateGridArea(ctx, grid.NewGridArea{
				Code: fmt.Sprintf("%s-G%02d", t.Code, n), Name: fmt.Sprintf("%s第%d网格", t.Name, n),
				Township: t.Code, Squadron: code, Cells: cells,
			}); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// baseOf puts a squadron's base at the centre of its most central cell.
func baseOf(sq democity.Squadron) orb.Point {
	var all []h3.Cell
	var sum orb.Point
	for _, area := range sq.GridAreas {
		for _, c := range area {
			ll := h3.CellToLatLng(c)
			sum[0] += ll.Lng
			sum[1] += ll.Lat
			all = append(all, c)
		}
	}
	mean := orb.Point{sum[0] / float64(len(all)), sum[1] / float64(len(all))}
	best, bestD := mean, -1.0
	for _, c := range all {
		ll := h3.CellToLatLng(c)
		p := orb.Point{ll.Lng, ll.Lat}
		if d := geo.DistanceMeters(p, mean); bestD < 0 || d < bestD {
			best, bestD = p, d
		}
	}
	return best
}
