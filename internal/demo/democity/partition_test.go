package democity

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// fill returns the H3 cells of resolution res whose centres lie in p.
func fill(p orb.Polygon, res int) []h3.Cell {
	var gp h3.GeoPolygon
	for i, r := range p {
		loop := make(h3.GeoLoop, 0, len(r)-1)
		for _, pt := range r[:len(r)-1] { // h3 wants open loops
			loop = append(loop, h3.LatLng{Lat: pt[1], Lng: pt[0]})
		}
		if i == 0 {
			gp.GeoLoop = loop
		} else {
			gp.Holes = append(gp.Holes, loop)
		}
	}
	return h3.PolygonToCells(gp, res)
}

// townshipCells returns the cells of every township of Shapes(seed) at res.
func townshipCells(t testing.TB, seed int64, res int) [][]h3.Cell {
	t.Helper()
	var out [][]h3.Cell
	for _, p := range polygons(t, Shapes(seed)) {
		out = append(out, fill(p, res))
	}
	return out
}

// components returns the connected pieces of cells under H3 neighbourhood.
func components(cells []h3.Cell) [][]h3.Cell {
	in := map[h3.Cell]bool{}
	for _, c := range cells {
		in[c] = true
	}
	seen := map[h3.Cell]bool{}
	var out [][]h3.Cell
	for _, c := range cells {
		if seen[c] {
			continue
		}
		seen[c] = true
		comp := []h3.Cell{c}
		for q := 0; q < len(comp); q++ {
			for _, n := range comp[q].GridDisk(1) {
				if in[n] && !seen[n] {
					seen[n] = true
					comp = append(comp, n)
				}
			}
		}
		out = append(out, comp)
	}
	return out
}

// contiguousWithin returns a piece of the township (a component of its cells) of which
// part holds more than one piece, or nil: part must be contiguous wherever the
// township's cells are.
func contiguousWithin(part []h3.Cell, pieces [][]h3.Cell) []h3.Cell {
	in := map[h3.Cell]bool{}
	for _, c := range part {
		in[c] = true
	}
	for _, piece := range pieces {
		var share []h3.Cell
		for _, c := range piece {
			if in[c] {
				share = append(share, c)
			}
		}
		if len(share) > 0 && len(components(share)) > 1 {
			return piece
		}
	}
	return nil
}

// checkDivision checks d against Partition's promises for cells and opts.
func checkDivision(t *testing.T, cells []h3.Cell, d Division, opts PartitionOptions) {
	t.Helper()
	opts, err := opts.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	pieces := components(cells)
	count := map[h3.Cell]int{}
	for _, c := range cells {
		count[c] = 0
	}
	if len(d.Squadrons) == 0 || len(d.Squadrons) > opts.Squadrons {
		t.Errorf("%d squadrons, want 1 to %d", len(d.Squadrons), opts.Squadrons)
	}
	for i, s := range d.Squadrons {
		if s.Index != i {
			t.Errorf("Squadrons[%d].Index = %d", i, s.Index)
		}
		var share []h3.Cell
		for j, area := range s.GridAreas {
			share = append(share, area...)
			if !slices.IsSorted(area) {
				t.Errorf("squadron %d area %d: cells not in index order", i, j)
			}
			small := len(area) < opts.MinCells && len(cells) >= opts.MinCells
			if small || len(area) > opts.MaxCells {
				t.Errorf("squadron %d area %d: %d cells, want %d to %d", i, j, len(area), opts.MinCells, opts.MaxCells)
			}
			if p := contiguousWithin(area, pieces); p != nil {
				t.Errorf("squadron %d area %d: not contiguous within the piece of %d cells at %s", i, j, len(p), p[0])
			}
			for _, c := range area {
				n, ok := count[c]
				if !ok {
					t.Errorf("squadron %d area %d: cell %s is not the township's", i, j, c)
				}
				count[c] = n + 1
			}
		}
		if len(s.GridAreas) == 0 {
			t.Errorf("squadron %d has no grid area", i)
		}
		if p := contiguousWithin(share, pieces); p != nil {
			t.Errorf("squadron %d: not contiguous within the piece of %d cells at %s", i, len(p), p[0])
		}
	}
	for c, n := range count {
		if n != 1 {
			t.Errorf("cell %s is in %d grid areas, want 1", c, n)
		}
	}
}

// sizes returns the numbers of cells of d's squadrons and grid areas.
func sizes(d Division) (squadrons, areas []int) {
	for _, s := range d.Squadrons {
		n := 0
		for _, a := range s.GridAreas {
			n += len(a)
			areas = append(areas, len(a))
		}
		squadrons = append(squadrons, n)
	}
	return squadrons, areas
}

func TestPartitionDemoCity(t *testing.T) {
	const seed = 1
	ts := Townships()
	polys := polygons(t, Shapes(seed))
	total, totalAreas := 0, 0
	for i, cells := range townshipCells(t, seed, 9) {
		t.Run(ts[i].Name, func(t *testing.T) {
			d, err := Partition(cells, seed+int64(i), PartitionOptions{})
			if err != nil {
				t.Fatalf("Partition(%d cells) error = %v", len(cells), err)
			}
			checkDivision(t, cells, d, PartitionOptions{})
			if len(d.Squadrons) != DefaultSquadrons {
				t.Errorf("%d squadrons, want %d", len(d.Squadrons), DefaultSquadrons)
			}
			sq, areas := sizes(d)
			total += len(cells)
			totalAreas += len(areas)
			t.Logf("%s %.1f km², %d cells, %d pieces, squadrons %v, %d grid areas of %d to %d cells",
				ts[i].Code, areaKm2(polys[i][0]), len(cells), len(components(cells)), sq,
				len(areas), slices.Min(areas), slices.Max(areas))
		})
	}
	t.Logf("%d cells at resolution 9, %d grid areas", total, totalAreas)
	if total < 8000 || total > 14000 {
		t.Errorf("%d cells at resolution 9 in all, want 8,000 to 14,000", total)
	}
}

func TestPartitionResolutions(t *testing.T) {
	for _, tt := range []struct {
		name string
		res  int
		opts PartitionOptions
	}{
		{"res 8 defaults", 8, PartitionOptions{}},
		{"res 8 small areas", 8, PartitionOptions{MinCells: 10, MaxCells: 25}},
		{"res 10 defaults", 10, PartitionOptions{}}, // the first three townships only
		{"res 9 five squadrons", 9, PartitionOptions{Squadrons: 5, MinCells: 30, MaxCells: 59}},
		{"res 9 one cell per area", 9, PartitionOptions{Squadrons: 2, MinCells: 1, MaxCells: 1}},
		{"res 9 big areas", 9, PartitionOptions{Squadrons: 4, MinCells: 200, MaxCells: 500}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for i, cells := range townshipCells(t, 2, tt.res) {
				if tt.res == 10 && i >= 3 {
					break // enough, and slow to check
				}
				d, err := Partition(cells, int64(i), tt.opts)
				if err != nil {
					t.Fatalf("township %d: Partition(%d cells) error = %v", i, len(cells), err)
				}
				checkDivision(t, cells, d, tt.opts)
			}
		})
	}
}

func TestPartitionSmallAndBroken(t *testing.T) {
	origin := h3.LatLngToCell(h3.LatLng{Lat: 31.84, Lng: 120.28}, 9)
	far := h3.LatLngToCell(h3.LatLng{Lat: 31.80, Lng: 120.40}, 9)
	farther := h3.LatLngToCell(h3.LatLng{Lat: 31.76, Lng: 120.20}, 9)
	join := func(sets ...[]h3.Cell) []h3.Cell { return slices.Concat(sets...) }
	tests := []struct {
		name          string
		cells         []h3.Cell
		wantSquadrons int
		wantAreas     int
	}{
		{"one cell", []h3.Cell{origin}, 1, 1},
		{"fewer cells than MinCells", origin.GridDisk(3), 1, 1},                      // 37 cells
		{"room for two squadrons", origin.GridDisk(6), 2, 2},                         // 127 cells
		{"room for three", origin.GridDisk(8), 3, 3},                                 // 217 cells
		{"big body and an island", join(origin.GridDisk(10), far.GridDisk(1)), 3, 3}, // 331 + 7
		{"two bodies", join(origin.GridDisk(10), far.GridDisk(5)), 3, 4},             // 331 + 91
		{"islands only", join(origin.GridDisk(2), far.GridDisk(2), farther.GridDisk(1)), 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Partition(tt.cells, 1, PartitionOptions{})
			if err != nil {
				t.Fatalf("Partition() error = %v", err)
			}
			checkDivision(t, tt.cells, d, PartitionOptions{})
			sq, areas := sizes(d)
			if len(sq) != tt.wantSquadrons || len(areas) < tt.wantAreas {
				t.Errorf("Partition(%d cells) = squadrons %v, areas %v; want %d squadrons, at least %d areas",
					len(tt.cells), sq, areas, tt.wantSquadrons, tt.wantAreas)
			}
		})
	}
}

func TestPartitionErrors(t *testing.T) {
	origin := h3.LatLngToCell(h3.LatLng{Lat: 31.84, Lng: 120.28}, 9)
	ok := origin.GridDisk(8)
	tests := []struct {
		name    string
		cells   []h3.Cell
		opts    PartitionOptions
		wantErr string
	}{
		{"no cells", nil, PartitionOptions{}, "no cells"},
		{"invalid cell", append(slices.Clone(ok), h3.Cell(12345)), PartitionOptions{}, "invalid cell"},
		{"duplicate", append(slices.Clone(ok), origin), PartitionOptions{}, "duplicate"},
		{"mixed resolutions", append(slices.Clone(ok), origin.Parent(8)), PartitionOptions{}, "resolution"},
		{"negative squadrons", ok, PartitionOptions{Squadrons: -1}, "squadrons"},
		{"negative MinCells", ok, PartitionOptions{MinCells: -5, MaxCells: 10}, "MinCells"},
		{"bounds too tight", ok, PartitionOptions{MinCells: 100, MaxCells: 150}, "2×MinCells-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Partition(tt.cells, 1, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Partition() error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestPartitionDeterministic(t *testing.T) {
	all := townshipCells(t, 3, 9)
	cells := all[0]
	a, err := Partition(cells, 11, PartitionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	shuffled := slices.Clone(cells)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) {
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	})
	b, err := Partition(shuffled, 11, PartitionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("Partition(shuffled cells) differs (-first +second):\n%s", diff)
	}
	c, err := Partition(cells, 12, PartitionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Equal(a, c) {
		t.Errorf("Partition with seeds 11 and 12 gave the same division")
	}
}
