package tiles_test

import (
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/tiles"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// TestTouchRollup checks that a changed cell gives a new version to every tile that draws
// it or one of its roll-up parents, and leaves alone the high-zoom tiles a coarse parent
// spans but is not drawn on.
func TestRollupTouch(t *testing.T) {
	v := newVersions(t, tiles.DefaultVersionsConfig())
	cell := grid.CellAt(orb.Point{120.22, 31.81}, 9)
	// A cell near the centre of the cell's resolution-5 parent, kilometres away.
	far := grid.CellAt(grid.Geometry(cell.Parent(5)).Center, 9)
	if far.Parent(5) != cell.Parent(5) || far.Parent(7) == cell.Parent(7) {
		t.Fatalf("the test's cells: %v and %v should share their resolution-5 parent only", cell, far)
	}
	center := grid.Geometry(cell).Center
	farCenter := grid.Geometry(far).Center
	own := mvt.TilesAt(center, 0, 18)
	farLow := mvt.TilesAt(farCenter, 0, 7)    // the resolution-5 parent is drawn there
	farHigh := mvt.TilesAt(farCenter, 12, 18) // the city's cells are drawn there
	ownBefore, lowBefore, highBefore := snapshot(v, "coverage", own), snapshot(v, "coverage", farLow), snapshot(v, "coverage", farHigh)

	tiles.NewRollup(v, 0).Touch("coverage", []grid.Cell{cell, cell})

	for i, after := range snapshot(v, "coverage", own) {
		if after == ownBefore[i] {
			t.Errorf("tile %v, which draws the cell, kept its version", own[i])
		}
	}
	for i, after := range snapshot(v, "coverage", farLow) {
		if after == lowBefore[i] {
			t.Errorf("tile %v, which draws the cell's resolution-5 parent, kept its version", farLow[i])
		}
	}
	for i, after := range snapshot(v, "coverage", farHigh) {
		if after != highBefore[i] {
			t.Errorf("tile %v, kilometres from the cell, at zoom %d, got a new version", farHigh[i], farHigh[i].Z)
		}
	}
}

// TestTouchBoundZooms checks that only the given zooms see the change.
func TestTouchBoundZooms(t *testing.T) {
	v := newVersions(t, tiles.DefaultVersionsConfig())
	p := orb.Point{116.4, 39.9}
	ts := mvt.TilesAt(p, 0, 18)
	before := snapshot(v, "l", ts)
	b := grid.Geometry(grid.CellAt(p, 9)).Boundary.Bound()
	v.TouchBoundZooms("l", b, 8, 9)
	for i, after := range snapshot(v, "l", ts) {
		if changed, want := after != before[i], ts[i].Z == 8 || ts[i].Z == 9; changed != want {
			t.Errorf("tile %v changed %v, want %v", ts[i], changed, want)
		}
	}
}
