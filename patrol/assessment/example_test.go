package assessment_test

import (
	"fmt"

	"github.com/gridwatch/gridwatch/patrol/assessment"
)

// The worked example of docs/analytics.md: arrival on time in four townships, three large
// and one with 4 dispatched cases, all on time.
func ExampleFitBeta() {
	units := []assessment.Count{{X: 32, N: 42}, {X: 36, N: 40}, {X: 28, N: 40}, {X: 4, N: 4}}
	prior, _ := assessment.FitBeta(units)
	fmt.Printf("city %.4f, prior Beta(%.2f, %.2f)\n", prior.P, prior.A, prior.B)
	for i, name := range []string{"A", "B", "C", "S"} {
		p := prior.Shrink(units[i])
		fmt.Printf("%s %2.0f/%2.0f raw %.3f shrunk %.3f [%.3f, %.3f]\n", name, units[i].X, units[i].N,
			units[i].X/units[i].N, p.Mean, p.Lo, p.Hi)
	}
	// Output:
	// city 0.7937, prior Beta(20.63, 5.36)
	// A 32/42 raw 0.762 shrunk 0.774 [0.687, 0.852]
	// B 36/40 raw 0.900 shrunk 0.858 [0.782, 0.922]
	// C 28/40 raw 0.700 shrunk 0.737 [0.644, 0.821]
	// S  4/ 4 raw 1.000 shrunk 0.821 [0.697, 0.921]
}
