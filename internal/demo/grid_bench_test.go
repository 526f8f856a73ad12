package demo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/demo"
	"github.com/gridwatch/gridwatch/internal/pgtest"
)

// demoTownships returns the demo city's townships as an import would read them.
func demoTownships(b *testing.B) []grid.TownshipInput {
	towns, err := demo.Townships(demo.DefaultSeed)
	if err != nil {
		b.Fatal(err)
	}
	return towns
}

// BenchmarkSplitDemoCity compares Split (fill, then one owner per cell) with h3's
// polygon fill alone on the same 17 polygons.
func BenchmarkSplitDemoCity(b *testing.B) {
	towns := demoTownships(b)
	shapes := make([]grid.Shape, len(towns))
	for i, t := range towns {
		shapes[i] = grid.Shape{Code: t.Code, Geom: t.Geom}
	}
	for _, res := range []int{9, 10} {
		b.Run(fmt.Sprintf("fill-only/res%d", res), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				for _, s := range shapes {
					grid.Fill(s.Geom, res)
				}
			}
		})
		b.Run(fmt.Sprintf("split/res%d", res), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				grid.Split(shapes, res)
			}
		})
	}
}

// BenchmarkImportDemoCity times the whole import into PostGIS: upsert, overlap check,
// split, COPY of every cell with its hexagon, grid-area membership.
func BenchmarkImportDemoCity(b *testing.B) {
	towns := demoTownships(b)
	for _, res := range []int{9, 10} {
		b.Run(fmt.Sprintf("res%d", res), func(b *testing.B) {
			store := grid.NewStore(pgtest.NewPool(b), res)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := store.Import(context.Background(), towns, res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLocate measures GET /locate throughput over HTTP on the demo city with
// parallel clients, against a baseline route that runs one
// trivial query through the same stack, so the ratio shows what locating costs.
func BenchmarkLocate(b *testing.B) {
	db := pgtest.NewPool(b)
	store := grid.NewStore(db, grid.DefaultResolution)
	if _, err := store.Import(context.Background(), demoTownships(b), 0); err != nil {
		b.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(auth.WithIdentity(r.Context(), auth.Identity{Role: auth.Analyst})))
		})
	})
	api.Mount(r, grid.NewHandler(store).Routes())
	r.Get("/baseline", func(w http.ResponseWriter, r *http.Request) {
		var one int
		if err := db.QueryRow(r.Context(), "SELECT 1").Scan(&one); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64

	run := func(b *testing.B, path func(*rand.Rand) string) {
		b.SetParallelism(4)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for pb.Next() {
				resp, err := client.Get(srv.URL + path(rng))
				if err != nil {
					b.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 && resp.StatusCode != 404 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}
	b.Run("locate", func(b *testing.B) {
		run(b, func(rng *rand.Rand) string {
			return fmt.Sprintf("/locate?lat=%.6f&lon=%.6f", 31.72+rng.Float64()*0.25, 120.0+rng.Float64()*0.55)
		})
	})
	b.Run("baseline-select-1", func(b *testing.B) {
		run(b, func(*rand.Rand) string { return "/baseline" })
	})
}
