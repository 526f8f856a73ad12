package democity_test

import (
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/internal/demo/democity"
)

func TestStreetsCoverTheCity(t *testing.T) {
	streets := democity.Streets(1, democity.StreetOptions{})
	var bound orb.Bound
	primary := 0
	for i, f := range streets.Features {
		ls, ok := f.Geometry.(orb.LineString)
		if !ok || len(ls) != 2 {
			t.Fatalf("feature %d is %T with %d points, want a 2-point LineString", i, f.Geometry, len(ls))
		}
		if i == 0 {
			bound = ls.Bound()
		}
		bound = bound.Union(ls.Bound())
		if f.Properties["highway"] == "primary" {
			primary++
		}
	}
	if n := len(streets.Features); n < 11000 || n > 16000 {
		t.Errorf("%d streets, want about 13,500 (500 m lattice, 15 %% left out)", n)
	}
	if primary == 0 || primary > len(streets.Features)/3 {
		t.Errorf("%d primary roads of %d", primary, len(streets.Features))
	}
	for _, f := range democity.Shapes(1).Features {
		if b := f.Geometry.Bound(); !bound.Contains(b.Min) || !bound.Contains(b.Max) {
			t.Errorf("township %v (%v) sticks out of the streets' %v", f.Properties["code"], b, bound)
		}
	}
	again := democity.Streets(1, democity.StreetOptions{})
	if len(again.Features) != len(streets.Features) ||
		again.Features[100].Geometry.(orb.LineString)[0] != streets.Features[100].Geometry.(orb.LineString)[0] {
		t.Error("the same seed gave other streets")
	}
}
