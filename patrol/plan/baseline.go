package plan

import (
	"math/rand/v2"
)

// Greedy plans the shift p by nearest neighbour, a baseline for [Solve]:
// the officers take turns, each moving to the nearest (by travel time)
// unvisited site with positive priority that it can still finish within the
// budget, until none can move. It returns an error wrapping [ErrInvalid]
// when p is invalid.
func Greedy(p Problem) (Solution, error) {
	in, err := newInstance(&p)
	if err != nil {
		return Solution{}, err
	}
	return in.solution(greedyRoutes(in)), nil
}

func greedyRoutes(in *instance) [][]int {
	routes := make([][]int, in.m)
	times := make([]float64, in.m)
	visited := make([]bool, in.n)
	active := make([]bool, in.m)
	for k := range active {
		active[k] = true
	}
	for moved := true; moved; {
		moved = false
		for k := range routes {
			if !active[k] {
				continue
			}
			prev := in.n + k
			if len(routes[k]) > 0 {
				prev = routes[k][len(routes[k])-1]
			}
			bx := -1
			for x := 0; x < in.n; x++ {
				if visited[x] || in.prio[x] <= 0 {
					continue
				}
				if times[k]+in.tt(prev, x)+in.dwell[x] > in.p.BudgetS {
					continue
				}
				if bx < 0 || in.tt(prev, x) < in.tt(prev, bx) {
					bx = x
				}
			}
			if bx < 0 {
				active[k] = false
				continue
			}
			routes[k] = append(routes[k], bx)
			times[k] = in.routeTime(k, routes[k])
			visited[bx] = true
			moved = true
		}
	}
	return routes
}

// BestRandom returns the best, by collected priority, of n random feasible
// plans of p, a baseline for [Solve]. Each plan takes the sites in a random
// order and appends each to the first officer, in a random order of
// officers, that can still finish within the budget. The result depends
// only on p, n and seed. BestRandom returns an error wrapping [ErrInvalid]
// when p is invalid or n < 1.
func BestRandom(p Problem, n int, seed uint64) (Solution, error) {
	in, err := newInstance(&p)
	if err != nil {
		return Solution{}, err
	}
	if n < 1 {
		return Solution{}, invalid("%d random plans, want >= 1", n)
	}
	rng := rand.New(rand.NewPCG(seed, 0xba5e1196))
	var sites []int
	for x := 0; x < in.n; x++ {
		if in.prio[x] > 0 {
			sites = append(sites, x)
		}
	}
	officers := make([]int, in.m)
	for k := range officers {
		officers[k] = k
	}
	var best [][]int
	bestPrio := -1.0
	routes := make([][]int, in.m)
	times := make([]float64, in.m)
	for range n {
		rng.Shuffle(len(sites), func(i, j int) { sites[i], sites[j] = sites[j], sites[i] })
		rng.Shuffle(len(officers), func(i, j int) { officers[i], officers[j] = officers[j], officers[i] })
		for k := range routes {
			routes[k], times[k] = routes[k][:0], 0
		}
		prio := 0.0
		for _, x := range sites {
			for _, k := range officers {
				prev := in.n + k
				if len(routes[k]) > 0 {
					prev = routes[k][len(routes[k])-1]
				}
				if t := times[k] + in.tt(prev, x) + in.dwell[x]; t <= in.p.BudgetS {
					routes[k], times[k] = append(routes[k], x), t
					prio += in.prio[x]
					break
				}
			}
		}
		if prio > bestPrio {
			bestPrio = prio
			best = make([][]int, in.m)
			for k, r := range routes {
				best[k] = append([]int(nil), r...)
			}
		}
	}
	return in.solution(best), nil
}
