package democity

import (
	"math/rand/v2"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// The streets cover a box round the city's centre this many km east-west and north-south
// of it: the whole county (tested).
const (
	streetsHalfWidthKm  = 25.0
	streetsHalfHeightKm = 20.0
)

// StreetOptions shape the synthetic street network of [Streets].
type StreetOptions struct {
	SpacingKm float64 // distance between parallel streets (default 0.5)
	JitterKm  float64 // how far a junction may move off the lattice (default a fifth of the spacing)
	Missing   float64 // share of blocks' sides left without a street (default 0.15)
}

// Streets returns a synthetic street network over the demo city: a lattice of junctions,
// moved a little at random, joined by straight streets of which some are left out so that
// routes have to go round. Every street is one LineString feature between two junctions,
// with a "name" and "highway" property: every fifth street of the lattice is a "primary"
// road, the rest "residential". The same seed gives the same streets.
func Streets(seed int64, opts StreetOptions) *geojson.FeatureCollection {
	if opts.SpacingKm <= 0 {
		opts.SpacingKm = 0.5
	}
	if opts.JitterKm == 0 {
		opts.JitterKm = opts.SpacingKm / 5
	}
	if opts.Missing == 0 {
		opts.Missing = 0.15
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5743_5354)) // "WCST": its own stream
	nx, ny := int(2*streetsHalfWidthKm/opts.SpacingKm)+1, int(2*streetsHalfHeightKm/opts.SpacingKm)+1
	junction := make([][]vec, nx)
	for i := range junction {
		junction[i] = make([]vec, ny)
		for j := range junction[i] {
			junction[i][j] = vec{
				-streetsHalfWidthKm + float64(i)*opts.SpacingKm + (rng.Float64()*2-1)*opts.JitterKm,
				-streetsHalfHeightKm + float64(j)*opts.SpacingKm + (rng.Float64()*2-1)*opts.JitterKm,
			}
		}
	}
	fc := geojson.NewFeatureCollection()
	street := func(a, b vec, line int, name string) {
		if rng.Float64() < opts.Missing {
			return
		}
		f := geojson.NewFeature(orb.LineString{a.lonLat(), b.lonLat()})
		f.Properties["name"] = name
		f.Properties["highway"] = "residential"
		if line%5 == 0 {
			f.Properties["highway"] = "primary"
		}
		fc.Append(f)
	}
	for i := range nx {
		for j := range ny {
			if i+1 < nx {
				street(junction[i][j], junction[i+1][j], j, streetName("路", j))
			}
			if j+1 < ny {
				street(junction[i][j], junction[i][j+1], i, streetName("街", i))
			}
		}
	}
	return fc
}

// streetName names the k-th road of one direction, e.g. 纬12路 or 经3街.
func streetName(suffix string, k int) string {
	prefix := "纬"
	if suffix == "街" {
		prefix = "经"
	}
	return prefix + strconv.Itoa(k) + suffix
}
