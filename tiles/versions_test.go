package tiles_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/tiles"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

func newVersions(t testing.TB, cfg tiles.VersionsConfig) *tiles.Versions {
	t.Helper()
	v, err := tiles.NewVersions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// snapshot reads the version of every tile in ts.
func snapshot(v *tiles.Versions, layer string, ts []mvt.Tile) []uint64 {
	out := make([]uint64, len(ts))
	for i, t := range ts {
		out[i] = v.Version(layer, t)
	}
	return out
}

// around returns the tiles within d columns and rows of t at its zoom.
func around(t mvt.Tile, d int) []mvt.Tile {
	n := int64(1) << t.Z
	var out []mvt.Tile
	for dy := -d; dy <= d; dy++ {
		for dx := -d; dx <= d; dx++ {
			x, y := int64(t.X)+int64(dx), int64(t.Y)+int64(dy)
			if x >= 0 && y >= 0 && x < n && y < n {
				out = append(out, mvt.Tile{Z: t.Z, X: uint32(x), Y: uint32(y)})
			}
		}
	}
	return out
}

// buffered reports whether tile t draws point p: p lies in t's area or its buffer.
func buffered(t mvt.Tile, p orb.Point) bool {
	return t.BoundWithBuffer(mvt.BufferPixels, 4096).Contains(p)
}

// TestTouchPoint checks that a point changes the version of every tile holding it at
// every zoom, and of the neighbours whose buffer holds it, and of no other tile nearby.
func TestTouchPoint(t *testing.T) {
	v := newVersions(t, tiles.DefaultVersionsConfig())
	// The centre of a zoom 16 tile in Beijing.
	p := mvt.Covering(orb.Point{116.4, 39.9}, 16).Bound().Center()
	var ts []mvt.Tile
	for z := uint32(0); z <= 20; z++ {
		ts = append(ts, around(mvt.Covering(p, z), 2)...)
	}
	before := snapshot(v, "cases", ts)
	v.Touch("cases", p)
	after := snapshot(v, "cases", ts)
	for i, tl := range ts {
		changed := before[i] != after[i]
		var want bool
		if tl.Z <= 16 {
			want = buffered(tl, p)
		} else {
			// Above the index zooms a tile shares its zoom 16 ancestor's version.
			want = tl.Ancestor(16) == mvt.Covering(p, 16)
		}
		if changed != want {
			t.Errorf("tile %v changed = %v, want %v (holds p: %v)", tl, changed, want, tl == mvt.Covering(p, tl.Z))
		}
	}
}

// TestTouchPointsAsTouch checks that touching a walk of points at once changes exactly
// the tiles that touching them one by one changes.
func TestTouchPointsAsTouch(t *testing.T) {
	one := newVersions(t, tiles.DefaultVersionsConfig())
	all := newVersions(t, tiles.DefaultVersionsConfig())
	// A walk of 7.5 m steps with a jump, crossing zoom 16 tiles.
	start := mvt.Covering(orb.Point{120.25, 31.84}, 16).Bound().Max
	var pts []orb.Point
	for i := range 200 {
		p := orb.Point{start[0] - 0.001 + float64(i)*0.00008, start[1] - 0.0005 + float64(i%7)*0.00002}
		if i == 120 {
			p[0] += 0.05
		}
		pts = append(pts, p)
	}
	var ts []mvt.Tile
	for z := uint32(0); z <= 18; z++ {
		for _, p := range []orb.Point{pts[0], pts[119], pts[121], pts[199]} {
			ts = append(ts, around(mvt.Covering(p, z), 3)...)
		}
	}
	beforeOne, beforeAll := snapshot(one, "tracks", ts), snapshot(all, "tracks", ts)
	for _, p := range pts {
		one.Touch("tracks", p)
	}
	all.TouchPoints("tracks", pts)
	afterOne, afterAll := snapshot(one, "tracks", ts), snapshot(all, "tracks", ts)
	changed := 0
	for i, tl := range ts {
		if byOne, byAll := beforeOne[i] != afterOne[i], beforeAll[i] != afterAll[i]; byOne != byAll {
			t.Errorf("tile %v changed = %v by Touch, %v by TouchPoints", tl, byOne, byAll)
		} else if byOne {
			changed++
		}
	}
	if changed == 0 || changed == len(ts) {
		t.Errorf("%d of %d tiles changed: the walk tells nothing", changed, len(ts))
	}
}

// TestTouchNearEdge checks the buffer rule: a point within a 64th of a tile's width of
// its east edge touches the east neighbour too, one further in does not.
func TestTouchNearEdge(t *testing.T) {
	tl := mvt.Tile{Z: 12, X: 3372, Y: 1552}
	east := mvt.Tile{Z: 12, X: 3373, Y: 1552}
	b := tl.Bound()
	w := b.Max[0] - b.Min[0]
	mid := (b.Min[1] + b.Max[1]) / 2
	tests := []struct {
		name      string
		fromEdge  float64 // fraction of the width west of the east edge
		wantEast  bool
		wantOwner bool
	}{
		{"half a buffer from the edge", 0.5 / 64, true, true},
		{"two buffers from the edge", 2.0 / 64, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVersions(t, tiles.DefaultVersionsConfig())
			p := orb.Point{b.Max[0] - tt.fromEdge*w, mid}
			b0, e0 := v.Version("l", tl), v.Version("l", east)
			v.Touch("l", p)
			if got := v.Version("l", tl) != b0; got != tt.wantOwner {
				t.Errorf("own tile changed = %v, want %v", got, tt.wantOwner)
			}
			if got := v.Version("l", east) != e0; got != tt.wantEast {
				t.Errorf("east neighbour changed = %v, want %v", got, tt.wantEast)
			}
		})
	}
}

// TestTouchAgreesWithEncode checks Versions against the encoder on random points: any
// tile that a point is encoded into must change version when the point is touched, and
// a tile it is not encoded into should not.
func TestTouchAgreesWithEncode(t *testing.T) {
	v := newVersions(t, tiles.DefaultVersionsConfig())
	rng := rand.New(rand.NewPCG(7, 8))
	extra := 0
	for range 3000 {
		z := uint32(rng.IntN(17))
		// Points near tile edges, where the rule matters.
		home := mvt.Covering(orb.Point{116 + rng.Float64(), 39.5 + rng.Float64()}, z)
		hb := home.Bound()
		fx := []float64{rng.Float64() / 32, 1 - rng.Float64()/32, rng.Float64()}[rng.IntN(3)]
		fy := []float64{rng.Float64() / 32, 1 - rng.Float64()/32, rng.Float64()}[rng.IntN(3)]
		p := orb.Point{hb.Min[0] + fx*(hb.Max[0]-hb.Min[0]), hb.Max[1] - fy*(hb.Max[1]-hb.Min[1])}
		ts := around(home, 1)
		before := snapshot(v, "cases", ts)
		v.Touch("cases", p)
		after := snapshot(v, "cases", ts)
		for i, tl := range ts {
			data, err := mvt.Encode(tl, mvt.Layer{Name: "cases", Features: []mvt.Feature{{Geometry: p}}})
			if err != nil {
				t.Fatal(err)
			}
			drawn, changed := data != nil, before[i] != after[i]
			if drawn && !changed {
				t.Fatalf("tile %v draws %v but its version did not change", tl, p)
			}
			if changed && !drawn {
				extra++
			}
		}
	}
	// Changes without a drawn point come from collisions and the rounding slack only.
	if extra > 5 {
		t.Errorf("%d tiles changed without drawing the point", extra)
	}
}

// TestTouchBoundTownship touches a township-sized box and checks that, at every zoom,
// exactly the tiles whose buffered area meets the box change: with the default
// configuration such a box is recorded tile by tile up to zoom 16.
func TestTouchBoundTownship(t *testing.T) {
	v := newVersions(t, tiles.DefaultVersionsConfig())
	// About 8.5 km by 11 km.
	box := orb.Bound{Min: orb.Point{116.35, 39.85}, Max: orb.Point{116.45, 39.95}}
	far := orb.Point{117.0, 40.4} // about 70 km away
	var ts []mvt.Tile
	for z := uint32(8); z <= 18; z++ {
		for _, corner := range []orb.Point{box.Min, box.Max, {box.Min[0], box.Max[1]}, box.Center(), far} {
			ts = append(ts, around(mvt.Covering(corner, z), 2)...)
		}
	}
	before := snapshot(v, "townships", ts)
	v.TouchBound("townships", box)
	after := snapshot(v, "townships", ts)
	for i, tl := range ts {
		changed := before[i] != after[i]
		meets := func(tl mvt.Tile) bool {
			return tl.BoundWithBuffer(mvt.BufferPixels, 4096).Intersects(box)
		}
		want := meets(tl.Ancestor(16))
		if tl.Z <= 16 {
			want = meets(tl)
		}
		if changed != want {
			t.Errorf("tile %v changed = %v, want %v", tl, changed, want)
		}
	}
}

// TestTouchBoundLarge touches a box too large to record tile by tile at fine zooms: the
// tiles inside must still change at every zoom, tiles far away must not.
func TestTouchBoundLarge(t *testing.T) {
	v := newVersions(t, tiles.DefaultVersionsConfig())
	box := orb.Bound{Min: orb.Point{115.9, 39.4}, Max: orb.Point{117.1, 40.4}} // ~100 km
	inside := []orb.Point{{116.4, 39.9}, {115.95, 39.45}, {117.05, 40.35}}
	far := []orb.Point{{118.5, 39.9}, {116.4, 41.5}}
	for z := uint32(0); z <= 20; z++ {
		var in, out []mvt.Tile
		for _, p := range inside {
			in = append(in, mvt.Covering(p, z))
		}
		for _, p := range far {
			if c := mvt.Covering(p, z); !c.BoundWithBuffer(2*4096, 4096).Intersects(box) {
				out = append(out, c) // far enough even for the coarser zoom's tiles
			}
		}
		bin, bout := snapshot(v, "grids", in), snapshot(v, "grids", out)
		v.TouchBound("grids", box)
		ain, aout := snapshot(v, "grids", in), snapshot(v, "grids", out)
		for i := range in {
			if ain[i] == bin[i] {
				t.Errorf("zoom %d: tile %v inside the box did not change", z, in[i])
			}
		}
		for i := range out {
			if aout[i] != bout[i] {
				t.Errorf("zoom %d: tile %v far from the box changed", z, out[i])
			}
		}
	}
}

func TestTouchBoundWholeWorldAndInvalid(t *testing.T) {
	tests := []struct {
		name string
		b    orb.Bound
	}{
		{"whole world", orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}},
		{"NaN", orb.Bound{Min: orb.Point{math.NaN(), 0}, Max: orb.Point{1, 1}}},
		{"empty", orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVersions(t, tiles.DefaultVersionsConfig())
			rng := rand.New(rand.NewPCG(9, 10))
			var ts []mvt.Tile
			for range 200 {
				z := uint32(rng.IntN(21))
				n := uint32(1) << z
				ts = append(ts, mvt.Tile{Z: z, X: rng.Uint32N(n), Y: rng.Uint32N(n)})
			}
			before := snapshot(v, "l", ts)
			v.TouchBound("l", tt.b)
			after := snapshot(v, "l", ts)
			for i := range ts {
				if before[i] == after[i] {
					t.Errorf("tile %v did not change", ts[i])
				}
			}
		})
	}
}

func TestTouchLayer(t *testing.T) {
	v := newVersions(t, tiles.DefaultVersionsConfig())
	ts := []mvt.Tile{{}, {Z: 5, X: 3, Y: 4}, {Z: 14, X: 13490, Y: 6208}, {Z: 22, X: 1, Y: 2}}
	hot0, cases0 := snapshot(v, "hotspots", ts), snapshot(v, "cases", ts)
	v.TouchLayer("hotspots")
	hot1, cases1 := snapshot(v, "hotspots", ts), snapshot(v, "cases", ts)
	for i := range ts {
		if hot0[i] == hot1[i] {
			t.Errorf("hotspots tile %v did not change", ts[i])
		}
		if cases0[i] != cases1[i] {
			t.Errorf("cases tile %v changed", ts[i])
		}
	}
}

// TestVersionsLayersIndependent checks that touching one layer leaves another's
// versions alone.
func TestVersionsLayersIndependent(t *testing.T) {
	v := newVersions(t, tiles.DefaultVersionsConfig())
	p := orb.Point{116.4, 39.9}
	ts := mvt.TilesAt(p, 0, 18)
	before := snapshot(v, "tracks", ts)
	v.Touch("cases", p)
	v.TouchBound("coverage", orb.Bound{Min: p, Max: p})
	after := snapshot(v, "tracks", ts)
	for i := range ts {
		if before[i] != after[i] {
			t.Errorf("tracks tile %v changed when other layers were touched", ts[i])
		}
	}
}

func TestVersionsMinZoom(t *testing.T) {
	cfg := tiles.DefaultVersionsConfig()
	cfg.MinZoom = 4
	v := newVersions(t, cfg)
	low := mvt.Tile{Z: 2, X: 0, Y: 3} // the other side of the world
	p := orb.Point{116.4, 39.9}
	l0, h0 := v.Version("l", low), v.Version("l", mvt.Covering(p, 15))
	v.Touch("l", p)
	if v.Version("l", low) == l0 {
		t.Error("a tile below MinZoom did not change")
	}
	if v.Version("l", mvt.Covering(p, 15)) == h0 {
		t.Error("the point's tile did not change")
	}
}

func TestNewVersionsErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*tiles.VersionsConfig)
	}{
		{"min above max", func(c *tiles.VersionsConfig) { c.MinZoom, c.MaxZoom = 5, 4 }},
		{"max too high", func(c *tiles.VersionsConfig) { c.MaxZoom = 25 }},
		{"no counters", func(c *tiles.VersionsConfig) { c.Counters = 0 }},
		{"too many counters", func(c *tiles.VersionsConfig) { c.Counters = 1<<30 + 1 }},
		{"no bound tiles", func(c *tiles.VersionsConfig) { c.MaxBoundTiles = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tiles.DefaultVersionsConfig()
			tt.edit(&cfg)
			if _, err := tiles.NewVersions(cfg); err == nil {
				t.Errorf("NewVersions(%+v) succeeded, want an error", cfg)
			}
		})
	}
}

// TestVersionsBoundedMemory touches a million random points and checks that nothing
// was allocated: the counters are fixed at creation.
func TestVersionsBoundedMemory(t *testing.T) {
	v := newVersions(t, tiles.DefaultVersionsConfig())
	rng := rand.New(rand.NewPCG(11, 12))
	n := 1_000_000
	if testing.Short() {
		n = 50_000
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	for range n {
		v.Touch("positions", orb.Point{rng.Float64()*360 - 180, rng.Float64()*170 - 85})
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	if grew := int64(m1.HeapAlloc) - int64(m0.HeapAlloc); grew > 1<<20 {
		t.Errorf("heap grew by %d bytes over %d touches", grew, n)
	}
	p := orb.Point{116.4, 39.9}
	box := orb.Bound{Min: orb.Point{116.35, 39.85}, Max: orb.Point{116.45, 39.95}}
	tl := mvt.Covering(p, 18)
	for name, f := range map[string]func(){
		"Touch":      func() { v.Touch("cases", p) },
		"TouchBound": func() { v.TouchBound("grids", box) },
		"Version":    func() { v.Version("cases", tl) },
	} {
		if a := testing.AllocsPerRun(100, f); a != 0 {
			t.Errorf("%s allocates %v times per call, want 0", name, a)
		}
	}
}

// TestVersionsConcurrent runs touches and reads together (for go test -race) and checks
// that versions never go back.
func TestVersionsConcurrent(t *testing.T) {
	v := newVersions(t, tiles.DefaultVersionsConfig())
	p := orb.Point{116.4, 39.9}
	tl := mvt.Covering(p, 15)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				v.Touch("cases", orb.Point{p[0] + float64(g*i%7)*1e-4, p[1]})
				if i%100 == 0 {
					v.TouchBound("cases", orb.Bound{Min: p, Max: orb.Point{p[0] + 0.01, p[1] + 0.01}})
				}
			}
		}()
		go func() {
			defer wg.Done()
			last := uint64(0)
			for range 2000 {
				cur := v.Version("cases", tl)
				if cur < last {
					t.Errorf("version went back from %d to %d", last, cur)
					return
				}
				last = cur
			}
		}()
	}
	wg.Wait()
}
