package plan

import (
	"math"
	"math/rand/v2"
	"slices"
)

// eps is the smallest change, in seconds or priority units, the local search
// treats as an improvement; it keeps rounding noise from cycling.
const eps = 1e-9

// slack is the fraction of the best priority the local search may fall
// below while it keeps exploring from the current plan.
const slack = 0.02

// Solve plans the shift p with a greedy insertion construction and an
// iterated local search, and returns a Solution in which every route
// finishes within p.BudgetS and no site is visited twice. The result
// depends only on p and opt, and it never collects less priority than
// [Greedy]. Solve returns an error wrapping [ErrInvalid] when p is invalid
// (no officers, budget or speed not positive, NaN values, duplicate IDs) or
// opt.Iterations is negative.
func Solve(p Problem, opt Options) (Solution, error) {
	in, err := newInstance(&p)
	if err != nil {
		return Solution{}, err
	}
	if opt.Iterations < 0 {
		return Solution{}, invalid("iterations %d, want >= 0", opt.Iterations)
	}
	iters := opt.Iterations
	if iters == 0 {
		iters = DefaultIterations
	}
	// Start from the better of the insertion construction and the nearest
	// neighbour tour, both polished, so Solve is never worse than Greedy.
	cur := newState(in)
	cur.insertAll(nil)
	cur.improve()
	alt := newState(in)
	for k, r := range greedyRoutes(in) {
		alt.routes[k] = r
	}
	alt.sync()
	alt.improve()
	if alt.better(cur) {
		cur = alt
	}
	best := cur.clone()
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5eed0f9a7201))
	tabu := make([]bool, in.n)
	for range iters {
		// Vary how much insertion favours priority over added time, so
		// that repeated ruin-and-recreate rounds explore other plans.
		cur.alpha = 0.5 + rng.Float64()
		cur.perturb(rng, tabu)
		cur.insertAll(tabu)
		clear(tabu)
		cur.improve()
		cur.alpha = 1
		switch {
		case cur.better(best):
			best = cur.clone()
		case cur.total() < best.total()*(1-slack)-eps:
			// Too far below the best: restart from it. Plans within
			// slack are kept to escape local optima.
			cur = best.clone()
		}
	}
	return in.solution(best.routes), nil
}

// state is a working solution of the local search.
type state struct {
	in      *instance
	routes  [][]int
	times   []float64
	where   []int  // route of each site, or -1
	blocked []bool // n×m scratch for insertAll
	order   []int  // sites by decreasing priority
	alpha   float64
}

func newState(in *instance) *state {
	s := &state{in: in, routes: make([][]int, in.m), times: make([]float64, in.m),
		where: make([]int, in.n), blocked: make([]bool, in.n*in.m), alpha: 1}
	for i := range s.where {
		s.where[i] = -1
	}
	s.order = make([]int, in.n)
	for i := range s.order {
		s.order[i] = i
	}
	slices.SortStableFunc(s.order, func(a, b int) int {
		switch {
		case in.prio[a] > in.prio[b]:
			return -1
		case in.prio[a] < in.prio[b]:
			return 1
		}
		return 0
	})
	return s
}

func (s *state) clone() *state {
	c := *s
	c.routes = make([][]int, len(s.routes))
	for k, r := range s.routes {
		c.routes[k] = slices.Clone(r)
	}
	c.times = slices.Clone(s.times)
	c.where = slices.Clone(s.where)
	c.blocked = make([]bool, len(s.blocked))
	return &c
}

// sync recomputes times and where from routes.
func (s *state) sync() {
	for i := range s.where {
		s.where[i] = -1
	}
	for k, r := range s.routes {
		s.times[k] = s.in.routeTime(k, r)
		for _, x := range r {
			s.where[x] = k
		}
	}
}

func (s *state) total() float64 {
	sum := 0.0
	for _, r := range s.routes {
		for _, x := range r {
			sum += s.in.prio[x]
		}
	}
	return sum
}

func (s *state) duration() float64 {
	sum := 0.0
	for _, t := range s.times {
		sum += t
	}
	return sum
}

// better reports whether s collects more priority than o, or the same in
// less total time.
func (s *state) better(o *state) bool {
	a, b := s.total(), o.total()
	if a != b {
		return a > b+eps
	}
	return s.duration() < o.duration()-eps
}

// bestPos returns the cheapest position to insert site x into route r that
// starts at node start, and the added time.
func (s *state) bestPos(start int, r []int, x int) (int, float64) {
	in := s.in
	bp, bd := -1, math.Inf(1)
	prev := start
	for i := 0; i <= len(r); i++ {
		d := in.tt(prev, x) + in.dwell[x]
		if i < len(r) {
			d += in.tt(x, r[i]) - in.tt(prev, r[i])
			prev = r[i]
		}
		if d < bd {
			bp, bd = i, d
		}
	}
	return bp, bd
}

// removalGain returns the time saved by removing position i of route r.
func (s *state) removalGain(start int, r []int, i int) float64 {
	in := s.in
	prev := start
	if i > 0 {
		prev = r[i-1]
	}
	x := r[i]
	g := in.tt(prev, x) + in.dwell[x]
	if i+1 < len(r) {
		g += in.tt(x, r[i+1]) - in.tt(prev, r[i+1])
	}
	return g
}

// insertAll inserts unvisited sites, best priority per added second (raised
// to alpha) first, while any fits. Sites marked in tabu are left out.
func (s *state) insertAll(tabu []bool) bool {
	in := s.in
	budget := in.p.BudgetS
	clear(s.blocked)
	changed := false
	for {
		bx, bk, bp, br := -1, -1, -1, -1.0
		for x := 0; x < in.n; x++ {
			if s.where[x] >= 0 || in.prio[x] <= 0 || (tabu != nil && tabu[x]) {
				continue
			}
			for k, r := range s.routes {
				if s.blocked[x*in.m+k] {
					continue
				}
				pos, d := s.bestPos(in.n+k, r, x)
				if s.times[k]+d > budget {
					continue
				}
				ratio := in.prio[x] / math.Pow(math.Max(d, eps), s.alpha)
				if ratio > br {
					bx, bk, bp, br = x, k, pos, ratio
				}
			}
		}
		if bx < 0 {
			return changed
		}
		r := slices.Insert(s.routes[bk], bp, bx)
		if t := in.routeTime(bk, r); t <= budget {
			s.routes[bk], s.times[bk], s.where[bx] = r, t, bk
			changed = true
		} else {
			s.routes[bk] = slices.Delete(r, bp, bp+1)
			s.blocked[bx*in.m+bk] = true
		}
	}
}

// twoOpt shortens route k by reversing segments.
func (s *state) twoOpt(k int) {
	in := s.in
	r := s.routes[k]
	for improved := true; improved; {
		improved = false
		for i := 0; i < len(r)-1; i++ {
			prev := in.n + k
			if i > 0 {
				prev = r[i-1]
			}
			for j := i + 1; j < len(r); j++ {
				d := in.tt(prev, r[j]) - in.tt(prev, r[i])
				if j+1 < len(r) {
					d += in.tt(r[i], r[j+1]) - in.tt(r[j], r[j+1])
				}
				if d >= -eps {
					continue
				}
				slices.Reverse(r[i : j+1])
				// Verify: with an asymmetric TravelFunc the reversed
				// inner legs change too.
				if t := in.routeTime(k, r); t < s.times[k]-eps {
					s.times[k] = t
					improved = true
				} else {
					slices.Reverse(r[i : j+1])
				}
			}
		}
	}
}

// relocate moves single sites within or between routes when that lowers
// the total time.
func (s *state) relocate() bool {
	in := s.in
	budget := in.p.BudgetS
	changed := false
	for a := range s.routes {
		for i := 0; i < len(s.routes[a]); i++ {
			ra := s.routes[a]
			x := ra[i]
			g := s.removalGain(in.n+a, ra, i)
			without := slices.Delete(slices.Clone(ra), i, i+1)
			for b := range s.routes {
				var pos int
				var d float64
				if b == a {
					pos, d = s.bestPos(in.n+a, without, x)
					if pos == i || d-g >= -eps {
						continue
					}
					nr := slices.Insert(slices.Clone(without), pos, x)
					if t := in.routeTime(a, nr); t < s.times[a]-eps && t <= budget {
						s.routes[a], s.times[a] = nr, t
						changed = true
						break
					}
					continue
				}
				pos, d = s.bestPos(in.n+b, s.routes[b], x)
				if d-g >= -eps || s.times[b]+d > budget {
					continue
				}
				nb := slices.Insert(slices.Clone(s.routes[b]), pos, x)
				ta, tb := in.routeTime(a, without), in.routeTime(b, nb)
				if tb <= budget && ta+tb < s.times[a]+s.times[b]-eps {
					s.routes[a], s.times[a] = without, ta
					s.routes[b], s.times[b] = nb, tb
					s.where[x] = b
					changed = true
					break
				}
			}
		}
	}
	return changed
}

// replaceDelta returns the change in time of putting y at position i of
// route r (starting at node start) in place of what is there.
func (s *state) replaceDelta(start int, r []int, i, y int) float64 {
	in := s.in
	prev := start
	if i > 0 {
		prev = r[i-1]
	}
	x := r[i]
	d := in.tt(prev, y) + in.dwell[y] - in.tt(prev, x) - in.dwell[x]
	if i+1 < len(r) {
		d += in.tt(y, r[i+1]) - in.tt(x, r[i+1])
	}
	return d
}

// swap exchanges two sites of different routes when that lowers the total
// time.
func (s *state) swap() bool {
	in := s.in
	budget := in.p.BudgetS
	changed := false
	for a := range s.routes {
		for b := a + 1; b < len(s.routes); b++ {
			ra, rb := s.routes[a], s.routes[b]
			for i := range ra {
				for j := range rb {
					x, y := ra[i], rb[j]
					da := s.replaceDelta(in.n+a, ra, i, y)
					db := s.replaceDelta(in.n+b, rb, j, x)
					if da+db >= -eps || s.times[a]+da > budget || s.times[b]+db > budget {
						continue
					}
					ra[i], rb[j] = y, x
					ta, tb := in.routeTime(a, ra), in.routeTime(b, rb)
					if ta <= budget && tb <= budget && ta+tb < s.times[a]+s.times[b]-eps {
						s.times[a], s.times[b] = ta, tb
						s.where[x], s.where[y] = b, a
						changed = true
					} else {
						ra[i], rb[j] = x, y
					}
				}
			}
		}
	}
	return changed
}

// replace swaps a visited site for an unvisited one of higher priority
// wherever the route stays within budget.
func (s *state) replace() bool {
	in := s.in
	budget := in.p.BudgetS
	changed := false
	for k := range s.routes {
		for i := 0; i < len(s.routes[k]); i++ {
			r := s.routes[k]
			v := r[i]
			g := s.removalGain(in.n+k, r, i)
			without := slices.Delete(slices.Clone(r), i, i+1)
			for _, u := range s.order {
				if in.prio[u] <= in.prio[v]+eps {
					break
				}
				if s.where[u] >= 0 {
					continue
				}
				pos, d := s.bestPos(in.n+k, without, u)
				if s.times[k]-g+d > budget {
					continue
				}
				nr := slices.Insert(slices.Clone(without), pos, u)
				if t := in.routeTime(k, nr); t <= budget {
					s.routes[k], s.times[k] = nr, t
					s.where[v], s.where[u] = -1, k
					changed = true
					break
				}
			}
		}
	}
	return changed
}

// improve runs the local search moves until none helps.
func (s *state) improve() {
	for range 100 {
		for k := range s.routes {
			s.twoOpt(k)
		}
		changed := s.relocate()
		changed = s.swap() || changed
		changed = s.insertAll(nil) || changed
		changed = s.replace() || changed
		if !changed {
			return
		}
	}
}

// perturb removes a few random sites (scattered, or a run of one route) and
// marks them in tabu so the next insertion fills the gap with others.
func (s *state) perturb(rng *rand.Rand, tabu []bool) {
	var nonEmpty []int
	visited := 0
	for k, r := range s.routes {
		if len(r) > 0 {
			nonEmpty = append(nonEmpty, k)
			visited += len(r)
		}
	}
	if visited == 0 {
		return
	}
	q := 1 + rng.IntN(min(visited, 2+visited/10))
	if rng.IntN(2) == 0 {
		for range q {
			k := nonEmpty[rng.IntN(len(nonEmpty))]
			r := s.routes[k]
			if len(r) == 0 {
				continue
			}
			i := rng.IntN(len(r))
			tabu[r[i]] = true
			s.where[r[i]] = -1
			s.routes[k] = slices.Delete(r, i, i+1)
		}
	} else {
		k := nonEmpty[rng.IntN(len(nonEmpty))]
		r := s.routes[k]
		q = min(q, len(r))
		i := rng.IntN(len(r) - q + 1)
		for _, x := range r[i : i+q] {
			tabu[x] = true
			s.where[x] = -1
		}
		s.routes[k] = slices.Delete(r, i, i+q)
	}
	for k, r := range s.routes {
		s.times[k] = s.in.routeTime(k, r)
	}
}
