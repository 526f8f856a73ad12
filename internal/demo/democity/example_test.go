package democity_test

import (
	"fmt"

	"github.com/gridwatch/gridwatch/internal/demo/democity"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/uber/h3-go/v4"
)

func ExampleTownships() {
	kinds := map[democity.Kind]int{}
	for _, t := range democity.Townships() {
		kinds[t.Kind]++
	}
	first := democity.Townships()[0]
	fmt.Println(first.Code, first.Name, first.FullName, first.Pinyin, first.Kind)
	fmt.Println(kinds[democity.KindTown], "towns,", kinds[democity.KindSubdistrict], "sub-districts")
	// Output:
	// 320281001 澄江 澄江街道 cheng jiang subdistrict
	// 10 towns, 7 sub-districts
}

func ExampleShapes() {
	fc := democity.Shapes(1)
	var km2 float64
	for _, f := range fc.Features {
		km2 += orbgeo.Area(f.Geometry) / 1e6 // orb's sphere has the equatorial radius
	}
	f := fc.Features[0]
	ring := f.Geometry.(orb.Polygon)[0]
	fmt.Println(len(fc.Features), "townships;", f.Properties["code"], f.Properties["name"])
	fmt.Println("closed:", ring[0] == ring[len(ring)-1])
	fmt.Printf("about %.0f km² in all\n", km2)
	// Output:
	// 17 townships; 320281001 澄江
	// closed: true
	// about 989 km² in all
}

func ExamplePartition() {
	centre := h3.LatLngToCell(h3.LatLng{Lat: 31.91, Lng: 120.27}, 9)
	cells := centre.GridDisk(12) // 469 cells, about 37 km²
	d, err := democity.Partition(cells, 1, democity.PartitionOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range d.Squadrons {
		var sizes []int
		for _, area := range s.GridAreas {
			sizes = append(sizes, len(area))
		}
		fmt.Printf("squadron %d: grid areas of %v cells\n", s.Index, sizes)
	}
	// Output:
	// squadron 0: grid areas of [77 78] cells
	// squadron 1: grid areas of [78 79] cells
	// squadron 2: grid areas of [79 78] cells
}
