package plan

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// randomProblem returns a problem of sites scattered over a square of
// sideM metres in Shenzhen, with skewed priorities and dwell times of 1 to
// 10 minutes, officers on foot.
func randomProblem(seed uint64, sites, officers int, budgetS, sideM float64) Problem {
	rng := rand.New(rand.NewPCG(seed, 42))
	const lon0, lat0 = 114.05, 22.54
	dLat := sideM / 111_320
	dLon := dLat / math.Cos(lat0*math.Pi/180)
	pt := func() orb.Point { return orb.Point{lon0 + rng.Float64()*dLon, lat0 + rng.Float64()*dLat} }
	p := Problem{BudgetS: budgetS, SpeedMS: 1.4}
	for i := range sites {
		prio := math.Floor(10*rng.Float64()*rng.Float64()*100) / 100
		if rng.IntN(10) == 0 {
			prio += 20 // a hotspot with open cases
		}
		p.Sites = append(p.Sites, Site{ID: fmt.Sprintf("s%03d", i), Pos: pt(), Priority: prio, DwellS: float64(60 + rng.IntN(540))})
	}
	for k := range officers {
		p.Officers = append(p.Officers, Officer{ID: fmt.Sprintf("o%d", k), Start: pt()})
	}
	return p
}

// checkFeasible fails t unless sol is a valid plan of p: one route per
// officer, no site twice, times consistent with the travel model, every
// route within budget, totals and Unvisited consistent.
func checkFeasible(t *testing.T, name string, p Problem, sol Solution) {
	t.Helper()
	in, err := newInstance(&p)
	if err != nil {
		t.Fatal(err)
	}
	idx := map[string]int{}
	for i, s := range p.Sites {
		idx[s.ID] = i
	}
	if len(sol.Routes) != len(p.Officers) {
		t.Fatalf("%s: %d routes, want %d", name, len(sol.Routes), len(p.Officers))
	}
	seen := map[string]bool{}
	total := 0.0
	for k, r := range sol.Routes {
		if r.Officer != p.Officers[k].ID {
			t.Errorf("%s: route %d officer %q, want %q", name, k, r.Officer, p.Officers[k].ID)
		}
		prev, clock, prio := in.n+k, 0.0, 0.0
		for _, st := range r.Stops {
			x, ok := idx[st.Site]
			if !ok {
				t.Fatalf("%s: unknown site %q", name, st.Site)
			}
			if seen[st.Site] {
				t.Errorf("%s: site %q visited twice", name, st.Site)
			}
			seen[st.Site] = true
			clock += in.tt(prev, x)
			if math.Abs(st.ArriveS-clock) > 1e-6 || math.Abs(st.LeaveS-st.ArriveS-in.dwell[x]) > 1e-6 {
				t.Errorf("%s: stop %q at %v-%v, want arrival %v and dwell %v", name, st.Site, st.ArriveS, st.LeaveS, clock, in.dwell[x])
			}
			clock = st.LeaveS
			prio += in.prio[x]
			prev = x
		}
		if clock > p.BudgetS {
			t.Errorf("%s: route %d finishes at %v s, budget %v s", name, k, clock, p.BudgetS)
		}
		if math.Abs(r.TravelS+r.DwellS-clock) > 1e-6 || math.Abs(r.Priority-prio) > 1e-6 {
			t.Errorf("%s: route %d totals travel %v + dwell %v, priority %v; want %v s, %v", name, k, r.TravelS, r.DwellS, r.Priority, clock, prio)
		}
		total += prio
	}
	if math.Abs(sol.Priority-total) > 1e-6 {
		t.Errorf("%s: Priority = %v, want %v", name, sol.Priority, total)
	}
	if len(seen)+len(sol.Unvisited) != len(p.Sites) {
		t.Errorf("%s: %d visited + %d unvisited, want %d sites", name, len(seen), len(sol.Unvisited), len(p.Sites))
	}
	for _, id := range sol.Unvisited {
		if seen[id] {
			t.Errorf("%s: %q both visited and unvisited", name, id)
		}
	}
}

var randomCases = []struct {
	name              string
	sites, officers   int
	budgetS, sideM    float64
	seeds, iterations int
}{
	{"one officer small", 10, 1, 3600, 2000, 5, 100},
	{"three officers tight", 40, 3, 3600, 3000, 5, 100},
	{"six officers shift", 120, 6, 4 * 3600, 4000, 3, 50},
	{"more time than sites", 15, 4, 8 * 3600, 1000, 3, 50},
	{"budget below any trip", 20, 2, 30, 5000, 3, 20},
}

func TestSolveFeasible(t *testing.T) {
	for _, tc := range randomCases {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(tc.seeds) {
				p := randomProblem(seed, tc.sites, tc.officers, tc.budgetS, tc.sideM)
				name := fmt.Sprintf("seed %d", seed)
				sol, err := Solve(p, Options{Seed: seed, Iterations: tc.iterations})
				if err != nil {
					t.Fatalf("Solve(%s) error %v", name, err)
				}
				checkFeasible(t, "Solve "+name, p, sol)
				g, err := Greedy(p)
				if err != nil {
					t.Fatal(err)
				}
				checkFeasible(t, "Greedy "+name, p, g)
				r, err := BestRandom(p, 50, seed)
				if err != nil {
					t.Fatal(err)
				}
				checkFeasible(t, "BestRandom "+name, p, r)
			}
		})
	}
}

func TestSolveAsymmetricTravel(t *testing.T) {
	// Uphill (northward) legs take twice as long: 2-opt must not trust
	// the symmetric shortcut.
	p := randomProblem(5, 60, 3, 2*3600, 3000)
	p.Travel = func(a, b orb.Point) float64 {
		s := math.Hypot(a[0]-b[0], a[1]-b[1]) * 111_320 / 1.4
		if b[1] > a[1] {
			s *= 2
		}
		return s
	}
	sol, err := Solve(p, Options{Seed: 1, Iterations: 100})
	if err != nil {
		t.Fatal(err)
	}
	checkFeasible(t, "asymmetric", p, sol)
	if g, _ := Greedy(p); sol.Priority < g.Priority {
		t.Errorf("Solve = %v < Greedy = %v", sol.Priority, g.Priority)
	}
}

func TestSolveBeatsBaselines(t *testing.T) {
	tests := []struct {
		name            string
		sites, officers int
		budgetS, sideM  float64
	}{
		{"one officer", 30, 1, 2 * 3600, 3000},
		{"three officers", 60, 3, 3 * 3600, 4000},
		{"six officers", 150, 6, 4 * 3600, 5000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(3) {
				p := randomProblem(100+seed, tc.sites, tc.officers, tc.budgetS, tc.sideM)
				sol, err := Solve(p, Options{Seed: seed, Iterations: 100})
				if err != nil {
					t.Fatal(err)
				}
				g, _ := Greedy(p)
				r, _ := BestRandom(p, 1000, seed)
				if sol.Priority < g.Priority {
					t.Errorf("seed %d: Solve = %v < Greedy = %v", seed, sol.Priority, g.Priority)
				}
				if sol.Priority < r.Priority {
					t.Errorf("seed %d: Solve = %v < BestRandom(1000) = %v", seed, sol.Priority, r.Priority)
				}
				t.Logf("seed %d: Solve %.2f, Greedy %.2f (×%.2f), BestRandom %.2f (×%.2f)",
					seed, sol.Priority, g.Priority, sol.Priority/g.Priority, r.Priority, sol.Priority/r.Priority)
			}
		})
	}
}

func TestSolveGapToExact(t *testing.T) {
	const instances = 20
	sumRatio, worst := 0.0, 1.0
	for seed := range uint64(instances) {
		sites := 10 + int(seed%3) // 10 to 12
		p := randomProblem(1000+seed, sites, 1, 3600, 2000)
		ex, err := Exact(p)
		if err != nil {
			t.Fatal(err)
		}
		checkFeasible(t, fmt.Sprintf("Exact seed %d", seed), p, ex)
		sol, err := Solve(p, Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if sol.Priority > ex.Priority+1e-9 {
			t.Errorf("seed %d: Solve = %v > Exact = %v", seed, sol.Priority, ex.Priority)
		}
		ratio := 1.0
		if ex.Priority > 0 {
			ratio = sol.Priority / ex.Priority
		}
		sumRatio += ratio
		worst = min(worst, ratio)
	}
	avg := sumRatio / instances
	t.Logf("gap to exact over %d instances: average %.2f%%, worst %.2f%%", instances, 100*(1-avg), 100*(1-worst))
	if avg < 0.95 {
		t.Errorf("Solve reaches %.2f%% of the optimum on average, want >= 95%%", 100*avg)
	}
}

func TestExactKnown(t *testing.T) {
	// Four sites on a line east of the start, 100 m apart at 1 m/s and a
	// detour factor of 1 (via Travel); 250 s reach the first two, or
	// the far valuable one alone.
	at := func(m float64) orb.Point { return orb.Point{m, 0} }
	travel := func(a, b orb.Point) float64 { return math.Abs(a[0] - b[0]) }
	p := Problem{
		Officers: []Officer{{ID: "o", Start: at(0)}},
		Sites: []Site{
			{ID: "a", Pos: at(100), Priority: 1},
			{ID: "b", Pos: at(200), Priority: 1},
			{ID: "c", Pos: at(250), Priority: 3},
			{ID: "d", Pos: at(400), Priority: 5},
		},
		BudgetS: 250,
		Travel:  travel,
	}
	ex, err := Exact(p)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Priority != 5 || len(ex.Routes[0].Stops) != 3 {
		t.Errorf("Exact = %+v, want a, b, c with priority 5", ex)
	}
	sol, err := Solve(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Priority != 5 {
		t.Errorf("Solve priority = %v, want 5", sol.Priority)
	}
}

func TestSolveDeterministic(t *testing.T) {
	p := randomProblem(7, 80, 4, 3*3600, 4000)
	a, err := Solve(p, Options{Seed: 3, Iterations: 100})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b, _ := Solve(p, Options{Seed: 3, Iterations: 100})
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("Solve is not deterministic:\n%v\n%v", a, b)
		}
	}
	r1, _ := BestRandom(p, 100, 9)
	r2, _ := BestRandom(p, 100, 9)
	if fmt.Sprint(r1) != fmt.Sprint(r2) {
		t.Fatalf("BestRandom is not deterministic")
	}
}

func TestInvalid(t *testing.T) {
	ok := func() Problem { return randomProblem(1, 5, 1, 3600, 1000) }
	nan := math.NaN()
	tests := []struct {
		name   string
		mutate func(p *Problem)
	}{
		{"no officers", func(p *Problem) { p.Officers = nil }},
		{"zero budget", func(p *Problem) { p.BudgetS = 0 }},
		{"negative budget", func(p *Problem) { p.BudgetS = -1 }},
		{"NaN budget", func(p *Problem) { p.BudgetS = nan }},
		{"infinite budget", func(p *Problem) { p.BudgetS = math.Inf(1) }},
		{"zero speed", func(p *Problem) { p.SpeedMS = 0 }},
		{"NaN speed", func(p *Problem) { p.SpeedMS = nan }},
		{"negative detour", func(p *Problem) { p.DetourFactor = -1 }},
		{"duplicate site", func(p *Problem) { p.Sites[1].ID = p.Sites[0].ID }},
		{"duplicate officer", func(p *Problem) { p.Officers = append(p.Officers, p.Officers[0]) }},
		{"NaN priority", func(p *Problem) { p.Sites[2].Priority = nan }},
		{"negative priority", func(p *Problem) { p.Sites[2].Priority = -1 }},
		{"NaN dwell", func(p *Problem) { p.Sites[2].DwellS = nan }},
		{"NaN position", func(p *Problem) { p.Sites[3].Pos[0] = nan }},
		{"NaN start", func(p *Problem) { p.Officers[0].Start[1] = nan }},
		{"NaN travel", func(p *Problem) { p.Travel = func(a, b orb.Point) float64 { return nan } }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := ok()
			tc.mutate(&p)
			if _, err := Solve(p, Options{}); !errors.Is(err, ErrInvalid) {
				t.Errorf("Solve() error = %v, want ErrInvalid", err)
			}
			if _, err := Greedy(p); !errors.Is(err, ErrInvalid) {
				t.Errorf("Greedy() error = %v, want ErrInvalid", err)
			}
			if _, err := BestRandom(p, 10, 1); !errors.Is(err, ErrInvalid) {
				t.Errorf("BestRandom() error = %v, want ErrInvalid", err)
			}
			if _, err := Exact(p); !errors.Is(err, ErrInvalid) {
				t.Errorf("Exact() error = %v, want ErrInvalid", err)
			}
		})
	}
	t.Run("negative iterations", func(t *testing.T) {
		if _, err := Solve(ok(), Options{Iterations: -1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Solve() error = %v, want ErrInvalid", err)
		}
	})
	t.Run("no random plans", func(t *testing.T) {
		if _, err := BestRandom(ok(), 0, 1); !errors.Is(err, ErrInvalid) {
			t.Errorf("BestRandom() error = %v, want ErrInvalid", err)
		}
	})
	t.Run("exact two officers", func(t *testing.T) {
		if _, err := Exact(randomProblem(1, 5, 2, 3600, 1000)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Exact() error = %v, want ErrInvalid", err)
		}
	})
	t.Run("exact too many sites", func(t *testing.T) {
		if _, err := Exact(randomProblem(1, MaxExactSites+1, 1, 3600, 1000)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Exact() error = %v, want ErrInvalid", err)
		}
	})
}

func TestEmpty(t *testing.T) {
	p := Problem{Officers: []Officer{{ID: "o"}}, BudgetS: 60, SpeedMS: 1}
	for name, solve := range map[string]func(Problem) (Solution, error){
		"Solve":      func(p Problem) (Solution, error) { return Solve(p, Options{}) },
		"Greedy":     Greedy,
		"BestRandom": func(p Problem) (Solution, error) { return BestRandom(p, 5, 1) },
		"Exact":      Exact,
	} {
		sol, err := solve(p)
		if err != nil || sol.Priority != 0 || len(sol.Routes) != 1 || len(sol.Routes[0].Stops) != 0 {
			t.Errorf("%s(no sites) = %+v, %v, want one empty route", name, sol, err)
		}
	}
}
