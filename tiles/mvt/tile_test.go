package mvt_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

func TestParseTile(t *testing.T) {
	tests := []struct {
		name    string
		z, x, y string
		want    mvt.Tile
		wantErr bool
	}{
		{"zoom 0", "0", "0", "0", mvt.Tile{}, false},
		{"zoom 14", "14", "13490", "6208", mvt.Tile{Z: 14, X: 13490, Y: 6208}, false},
		{"last tile of zoom 22", "22", "4194303", "4194303", mvt.Tile{Z: 22, X: 1<<22 - 1, Y: 1<<22 - 1}, false},
		{"x past the edge", "1", "2", "0", mvt.Tile{}, true},
		{"y past the edge", "3", "0", "8", mvt.Tile{}, true},
		{"zoom above 22", "23", "0", "0", mvt.Tile{}, true},
		{"negative", "2", "-1", "0", mvt.Tile{}, true},
		{"plus sign", "+2", "1", "0", mvt.Tile{}, true},
		{"leading zero", "02", "1", "0", mvt.Tile{}, true},
		{"hex", "0x2", "1", "0", mvt.Tile{}, true},
		{"empty", "", "0", "0", mvt.Tile{}, true},
		{"space", " 2", "1", "0", mvt.Tile{}, true},
		{"fraction", "2.0", "1", "0", mvt.Tile{}, true},
		{"underscore", "1_0", "1", "0", mvt.Tile{}, true},
		{"overflow", "99999999999999999999", "1", "0", mvt.Tile{}, true},
		{"full-width digit", "１", "0", "0", mvt.Tile{}, true},
		{"extension left on", "2", "1", "0.mvt", mvt.Tile{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mvt.ParseTile(tt.z, tt.x, tt.y)
			if tt.wantErr {
				if apperr.CodeOf(err) != apperr.Invalid {
					t.Errorf("ParseTile(%q, %q, %q) = %v, %v; want an invalid error", tt.z, tt.x, tt.y, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseTile(%q, %q, %q) = %v, %v; want %v", tt.z, tt.x, tt.y, got, err, tt.want)
			}
		})
	}
}

func TestParseTileMaxZoom(t *testing.T) {
	if _, err := mvt.ParseTileMaxZoom("17", "0", "0", 16); err == nil {
		t.Error("ParseTileMaxZoom(17, 0, 0, 16) succeeded, want an error")
	}
	if got, err := mvt.ParseTileMaxZoom("16", "65535", "1", 16); err != nil || got != (mvt.Tile{Z: 16, X: 65535, Y: 1}) {
		t.Errorf("ParseTileMaxZoom(16, 65535, 1, 16) = %v, %v", got, err)
	}
	// Above ZoomLimit the limit holds.
	if _, err := mvt.ParseTileMaxZoom("31", "0", "0", 99); err == nil {
		t.Error("ParseTileMaxZoom(31, 0, 0, 99) succeeded, want an error")
	}
}

func TestTileString(t *testing.T) {
	if got := (mvt.Tile{Z: 14, X: 13490, Y: 6208}).String(); got != "14/13490/6208" {
		t.Errorf("String() = %q", got)
	}
}

// TestBoundMatchesMaptile checks Bound and Covering against orb's maptile.
func TestBoundMatchesMaptile(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 1000 {
		z := uint32(rng.IntN(23))
		n := uint32(1) << z
		tl := mvt.Tile{Z: z, X: rng.Uint32N(n), Y: rng.Uint32N(n)}
		got := tl.Bound()
		want := maptile.New(tl.X, tl.Y, maptile.Zoom(z)).Bound()
		for i, v := range [4]float64{got.Min[0] - want.Min[0], got.Min[1] - want.Min[1], got.Max[0] - want.Max[0], got.Max[1] - want.Max[1]} {
			if math.Abs(v) > 1e-9 {
				t.Fatalf("%v.Bound() = %v, maptile's %v (coordinate %d)", tl, got, want, i)
			}
		}
		// A point inside the tile is covered by it, at its zoom and above.
		p := orb.Point{
			got.Min[0] + (0.01+0.98*rng.Float64())*(got.Max[0]-got.Min[0]),
			got.Min[1] + (0.01+0.98*rng.Float64())*(got.Max[1]-got.Min[1]),
		}
		if c := mvt.Covering(p, z); c != tl {
			t.Fatalf("Covering(%v, %d) = %v, want %v", p, z, c, tl)
		}
		if m := maptile.At(p, maptile.Zoom(z)); m.X != tl.X || m.Y != tl.Y {
			t.Fatalf("maptile.At(%v, %d) = %v, want %v", p, z, m, tl)
		}
	}
}

func TestCoveringEdges(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
		z    uint32
		want mvt.Tile
	}{
		{"origin goes south-east", orb.Point{0, 0}, 1, mvt.Tile{Z: 1, X: 1, Y: 1}},
		{"antimeridian east edge", orb.Point{180, 10}, 2, mvt.Tile{Z: 2, X: 3, Y: 1}},
		{"beyond the east edge", orb.Point{200, 10}, 2, mvt.Tile{Z: 2, X: 3, Y: 1}},
		{"north pole", orb.Point{0, 90}, 3, mvt.Tile{Z: 3, X: 4, Y: 0}},
		{"south pole", orb.Point{0, -90}, 3, mvt.Tile{Z: 3, X: 4, Y: 7}},
		{"NaN", orb.Point{math.NaN(), math.NaN()}, 3, mvt.Tile{Z: 3}},
		{"zoom above the limit", orb.Point{-180, 89}, 40, mvt.Tile{Z: mvt.ZoomLimit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mvt.Covering(tt.p, tt.z); got != tt.want {
				t.Errorf("Covering(%v, %d) = %v, want %v", tt.p, tt.z, got, tt.want)
			}
		})
	}
}

func TestParentChildren(t *testing.T) {
	tl := mvt.Tile{Z: 5, X: 17, Y: 9}
	if got, want := tl.Parent(), (mvt.Tile{Z: 4, X: 8, Y: 4}); got != want {
		t.Errorf("Parent() = %v, want %v", got, want)
	}
	if got := (mvt.Tile{}).Parent(); got != (mvt.Tile{}) {
		t.Errorf("zoom 0 Parent() = %v, want itself", got)
	}
	if got, want := tl.Ancestor(2), (mvt.Tile{Z: 2, X: 2, Y: 1}); got != want {
		t.Errorf("Ancestor(2) = %v, want %v", got, want)
	}
	kids := tl.Children()
	want := [4]mvt.Tile{{Z: 6, X: 34, Y: 18}, {Z: 6, X: 35, Y: 18}, {Z: 6, X: 34, Y: 19}, {Z: 6, X: 35, Y: 19}}
	if kids != want {
		t.Errorf("Children() = %v, want %v", kids, want)
	}
	for _, k := range kids {
		if k.Parent() != tl {
			t.Errorf("%v.Parent() = %v, want %v", k, k.Parent(), tl)
		}
		b, kb := tl.Bound(), k.Bound()
		if kb.Min[0] < b.Min[0]-1e-12 || kb.Max[0] > b.Max[0]+1e-12 || kb.Min[1] < b.Min[1]-1e-12 || kb.Max[1] > b.Max[1]+1e-12 {
			t.Errorf("child %v bound %v not inside %v", k, kb, b)
		}
	}
}

func TestTilesAt(t *testing.T) {
	p := orb.Point{116.4, 39.9}
	got := mvt.TilesAt(p, 3, 16)
	if len(got) != 14 {
		t.Fatalf("TilesAt gave %d tiles, want 14", len(got))
	}
	for i, tl := range got {
		if want := mvt.Covering(p, uint32(3+i)); tl != want {
			t.Errorf("TilesAt[%d] = %v, want %v", i, tl, want)
		}
	}
	if got := mvt.TilesAt(p, 5, 4); got != nil {
		t.Errorf("TilesAt(5, 4) = %v, want nil", got)
	}
}

func TestTilesTouching(t *testing.T) {
	tl := mvt.Tile{Z: 10, X: 843, Y: 388}
	b := tl.Bound()
	inner := orb.Bound{
		Min: orb.Point{b.Min[0] + 1e-6, b.Min[1] + 1e-6},
		Max: orb.Point{b.Max[0] - 1e-6, b.Max[1] - 1e-6},
	}
	tests := []struct {
		name    string
		b       orb.Bound
		z       uint32
		limit   int
		want    []mvt.Tile
		wantErr apperr.Code
	}{
		{"inside one tile", inner, 10, 10, []mvt.Tile{tl}, ""},
		{"its four children", inner, 11, 10, []mvt.Tile{
			{Z: 11, X: 1686, Y: 776}, {Z: 11, X: 1687, Y: 776}, {Z: 11, X: 1686, Y: 777}, {Z: 11, X: 1687, Y: 777},
		}, ""},
		{"its exact bound also holds the east and south edges", b, 10, 10, []mvt.Tile{
			{Z: 10, X: 843, Y: 388}, {Z: 10, X: 844, Y: 388}, {Z: 10, X: 843, Y: 389}, {Z: 10, X: 844, Y: 389},
		}, ""},
		{"over the limit", inner, 14, 255, nil, apperr.TooLarge},
		{"at the limit", inner, 14, 256, nil, ""},
		{"empty bound", orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{0, 0}}, 10, 10, nil, ""},
		{"NaN bound", orb.Bound{Min: orb.Point{math.NaN(), 1}, Max: orb.Point{2, 2}}, 10, 10, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mvt.TilesTouching(tt.b, tt.z, tt.limit)
			if apperr.CodeOf(err) != tt.wantErr {
				t.Fatalf("TilesTouching error = %v, want code %q", err, tt.wantErr)
			}
			if tt.name == "at the limit" {
				if len(got) != 256 {
					t.Errorf("got %d tiles, want 256", len(got))
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("TilesTouching (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBoundWithBuffer(t *testing.T) {
	tl := mvt.Tile{Z: 12, X: 3372, Y: 1552}
	b, bb := tl.Bound(), tl.BoundWithBuffer(64, 4096)
	w := b.Max[0] - b.Min[0]
	if got := bb.Max[0] - bb.Min[0]; math.Abs(got-w*(1+2.0/64)) > 1e-12 {
		t.Errorf("buffered width = %v, want %v", got, w*(1+2.0/64))
	}
	if !(bb.Min[1] < b.Min[1] && bb.Max[1] > b.Max[1]) {
		t.Errorf("buffered bound %v does not grow %v in latitude", bb, b)
	}
	// The buffered bound ends where the neighbours' 64th rows/columns do.
	east := mvt.Tile{Z: 12, X: tl.X + 1, Y: tl.Y}.Bound()
	if want := east.Min[0] + (east.Max[0]-east.Min[0])/64; math.Abs(bb.Max[0]-want) > 1e-12 {
		t.Errorf("buffered east edge = %v, want %v", bb.Max[0], want)
	}
	south := mvt.Tile{Z: 12, X: tl.X, Y: tl.Y + 1}
	if got, want := bb.Min[1], south.BoundWithBuffer(-4032, 4096).Min[1]; math.Abs(got-want) > 1e-12 {
		t.Errorf("buffered south edge = %v, want %v", got, want)
	}
}
