package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

func TestHistogramBuckets(t *testing.T) {
	prev := -1
	for _, us := range []uint64{0, 1, 63, 64, 127, 128, 129, 255, 256, 1000, 1 << 20, 1<<20 + 1, 1<<histMaxExp - 1, 1 << histMaxExp, math.MaxUint64} {
		b := histBucket(us)
		if b < prev || b >= histBuckets {
			t.Fatalf("histBucket(%d) = %d, after %d, of %d buckets", us, b, prev, histBuckets)
		}
		prev = b
		if us >= 1<<histMaxExp {
			continue // clamped into the last bucket
		}
		if up := histUpper(b); up < us || float64(up-us) > float64(us)/64+1 {
			t.Errorf("histUpper(histBucket(%d)) = %d, want in [%d, %d + 1.6 %%]", us, up, us, us)
		}
		if b > 0 && histUpper(b-1) >= us {
			t.Errorf("histUpper(%d) = %d holds %d, which is in bucket %d", b-1, histUpper(b-1), us, b)
		}
	}
	// Every bucket's upper edge falls into that bucket, and the next value into the next.
	for b := range histBuckets - 1 {
		up := histUpper(b)
		if histBucket(up) != b || histBucket(up+1) != b+1 {
			t.Fatalf("bucket %d: upper edge %d in bucket %d, next value in %d", b, up, histBucket(up), histBucket(up+1))
		}
	}
}

func TestHistogramPercentile(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := map[string]func() time.Duration{
		"exponential around 5 ms": func() time.Duration { return time.Duration(rng.ExpFloat64() * 5e6) },
		"uniform 1 µs to 10 s":    func() time.Duration { return time.Microsecond + time.Duration(rng.Int64N(int64(10*time.Second))) },
		"a few slow among fast": func() time.Duration {
			if rng.IntN(100) == 0 {
				return 2*time.Second + time.Duration(rng.Int64N(int64(time.Second)))
			}
			return 300*time.Microsecond + time.Duration(rng.Int64N(int64(time.Millisecond)))
		},
		"sub-microsecond": func() time.Duration { return time.Duration(rng.Int64N(1000)) },
	}
	for name, next := range gen {
		t.Run(name, func(t *testing.T) {
			var h histogram
			exact := make([]time.Duration, 0, 10_000)
			for range 10_000 {
				d := next()
				h.add(d)
				exact = append(exact, d)
			}
			slices.Sort(exact)
			for _, p := range []float64{0.1, 50, 95, 99, 99.9, 100} {
				want := percentile(exact, p)
				got := h.percentile(p)
				if got < want-time.Microsecond || float64(got-want) > float64(want)/64+float64(time.Microsecond) {
					t.Errorf("percentile(%v) = %v, want %v (within 1.6 %% or 1 µs above)", p, got, want)
				}
			}
			if h.max != exact[len(exact)-1] || h.percentile(100) != h.max {
				t.Errorf("max = %v, p100 = %v, want %v", h.max, h.percentile(100), exact[len(exact)-1])
			}
		})
	}
	var empty histogram
	if got := empty.percentile(50); got != 0 {
		t.Errorf("percentile of an empty histogram = %v, want 0", got)
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b, both histogram
	for i := range 1000 {
		d := time.Duration(i) * 37 * time.Microsecond
		both.add(d)
		if i%3 == 0 {
			a.add(d)
		} else {
			b.add(d)
		}
	}
	a.merge(&b)
	if a != both {
		t.Errorf("merged histogram differs from one filled with every value: n %d vs %d, max %v vs %v", a.n, both.n, a.max, both.max)
	}
}

func TestRecorder(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	r := newRecorder(t0)
	for i := range 100 {
		r.observe("ingest", time.Duration(i+1)*time.Millisecond, 200, "")
	}
	r.observe("ingest", time.Second, 503, "503 unavailable")
	r.observe("ingest", 2*time.Second, 0, "connection reset")
	r.observe("tiles", time.Millisecond, 304, "")

	elapsed, w := r.window(t0.Add(10 * time.Second))
	if elapsed != 10*time.Second || len(w) != 2 || w[0].Group != "ingest" || w[1].Group != "tiles" {
		t.Fatalf("window = %v, %+v; want 10s and groups ingest, tiles", elapsed, w)
	}
	if w[0].Requests != 102 || w[0].Errors != 2 || math.Abs(w[0].PerSecond-10.2) > 1e-9 || w[0].Max != 2*time.Second {
		t.Errorf("ingest window = %+v, want 102 requests, 2 errors, 10.2/s, max 2s", w[0])
	}
	if p50 := w[0].P50; p50 < 51*time.Millisecond || p50 > 52*time.Millisecond {
		t.Errorf("ingest p50 = %v, want 51 ms (nearest rank of 102)", p50)
	}

	r.observe("tiles", 3*time.Millisecond, 200, "")
	_, w = r.window(t0.Add(20 * time.Second))
	if w[0].Requests != 0 || w[0].Errors != 0 || w[1].Requests != 1 {
		t.Errorf("second window = %+v, want only the one new tile request", w)
	}

	tot := r.totals(20 * time.Second)
	if tot[0].Requests != 102 || tot[0].Errors != 2 || tot[0].FirstError != "503 unavailable" {
		t.Errorf("ingest totals = %+v, want 102 requests, 2 errors, first error the 503", tot[0])
	}
	if got := statusList(tot[0].Statuses); got != "none×1 200×100 503×1" {
		t.Errorf("ingest statuses = %q, want none×1 200×100 503×1", got)
	}
	if tot[1].Requests != 2 || tot[1].PerSecond != 0.1 || statusList(tot[1].Statuses) != "200×1 304×1" {
		t.Errorf("tiles totals = %+v, want 2 requests, 0.1/s, 200×1 304×1", tot[1])
	}
}

// box is a rectangle of about 1 × 1 km.
var box = orb.Bound{Min: orb.Point{120.280, 31.900}, Max: orb.Point{120.2906, 31.909}}

func TestWalkerStaysInsideAtWalkingPace(t *testing.T) {
	const dt = 5 * time.Second
	inside := func(p orb.Point) bool { return box.Contains(p) }
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		w := newWalker(box.Center(), inside, rng)
		prev := box.Center()
		moving, still := 0, 0
		var total float64
		for i := range 2000 { // about 2.8 hours
			p, speed := w.step(dt)
			if !inside(p) {
				t.Fatalf("seed %d, step %d: %v is outside the area", seed, i, p)
			}
			d := geo.DistanceMeters(prev, p)
			if d/dt.Seconds() > walkMaxSpeedMS*1.01 {
				t.Fatalf("seed %d, step %d: moved %.1f m in %s, faster than a walker", seed, i, d, dt)
			}
			if d > 0 {
				moving++
				if math.Abs(d/dt.Seconds()-speed) > 0.05 {
					t.Fatalf("seed %d, step %d: moved at %.2f m/s, reported %.2f", seed, i, d/dt.Seconds(), speed)
				}
			} else {
				still++
				if speed != 0 {
					t.Fatalf("seed %d, step %d: stayed put with speed %.2f", seed, i, speed)
				}
			}
			total += d
			prev = p
		}
		// A stop every 10 min of walking, 2.75 min on average: about a fifth of the time.
		if share := float64(still) / float64(moving+still); share < 0.05 || share > 0.45 {
			t.Errorf("seed %d: %d steps moving, %d still; want stops about a fifth of the time", seed, moving, still)
		}
		if mean := total / (float64(moving) * dt.Seconds()); mean < walkMinSpeedMS*0.99 || mean > walkMaxSpeedMS*1.01 {
			t.Errorf("seed %d: mean pace while moving %.2f m/s, want %.1f–%.1f", seed, mean, walkMinSpeedMS, walkMaxSpeedMS)
		}
	}
}

func TestWalkerIsReproducibleAndBoxedInStaysPut(t *testing.T) {
	inside := func(p orb.Point) bool { return box.Contains(p) }
	walk := func(seed uint64) []orb.Point {
		w := newWalker(box.Center(), inside, rand.New(rand.NewPCG(seed, 7)))
		out := make([]orb.Point, 100)
		for i := range out {
			out[i], _ = w.step(5 * time.Second)
		}
		return out
	}
	if !slices.Equal(walk(3), walk(3)) {
		t.Errorf("two walks with the same seed differ")
	}
	if slices.Equal(walk(3), walk(4)) {
		t.Errorf("walks with different seeds are the same")
	}
	start := box.Center()
	w := newWalker(start, func(p orb.Point) bool { return p == start }, rand.New(rand.NewPCG(1, 1)))
	for range 50 {
		if p, speed := w.step(5 * time.Second); p != start || speed != 0 {
			t.Fatalf("a walker with nowhere to go went to %v at %.1f m/s", p, speed)
		}
	}
}

func TestSquadronFor(t *testing.T) {
	squadrons := []string{"A", "B", "C"}
	weights := map[string]int{"A": 100, "B": 300, "C": 600}
	got := map[string]int{}
	for i := range 1000 {
		got[squadronFor(i, 1000, squadrons, func(s string) int { return weights[s] })]++
	}
	for s, w := range weights {
		if got[s] != w {
			t.Errorf("squadron %s got %d of 1000 devices, want %d (its share of the cells)", s, got[s], w)
		}
	}
	if s := squadronFor(0, 1, squadrons, func(s string) int { return weights[s] }); s != "C" {
		t.Errorf("one device went to %s, want C (holding the middle of the weight)", s)
	}
}

func TestViewport(t *testing.T) {
	p := orb.Point{120.285, 31.905}
	vp := viewport(p, 13, 5, 3)
	if len(vp) != 15 {
		t.Fatalf("viewport(13, 5×3) gave %d tiles, want 15", len(vp))
	}
	c := mvt.Covering(p, 13)
	if vp[7] != c {
		t.Errorf("middle tile of the viewport = %v, want %v (the one holding the point)", vp[7], c)
	}
	if vp[0] != (mvt.Tile{Z: 13, X: c.X - 2, Y: c.Y - 1}) || vp[14] != (mvt.Tile{Z: 13, X: c.X + 2, Y: c.Y + 1}) {
		t.Errorf("viewport corners %v and %v, want 2 tiles left and 1 up, 2 right and 1 down of %v", vp[0], vp[14], c)
	}
	if got := viewport(orb.Point{-179.99, 85}, 2, 5, 3); len(got) != 6 {
		t.Errorf("viewport at the world's corner gave %d tiles, want the 6 that exist", len(got))
	}
}

func TestSoakReportFailures(t *testing.T) {
	ok := SoakReport{FixesAcked: 10, FixesStored: 10, LiveDelivered: 20, LiveExpected: 20,
		Routes: []RouteSummary{{Group: "POST /api/v1/positions", Requests: 10}}}
	if f := ok.Failures(); len(f) != 0 {
		t.Errorf("Failures of a clean run = %v, want none", f)
	}
	tests := []struct {
		name   string
		change func(*SoakReport)
	}{
		{"failed request", func(r *SoakReport) { r.Routes = []RouteSummary{{Group: "x", Errors: 1}} }},
		{"rejected fix", func(r *SoakReport) { r.FixesRejected = 1 }},
		{"dropped fix", func(r *SoakReport) { r.FixesDropped = 1 }},
		{"acknowledged but not stored", func(r *SoakReport) { r.FixesStored = 9 }},
		{"live event missing", func(r *SoakReport) { r.LiveDelivered = 19 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.change(&r)
			if f := r.Failures(); len(f) != 1 {
				t.Errorf("Failures = %v, want one", f)
			}
		})
	}
	reconnected := ok
	reconnected.LiveReconnects, reconnected.LiveDelivered = 1, 25
	if f := reconnected.Failures(); len(f) != 0 {
		t.Errorf("Failures after a reconnect = %v: the live count is inexact then, want none", f)
	}
}
