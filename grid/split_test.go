package grid

import (
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"
)

func rect(minLon, minLat, maxLon, maxLat float64) orb.Polygon {
	return orb.Polygon{{{minLon, minLat}, {maxLon, minLat}, {maxLon, maxLat}, {minLon, maxLat}, {minLon, minLat}}}
}

// checkPartition asserts the split invariants over every cell near the shapes: a cell
// whose centre lies strictly inside some shape belongs to exactly one township, one that
// holds its centre (or has it on its border); a cell whose centre is outside every shape
// belongs to none.
func checkPartition(t *testing.T, shapes []Shape, got SplitResult) {
	t.Helper()
	owner := map[h3.Cell]string{}
	for code, cells := range got.Cells {
		for _, c := range cells {
			if prev, dup := owner[c]; dup {
				t.Fatalf("cell %s in two townships: %s and %s", c, prev, code)
			}
			owner[c] = code
		}
	}
	bound := shapes[0].Geom.Bound()
	for _, s := range shapes[1:] {
		bound = bound.Union(s.Geom.Bound())
	}
	bound = bound.Pad(0.01)
	candidates := Fill(orb.MultiPolygon{bound.ToPolygon()}, got.Resolution)
	for _, c := range candidates {
		ll := h3.CellToLatLng(c)
		center := orb.Point{ll.Lng, ll.Lat}
		var holders []string
		for _, s := range shapes {
			if planar.MultiPolygonContains(s.Geom, center) {
				holders = append(holders, s.Code)
			}
		}
		code, assigned := owner[c]
		switch {
		case len(holders) > 0 && !assigned:
			t.Errorf("cell %s has its centre inside %v but belongs to no township", c, holders)
		case len(holders) == 1 && assigned && code != holders[0] && !onBorder(shapes, code, center):
			t.Errorf("cell %s has its centre in %s but belongs to %s", c, holders[0], code)
		}
	}
}

// onBorder reports whether p lies on the boundary of the named shape (to 1e-12°).
func onBorder(shapes []Shape, code string, p orb.Point) bool {
	for _, s := range shapes {
		if s.Code == code {
			return planar.DistanceFrom(s.Geom, p) < 1e-12
		}
	}
	return false
}

func TestSplitPartitionsSharedBordersAndHoles(t *testing.T) {
	// Three townships: west and east share a border; north sits on both; west has a hole
	// that is filled by a fourth, enclave township.
	west := orb.Polygon{
		{{120.20, 31.80}, {120.28, 31.80}, {120.28, 31.88}, {120.20, 31.88}, {120.20, 31.80}},
		{{120.23, 31.83}, {120.23, 31.85}, {120.25, 31.85}, {120.25, 31.83}, {120.23, 31.83}},
	}
	shapes := []Shape{
		{Code: "west", Geom: orb.MultiPolygon{west}},
		{Code: "east", Geom: orb.MultiPolygon{rect(120.28, 31.80, 120.36, 31.88)}},
		{Code: "north", Geom: orb.MultiPolygon{rect(120.20, 31.88, 120.36, 31.92)}},
		{Code: "enclave", Geom: orb.MultiPolygon{rect(120.23, 31.83, 120.25, 31.85)}},
	}
	for _, res := range []int{8, 9, 10} {
		t.Run(fmt.Sprintf("res %d", res), func(t *testing.T) {
			got := Split(shapes, res)
			for code, cells := range got.Cells {
				if len(cells) == 0 {
					t.Errorf("township %s got no cells", code)
				}
			}
			checkPartition(t, shapes, got)
		})
	}
}

func TestSplitCentreOnSharedBorderGoesToOneTownship(t *testing.T) {
	c := CellAt(orb.Point{120.28, 31.84}, 9)
	ll := h3.CellToLatLng(c)
	// The shared border runs exactly through the cell's centre.
	shapes := []Shape{
		{Code: "a", Geom: orb.MultiPolygon{rect(ll.Lng-0.05, ll.Lat-0.05, ll.Lng, ll.Lat+0.05)}},
		{Code: "b", Geom: orb.MultiPolygon{rect(ll.Lng, ll.Lat-0.05, ll.Lng+0.05, ll.Lat+0.05)}},
	}
	got := Split(shapes, 9)
	n := 0
	for _, cells := range got.Cells {
		for _, x := range cells {
			if x == c {
				n++
			}
		}
	}
	if n != 1 {
		t.Errorf("cell %s on the shared border is in %d townships, want 1", c, n)
	}
	checkPartition(t, shapes, got)
}

func TestSplitOverlapGoesToTheContainingShape(t *testing.T) {
	shapes := []Shape{
		{Code: "b", Geom: orb.MultiPolygon{rect(120.20, 31.80, 120.30, 31.90)}},
		{Code: "a", Geom: orb.MultiPolygon{rect(120.25, 31.80, 120.35, 31.90)}},
	}
	got := Split(shapes, 9)
	if got.Ties == 0 {
		t.Fatal("overlapping shapes produced no ties")
	}
	total := len(got.Cells["a"]) + len(got.Cells["b"])
	union := len(Fill(orb.MultiPolygon{rect(120.20, 31.80, 120.35, 31.90)}, 9))
	if total < union-40 || total > union+40 { // union vs two fills differ only along edges
		t.Errorf("cells = %d, want about %d (each once)", total, union)
	}
	checkPartition(t, shapes, got)
}

func TestGeometry(t *testing.T) {
	c := CellAt(orb.Point{120.28, 31.84}, 9)
	g := Geometry(c)
	if len(g.Boundary) != 1 || len(g.Boundary[0]) != 7 {
		t.Fatalf("boundary = %v, want one closed hexagon ring", g.Boundary)
	}
	if g.Boundary[0].Orientation() != orb.CCW {
		t.Error("exterior ring is not counter-clockwise")
	}
	if !planar.PolygonContains(g.Boundary, g.Center) {
		t.Error("centre outside its own hexagon")
	}
	if len(g.Parents) != 9 || h3.Cell(g.Parents[8]) != c.Parent(8) || h3.Cell(g.Parents[0]).Resolution() != 0 {
		t.Errorf("parents = %v", g.Parents)
	}
}

func TestParseCell(t *testing.T) {
	c := CellAt(orb.Point{120.28, 31.84}, 9)
	if got, err := ParseCell(c.String()); err != nil || got != c {
		t.Errorf("ParseCell(%q) = %v, %v, want %v", c.String(), got, err, c)
	}
	for _, bad := range []string{"", "xyz", "ffffffffffffffff", "12345678901234567", "-1"} {
		if _, err := ParseCell(bad); err == nil {
			t.Errorf("ParseCell(%q) succeeded, want an error", bad)
		}
	}
}

func BenchmarkSplitVersusFill(b *testing.B) {
	shapes := []Shape{
		{Code: "a", Geom: orb.MultiPolygon{rect(120.0, 31.7, 120.3, 31.95)}},
		{Code: "b", Geom: orb.MultiPolygon{rect(120.3, 31.7, 120.6, 31.95)}},
	}
	for _, res := range []int{9, 10} {
		b.Run(fmt.Sprintf("fill/res%d", res), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				for _, s := range shapes {
					Fill(s.Geom, res)
				}
			}
		})
		b.Run(fmt.Sprintf("split/res%d", res), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				Split(shapes, res)
			}
		})
	}
}
