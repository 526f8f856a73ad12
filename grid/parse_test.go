package grid

import (
	"testing"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/apperr"
)

func TestParseTownshipsNumericCodeAndDatum(t *testing.T) {
	body := []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":320281001,"name":"澄江"},
		"geometry":{"type":"Polygon","coordinates":[[[120.2,31.8],[120.2,31.9],[120.3,31.9],[120.3,31.8],[120.2,31.8]]]}}]}`)
	got, err := ParseTownships(body, geo.GCJ02)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Code != "320281001" {
		t.Errorf("code = %q, want 320281001 (a JSON number, without exponent)", got[0].Code)
	}
	ring := got[0].Geom[0][0]
	if ring.Orientation() != 1 {
		t.Error("exterior ring not normalised to counter-clockwise")
	}
	if ring[0] == [2]float64{120.2, 31.8} {
		t.Error("GCJ-02 input was not converted to WGS-84")
	}
}

func TestParseTownshipsListsEveryBadFeature(t *testing.T) {
	body := []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"code":"A","name":"a"},"geometry":{"type":"Point","coordinates":[1,2]}},
		{"type":"Feature","properties":{"code":"B","name":"b"},"geometry":null},
		{"type":"Feature","properties":{"code":"C"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}`)
	_, err := ParseTownships(body, geo.WGS84)
	if apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("err = %v, want invalid", err)
	}
	list, _ := apperr.ExtraOf(err)["errors"].([]FeatureError)
	if len(list) != 3 || list[0].Code != "A" || list[1].Reason != geo.ReasonNotPolygonal || list[2].Reason != "bad_name" {
		t.Errorf("errors = %+v", list)
	}
}

// FuzzParseTownships feeds arbitrary bodies through the import parser: it must return
// townships or an invalid error, never panic.
func FuzzParseTownships(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"1","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":1e400,"name":"x"},"geometry":{"type":"MultiPolygon","coordinates":[]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[null]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		towns, err := ParseTownships(body, geo.BD09)
		if err != nil && apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("error of code %s: %v", apperr.CodeOf(err), err)
		}
		if err == nil && len(towns) == 0 {
			t.Fatal("no error and no townships")
		}
	})
}
