package democity

import (
	"github.com/paulmach/orb"
)

// diagram clips the Voronoi regions of the seats to the outline.
//
// Every vertex of every region is one of three kinds of node: a vertex of the outline,
// the crossing of an outline edge with the bisector of two seats, or the Voronoi vertex
// equidistant from three seats. A node is named by what defines it (nodeKey), and its
// coordinates are computed once, the first time any region needs it, from that
// definition alone, then cached. Two regions that share a border therefore get the very
// same float64 coordinates for its vertices, whatever order they are built in.
type diagram struct {
	outline []vec // counter-clockwise, star-shaped about the origin
	seats   []vec // one per township, each inside the outline's kernel
	nodes   map[nodeKey]node
}

type nodeKind uint8

const (
	outlineNode nodeKind = iota // a: the outline vertex
	crossNode                   // a: the outline edge from vertex a to a+1; b < c: the seats
	voronoiNode                 // a < b < c: the three seats
)

// nodeKey names a node by what defines it.
type nodeKey struct {
	kind    nodeKind
	a, b, c int
}

// node is a node's position in the local plane and in WGS-84.
type node struct {
	p   vec
	geo orb.Point
}

// side names the line an edge of a region lies on: an edge of the outline, or the
// bisector between the region's seat and another seat.
type side struct {
	outline bool
	index   int // the outline edge, or the other seat
}

// corner is a vertex of a region being clipped and the side of the edge that leaves it.
type corner struct {
	key  nodeKey
	p    vec
	next side
}

// node returns the node named k, computing it on first use.
func (d *diagram) node(k nodeKey) node {
	if n, ok := d.nodes[k]; ok {
		return n
	}
	var p vec
	switch k.kind {
	case outlineNode:
		p = d.outline[k.a]
	case crossNode:
		// Where the outline edge a→a+1 meets the bisector of seats b and c: the zero of
		// g(x) = |x-b|² - |x-c|², which is linear along the edge.
		p0, p1 := d.outline[k.a], d.outline[(k.a+1)%len(d.outline)]
		g0, g1 := d.bisector(k.b, k.c, p0), d.bisector(k.b, k.c, p1)
		p = p0.lerp(p1, g0/(g0-g1))
	case voronoiNode:
		p = circumcentre(d.seats[k.a], d.seats[k.b], d.seats[k.c])
	}
	n := node{p: p, geo: p.lonLat()}
	d.nodes[k] = n
	return n
}

// bisector returns |x-s_i|² - |x-s_j|²: negative where x is nearer seat i than seat j.
func (d *diagram) bisector(i, j int, x vec) float64 {
	a, b := x.sub(d.seats[i]), x.sub(d.seats[j])
	return a.dot(a) - b.dot(b)
}

// circumcentre returns the point equidistant from a, b and c.
func circumcentre(a, b, c vec) vec {
	ab, ac := b.sub(a), c.sub(a)
	den := 2 * ab.cross(ac)
	lb, lc := ab.dot(ab), ac.dot(ac)
	return vec{a.x + (ac.y*lb-ab.y*lc)/den, a.y + (ab.x*lc-ac.x*lb)/den}
}

// crossing names the node where the edge leaving c meets the bisector of seats i and j.
func crossing(c corner, i, j int) nodeKey {
	if c.next.outline {
		return nodeKey{kind: crossNode, a: c.next.index, b: min(i, j), c: max(i, j)}
	}
	// The edge lies on the bisector of i and c.next.index: the crossing is the Voronoi
	// vertex of the three seats.
	s := [3]int{i, j, c.next.index}
	if s[0] > s[1] {
		s[0], s[1] = s[1], s[0]
	}
	if s[1] > s[2] {
		s[1], s[2] = s[2], s[1]
	}
	if s[0] > s[1] {
		s[0], s[1] = s[1], s[0]
	}
	return nodeKey{kind: voronoiNode, a: s[0], b: s[1], c: s[2]}
}

// cell returns the region of seat i: its Voronoi region clipped to the outline, as a
// closed counter-clockwise ring in WGS-84.
//
// It clips the outline by the half-plane nearer seat i than seat j, for every other
// seat j in turn (Sutherland–Hodgman). Sutherland–Hodgman is exact for convex polygons
// only, in general; here it is exact because seat i lies in the kernel of the outline:
// the polygon being clipped stays star-shaped about seat i, so the points where its
// boundary crosses a bisector come in the same order along the boundary as along the
// bisector, and joining them pairwise along the bisector yields the true intersection.
// For the same reason the region is connected: it is star-shaped about its seat.
func (d *diagram) cell(i int) orb.Ring {
	ring := make([]corner, len(d.outline))
	for k := range d.outline {
		key := nodeKey{kind: outlineNode, a: k}
		ring[k] = corner{key: key, p: d.node(key).p, next: side{outline: true, index: k}}
	}
	next := make([]corner, 0, len(ring))
	for j := range d.seats {
		if j == i {
			continue
		}
		next = next[:0]
		for m, c := range ring {
			in := d.bisector(i, j, c.p) <= 0
			nextIn := d.bisector(i, j, ring[(m+1)%len(ring)].p) <= 0
			if in {
				next = append(next, c)
			}
			if in == nextIn {
				continue
			}
			key := crossing(c, i, j)
			x := corner{key: key, p: d.node(key).p, next: c.next}
			if in {
				// Leaving the half-plane: follow the bisector to where the boundary
				// comes back.
				x.next = side{index: j}
			}
			next = append(next, x)
		}
		ring, next = next, ring
	}
	out := make(orb.Ring, len(ring)+1)
	for m, c := range ring {
		out[m] = d.node(c.key).geo
	}
	out[len(ring)] = out[0]
	return out
}
