package live

import (
	"testing"
	"time"
)

// BenchmarkSimulatedMinute is the simulator's own work for a minute of 300 phones (about
// 900 fixes), ticking once a second as Run does; sending them is the server's cost.
func BenchmarkSimulatedMinute(b *testing.B) {
	list := make([]Phone, 300)
	cells := h3Disk(4)
	for i := range list {
		list[i] = Phone{Officer: "o", Cells: cells}
	}
	Plan(list)
	start := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		sim, err := NewSim(list, start, Options{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		for s := range 60 {
			sim.Due(start.Add(time.Duration(s) * time.Second))
		}
	}
}
