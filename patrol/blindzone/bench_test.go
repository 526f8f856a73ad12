package blindzone

import (
	"fmt"
	"testing"
)

// BenchmarkAnalyze analyses 10,000 cell neighbourhoods with twelve sectors,
// one in 50 silent outside the core sectors and one in 20 unpatrolled.
func BenchmarkAnalyze(b *testing.B) {
	sectors := testSectors()
	units := make([]Unit, 10000)
	for i := range units {
		cases := map[string]int{"urban_management": 3 + i%5, "work_safety": i % 2}
		if i%50 != 0 {
			for j, s := range otherSectorCodes() {
				cases[s] = (i + j) % 4
			}
		}
		u := Unit{Code: fmt.Sprintf("cell-%05d", i), AreaKm2: 0.1, PatrolVisits: 5 + i%7, PatrolHours: 2 + float64(i%11)/4, CasesBySector: cases}
		if i%20 == 0 {
			u.PatrolVisits, u.PatrolHours = 0, 0
		}
		units[i] = u
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Analyze(units, sectors, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
