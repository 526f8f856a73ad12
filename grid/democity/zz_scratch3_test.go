package democity

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestScratchStress(t *testing.T) {
	opts := []PartitionOptions{{}, {MinCells: 20, MaxCells: 40}, {Squadrons: 5, MinCells: 30, MaxCells: 59}, {Squadrons: 2, MinCells: 100, MaxCells: 400}, {MinCells: 1, MaxCells: 1}, {MinCells: 300, MaxCells: 600}}
	fails := 0
	for _, res := range []int{8, 9, 10} {
		for seed := int64(0); seed < 12; seed++ {
			fc := Shapes(seed)
			for i, f := range fc.Features {
				cells := scratchCells(f.Geometry.(orb.Polygon), res)
				for _, o := range opts {
					if res == 10 && o.MaxCells < 100 {
						continue
					}
					d, err := Partition(cells, seed*31+int64(i), o)
					if err != nil {
						t.Errorf("res %d seed %d %s %+v: %v", res, seed, f.Properties["name"], o, err)
						fails++
						continue
					}
					oo, _ := o.withDefaults()
					n := 0
					for _, s := range d.Squadrons {
						for _, a := range s.GridAreas {
							n += len(a)
							if (len(a) < oo.MinCells && len(cells) >= oo.MinCells) || len(a) > oo.MaxCells {
								t.Errorf("res %d seed %d %s %+v: area %d", res, seed, f.Properties["name"], o, len(a))
							}
						}
					}
					if n != len(cells) {
						t.Errorf("count")
					}
				}
			}
		}
	}
}
