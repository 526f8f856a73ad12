package casegen

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/uber/h3-go/v4"
)

// res is the H3 resolution of the test cities, gridwatch's default.
const res = 9

// testCity returns n townships, each the disk of radius k (3k²+3k+1 cells)
// around a point of a grid 12 km apart centred on Jiangyin, with 20
// officers each; the townships of blind are blind.
func testCity(n, k int, blind ...int) City {
	side := int(math.Ceil(math.Sqrt(float64(n))))
	city := City{Townships: make([]Township, n)}
	for i := range city.Townships {
		lat := 31.84 + float64(i/side-side/2)*12/111.2
		lon := 120.28 + float64(i%side-side/2)*12/(111.2*math.Cos(31.84*math.Pi/180))
		t := &city.Townships[i]
		t.Code = fmt.Sprintf("3202811%02d", i)
		t.Cells = h3.GridDisk(h3.LatLngToCell(h3.LatLng{Lat: lat, Lng: lon}, res), k)
		for j := range 20 {
			t.Officers = append(t.Officers, fmt.Sprintf("jy-%02d%02d", i, j))
		}
	}
	for _, b := range blind {
		city.Townships[b].Blind = true
	}
	return city
}

// demoCity is 17 townships of 721 cells, two of them blind.
func demoCity() City { return testCity(17, 15, 3, 11) }

// quarter is 90 days from 1 April 2024, 00:00 China Standard Time.
var (
	quarterFrom = time.Date(2024, 3, 31, 16, 0, 0, 0, time.UTC)
	quarterTo   = quarterFrom.AddDate(0, 0, 90)
)

// generate runs Generate and fails the test on error.
func generate(tb testing.TB, city City, from, to time.Time, seed int64, opt Options) Result {
	tb.Helper()
	res, err := Generate(city, from, to, seed, opt)
	if err != nil {
		tb.Fatalf("Generate: %v", err)
	}
	return res
}
