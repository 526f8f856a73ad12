package assessment

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gridwatch/gridwatch/patrol/cases"
)

// BenchmarkSectorVolumes is the volume's breakdown at the officers of the demo city: about
// 310 units, 12 sectors, a few cases each over some patrol hours.
func BenchmarkSectorVolumes(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var sectors []cases.Sector
	reported := map[string]map[string]int{}
	codes := make([]string, 310)
	hours := make([]float64, len(codes))
	for j := range codes {
		codes[j] = fmt.Sprint("o", j)
		hours[j] = 2 + 6*r.Float64()
	}
	for i := range 12 {
		code := fmt.Sprint("s", i)
		sectors = append(sectors, cases.Sector{Code: code, NameZH: code})
		reported[code] = map[string]int{}
		for _, c := range codes {
			reported[code][c] = r.IntN(4)
		}
	}
	b.ResetTimer()
	for range b.N {
		sectorVolumes(sectors, reported, codes, hours)
	}
}
