package cases_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
)

// BenchmarkIntake measures POST /api/v1/cases through HTTP with 8 parallel clients:
// validation, datum, locating (cell, township, grid area, squadron), the insert and the
// first hash-chained history entry, in one transaction each. The baseline is GET
// /api/v1/sectors, a small read through the same stack.
func BenchmarkIntake(b *testing.B) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	c := newCity(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	run := func(b *testing.B, method, path string, body func(i int64) []byte, want int) {
		var n atomic.Int64
		b.SetParallelism(4)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := n.Add(1)
				var rd io.Reader
				if body != nil {
					rd = bytes.NewReader(body(i))
				}
				req, _ := http.NewRequest(method, c.http.URL+path, rd)
				req.Header.Set("Authorization", "Bearer "+c.tokens["admin"])
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}
	b.Run("post-case", func(b *testing.B) {
		run(b, "POST", "/api/v1/cases", func(i int64) []byte {
			return []byte(fmt.Sprintf(`{"sector":"urban_management","title":"占道经营 %d","lat":%f,"lon":%f,"source":"citizen_app"}`,
				i, 31.801+float64(i%70)*0.001, 120.201+float64(i%190)*0.001))
		}, 201)
	})
	b.Run("baseline-get-sectors", func(b *testing.B) {
		run(b, "GET", "/api/v1/sectors", nil, 200)
	})
}
