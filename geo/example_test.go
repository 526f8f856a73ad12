package geo_test

import (
	"errors"
	"fmt"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
)

// A position reported by an AMap-based app in Jiangyin is converted to
// WGS-84 before it is stored.
func ExampleToWGS84() {
	d, err := geo.ParseDatum("GCJ02")
	if err != nil {
		fmt.Println(err)
		return
	}
	amap := orb.Point{120.28991501, 31.90884290} // [lon, lat] in GCJ-02
	wgs := geo.ToWGS84(amap, d)
	fmt.Printf("WGS-84: %.6f, %.6f\n", wgs[0], wgs[1])
	fmt.Printf("shift: %.0f m\n", geo.DistanceMeters(amap, wgs))
	// Output:
	// WGS-84: 120.285300, 31.910800
	// shift: 487 m
}

func ExampleParseDatum() {
	for _, s := range []string{"", "BD09", "utm"} {
		d, err := geo.ParseDatum(s)
		fmt.Printf("%q -> %q, %v\n", s, d, err)
	}
	// Output:
	// "" -> "wgs84", <nil>
	// "BD09" -> "bd09", <nil>
	// "utm" -> "", unknown datum "utm": want one of wgs84, gcj02, bd09 (empty means wgs84)
}

func ExampleDistanceMeters() {
	// One degree of latitude on the mean-radius sphere.
	fmt.Printf("%.0f m\n", geo.DistanceMeters(orb.Point{120, 31}, orb.Point{120, 32}))
	// Jiangyin to Shanghai People's Square.
	fmt.Printf("%.1f km\n", geo.DistanceMeters(orb.Point{120.2853, 31.9108}, orb.Point{121.4737, 31.2304})/1000)
	// Output:
	// 111195 m
	// 135.6 km
}

func ExampleBearingDegrees() {
	jiangyin, shanghai := orb.Point{120.2853, 31.9108}, orb.Point{121.4737, 31.2304}
	fmt.Printf("%.1f°\n", geo.BearingDegrees(jiangyin, shanghai))
	// Output:
	// 123.6°
}

// A patrol officer walks 500 m north-east from Jiangyin centre.
func ExampleDestination() {
	p := geo.Destination(orb.Point{120.2853, 31.9108}, 45, 500)
	fmt.Printf("%.6f, %.6f\n", p[0], p[1])
	// Output:
	// 120.289046, 31.913980
}

// Feature errors get the feature's index prefixed; the reason code is
// stable for clients.
func ExampleValidatePolygonal() {
	fc, err := geo.ReadFeatureCollection([]byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[120.25,31.88],[120.32,31.88],[120.32,31.94],[120.25,31.88]]]}},
		{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[31.88,120.25],[31.88,120.32],[31.94,120.32],[31.88,120.25]]]}},
		{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[120,31],[121,32],[121,31],[120,32],[120,31]]]}}
	]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, f := range fc.Features {
		err := geo.ValidatePolygonal(f.Geometry)
		var ve *geo.ValidationError
		if errors.As(err, &ve) {
			fmt.Printf("feature %d: %s: %s\n", i, ve.Reason, ve.Message)
			continue
		}
		fmt.Printf("feature %d: ok\n", i)
	}
	// Output:
	// feature 0: ok
	// feature 1: lat_lon_swapped: ring 0 (exterior) vertex 0: latitude 120.25 is outside [-90, 90]; the position [31.88, 120.25] looks like [lat, lon], GeoJSON wants [lon, lat]
	// feature 2: self_intersection: ring 0 (exterior) intersects itself: edge 0-1 meets edge 2-3
}

func ExampleNormalizeWinding() {
	clockwise := orb.Polygon{{{120, 31}, {120, 32}, {121, 32}, {121, 31}, {120, 31}}}
	p := geo.NormalizeWinding(clockwise)
	fmt.Println(p[0].Orientation() == orb.CCW, p[0])
	// Output:
	// true [[120 31] [121 31] [121 32] [120 32] [120 31]]
}
