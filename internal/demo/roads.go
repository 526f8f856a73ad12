package demo

import (
	"context"
	"fmt"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/demo/democity"
	"github.com/gridwatch/gridwatch/patrol/roads"
)

// LoadRoads replaces the road network with the demo city's synthetic streets
// (democity.Streets), going through the same parsing and noding as an imported file.
func LoadRoads(ctx context.Context, store *roads.Store, seed int64) (roads.Summary, error) {
	body, err := democity.Streets(seed, democity.StreetOptions{}).MarshalJSON()
	if err != nil {
		return roads.Summary{}, err
	}
	net, err := roads.Parse(body, geo.WGS84)
	if err != nil {
		return roads.Summary{}, fmt.Errorf("demo streets: %w", err)
	}
	return store.Import(ctx, net)
}
