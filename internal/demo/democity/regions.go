package democity

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Labels of cells that belong to no region.
const (
	outside int32 = -2 // not in the piece being divided
	free    int32 = -1 // in it, not yet in a region
)

// newLabels returns labels for n cells, all outside.
func newLabels(n int) []int32 {
	lab := make([]int32, n)
	for i := range lab {
		lab[i] = outside
	}
	return lab
}

// regionSet is one connected piece of a township divided into connected regions: region
// r is the cells v with lab[v] == r; size[r] is 0 once r is merged away.
type regionSet struct {
	p       *partitioner
	lab     []int32
	members []int32 // the piece, ascending
	size    []int
	lo, hi  int // the bounds on a region's size
	visit   []uint32
	stamp   uint32
}

// divide divides members, a connected piece whose cells are all outside in lab, into k
// regions labelled 0..k-1: seeds from k-means, then balanced growth.
func (p *partitioner) divide(lab []int32, members []int32, k, lo, hi int) *regionSet {
	rs := &regionSet{p: p, lab: lab, members: members, lo: lo, hi: hi,
		visit: make([]uint32, len(p.g.cells))}
	for _, v := range members {
		lab[v] = free
	}
	labels := make([]int32, k)
	for i := range labels {
		labels[i] = int32(i)
	}
	rs.size = make([]int, k)
	rs.grow(members, labels)
	return rs
}

// grow gives the free cells among cells to regions labels, which must be empty: it
// seeds them by k-means, then always lets the smallest region that can still grow take
// its free neighbour nearest its k-means centre.
func (rs *regionSet) grow(cells []int32, labels []int32) {
	g := rs.p.g
	centres := rs.p.kmeans(cells, len(labels))
	fronts := make([]frontier, len(labels))
	take := func(i int, v int32) {
		rs.lab[v] = labels[i]
		rs.size[labels[i]]++
		for _, w := range g.adj[v] {
			if rs.lab[w] == free {
				d := g.pos[w].sub(centres[i])
				fronts[i].push(candidate{d.dot(d), w})
			}
		}
	}
	for i, c := range centres {
		// The seed: the free cell nearest the centre.
		best, bestDist := int32(-1), math.Inf(1)
		for _, v := range cells {
			d := g.pos[v].sub(c)
			if dist := d.dot(d); rs.lab[v] == free && dist < bestDist {
				best, bestDist = v, dist
			}
		}
		take(i, best)
	}
	for {
		next := -1
		for i := range fronts {
			f := &fronts[i]
			for len(*f) > 0 && rs.lab[(*f)[0].cell] != free {
				f.pop()
			}
			if len(*f) > 0 && (next < 0 || rs.size[labels[i]] < rs.size[labels[next]]) {
				next = i
			}
		}
		if next < 0 {
			return
		}
		take(next, fronts[next].pop().cell)
	}
}

// kmeans returns k centres of the cells: k-means++ seeding, then Lloyd's iterations.
func (p *partitioner) kmeans(cells []int32, k int) []vec {
	pos := p.g.pos
	centres := make([]vec, 0, k)
	centres = append(centres, pos[cells[p.rng.IntN(len(cells))]])
	d2 := make([]float64, len(cells))
	for i := range d2 {
		d2[i] = math.Inf(1)
	}
	for len(centres) < k {
		last, total := centres[len(centres)-1], 0.0
		for i, v := range cells {
			d := pos[v].sub(last)
			d2[i] = min(d2[i], d.dot(d))
			total += d2[i]
		}
		x, pick := p.rng.Float64()*total, len(cells)-1
		for i := range cells {
			if x -= d2[i]; x < 0 {
				pick = i
				break
			}
		}
		centres = append(centres, pos[cells[pick]])
	}
	assign := make([]int, len(cells))
	sums := make([]vec, k)
	counts := make([]int, k)
	for iter := 0; iter < 20; iter++ {
		changed := false
		clear(sums)
		clear(counts)
		for i, v := range cells {
			best, bestDist := 0, math.Inf(1)
			for j, c := range centres {
				d := pos[v].sub(c)
				if dist := d.dot(d); dist < bestDist {
					best, bestDist = j, dist
				}
			}
			if iter == 0 || assign[i] != best {
				changed = true
			}
			assign[i] = best
			sums[best] = vec{sums[best].x + pos[v].x, sums[best].y + pos[v].y}
			counts[best]++
		}
		if !changed {
			break
		}
		for j := range centres {
			if counts[j] > 0 {
				centres[j] = sums[j].scale(1 / float64(counts[j]))
			}
		}
	}
	return centres
}

// repair brings every region within [lo, hi] cells: by moving boundary cells between
// neighbouring regions first, by merging or splitting regions when that is not enough.
// A piece smaller than lo stays one region below it. It returns an error when the bounds
// are still missed, which the package's tests have never seen.
func (rs *regionSet) repair() error {
	for range 4*len(rs.size) + 32 {
		if r := rs.extreme(func(n int) bool { return n < rs.lo }, -1); r >= 0 && rs.live() > 1 {
			if rs.pull(r) {
				continue
			}
			if q := rs.merge(r); rs.size[q] > rs.hi {
				rs.split(q)
			}
			continue
		}
		if r := rs.extreme(func(n int) bool { return n > rs.hi }, 1); r >= 0 {
			if !rs.push(r) {
				rs.split(r)
			}
			continue
		}
		return nil
	}
	for r, n := range rs.size {
		if n > 0 && (n > rs.hi || n < rs.lo && rs.live() > 1) {
			return fmt.Errorf("region of %d cells, want %d to %d", rs.size[r], rs.lo, rs.hi)
		}
	}
	return nil
}

// live returns the number of regions.
func (rs *regionSet) live() int {
	n := 0
	for _, s := range rs.size {
		if s > 0 {
			n++
		}
	}
	return n
}

// extreme returns the region whose size satisfies bad and is the smallest (sign -1) or
// largest (sign 1) of those, or -1.
func (rs *regionSet) extreme(bad func(int) bool, sign int) int {
	best := -1
	for r, n := range rs.size {
		if n > 0 && bad(n) && (best < 0 || sign*cmp.Compare(n, rs.size[best]) > 0) {
			best = r
		}
	}
	return best
}

// cells returns the cells of region r, ascending.
func (rs *regionSet) cells(r int32) []int32 {
	var out []int32
	for _, v := range rs.members {
		if rs.lab[v] == r {
			out = append(out, v)
		}
	}
	return out
}

// regions returns the cells of every region, in label order.
func (rs *regionSet) regions() [][]int32 {
	var out [][]int32
	for r, n := range rs.size {
		if n > 0 {
			out = append(out, rs.cells(int32(r)))
		}
	}
	return out
}

// release returns the piece's cells to outside, for the next piece to use lab.
func (rs *regionSet) release() {
	for _, v := range rs.members {
		rs.lab[v] = outside
	}
}

// candidate is a cell and its distance (squared, km²) to where it is wanted.
type candidate struct {
	dist float64
	cell int32
}

func byDistance(a, b candidate) int {
	return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.cell, b.cell))
}

// frontier is a min-heap of candidates, by byDistance. (container/heap would box every
// candidate in an interface, one allocation per push.)
type frontier []candidate

func (f *frontier) push(c candidate) {
	h := append(*f, c)
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if byDistance(h[i], h[parent]) >= 0 {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
	*f = h
}

func (f *frontier) pop() candidate {
	h := *f
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		least, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && byDistance(h[l], h[least]) < 0 {
			least = l
		}
		if r < len(h) && byDistance(h[r], h[least]) < 0 {
			least = r
		}
		if least == i {
			break
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
	*f = h
	return top
}

// move hands cell v over to region to.
func (rs *regionSet) move(v int32, to int32) {
	rs.size[rs.lab[v]]--
	rs.size[to]++
	rs.lab[v] = to
}

// removable reports whether region lab[v] stays connected without v.
func (rs *regionSet) removable(v int32) bool {
	r, adj := rs.lab[v], rs.p.g.adj
	if rs.size[r] <= 1 {
		return false
	}
	rs.stamp++
	rs.visit[v] = rs.stamp
	var queue []int32
	for _, w := range adj[v] {
		if rs.lab[w] == r {
			rs.visit[w] = rs.stamp
			queue = append(queue, w)
			break
		}
	}
	for q := 0; q < len(queue); q++ {
		for _, w := range adj[queue[q]] {
			if rs.lab[w] == r && rs.visit[w] != rs.stamp {
				rs.visit[w] = rs.stamp
				queue = append(queue, w)
			}
		}
	}
	return len(queue) == rs.size[r]-1
}

// transfer moves one cell that region from can spare (it stays connected) and that
// borders a region accepted by into, choosing by rank. It reports whether it moved one.
func (rs *regionSet) transfer(from int32, into func(int32) bool, rank func(v, to int32) float64) bool {
	var cands []candidate
	var dest []int32
	for _, v := range rs.members {
		if rs.lab[v] != from {
			continue
		}
		for _, w := range rs.p.g.adj[v] {
			if q := rs.lab[w]; q >= 0 && q != from && into(q) {
				cands = append(cands, candidate{rank(v, q), int32(len(dest))})
				dest = append(dest, v, q)
			}
		}
	}
	slices.SortFunc(cands, byDistance)
	for _, c := range cands {
		v, q := dest[c.cell], dest[c.cell+1]
		if rs.removable(v) {
			rs.move(v, q)
			return true
		}
	}
	return false
}

// distTo returns a rank function: the squared distance from a cell to the centroid of
// the region it would join.
func (rs *regionSet) distTo() func(v, to int32) float64 {
	centroids := map[int32]vec{}
	return func(v, to int32) float64 {
		c, ok := centroids[to]
		if !ok {
			c = rs.p.g.centroid(rs.cells(to))
			centroids[to] = c
		}
		d := rs.p.g.pos[v].sub(c)
		return d.dot(d)
	}
}

// pull grows region r to lo cells with cells from neighbours that can spare them. It
// reports whether r got there.
func (rs *regionSet) pull(r int) bool {
	target := int32(r)
	for rs.size[r] < rs.lo {
		moved := false
		// Donors in turn, nearest first: each gives one cell if it can.
		c := rs.p.g.centroid(rs.cells(target))
		var donors []candidate
		for _, v := range rs.members {
			if q := rs.lab[v]; q >= 0 && q != target && rs.size[q] > rs.lo && rs.borders(v, target) {
				d := rs.p.g.pos[v].sub(c)
				donors = append(donors, candidate{d.dot(d), q})
			}
		}
		slices.SortFunc(donors, byDistance)
		tried := map[int32]bool{}
		for _, d := range donors {
			if tried[d.cell] {
				continue
			}
			tried[d.cell] = true
			if rs.transfer(d.cell, func(q int32) bool { return q == target }, rs.distTo()) {
				moved = true
				break
			}
		}
		if !moved {
			return false
		}
	}
	return true
}

// borders reports whether cell v touches region r.
func (rs *regionSet) borders(v int32, r int32) bool {
	for _, w := range rs.p.g.adj[v] {
		if rs.lab[w] == r {
			return true
		}
	}
	return false
}

// push shrinks region r to hi cells, giving cells to neighbours with room, the smallest
// neighbour first. It reports whether r got there.
func (rs *regionSet) push(r int) bool {
	from := int32(r)
	for rs.size[r] > rs.hi {
		dist := rs.distTo()
		rank := func(v, to int32) float64 { return float64(rs.size[to])*1e6 + dist(v, to) }
		if !rs.transfer(from, func(q int32) bool { return rs.size[q] < rs.hi }, rank) {
			return false
		}
	}
	return true
}

// merge merges region r into its smallest neighbour and returns that neighbour.
func (rs *regionSet) merge(r int) int {
	from := int32(r)
	best := int32(-1)
	for _, v := range rs.members {
		if rs.lab[v] != from {
			continue
		}
		for _, w := range rs.p.g.adj[v] {
			if q := rs.lab[w]; q >= 0 && q != from &&
				(best < 0 || rs.size[q] < rs.size[best] || rs.size[q] == rs.size[best] && q < best) {
				best = q
			}
		}
	}
	for _, v := range rs.members {
		if rs.lab[v] == from {
			rs.move(v, best)
		}
	}
	return int(best)
}

// split splits region r in two balanced, connected halves: r and a new region.
func (rs *regionSet) split(r int) {
	cells := rs.cells(int32(r))
	for _, v := range cells {
		rs.lab[v] = free
	}
	rs.size[r] = 0
	t := int32(len(rs.size))
	rs.size = append(rs.size, 0)
	rs.grow(cells, []int32{int32(r), t})
	for {
		big, small := int32(r), t
		if rs.size[big] < rs.size[small] {
			big, small = small, big
		}
		if rs.size[big]-rs.size[small] <= 1 ||
			!rs.transfer(big, func(q int32) bool { return q == small }, rs.distTo()) {
			return
		}
	}
}
