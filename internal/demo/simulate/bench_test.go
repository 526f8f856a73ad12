package simulate

import (
	"testing"
	"time"
)

// BenchmarkDay simulates 300 officers (every fifth on an e-bike) for
// 8 hours on areas of 127 res-9 cells: about a million fixes with the
// default 5–10 s interval, about 1.5 million at 4–6 s.
func BenchmarkDay(b *testing.B) {
	officers := squad(300, 6)
	for _, bm := range []struct {
		name string
		opt  Options
	}{
		{name: "interval=5-10s", opt: Options{}},
		{name: "interval=4-6s", opt: Options{IntervalMin: 4 * time.Second, IntervalMax: 6 * time.Second}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				fixes, err := Day(officers, morning, 1, bm.opt)
				if err != nil {
					b.Fatal(err)
				}
				n = len(fixes)
			}
			b.ReportMetric(float64(n), "fixes/op")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/fix")
		})
	}
}
