package simulate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// area is an officer's ground prepared for the simulation: the area cells
// in a local plane, the patrolled subset, and what routing needs.
type area struct {
	pl     plane
	cells  []h3.Cell // the area's cells, sorted
	centre []vec     // centre of cells[i] in the plane
	nbr    [][]int32 // patrolled neighbours of each patrolled cell (indices into cells)

	patrol   []int32 // indices of the patrolled cells, in the order they were taken
	inPatrol []bool  // by index into cells

	// foreign holds the centres of the cells next to the patrolled ones
	// that are not patrolled, inside the area or not. A point farther than
	// circumM from all of them, reached from a patrolled cell without
	// coming closer, is in a patrolled cell.
	foreign []vec
	// circumM is the largest distance from a foreign cell's centre to one
	// of its vertices: a disc of that radius about each foreign centre
	// holds the cell. (Patrolled cells are about the same size; circumM
	// also scales the wander and the target points.)
	circumM float64

	start     vec   // where the patrol starts
	startCell int32 // the patrolled cell holding start
}

// newArea prepares o's ground: it checks the cells, projects them, takes
// the patrolled subset (which depends only on the officer's ID, area, base
// and the coverage fraction, never on the day's seed) and the cells around
// it.
func newArea(o *Officer, coverage float64) (*area, error) {
	if len(o.Area) == 0 {
		return nil, errors.New("empty area")
	}
	cells := slices.Clone(o.Area)
	slices.Sort(cells)
	cells = slices.Compact(cells)
	res := cells[0].Resolution()
	for _, c := range cells {
		if !c.IsValid() {
			return nil, fmt.Errorf("invalid H3 cell %s", c)
		}
		if c.Resolution() != res {
			return nil, fmt.Errorf("cells of resolutions %d and %d: want one resolution", res, c.Resolution())
		}
	}
	a := &area{cells: cells, centre: make([]vec, len(cells)), inPatrol: make([]bool, len(cells))}
	lonlat := make([]orb.Point, len(cells))
	var mean orb.Point
	for i, c := range cells {
		lonlat[i] = latLng(h3.CellToLatLng(c))
		mean[0] += lonlat[i][0] / float64(len(cells))
		mean[1] += lonlat[i][1] / float64(len(cells))
	}
	a.pl = newPlane(mean)
	for i := range cells {
		a.centre[i] = a.pl.project(lonlat[i])
	}
	disks := make([][]h3.Cell, len(cells))
	for i, c := range cells {
		disks[i] = h3.GridDisk(c, 1)
	}

	base := o.Base
	if base == (orb.Point{}) {
		base = mean
	}
	a.start = a.pl.project(base)
	a.startCell = a.index(h3.LatLngToCell(h3.LatLng{Lat: base[1], Lng: base[0]}, res))
	if a.startCell < 0 {
		a.startCell = a.nearest(a.start, nil)
		a.start = a.centre[a.startCell]
	}

	quota := max(1, int(math.Round(coverage*float64(len(cells)))))
	rng := rand.New(rand.NewPCG(idHash(o.ID), coverageStream))
	a.grow(disks, quota, rng)
	a.surround(disks)
	return a, nil
}

// Stream constants of the random generators, so that the streams of one
// officer differ.
const (
	coverageStream = 0x636f766572616765 // "coverage"
	dayStream      = 0x6461790000000000 // "day"
)

// idHash is the 64-bit FNV-1a hash of an officer ID.
func idHash(id string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return h
}

// index returns the index of c in the area, or -1.
func (a *area) index(c h3.Cell) int32 {
	i, ok := slices.BinarySearch(a.cells, c)
	if !ok {
		return -1
	}
	return int32(i)
}

// nearest returns the cell whose centre is nearest to p among those for
// which skip is false (all when skip is nil).
func (a *area) nearest(p vec, skip []bool) int32 {
	best, bestD := int32(-1), math.Inf(1)
	for i, c := range a.centre {
		if skip != nil && skip[i] {
			continue
		}
		if d := p.dist2(c); d < bestD {
			best, bestD = int32(i), d
		}
	}
	return best
}

// grow takes quota cells by a weighted Eden growth from the start cell:
// each step adds a cell next to those taken, drawn with a weight of k³
// where k is how many of its neighbours are taken, so that bays and holes
// fill first and the patch stays compact and roughly round. When the start
// cell's piece of the area is used up, growth goes on from the free cell
// nearest to the start.
func (a *area) grow(disks [][]h3.Cell, quota int, rng *rand.Rand) {
	taken := make([]int, len(a.cells)) // taken neighbours of each free cell
	var frontier []int32
	take := func(i int32) {
		a.inPatrol[i] = true
		a.patrol = append(a.patrol, i)
		for _, n := range disks[i] {
			if j := a.index(n); j >= 0 && !a.inPatrol[j] {
				if taken[j] == 0 {
					frontier = append(frontier, j)
				}
				taken[j]++
			}
		}
	}
	take(a.startCell)
	for len(a.patrol) < quota {
		if len(frontier) == 0 {
			take(a.nearest(a.start, a.inPatrol))
			continue
		}
		var total float64
		for _, j := range frontier {
			total += cube(taken[j])
		}
		k, r := 0, rng.Float64()*total
		for ; k < len(frontier)-1; k++ {
			if r -= cube(taken[frontier[k]]); r < 0 {
				break
			}
		}
		i := frontier[k]
		frontier[k] = frontier[len(frontier)-1]
		frontier = frontier[:len(frontier)-1]
		take(i)
	}
}

func cube(k int) float64 { return float64(k * k * k) }

// surround fills nbr, foreign and circumM from the patrolled cells.
func (a *area) surround(disks [][]h3.Cell) {
	a.nbr = make([][]int32, len(a.cells))
	seen := make(map[h3.Cell]bool)
	measure := func(c h3.Cell, centre vec) {
		for _, v := range h3.CellToBoundary(c) {
			a.circumM = max(a.circumM, a.pl.project(latLng(v)).sub(centre).len())
		}
	}
	for _, i := range a.patrol {
		for _, n := range disks[i] {
			j := a.index(n)
			switch {
			case n == a.cells[i]:
			case j >= 0 && a.inPatrol[j]:
				a.nbr[i] = append(a.nbr[i], j)
			case !seen[n]:
				seen[n] = true
				var c vec
				if j >= 0 {
					c = a.centre[j]
				} else {
					c = cellVec(a.pl, n)
				}
				a.foreign = append(a.foreign, c)
				measure(n, c)
			}
		}
	}
}

// clear reports whether every point within marginM of segment pq is
// farther than circumM from every foreign cell centre, so that a path
// along pq that strays at most marginM stays in patrolled cells.
func (a *area) clear(p, q vec, marginM float64) bool {
	lim := a.circumM + marginM
	lim2 := lim * lim
	lo := vec{min(p.x, q.x) - lim, min(p.y, q.y) - lim}
	hi := vec{max(p.x, q.x) + lim, max(p.y, q.y) + lim}
	for _, f := range a.foreign {
		if f.x < lo.x || f.x > hi.x || f.y < lo.y || f.y > hi.y {
			continue
		}
		if segDist2(p, q, f) < lim2 {
			return false
		}
	}
	return true
}

// router finds paths between patrolled cells; its buffers are reused from
// one search to the next.
type router struct {
	a     *area
	stamp []uint32 // stamp[i] == gen when cell i was reached in this search
	prev  []int32
	queue []int32
	gen   uint32
}

func newRouter(a *area) *router {
	return &router{a: a, stamp: make([]uint32, len(a.cells)), prev: make([]int32, len(a.cells))}
}

// path appends to dst the patrolled cells of a shortest path (in cell
// steps) from cell from to cell to, both included, and reports whether
// there is one.
func (r *router) path(dst []int32, from, to int32) ([]int32, bool) {
	r.gen++
	r.queue = append(r.queue[:0], from)
	r.stamp[from] = r.gen
	r.prev[from] = -1
	for head := 0; head < len(r.queue); head++ {
		c := r.queue[head]
		if c == to {
			n := len(dst)
			for ; c >= 0; c = r.prev[c] {
				dst = append(dst, c)
			}
			slices.Reverse(dst[n:])
			return dst, true
		}
		for _, nb := range r.a.nbr[c] {
			if r.stamp[nb] != r.gen {
				r.stamp[nb] = r.gen
				r.prev[nb] = c
				r.queue = append(r.queue, nb)
			}
		}
	}
	return dst, false
}

// pull shortens the polyline pts into straight legs and appends their ends
// (the corners after pts[0]) to dst: from each corner the leg reaches on
// past the next point for as long as the segment to the point after it is
// clear with margin marginM. Consecutive points of pts are taken to be
// clear of each other, which cell centres of a path are.
func (a *area) pull(dst []vec, pts []vec, marginM float64) []vec {
	for i := 0; i < len(pts)-1; {
		k := i + 1
		for k+1 < len(pts) && a.clear(pts[i], pts[k+1], marginM) {
			k++
		}
		dst = append(dst, pts[k])
		i = k
	}
	return dst
}
