package democity

import (
	"fmt"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

func scratchCells(p orb.Polygon, res int) []h3.Cell {
	var loop h3.GeoLoop
	for _, pt := range p[0][:len(p[0])-1] {
		loop = append(loop, h3.LatLng{Lat: pt[1], Lng: pt[0]})
	}
	return h3.PolygonToCells(h3.GeoPolygon{GeoLoop: loop}, res)
}

func TestScratchPartition(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 4, 5} {
		fc := Shapes(seed)
		total := 0
		for i, f := range fc.Features {
			cells := scratchCells(f.Geometry.(orb.Polygon), 9)
			total += len(cells)
			g, _ := newCellGraph(cells)
			comps := g.components()
			t0 := time.Now()
			d, err := Partition(cells, seed+int64(i), PartitionOptions{})
			el := time.Since(t0)
			if err != nil {
				t.Errorf("%v: %v", f.Properties["name"], err)
				continue
			}
			var sizes []int
			for _, s := range d.Squadrons {
				n := 0
				for _, a := range s.GridAreas {
					n += len(a)
				}
				sizes = append(sizes, n)
			}
			mn, mx, na := 1<<30, 0, 0
			for _, s := range d.Squadrons {
				for _, a := range s.GridAreas {
					mn = min(mn, len(a))
					mx = max(mx, len(a))
					na++
				}
			}
			if seed == 1 {
				fmt.Printf("%s cells=%d comps=%d squads=%v areas=%d min=%d max=%d %v\n", f.Properties["name"], len(cells), len(comps), sizes, na, mn, mx, el)
			}
			if mn < 50 || mx > 150 {
				t.Errorf("seed %d %s: %d..%d", seed, f.Properties["name"], mn, mx)
			}
		}
		fmt.Println("total", total)
	}
}
