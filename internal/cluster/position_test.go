package cluster

import (
	"encoding/json"
	"math"
	"testing"
)

func TestAppendPositionWritesWhatMarshalWrites(t *testing.T) {
	strs := []string{"", "officer-0001", "320281001", "89309a4a4a3ffff", `a"b`, `a\b`, "<&>", "民警", "a\x00b", "a\x7fb", "\xff", "tab\there"}
	floats := []float64{0, math.Copysign(0, -1), 120.123456789, -31.5, 1e-6, 9.99e-7, 1e21, 1e20, 5e-324, 123456789012345678, math.NaN(), math.Inf(1), math.Inf(-1)}
	for _, s := range strs {
		for _, f := range floats {
			for _, p := range []Position{
				{Officer: s, Township: "320281001", Lon: f, Lat: 31.9, TimeMs: 1_800_000_000_000, H3: "89309a4a4a3ffff"},
				{Officer: "o", Township: s, Lon: 120.2, Lat: f, TimeMs: -1, H3: s},
			} {
				want, wantErr := json.Marshal(p)
				got, ok := appendPosition([]byte("prefix"), p)
				if ok != (wantErr == nil) {
					t.Fatalf("appendPosition(%+v) ok = %v, json.Marshal error = %v", p, ok, wantErr)
				}
				if !ok {
					if string(got) != "prefix" {
						t.Errorf("appendPosition(%+v) = %q after a failure, want the prefix alone", p, got)
					}
					continue
				}
				if string(got) != "prefix"+string(want) {
					t.Errorf("appendPosition(%+v) = %q, want %q", p, got[len("prefix"):], want)
				}
			}
		}
	}
}

func BenchmarkPayloads(b *testing.B) {
	m := Message{Origin: "0123456789abcdef", Kind: KindPositions}
	for i := range 1000 {
		m.Positions = append(m.Positions, Position{Officer: "officer-0001", Township: "320281001",
			Lon: 120.123456789 + float64(i)*1e-5, Lat: 31.987654321, TimeMs: 1_800_000_000_000 + int64(i), H3: "89309a4a4a3ffff"})
	}
	b.ReportAllocs()
	for b.Loop() {
		payloads(m)
	}
}
