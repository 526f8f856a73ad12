package track

import "testing"

// The benchmarks run on day(10000): about 14 hours of fixes every 5 s, ten
// stops and one lunch silence.

func BenchmarkSegments(b *testing.B) {
	pts := day(10000)
	b.ReportAllocs()
	for b.Loop() {
		Segments(pts, SegmentOptions{})
	}
}

func BenchmarkSegmentsSimplify(b *testing.B) {
	pts := day(10000)
	b.ReportAllocs()
	for b.Loop() {
		Segments(pts, SegmentOptions{SimplifyM: 10})
	}
}

func BenchmarkStops(b *testing.B) {
	pts := day(10000)
	b.ReportAllocs()
	for b.Loop() {
		Stops(pts, StopOptions{})
	}
}
