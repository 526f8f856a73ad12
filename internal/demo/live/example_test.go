package live_test

import (
	"fmt"

	"github.com/gridwatch/gridwatch/internal/demo/live"
)

// Plan sends every fifth phone through OsmAnd and gives the incidents to the first OsmAnd
// phones.
func ExamplePlan() {
	phones := make([]live.Phone, 12)
	live.Plan(phones)
	for i, p := range phones {
		if p.OsmAnd || p.Role != live.Patrol {
			fmt.Println(i, "osmand", p.Role)
		}
	}
	// Output:
	// 0 osmand sos
	// 5 osmand wanderer
	// 10 osmand silent
}
