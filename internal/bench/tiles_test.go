package bench

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		name   string
		sorted []int
		p      float64
		want   int
	}{
		{"empty", nil, 50, 0},
		{"one value", []int{7}, 99, 7},
		{"median of four", []int{1, 2, 3, 4}, 50, 2},
		{"median of five", []int{1, 2, 3, 4, 5}, 50, 3},
		{"p99 of 100", seq(100), 99, 99},
		{"p99 of 1000", seq(1000), 99, 990},
		{"p99 of 10 is the largest", seq(10), 99, 10},
		{"p100 is the largest", seq(10), 100, 10},
		{"tiny p is the smallest", seq(10), 0.1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

// seq returns 1..n.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

func TestCityTiles(t *testing.T) {
	city := orb.Bound{Min: orb.Point{120.0, 31.7}, Max: orb.Point{120.6, 32.0}}
	got, err := cityTiles(city, 12, 14, 1)
	if err != nil {
		t.Fatal(err)
	}
	var want []mvt.Tile
	for z := uint32(12); z <= 14; z++ {
		ts, _ := mvt.TilesTouching(city, z, 1<<20)
		want = append(want, ts...)
	}
	if len(got) != len(want) {
		t.Fatalf("cityTiles gave %d tiles, want %d", len(got), len(want))
	}
	if slices.Equal(got, want) {
		t.Errorf("cityTiles did not shuffle")
	}
	sorted := slices.Clone(got)
	byZXY := func(a, b mvt.Tile) int {
		if a.Z != b.Z {
			return int(a.Z) - int(b.Z)
		}
		if a.Y != b.Y {
			return int(a.Y) - int(b.Y)
		}
		return int(a.X) - int(b.X)
	}
	slices.SortFunc(sorted, byZXY)
	slices.SortFunc(want, byZXY)
	if !slices.Equal(sorted, want) {
		t.Errorf("cityTiles holds other tiles than TilesTouching at z12–14")
	}
	again, _ := cityTiles(city, 12, 14, 1)
	if !slices.Equal(again, got) {
		t.Errorf("cityTiles with the same seed gave another order")
	}
	if other, _ := cityTiles(city, 12, 14, 2); slices.Equal(other, got) {
		t.Errorf("cityTiles with another seed gave the same order")
	}
	if _, err := cityTiles(orb.Bound{Min: orb.Point{-180, -85}, Max: orb.Point{180, 85}}, 14, 14, 1); err == nil {
		t.Errorf("cityTiles of the world at z14: no error, want too_large")
	}
}

func TestGenerateCasesStayInTheCity(t *testing.T) {
	const res = 9
	area := orb.MultiPolygon{{{{120.10, 31.75}, {120.16, 31.75}, {120.16, 31.80}, {120.10, 31.80}, {120.10, 31.75}}}}
	cells := map[int64]cityCell{}
	ga := "G1"
	for _, c := range grid.Fill(area, res) {
		cells[int64(c)] = cityCell{center: grid.Geometry(c).Center, township: "T1", gridArea: &ga}
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	sectors := []string{"fire", "water"}
	got := generateCases(2000, cells, res, sectors, now, 1)
	if len(got) != 2000 {
		t.Fatalf("generateCases made %d cases, want 2000", len(got))
	}
	perCell := map[int64]int{}
	for _, c := range got {
		if _, ok := cells[c.cell]; !ok || int64(grid.CellAt(c.p, res)) != c.cell {
			t.Fatalf("case at %v: cell %x is not the city cell holding it", c.p, c.cell)
		}
		if c.township != "T1" || c.gridArea == nil || *c.gridArea != "G1" {
			t.Errorf("case at %v: township %q, grid area %v, want T1, G1", c.p, c.township, c.gridArea)
		}
		if c.reportedAt.After(now) || c.reportedAt.Before(now.Add(-90*24*time.Hour)) {
			t.Errorf("case reported at %v, outside the 90 days before %v", c.reportedAt, now)
		}
		if !slices.Contains(sectors, c.sector) || !slices.Contains(caseStatuses, c.status) || !slices.Contains(caseSources, c.source) {
			t.Errorf("case with sector %q, status %q, source %q", c.sector, c.status, c.source)
		}
		perCell[c.cell]++
	}
	// Clustered: the busiest cell holds far more than an even share.
	busiest := 0
	for _, n := range perCell {
		busiest = max(busiest, n)
	}
	if even := len(got) / len(cells); busiest < 3*max(even, 1) {
		t.Errorf("busiest cell holds %d cases, an even share is %d: not clustered", busiest, even)
	}
	if again := generateCases(2000, cells, res, sectors, now, 1); !slices.Equal(again, got) {
		t.Errorf("generateCases with the same seed gave other cases")
	}
}

// TestTilesReportCPURatio checks the report's ratio of CPU per cold tile, the peer's
// over ours, from the runs' CPU times.
func TestTilesReportCPURatio(t *testing.T) {
	cells := tileSets[1].name()
	r := TilesReport{Peer: "http://peer", PeerPID: 1, Runs: []TilesRun{
		{Set: cells, Server: "ours", Pass: "cold", Tiles: 100, Requests: 100, Elapsed: time.Second, CPU: 200 * time.Millisecond},
		{Set: cells, Server: "peer", Pass: "cold", Tiles: 100, Requests: 100, Elapsed: time.Second, CPU: 900 * time.Millisecond},
	}}
	if got, want := r.Runs[0].CPUPerTile(), 2.0; got != want {
		t.Errorf("CPUPerTile() = %v, want %v", got, want)
	}
	if want := cells + " cold 4.50×"; !strings.Contains(r.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, r)
	}
}

// TestProcessCPU checks that this process's CPU time reads from /proc as it grows.
func TestProcessCPU(t *testing.T) {
	before, ok := processCPU(os.Getpid())
	if !ok {
		t.Fatal("processCPU cannot read this process's /proc/PID/stat")
	}
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
	}
	after, _ := processCPU(os.Getpid())
	if after <= before {
		t.Errorf("processCPU after 50 ms of work = %v, before %v: want more", after, before)
	}
}

// TestColdPassesAddUp checks that several cold passes report as one run: counts, times
// and bytes added up, percentiles over every answer.
func TestColdPassesAddUp(t *testing.T) {
	passes := []TilesRun{
		{Tiles: 2, Requests: 2, Elapsed: time.Second, Bytes: 10, latencies: []time.Duration{1, 3}},
		{Tiles: 2, Requests: 2, Elapsed: 2 * time.Second, Bytes: 20, Errors: 1, FirstError: "boom", latencies: []time.Duration{2, 4}},
	}
	var called []int
	got := coldPasses(2, func(i int) TilesRun { called = append(called, i); return passes[i] })
	want := TilesRun{Tiles: 4, Requests: 4, Elapsed: 3 * time.Second, Bytes: 30, Errors: 1, FirstError: "boom",
		P50: 2, P99: 4, latencies: []time.Duration{1, 2, 3, 4}}
	if !slices.Equal(called, []int{0, 1}) {
		t.Errorf("passes run %v, want [0 1]", called)
	}
	if got.Tiles != want.Tiles || got.Requests != want.Requests || got.Elapsed != want.Elapsed || got.Bytes != want.Bytes ||
		got.Errors != want.Errors || got.FirstError != want.FirstError || got.P50 != want.P50 || got.P99 != want.P99 ||
		!slices.Equal(got.latencies, want.latencies) {
		t.Errorf("coldPasses = %+v, want %+v", got, want)
	}
}

// TestCPUReadingSince checks that a backend that ended between two readings takes
// nothing away and one that began counts whole.
func TestCPUReadingSince(t *testing.T) {
	start := cpuReading{process: 10, other: 5, backends: map[int]time.Duration{1: 100, 2: 50}}
	end := cpuReading{process: 15, other: 8, backends: map[int]time.Duration{1: 130, 3: 7}} // 2 ended, 3 began
	if got, want := end.since(start), time.Duration(5+3+30+7); got != want {
		t.Errorf("since = %v, want %v", got, want)
	}
}
