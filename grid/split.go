package grid

import (
	"runtime"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"
)

// Shape is a township's polygon to split: its code and WGS-84 geometry.
type Shape struct {
	Code string
	Geom orb.MultiPolygon
}

// SplitResult holds the cells of each township.
type SplitResult struct {
	Resolution int
	// Cells maps a township code to its cells, sorted.
	Cells map[string][]h3.Cell
	// Ties counts cells claimed by more than one township (a centre on a shared border,
	// or polygons that overlap by less than the import tolerates); each went to one.
	Ties int
}

// Split fills each shape with the H3 cells at resolution res whose centre lies inside it
// (h3 polygonToCells, which tests centres). A cell claimed by two shapes goes to the one
// whose polygon contains its centre by a planar test, or when both or neither do, to the
// lowest code, so every cell ends in exactly one township. Shapes are filled in parallel.
func Split(shapes []Shape, res int) SplitResult {
	filled := make([][]h3.Cell, len(shapes))
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(shapes)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				filled[i] = Fill(shapes[i].Geom, res)
			}
		}()
	}
	for i := range shapes {
		work <- i
	}
	close(work)
	wg.Wait()

	owner := make(map[h3.Cell]int, totalLen(filled))
	ties := 0
	for i, cells := range filled {
		for _, c := range cells {
			j, taken := owner[c]
			if !taken {
				owner[c] = i
				continue
			}
			ties++
			if prefer(shapes, c, i, j) {
				owner[c] = i
			}
		}
	}
	out := SplitResult{Resolution: res, Cells: make(map[string][]h3.Cell, len(shapes)), Ties: ties}
	for _, s := range shapes {
		out.Cells[s.Code] = nil
	}
	for c, i := range owner {
		out.Cells[shapes[i].Code] = append(out.Cells[shapes[i].Code], c)
	}
	for _, cells := range out.Cells {
		slices.Sort(cells)
	}
	return out
}

// prefer reports whether shape i should own cell c rather than shape j.
func prefer(shapes []Shape, c h3.Cell, i, j int) bool {
	ll := h3.CellToLatLng(c)
	center := orb.Point{ll.Lng, ll.Lat}
	inI := planar.MultiPolygonContains(shapes[i].Geom, center)
	inJ := planar.MultiPolygonContains(shapes[j].Geom, center)
	if inI != inJ {
		return inI
	}
	return shapes[i].Code < shapes[j].Code
}

// Fill returns the cells at resolution res whose centre lies inside the multipolygon,
// holes respected, without duplicates, sorted.
func Fill(mp orb.MultiPolygon, res int) []h3.Cell {
	var cells []h3.Cell
	for _, p := range mp {
		cells = append(cells, h3.PolygonToCells(toGeoPolygon(p), res)...)
	}
	slices.Sort(cells)
	return slices.Compact(cells)
}

func toGeoPolygon(p orb.Polygon) h3.GeoPolygon {
	var gp h3.GeoPolygon
	for i, ring := range p {
		loop := make(h3.GeoLoop, 0, len(ring))
		for _, pt := range ring {
			loop = append(loop, h3.LatLng{Lat: pt[1], Lng: pt[0]})
		}
		if len(loop) > 1 && loop[0] == loop[len(loop)-1] {
			loop = loop[:len(loop)-1] // h3 loops are implicitly closed
		}
		if i == 0 {
			gp.GeoLoop = loop
		} else {
			gp.Holes = append(gp.Holes, loop)
		}
	}
	return gp
}

func totalLen(s [][]h3.Cell) int {
	n := 0
	for _, c := range s {
		n += len(c)
	}
	return n
}
