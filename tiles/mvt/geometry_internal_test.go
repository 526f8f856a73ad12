package mvt

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/planar"
)

// testProjector clips to a 4096 tile with the default 64 unit buffer.
var testProjector = newProjector(Tile{Z: 14, X: 13490, Y: 6208}, 4096, 64)

// star returns a random star-shaped (generally concave) ring around c with radii up to
// rmax: a good test of clipping, since its pieces leave and re-enter the box.
func star(rng *rand.Rand, c fpt, rmax float64, n int) []fpt {
	out := make([]fpt, n)
	for i := range out {
		a := 2 * math.Pi * float64(i) / float64(n)
		r := rmax * (0.2 + 0.8*rng.Float64())
		out[i] = fpt{c.x + r*math.Cos(a), c.y + r*math.Sin(a)}
	}
	return out
}

func toOrb(ps []fpt) orb.Ring {
	r := make(orb.Ring, 0, len(ps)+1)
	for _, p := range ps {
		r = append(r, orb.Point{p.x, p.y})
	}
	return append(r, r[0])
}

// TestClipRingMatchesOrb compares the area Sutherland–Hodgman leaves with the area of
// orb's clip.Ring on random concave rings around and across the tile's edges.
func TestClipRingMatchesOrb(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	box := orb.Bound{Min: orb.Point{testProjector.lo, testProjector.lo}, Max: orb.Point{testProjector.hi, testProjector.hi}}
	var a, b []fpt
	for i := range 2000 {
		c := fpt{rng.Float64()*8000 - 2000, rng.Float64()*8000 - 2000}
		ring := star(rng, c, 100+rng.Float64()*4000, 3+rng.IntN(40))
		if rng.IntN(2) == 0 {
			for l, r := 0, len(ring)-1; l < r; l, r = l+1, r-1 {
				ring[l], ring[r] = ring[r], ring[l]
			}
		}
		got := testProjector.clipRing(ring, &a, &b)
		for _, p := range got {
			if !testProjector.inside(p) {
				t.Fatalf("ring %d: clipped point %v outside the box", i, p)
			}
		}
		gotArea := 0.0
		if len(got) >= 3 {
			gotArea = planar.Area(toOrb(got))
		}
		wantArea := 0.0
		if w := clip.Ring(box, toOrb(ring)); len(w) >= 3 {
			wantArea = planar.Area(w)
		}
		if math.Abs(gotArea-wantArea) > 1e-6*max(1, math.Abs(wantArea)) {
			t.Fatalf("ring %d: clipped area %v, orb's %v", i, gotArea, wantArea)
		}
	}
}

// TestClipLineMatchesOrb compares the length and the number of pieces of clipped random
// paths with orb's clip.LineString.
func TestClipLineMatchesOrb(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	box := orb.Bound{Min: orb.Point{testProjector.lo, testProjector.lo}, Max: orb.Point{testProjector.hi, testProjector.hi}}
	for i := range 2000 {
		path := make([]fpt, 2+rng.IntN(30))
		ls := make(orb.LineString, len(path))
		for j := range path {
			path[j] = fpt{rng.Float64()*8000 - 2000, rng.Float64()*8000 - 2000}
			ls[j] = orb.Point{path[j].x, path[j].y}
		}
		pieces, ends := testProjector.clipLine(path, nil, nil)
		gotLen, start := 0.0, 0
		for _, end := range ends {
			for k := start + 1; k < end; k++ {
				gotLen += math.Hypot(pieces[k].x-pieces[k-1].x, pieces[k].y-pieces[k-1].y)
			}
			start = end
		}
		for _, p := range pieces {
			if !testProjector.inside(p) {
				t.Fatalf("path %d: clipped point %v outside the box", i, p)
			}
		}
		want := clip.LineString(box, ls)
		wantLen := 0.0
		for _, w := range want {
			wantLen += planar.Length(w)
		}
		if math.Abs(gotLen-wantLen) > 1e-6*max(1, wantLen) {
			t.Fatalf("path %d: clipped length %v, orb's %v", i, gotLen, wantLen)
		}
		if len(ends) != len(want) {
			t.Fatalf("path %d: %d pieces, orb's %d", i, len(ends), len(want))
		}
	}
}

func TestArea2Sign(t *testing.T) {
	tests := []struct {
		name string
		ring []ipt
		want int64
	}{
		{"clockwise on screen is positive", []ipt{{0, 0}, {2, 0}, {2, 2}, {0, 2}}, 8},
		{"counter-clockwise on screen is negative", []ipt{{0, 0}, {0, 2}, {2, 2}, {2, 0}}, -8},
		{"collinear is zero", []ipt{{0, 0}, {1, 1}, {2, 2}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := area2(tt.ring); got != tt.want {
				t.Errorf("area2(%v) = %d, want %d", tt.ring, got, tt.want)
			}
		})
	}
}
