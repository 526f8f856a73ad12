package plan

import "math"

// MaxExactSites is the largest number of sites [Exact] accepts.
const MaxExactSites = 12

// Exact solves a single-officer problem optimally by dynamic programming
// over subsets of sites (the shortest finishing time of every subset and
// last site), for measuring the gap of [Solve]. Among plans of maximal
// priority it returns one of least duration. Exact returns an error
// wrapping [ErrInvalid] when p is invalid, has more than one officer or
// more than MaxExactSites sites.
func Exact(p Problem) (Solution, error) {
	in, err := newInstance(&p)
	if err != nil {
		return Solution{}, err
	}
	if in.m != 1 {
		return Solution{}, invalid("exact solver: %d officers, want 1", in.m)
	}
	n := in.n
	if n > MaxExactSites {
		return Solution{}, invalid("exact solver: %d sites, want <= %d", n, MaxExactSites)
	}
	budget := in.p.BudgetS
	size := 1 << n
	dp := make([]float64, size*max(n, 1))
	parent := make([]int8, size*max(n, 1))
	for i := range dp {
		dp[i] = math.Inf(1)
	}
	for x := 0; x < n; x++ {
		if t := in.tt(n, x) + in.dwell[x]; t <= budget {
			dp[(1<<x)*n+x], parent[(1<<x)*n+x] = t, -1
		}
	}
	bestMask, bestLast, bestPrio, bestTime := 0, -1, 0.0, 0.0
	for mask := 1; mask < size; mask++ {
		prio := 0.0
		for x := 0; x < n; x++ {
			if mask&(1<<x) != 0 {
				prio += in.prio[x]
			}
		}
		for last := 0; last < n; last++ {
			t := dp[mask*n+last]
			if math.IsInf(t, 1) {
				continue
			}
			if prio > bestPrio || (prio == bestPrio && bestLast >= 0 && t < bestTime) {
				bestMask, bestLast, bestPrio, bestTime = mask, last, prio, t
			}
			for y := 0; y < n; y++ {
				if mask&(1<<y) != 0 || in.prio[y] <= 0 {
					continue
				}
				nt := t + in.tt(last, y) + in.dwell[y]
				if nt <= budget && nt < dp[(mask|1<<y)*n+y] {
					dp[(mask|1<<y)*n+y], parent[(mask|1<<y)*n+y] = nt, int8(last)
				}
			}
		}
	}
	var route []int
	for mask, last := bestMask, bestLast; last >= 0; {
		route = append(route, last)
		prev := int(parent[mask*n+last])
		mask &^= 1 << last
		last = prev
	}
	for i, j := 0, len(route)-1; i < j; i, j = i+1, j-1 {
		route[i], route[j] = route[j], route[i]
	}
	return in.solution([][]int{route}), nil
}
