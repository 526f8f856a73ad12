package grid_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"

	"github.com/gridwatch/gridwatch/grid"
)

// TestCellRollupMatchesCells checks the prepared roll-ups against an aggregate of the
// cells themselves, after an import, a grid area and a re-split at another resolution,
// for the whole city and a small box, every township and one.
func TestCellRollupMatchesCells(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.importCity(120.28, "")
	store := grid.NewStore(f.db, grid.DefaultResolution)
	lone := grid.CellAt(orb.Point{120.205, 31.805}, 9)
	// A grid area: the roll-ups are computed again when cells change their grid area.
	if _, err := store.CreateGridArea(ctx, grid.NewGridArea{Code: "CJ-01", Name: "一", Township: "320281001", Cells: []grid.Cell{lone}}); err != nil {
		t.Fatal(err)
	}
	compare := func(city int) {
		t.Helper()
		bounds := []orb.Bound{
			{Min: orb.Point{119.9, 31.5}, Max: orb.Point{120.6, 32.1}},
			{Min: orb.Point{120.20, 31.80}, Max: orb.Point{120.23, 31.82}},
		}
		n := 0
		for _, b := range bounds {
			for _, township := range []string{"", "320281001"} {
				for res := 3; res <= city; res++ {
					got, err := store.CellRollup(ctx, b, res, township)
					if err != nil {
						t.Fatal(err)
					}
					want := aggregateCells(t, f, b, res, township)
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("city at %d, res %d, township %q, bound %v: roll-up differs from the cells (-cells +rollup):\n%s",
							city, res, township, b, diff)
					}
					n += len(got)
				}
				// Beyond the city's resolution: the cells themselves.
				got, err := store.CellRollup(ctx, b, grid.MaxResolution, township)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(aggregateCells(t, f, b, city, township), got); diff != "" {
					t.Errorf("city at %d, res %d, township %q: differs from the cells (-cells +rollup):\n%s", city, grid.MaxResolution, township, diff)
				}
			}
		}
		if n == 0 {
			t.Fatalf("city at %d: no cell in any roll-up: the comparison proved nothing", city)
		}
	}
	compare(9)
	f.importCity(120.28, "?res=8")
	compare(8)
}

// aggregateCells is what a roll-up must return: the parents at res of the cells with a
// centre in b, each with all its cells, as SQL on the cells themselves computes it.
func aggregateCells(t *testing.T, f *fixture, b orb.Bound, res int, township string) []grid.RolledCell {
	t.Helper()
	rows, err := f.db.Query(context.Background(), `
		WITH c AS (
			SELECT CASE WHEN $5 >= cardinality(parents) THEN h3 ELSE parents[$5 + 1] END AS cell, *
			FROM cells WHERE $6 = '' OR township = $6)
		SELECT cell, min(township), CASE WHEN count(*) = 1 THEN min(grid_area) END, count(*)::int
		FROM c
		WHERE cell IN (SELECT cell FROM c WHERE center && ST_MakeEnvelope($1, $2, $3, $4, 4326))
		GROUP BY 1 ORDER BY 1`, b.Min[0], b.Min[1], b.Max[0], b.Max[1], res, township)
	if err != nil {
		t.Fatal(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (grid.RolledCell, error) {
		var c grid.RolledCell
		err := row.Scan(&c.H3, &c.Township, &c.GridArea, &c.Cells)
		c.Hexagon = grid.Boundary(c.H3) // what h3 says, whether the roll-up read it stored or not
		return c, err
	})
	if err != nil {
		t.Fatal(fmt.Errorf("aggregate cells: %w", err))
	}
	return list
}

// TestFillRollupHexagons checks that roll-ups written without a hexagon, as before the
// migration that added them (add_rollup_hexagons), get h3's, and that an import stores
// them with the roll-ups.
func TestFillRollupHexagons(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.importCity(120.28, "")
	store := grid.NewStore(f.db, grid.DefaultResolution)
	missing := func() int {
		t.Helper()
		var n int
		if err := f.db.QueryRow(ctx, `SELECT count(*) FROM cell_rollups WHERE hexagon IS NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := missing(); n != 0 {
		t.Fatalf("after an import %d roll-ups have no hexagon, want 0", n)
	}
	if _, err := f.db.Exec(ctx, `UPDATE cell_rollups SET hexagon = NULL`); err != nil {
		t.Fatal(err)
	}
	if err := store.FillRollupHexagons(ctx); err != nil {
		t.Fatal(err)
	}
	if n := missing(); n != 0 {
		t.Fatalf("after FillRollupHexagons %d roll-ups have no hexagon, want 0", n)
	}
	rows, err := f.db.Query(ctx, `SELECT DISTINCT h3, ST_AsText(hexagon) FROM cell_rollups`)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
		H3   grid.Cell
		Text string
	}])
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stored {
		if want := wkt.MarshalString(grid.Boundary(s.H3)); s.Text != want {
			t.Errorf("hexagon of %s = %s, want %s", s.H3, s.Text, want)
		}
	}
	if len(stored) == 0 {
		t.Fatal("no roll-up: the check proved nothing")
	}
}
