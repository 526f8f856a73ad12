package plan

import "testing"

// benchProblem is the benchmark shift: 150 sites over a 10 km square,
// dwell 10 to 28 minutes, 6 officers on foot (1.4 m/s) for 8 hours, so
// that about a third of the sites cannot be visited.
func benchProblem() Problem {
	p := randomProblem(2026, 150, 6, 8*3600, 10_000)
	for i := range p.Sites {
		p.Sites[i].DwellS = 600 + 2*(p.Sites[i].DwellS-60)
	}
	return p
}

func BenchmarkSolve(b *testing.B) {
	p := benchProblem()
	b.ReportAllocs()
	var sol Solution
	for b.Loop() {
		var err error
		if sol, err = Solve(p, Options{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(sol.Priority, "priority")
}

func BenchmarkGreedy(b *testing.B) {
	p := benchProblem()
	b.ReportAllocs()
	var sol Solution
	for b.Loop() {
		var err error
		if sol, err = Greedy(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(sol.Priority, "priority")
}

func BenchmarkBestRandom1000(b *testing.B) {
	p := benchProblem()
	b.ReportAllocs()
	var sol Solution
	for b.Loop() {
		var err error
		if sol, err = BestRandom(p, 1000, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(sol.Priority, "priority")
}

func BenchmarkExact12(b *testing.B) {
	p := randomProblem(1, MaxExactSites, 1, 3600, 2000)
	b.ReportAllocs()
	var sol Solution
	for b.Loop() {
		var err error
		if sol, err = Exact(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(sol.Priority, "priority")
}
