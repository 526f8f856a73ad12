package ingest_test

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gridwatch/gridwatch/patrol/ingest"
)

// The parameters of a classic Traccar Client request: speed in knots, and
// an accuracy of 0 that means the client did not report it.
func ExampleParseOsmAndValues() {
	q, _ := url.ParseQuery("id=48241179&timestamp=1718459112&lat=31.8439&lon=120.2817" +
		"&speed=12.5&bearing=87.0&altitude=9.0&accuracy=0.0&batt=76.0&charge=true")
	f, err := ingest.ParseOsmAndValues(q)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.DeviceID, f.Time.Format(time.RFC3339), f.Point, f.Datum)
	fmt.Printf("speed %.2f m/s, heading %.0f°, battery %.0f%%, accuracy known: %t\n",
		*f.SpeedMS, *f.HeadingDeg, *f.BatteryPct, f.AccuracyM != nil)
	// Output:
	// 48241179 2024-06-15T13:45:12Z [120.2817 31.8439] wgs84
	// speed 6.43 m/s, heading 87°, battery 76%, accuracy known: false
}

// A batch with an unparseable item and a GPS jump: the good fixes are
// accepted, and each rejection keeps the item's index in the upload.
func ExampleFilter() {
	body := `{"positions":[
		{"officer":"jy-0412","time":"2024-06-15T13:45:00Z","lat":31.9108,"lon":120.2853,"accuracy":8},
		{"officer":"jy-0412","time":"2024-06-15T13:45:05Z","lat":31.9608,"lon":120.2853,"accuracy":8},
		{"officer":"jy-0412","time":"yesterday","lat":31.9109,"lon":120.2853},
		{"officer":"jy-0412","time":"2024-06-15T13:45:10Z","lat":31.9109,"lon":120.2853,"accuracy":350},
		{"officer":"jy-0412","time":"2024-06-15T13:45:15Z","lat":31.9110,"lon":120.2854,"accuracy":6}]}`
	items, err := ingest.ParseBatch(strings.NewReader(body), 100)
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2024, 6, 15, 14, 0, 0, 0, time.UTC)
	accepted, rejected := ingest.Filter(items, nil, now, ingest.FilterConfig{})
	for _, f := range accepted {
		fmt.Println("accepted", f.Time.Format(time.TimeOnly))
	}
	for _, r := range rejected {
		fmt.Println("rejected", r.Index, r.Code)
	}
	// Output:
	// accepted 13:45:00
	// accepted 13:45:15
	// rejected 1 implied_speed
	// rejected 2 bad_time
	// rejected 3 low_accuracy
}
