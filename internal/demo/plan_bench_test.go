package demo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/demo"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/plan"
	"github.com/gridwatch/gridwatch/patrol/planning"
	"github.com/gridwatch/gridwatch/patrol/roads"
)

// BenchmarkPlanDemoShift plans an 8-hour walking shift for 6 officers of the demo's
// biggest squadron (about 470 cells, the 400 with the highest priority considered) after
// a day of patrols and 90 days of cases, and compares the collected priority with the
// nearest-neighbour and best-of-1,000-random baselines on the same problem: first with
// straight-line travel, then along the demo city's streets (pgRouting).
func BenchmarkPlanDemoShift(b *testing.B) {
	ctx := context.Background()
	srv, now, _ := loadWholeDemo(b)
	officers, err := srv.Officers.List(ctx, officer.Filter{Squadron: "320281101-Q1"})
	if err != nil || len(officers) < 6 {
		b.Fatalf("%d officers, %v", len(officers), err)
	}
	req := planning.Request{Squadron: "320281101-Q1", Start: now.Add(time.Hour).Truncate(time.Hour), DurationMin: 480, SpeedKmh: 4.5}
	for _, o := range officers[:6] {
		req.Officers = append(req.Officers, o.ID)
	}
	who := auth.Identity{Name: "bench", Role: auth.Admin}
	benchPlans(b, srv.Plans, who, req, "straight")
	sum, err := demo.LoadRoads(ctx, roads.NewStore(srv.DB), demo.DefaultSeed)
	if err != nil || !sum.Routing {
		b.Fatalf("demo streets: %+v, %v (pgRouting is needed)", sum, err)
	}
	b.Logf("demo streets: %d edges, %d vertices, %.0f km", sum.Edges, sum.Vertices, sum.LengthKm)
	benchPlans(b, srv.Plans, who, req, "roads")
	if _, err := srv.DB.Exec(ctx, `TRUNCATE road_edges, road_vertices`); err != nil {
		b.Fatal(err)
	}
}

// benchPlans measures creating a plan, the solver alone at several search lengths, and
// the collected priority against the baselines, all on the same problem.
func benchPlans(b *testing.B, plans *planning.Store, who auth.Identity, req planning.Request, travel string) {
	ctx := context.Background()
	prep, err := plans.Prepare(ctx, who, req)
	if err != nil {
		b.Fatal(err)
	}
	if got := prep.Roads != nil; got != (travel == "roads") {
		b.Fatalf("travel %s: roads in use = %v", travel, got)
	}
	b.Run(travel+"/prepare", func(b *testing.B) {
		for range b.N {
			if _, err := plans.Prepare(ctx, who, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(travel+"/create-plan", func(b *testing.B) {
		for range b.N {
			if _, err := plans.Create(ctx, who, req); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(prep.Problem.Sites)), "cells")
	})
	for _, it := range []int{50, 100, 200} {
		b.Run(fmt.Sprintf("%s/solve-%d-iterations", travel, it), func(b *testing.B) {
			var sol plan.Solution
			for range b.N {
				if sol, err = plan.Solve(prep.Problem, plan.Options{Seed: 1, Iterations: it}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(sol.Priority, "priority")
		})
	}
	b.Run(travel+"/quality", func(b *testing.B) {
		var solved, greedy, random plan.Solution
		for range b.N {
			if solved, err = plan.Solve(prep.Problem, plan.Options{Seed: 1, Iterations: planning.SolveIterations}); err != nil {
				b.Fatal(err)
			}
		}
		greedy, _ = plan.Greedy(prep.Problem)
		random, _ = plan.BestRandom(prep.Problem, 1000, 1)
		b.ReportMetric(solved.Priority, "priority")
		b.ReportMetric(solved.Priority/greedy.Priority, "x-greedy")
		b.ReportMetric(solved.Priority/random.Priority, "x-best-random")
	})
}
