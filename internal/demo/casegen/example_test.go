package casegen_test

import (
	"fmt"
	"time"

	"github.com/gridwatch/gridwatch/internal/demo/casegen"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/uber/h3-go/v4"
)

// Four townships of 331 cells each, in a row across Jiangyin; the
// last one is a blind zone. A quarter of cases: 11 sectors, none but the
// core two in the blind township, and most cases closed by the end.
func ExampleGenerate() {
	var city casegen.City
	for i, code := range []string{"320281001", "320281002", "320281003", "320281004"} {
		centre := h3.LatLngToCell(h3.LatLng{Lat: 31.84, Lng: 120.13 + 0.1*float64(i)}, 9)
		city.Townships = append(city.Townships, casegen.Township{
			Code:     code,
			Cells:    h3.GridDisk(centre, 10),
			Officers: []string{code + "-01", code + "-02", code + "-03"},
			Blind:    i == 3,
		})
	}
	from := time.Date(2024, 3, 31, 16, 0, 0, 0, time.UTC) // 1 April, 00:00 CST
	res, err := casegen.Generate(city, from, from.AddDate(0, 0, 91), 1, casegen.Options{PerMonth: 2000, Hotspots: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	sectors := make(map[string]bool)
	var blindOther, closed int
	for _, c := range res.Cases {
		sectors[c.Sector] = true
		if c.Township == "320281004" && c.Sector != "urban_management" && c.Sector != "work_safety" {
			blindOther++
		}
		if n := len(c.Events); n > 0 && c.Events[n-1].Type == cases.EventClose {
			closed++
		}
	}
	fmt.Println("sectors used:", len(sectors), "of", len(casegen.Sectors()))
	fmt.Println("fire cases:", sectors[casegen.EmptySector])
	fmt.Println("non-core cases in the blind township:", blindOther)
	fmt.Println("hotspots:", len(res.HotspotCenters))
	fmt.Println("more than 90 % closed:", closed*10 > len(res.Cases)*9)
	// Output:
	// sectors used: 11 of 12
	// fire cases: false
	// non-core cases in the blind township: 0
	// hotspots: 2
	// more than 90 % closed: true
}
