package mvt

import (
	"math"

	"github.com/paulmach/orb"
)

// Geometry in tile space: projection, clipping, quantisation, winding and the MVT
// command stream. Coordinates are in extent units from the tile's north-west corner,
// y down. The clip box is the square [lo, hi]², the tile grown by the buffer.

// fpt is a projected point before quantisation; ipt one after.
type fpt struct{ x, y float64 }
type ipt struct{ x, y int32 }

// MVT geometry types and commands.
const (
	geomPoint   = 1
	geomLine    = 2
	geomPolygon = 3

	cmdMoveTo    = 1
	cmdLineTo    = 2
	cmdClosePath = 7
)

// geomWriter builds the command stream of one feature. The cursor carries over from
// one part or ring to the next, as the spec requires.
type geomWriter struct {
	data   []uint32
	cx, cy int32
}

func (w *geomWriter) reset() {
	w.data = w.data[:0]
	w.cx, w.cy = 0, 0
}

func (w *geomWriter) command(id, count int) {
	w.data = append(w.data, uint32(count)<<3|uint32(id))
}

func (w *geomWriter) point(p ipt) {
	w.data = append(w.data, zigzag32(p.x-w.cx), zigzag32(p.y-w.cy))
	w.cx, w.cy = p.x, p.y
}

// line writes an open path of at least two points.
func (w *geomWriter) line(ps []ipt) {
	w.command(cmdMoveTo, 1)
	w.point(ps[0])
	w.command(cmdLineTo, len(ps)-1)
	for _, p := range ps[1:] {
		w.point(p)
	}
}

// ring writes a ring of at least three points, without its closing point.
func (w *geomWriter) ring(ps []ipt) {
	w.line(ps)
	w.command(cmdClosePath, 1)
}

// projector maps WGS-84 to a tile's extent units.
type projector struct {
	scale  float64 // world width in extent units: 2^z · extent
	ox, oy float64 // the tile's north-west corner in the same units
	lo, hi float64 // the clip box
}

func newProjector(t Tile, extent, buffer uint32) projector {
	e := float64(extent)
	return projector{
		scale: math.Exp2(float64(t.Z)) * e,
		ox:    float64(t.X) * e,
		oy:    float64(t.Y) * e,
		lo:    -float64(buffer),
		hi:    e + float64(buffer),
	}
}

// project reports false for a non-finite input coordinate.
func (pr *projector) project(p orb.Point) (fpt, bool) {
	if !finite(p[0]) || !finite(p[1]) {
		return fpt{}, false
	}
	wx, wy := worldXY(p)
	return fpt{wx*pr.scale - pr.ox, wy*pr.scale - pr.oy}, true
}

func finite(f float64) bool { return f-f == 0 }

func (pr *projector) inside(p fpt) bool {
	return p.x >= pr.lo && p.x <= pr.hi && p.y >= pr.lo && p.y <= pr.hi
}

// quantize rounds p to the integer grid, clamped into the clip box (rounding error of
// the clipping arithmetic must never push a coordinate out of it).
func (pr *projector) quantize(p fpt) ipt {
	return ipt{
		int32(max(pr.lo, min(pr.hi, math.Round(p.x)))),
		int32(max(pr.lo, min(pr.hi, math.Round(p.y)))),
	}
}

// bounds returns the bounding box of ps.
func bounds(ps []fpt) (minX, minY, maxX, maxY float64) {
	minX, minY = math.Inf(1), math.Inf(1)
	maxX, maxY = math.Inf(-1), math.Inf(-1)
	for _, p := range ps {
		minX, maxX = min(minX, p.x), max(maxX, p.x)
		minY, maxY = min(minY, p.y), max(maxY, p.y)
	}
	return
}

// clipRing clips a closed ring (without its closing point) to the clip box by
// Sutherland–Hodgman, one box edge at a time. The result keeps the ring's orientation.
// For a concave ring crossing the box it may contain zero-width spikes along the box
// edge; they lie in the buffer, outside the visible tile, and render as nothing.
// It returns in itself when no clipping is needed, and otherwise uses *a and *b as
// scratch space (growing them as needed) and returns a slice of one of them.
func (pr *projector) clipRing(in []fpt, a, b *[]fpt) []fpt {
	minX, minY, maxX, maxY := bounds(in)
	if minX >= pr.lo && maxX <= pr.hi && minY >= pr.lo && maxY <= pr.hi {
		return in
	}
	if maxX < pr.lo || minX > pr.hi || maxY < pr.lo || minY > pr.hi {
		return nil
	}
	cur := append((*a)[:0], in...)
	next := (*b)[:0]
	for edge := range 4 {
		next = next[:0]
		n := len(cur)
		for i := range n {
			p, q := cur[(i+n-1)%n], cur[i]
			pin, qin := pr.edgeInside(edge, p), pr.edgeInside(edge, q)
			switch {
			case qin && pin:
				next = append(next, q)
			case qin:
				next = append(next, pr.edgeCross(edge, p, q), q)
			case pin:
				next = append(next, pr.edgeCross(edge, p, q))
			}
		}
		cur, next = next, cur
		if len(cur) == 0 {
			break
		}
	}
	*a, *b = cur, next // keep the grown buffers
	return cur
}

func (pr *projector) edgeInside(edge int, p fpt) bool {
	switch edge {
	case 0:
		return p.x >= pr.lo
	case 1:
		return p.x <= pr.hi
	case 2:
		return p.y >= pr.lo
	default:
		return p.y <= pr.hi
	}
}

// edgeCross returns where segment pq crosses the line of the given box edge; p and q are
// on either side of it.
func (pr *projector) edgeCross(edge int, p, q fpt) fpt {
	switch edge {
	case 0, 1:
		c := pr.lo
		if edge == 1 {
			c = pr.hi
		}
		t := (c - p.x) / (q.x - p.x)
		return fpt{c, p.y + t*(q.y-p.y)}
	default:
		c := pr.lo
		if edge == 3 {
			c = pr.hi
		}
		t := (c - p.y) / (q.y - p.y)
		// x is inside the box already (the x edges come first): keep rounding from
		// taking it out.
		return fpt{max(pr.lo, min(pr.hi, p.x+t*(q.x-p.x))), c}
	}
}

// clipSegment clips segment ab to the clip box (Liang–Barsky). It returns the
// parameters t0 <= t1 of the part inside, or false when no part is.
func (pr *projector) clipSegment(a, b fpt) (t0, t1 float64, ok bool) {
	dx, dy := b.x-a.x, b.y-a.y
	t0, t1 = 0, 1
	for _, c := range [4][2]float64{
		{-dx, a.x - pr.lo}, {dx, pr.hi - a.x},
		{-dy, a.y - pr.lo}, {dy, pr.hi - a.y},
	} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return 0, 0, false
			}
			continue
		}
		r := q / p
		if p < 0 {
			if r > t1 {
				return 0, 0, false
			}
			t0 = max(t0, r)
		} else {
			if r < t0 {
				return 0, 0, false
			}
			t1 = min(t1, r)
		}
	}
	return t0, t1, true
}

// clamp moves p into the clip box; it corrects the last-bit rounding of lerp.
func (pr *projector) clamp(p fpt) fpt {
	return fpt{max(pr.lo, min(pr.hi, p.x)), max(pr.lo, min(pr.hi, p.y))}
}

func lerp(a, b fpt, t float64) fpt {
	switch t {
	case 0:
		return a
	case 1:
		return b
	}
	return fpt{a.x + t*(b.x-a.x), a.y + t*(b.y-a.y)}
}

// clipLine clips an open path to the clip box, appending the pieces inside to pieces
// and the end offset of each to ends.
func (pr *projector) clipLine(in []fpt, pieces []fpt, ends []int) ([]fpt, []int) {
	open := false
	for i := 0; i+1 < len(in); i++ {
		a, b := in[i], in[i+1]
		t0, t1, ok := pr.clipSegment(a, b)
		if !ok {
			if open {
				ends = append(ends, len(pieces))
				open = false
			}
			continue
		}
		if !open || t0 > 0 {
			if open {
				ends = append(ends, len(pieces))
			}
			pieces = append(pieces, pr.clamp(lerp(a, b, t0)))
			open = true
		}
		pieces = append(pieces, pr.clamp(lerp(a, b, t1)))
		if t1 < 1 {
			ends = append(ends, len(pieces))
			open = false
		}
	}
	if open {
		ends = append(ends, len(pieces))
	}
	return pieces, ends
}

// quantizePath rounds ps to the grid into out, dropping repeated points, and, when
// ring is true, a last point equal to the first.
func (pr *projector) quantizePath(ps []fpt, out []ipt, ring bool) []ipt {
	out = out[:0]
	for _, p := range ps {
		q := pr.quantize(p)
		if len(out) > 0 && out[len(out)-1] == q {
			continue
		}
		out = append(out, q)
	}
	if ring {
		for len(out) > 1 && out[len(out)-1] == out[0] {
			out = out[:len(out)-1]
		}
	}
	return out
}

// area2 returns twice the signed area of ring r by the surveyor's formula in tile
// coordinates. MVT 2.1 defines exterior rings as those with positive area, which with y
// down means clockwise on screen; holes have negative area.
func area2(r []ipt) int64 {
	var s int64
	n := len(r)
	for i := range n {
		p, q := r[i], r[(i+1)%n]
		s += int64(p.x)*int64(q.y) - int64(q.x)*int64(p.y)
	}
	return s
}

func reverse(r []ipt) {
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
}
