package grid

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/apperr"
)

// FuzzParseCell parses arbitrary strings as H3 cell indexes. What it accepts is a valid
// cell whose canonical lower-case form is the input in lower case, at a resolution of
// 0 to 15, and whose geometry is a closed ring of 5 or 6 corners around its centre.
// Seeds: f.Add below.
func FuzzParseCell(f *testing.F) {
	for _, s := range []string{
		"8931aa4a2dbffff", "8931AA4A2DBFFFF", "0", "", "ffffffffffffffff", "8031fffffffffff", "8f31aa4a2dba000",
		"1931aa4a2dbffff", "08931aa4a2dbffff", "+8931aa4a2dbfff", "0x8931aa4a2dbff", "8931aa4a2db", "851fb467fffffff",
		" 8931aa4a2dbffff", "8931aa4a2dbffff\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCell(s)
		if err != nil {
			if c != 0 || err.Error() == "" {
				t.Fatalf("ParseCell(%q) = %v, %v", s, c, err)
			}
			return
		}
		if !c.IsValid() || c.Resolution() < 0 || c.Resolution() > 15 {
			t.Fatalf("ParseCell(%q) = %v, not a valid cell", s, c)
		}
		if got := c.String(); strings.TrimLeft(strings.ToLower(s), "0") != got {
			t.Fatalf("ParseCell(%q).String() = %q, not the input", s, got)
		}
		if again, err := ParseCell(c.String()); err != nil || again != c {
			t.Fatalf("ParseCell(%q) = %v, %v; want %v back", c.String(), again, err, c)
		}
		g := Geometry(c)
		ring := g.Boundary[0]
		if n := len(ring); (n != 6 && n != 7) || ring[0] != ring[n-1] {
			t.Fatalf("Geometry(%v) ring %v is not a closed pentagon or hexagon", c, ring)
		}
		if len(g.Parents) != c.Resolution() || h3.LatLngToCell(h3.LatLng{Lat: g.Center[1], Lng: g.Center[0]}, c.Resolution()) != c {
			t.Fatalf("Geometry(%v): %d parents, centre %v not in the cell", c, len(g.Parents), g.Center)
		}
	})
}

// FuzzParseTownshipsStored feeds import bodies in every datum through ParseTownships and
// checks what would be stored: one township per feature, unique codes of the allowed
// form, names of 1 to 200 bytes, and WGS-84 multipolygons that are themselves valid —
// after the datum conversion — with counter-clockwise shells. Failures are invalid, and
// list at most 50 bad features whose indices exist in the input. Seeds: f.Add below
// and testdata/fuzz/FuzzParseTownshipsStored.
func FuzzParseTownshipsStored(f *testing.F) {
	for _, s := range []string{
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"320281001","name":"澄江"},"geometry":{"type":"Polygon","coordinates":[[[120.2,31.8],[120.21,31.8],[120.21,31.81],[120.2,31.81],[120.2,31.8]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":320281002,"name":"南闸"},"geometry":{"type":"MultiPolygon","coordinates":[[[[120.2,31.8],[120.2,31.81],[120.21,31.81],[120.2,31.8]],[[120.201,31.802],[120.205,31.808],[120.202,31.806],[120.201,31.802]]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"a","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[-180,0],[-179.99,0],[-179.99,0.01],[-180,0]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"a","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[179.99,89.99],[180,89.99],[180,90],[179.99,89.99]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"a","name":"x"},"geometry":null},{"type":"Feature","properties":{"code":"a","name":"y"},"geometry":{"type":"Point","coordinates":[1,2]}}]}`,
		`{"type":"FeatureCollection","features":[]}`,
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(2))
	}
	datums := []geo.Datum{geo.WGS84, geo.GCJ02, geo.BD09}
	f.Fuzz(func(t *testing.T, body []byte, d uint8) {
		datum := datums[int(d)%len(datums)]
		towns, err := ParseTownships(body, datum)
		var doc struct {
			Features []json.RawMessage `json:"features"`
		}
		_ = json.Unmarshal(body, &doc)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("ParseTownships error %v", err)
			}
			list, _ := apperr.ExtraOf(err)["errors"].([]FeatureError)
			if len(list) > maxFeatureErrors {
				t.Fatalf("%d feature errors listed", len(list))
			}
			for _, fe := range list {
				if fe.Index < 0 || fe.Index >= len(doc.Features) || fe.Reason == "" || fe.Detail == "" {
					t.Fatalf("feature error %+v of %d features", fe, len(doc.Features))
				}
			}
			return
		}
		if len(towns) != len(doc.Features) {
			t.Fatalf("ParseTownships returned %d townships of %d features", len(towns), len(doc.Features))
		}
		seen := map[string]bool{}
		for _, tw := range towns {
			if !codePattern.MatchString(tw.Code) || seen[tw.Code] || tw.Name == "" || len(tw.Name) > 200 {
				t.Fatalf("township %q %q (codes so far %v)", tw.Code, tw.Name, seen)
			}
			seen[tw.Code] = true
			if err := geo.ValidatePolygonal(tw.Geom); err != nil {
				t.Fatalf("township %s in %s is stored invalid: %v", tw.Code, datum, err)
			}
			for _, p := range tw.Geom {
				if p[0].Orientation() != orb.CCW {
					t.Fatalf("township %s has a clockwise shell", tw.Code)
				}
			}
		}
	})
}
