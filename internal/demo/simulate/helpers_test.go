package simulate

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// res is the H3 resolution of the test areas, gridwatch's default.
const res = 9

// cityCentre is central Jiangyin, WGS-84.
func cityCentre() orb.Point { return orb.Point{120.28, 31.84} }

// cellOf returns the res-9 cell holding p.
func cellOf(p orb.Point) h3.Cell { return h3.LatLngToCell(h3.LatLng{Lat: p[1], Lng: p[0]}, res) }

// centreOf returns the centre of c, WGS-84.
func centreOf(c h3.Cell) orb.Point { return latLng(h3.CellToLatLng(c)) }

// disk returns the cells within k steps of the cell holding p: 3k²+3k+1
// cells, a rough hexagon about 2k × 300 m across at res 9.
func disk(p orb.Point, k int) []h3.Cell { return h3.GridDisk(cellOf(p), k) }

// pacman returns disk(p, 7) without a 90° wedge opening to the east, from
// the second ring out: a concave area that straight lines across would
// leave.
func pacman(p orb.Point) []h3.Cell {
	var cells []h3.Cell
	for _, c := range disk(p, 7) {
		q := centreOf(c)
		b := geo.BearingDegrees(p, q)
		if geo.DistanceMeters(p, q) > 500 && b > 45 && b < 135 {
			continue
		}
		cells = append(cells, c)
	}
	return cells
}

// morning is an 8-hour shift from 08:30 China Standard Time.
var morning = Shift{Start: time.Date(2024, 6, 17, 0, 30, 0, 0, time.UTC), Duration: 8 * time.Hour}

// squad returns n officers on disk areas of radius k laid out on a grid
// 3 km apart around the city centre, every fifth on an e-bike, based at
// their areas' centres.
func squad(n, k int) []Officer {
	side := int(math.Ceil(math.Sqrt(float64(n))))
	officers := make([]Officer, n)
	for i := range officers {
		p := geo.Destination(geo.Destination(cityCentre(), 90, float64(i%side-side/2)*3000), 0, float64(i/side-side/2)*3000)
		officers[i] = Officer{
			ID: fmt.Sprintf("jy-%04d", i), DeviceID: fmt.Sprintf("%08d", 48241179+i),
			Area: disk(p, k), Base: p,
		}
		if i%5 == 4 {
			officers[i].Mode = EBike
		}
	}
	return officers
}

// recorded runs one officer's day with a record.
func recorded(t testing.TB, o Officer, shift Shift, seed int64, opt Options) ([]ingest.Fix, *record) {
	t.Helper()
	opt, err := opt.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	var (
		mem floats
		rec record
	)
	fixes, err := officerDay(&o, shift, seed, &opt, nil, &mem, &rec)
	if err != nil {
		t.Fatal(err)
	}
	return fixes, &rec
}

// good returns the fixes of fixes that rec does not mark bad.
func good(fixes []ingest.Fix, rec *record) []ingest.Fix {
	var out []ingest.Fix
	for _, f := range fixes {
		if _, bad := rec.bad[f.Time]; !bad {
			out = append(out, f)
		}
	}
	return out
}

// inArea returns the set of cells of an area.
func inArea(cells []h3.Cell) map[h3.Cell]bool {
	m := make(map[h3.Cell]bool, len(cells))
	for _, c := range cells {
		m[c] = true
	}
	return m
}
