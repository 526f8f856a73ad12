package casegen

import "testing"

// BenchmarkGenerate generates 90 days (about 2,070 cases) for 17 townships
// of 721 res-9 cells, two of them blind.
func BenchmarkGenerate(b *testing.B) {
	city := demoCity()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		res, err := Generate(city, quarterFrom, quarterTo, 1, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n = len(res.Cases)
	}
	b.ReportMetric(float64(n), "cases/op")
}
