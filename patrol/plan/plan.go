package plan

import (
	"errors"
	"fmt"
	"math"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
)

// DefaultDetourFactor is the ratio of walked to great-circle distance used
// when [Problem.DetourFactor] is zero.
const DefaultDetourFactor = 1.3

// DefaultIterations is the number of local search iterations [Solve] runs
// when [Options.Iterations] is zero.
const DefaultIterations = 1000

// ErrInvalid is wrapped by the errors the solvers return for a problem or
// options they cannot accept; test for it with errors.Is.
var ErrInvalid = errors.New("invalid plan problem")

// TravelFunc returns the travel time in seconds from a to b, both WGS-84
// [lon, lat] positions. It must return a non-negative number; +Inf marks b
// as unreachable from a.
type TravelFunc func(a, b orb.Point) float64

// Site is a place to visit, typically the centre of a grid cell.
type Site struct {
	// ID identifies the site; IDs must be unique within a problem.
	ID string
	// Pos is the WGS-84 [lon, lat] position.
	Pos orb.Point
	// Priority is what visiting the site is worth; it must be finite and
	// non-negative. Sites with zero priority are never visited.
	Priority float64
	// DwellS is the time, in seconds, an officer stays at the site.
	DwellS float64
}

// Officer is a member of the shift.
type Officer struct {
	// ID identifies the officer; IDs must be unique within a problem.
	ID string
	// Start is the WGS-84 [lon, lat] position the officer starts from.
	Start orb.Point
}

// Problem is one shift to plan.
type Problem struct {
	Sites    []Site
	Officers []Officer
	// BudgetS is the length of the shift in seconds: every route must
	// finish (arrival plus dwell at its last stop) within it.
	BudgetS float64
	// SpeedMS is the travel speed in metres per second (about 1.4 on
	// foot). It is required unless Travel is set.
	SpeedMS float64
	// DetourFactor multiplies the great-circle distance to account for
	// streets; zero means DefaultDetourFactor. Ignored when Travel is set.
	DetourFactor float64
	// Travel, when not nil, replaces the default travel time
	// DistanceMeters × DetourFactor / SpeedMS.
	Travel TravelFunc
}

// Options tunes [Solve].
type Options struct {
	// Seed seeds the random choices of the local search; the same problem
	// and seed give the same solution.
	Seed uint64
	// Iterations is the number of perturbation rounds of the local search;
	// zero means DefaultIterations.
	Iterations int
}

// Stop is one visit of a route.
type Stop struct {
	Site string
	// ArriveS and LeaveS are seconds from the start of the shift.
	ArriveS, LeaveS float64
}

// Route is the plan of one officer.
type Route struct {
	Officer string
	Stops   []Stop
	// TravelS and DwellS are the seconds spent travelling and at sites;
	// their sum is the LeaveS of the last stop.
	TravelS, DwellS float64
	// Priority is the sum of the priorities of the visited sites.
	Priority float64
}

// Solution is a plan for the whole shift.
type Solution struct {
	// Routes holds one route per officer, in the order of Problem.Officers.
	Routes []Route
	// Priority is the total priority collected.
	Priority float64
	// Unvisited lists the IDs of the sites no route visits, in input order.
	Unvisited []string
}

// instance is a validated problem with its travel time matrix.
type instance struct {
	p     *Problem
	n, m  int
	t     []float64 // (n+m)×n: from site i (i<n) or start i-n to site j
	dwell []float64
	prio  []float64
}

// tt returns the travel time from node from (a site, or n+k for the start
// of officer k) to site to.
func (in *instance) tt(from, to int) float64 { return in.t[from*in.n+to] }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func finitePoint(p orb.Point) bool { return finite(p[0]) && finite(p[1]) }

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

func newInstance(p *Problem) (*instance, error) {
	if len(p.Officers) == 0 {
		return nil, invalid("no officers")
	}
	if !finite(p.BudgetS) || p.BudgetS <= 0 {
		return nil, invalid("budget %v s, want > 0", p.BudgetS)
	}
	travel := p.Travel
	if travel == nil {
		if !finite(p.SpeedMS) || p.SpeedMS <= 0 {
			return nil, invalid("speed %v m/s, want > 0", p.SpeedMS)
		}
		detour := p.DetourFactor
		if detour == 0 {
			detour = DefaultDetourFactor
		}
		if !finite(detour) || detour < 0 {
			return nil, invalid("detour factor %v, want >= 0", p.DetourFactor)
		}
		speed := p.SpeedMS
		travel = func(a, b orb.Point) float64 { return geo.DistanceMeters(a, b) * detour / speed }
	}
	seen := make(map[string]bool, len(p.Officers))
	for _, o := range p.Officers {
		if seen[o.ID] {
			return nil, invalid("duplicate officer ID %q", o.ID)
		}
		seen[o.ID] = true
		if !finitePoint(o.Start) {
			return nil, invalid("officer %q: start %v not finite", o.ID, o.Start)
		}
	}
	n, m := len(p.Sites), len(p.Officers)
	in := &instance{p: p, n: n, m: m, dwell: make([]float64, n), prio: make([]float64, n)}
	seen = make(map[string]bool, n)
	for i, s := range p.Sites {
		if seen[s.ID] {
			return nil, invalid("duplicate site ID %q", s.ID)
		}
		seen[s.ID] = true
		if !finitePoint(s.Pos) {
			return nil, invalid("site %q: position %v not finite", s.ID, s.Pos)
		}
		if !finite(s.Priority) || s.Priority < 0 {
			return nil, invalid("site %q: priority %v, want finite >= 0", s.ID, s.Priority)
		}
		if !finite(s.DwellS) || s.DwellS < 0 {
			return nil, invalid("site %q: dwell %v s, want finite >= 0", s.ID, s.DwellS)
		}
		in.dwell[i], in.prio[i] = s.DwellS, s.Priority
	}
	in.t = make([]float64, (n+m)*n)
	for i := 0; i < n+m; i++ {
		var from orb.Point
		if i < n {
			from = p.Sites[i].Pos
		} else {
			from = p.Officers[i-n].Start
		}
		for j := 0; j < n; j++ {
			v := 0.0
			if i != j {
				v = travel(from, p.Sites[j].Pos)
			}
			if math.IsNaN(v) || v < 0 {
				return nil, invalid("travel time %v s to site %q, want >= 0", v, p.Sites[j].ID)
			}
			in.t[i*n+j] = v
		}
	}
	return in, nil
}

// routeTime returns the finishing time of route r of officer k. Every
// feasibility decision ends with this sum, computed in the same order as the
// times of the returned Solution, so rounding cannot break the budget.
func (in *instance) routeTime(k int, r []int) float64 {
	prev, sum := in.n+k, 0.0
	for _, x := range r {
		sum += in.tt(prev, x)
		sum += in.dwell[x]
		prev = x
	}
	return sum
}

// solution turns site-index routes into a Solution.
func (in *instance) solution(routes [][]int) Solution {
	sol := Solution{Routes: make([]Route, in.m)}
	visited := make([]bool, in.n)
	for k, r := range routes {
		rt := Route{Officer: in.p.Officers[k].ID, Stops: make([]Stop, 0, len(r))}
		prev, clock := in.n+k, 0.0
		for _, x := range r {
			tr := in.tt(prev, x)
			clock += tr
			arrive := clock
			clock += in.dwell[x]
			rt.Stops = append(rt.Stops, Stop{Site: in.p.Sites[x].ID, ArriveS: arrive, LeaveS: clock})
			rt.TravelS += tr
			rt.DwellS += in.dwell[x]
			rt.Priority += in.prio[x]
			visited[x] = true
			prev = x
		}
		sol.Priority += rt.Priority
		sol.Routes[k] = rt
	}
	for i, v := range visited {
		if !v {
			sol.Unvisited = append(sol.Unvisited, in.p.Sites[i].ID)
		}
	}
	return sol
}
