package mvt_test

import (
	"math/rand/v2"
	"time"

	"github.com/gridwatch/gridwatch/tiles/mvt"
	"github.com/gridwatch/gridwatch/tiles/mvt/mvttest"
)

// points returns n random case-like points inside tile t.
func points(t mvt.Tile, n int, rng *rand.Rand) []mvt.Feature {
	sectors := []string{"urban_management", "work_safety", "environment", "traffic"}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]mvt.Feature, n)
	for i := range out {
		out[i] = mvt.Feature{
			ID:       uint64(i + 1),
			Geometry: mvttest.Pixel(t, rng.Float64()*4096, rng.Float64()*4096),
			Properties: map[string]any{
				"sector":      sectors[i%len(sectors)],
				"status":      "reported",
				"reported_at": start.Add(time.Duration(i) * time.Minute),
				"priority":    i % 3,
			},
		}
	}
	return out
}
