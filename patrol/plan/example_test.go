package plan_test

import (
	"fmt"
	"math"

	"github.com/gridwatch/gridwatch/patrol/plan"
	"github.com/paulmach/orb"
)

func ExampleSolve() {
	// Two officers at either end of a street of five cells 100 m apart,
	// walking 1 m/s in a straight line (Travel), 5 minutes in each cell,
	// a shift of 800 s: each can reach at most two cells.
	at := func(m float64) orb.Point { return orb.Point{m, 0} }
	p := plan.Problem{
		Sites: []plan.Site{
			{ID: "c1", Pos: at(100), Priority: 1, DwellS: 300},
			{ID: "c2", Pos: at(200), Priority: 4, DwellS: 300},
			{ID: "c3", Pos: at(300), Priority: 2, DwellS: 300},
			{ID: "c4", Pos: at(400), Priority: 3, DwellS: 300},
			{ID: "c5", Pos: at(500), Priority: 1, DwellS: 300},
		},
		Officers: []plan.Officer{{ID: "west", Start: at(0)}, {ID: "east", Start: at(600)}},
		BudgetS:  800,
		Travel:   func(a, b orb.Point) float64 { return math.Abs(a[0] - b[0]) },
	}
	sol, err := plan.Solve(p, plan.Options{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range sol.Routes {
		fmt.Printf("%s:", r.Officer)
		for _, s := range r.Stops {
			fmt.Printf(" %s (%.0f-%.0f s)", s.Site, s.ArriveS, s.LeaveS)
		}
		fmt.Printf(" priority %.0f\n", r.Priority)
	}
	fmt.Println("total", sol.Priority, "unvisited", sol.Unvisited)
	// Output:
	// west: c1 (100-400 s) c2 (500-800 s) priority 5
	// east: c5 (100-400 s) c4 (500-800 s) priority 4
	// total 9 unvisited [c3]
}
