package democity

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/uber/h3-go/v4"
)

// The defaults of PartitionOptions.
const (
	DefaultSquadrons = 3   // squadrons per township bureau, as in most of Jiangyin's
	DefaultMinCells  = 50  // fewest cells in a grid area: about 4 km² at resolution 9 in Jiangyin
	DefaultMaxCells  = 150 // most cells in a grid area: about 12 km² at resolution 9 in Jiangyin
)

// PartitionOptions tunes [Partition]. The zero value asks for the defaults.
type PartitionOptions struct {
	Squadrons int // squadrons wanted; 0 means DefaultSquadrons
	MinCells  int // fewest cells in a grid area; 0 means DefaultMinCells
	MaxCells  int // most cells in a grid area; 0 means DefaultMaxCells; at least 2×MinCells-1
}

// Division is one township divided among its squadrons, and each squadron's share into
// grid areas (网格).
type Division struct {
	Squadrons []Squadron // ordered west to east by their centres
}

// Squadron is one enforcement squadron (执法中队) and the grid areas it is responsible for.
type Squadron struct {
	Index     int         // the squadron's position in Division.Squadrons, from 0
	GridAreas [][]h3.Cell // ordered north to south by their centres; cells in index order
}

// Partition divides one township, given as its H3 cells (all of one resolution), into
// opts.Squadrons squadrons and each squadron's share into grid areas of opts.MinCells to
// opts.MaxCells cells. Every cell lands in exactly one grid area of exactly one squadron.
// The result depends only on the set of cells, seed and opts, never on the order of
// cells; naming the squadrons and grid areas is the caller's job.
//
// Contiguity is by H3 neighbourhood (cells at grid distance 1). A squadron's share is
// contiguous, and so is every grid area, wherever the township's cells are: when the
// township's cells fall apart into several pieces (a narrow neck of its polygon may hold
// no cell centre), the squadrons divide the largest piece, every other piece goes whole
// to the squadron nearest it, a piece of at least MinCells cells is divided into grid
// areas of its own, and a smaller piece joins the nearest grid area of its squadron
// (one that stays within MaxCells if there is one).
//
// Small townships get fewer squadrons: as many as the largest piece holds MinCells
// cells, and at least one. A township of fewer than MinCells cells is one squadron with
// one grid area, the only case in which a grid area has fewer than MinCells cells.
//
// Method: seeded k-means (k-means++ start, then Lloyd's iterations) on the cells' centres
// picks compact seeds; regions grow outwards from them, always the smallest region next,
// each taking the free neighbouring cell nearest its k-means centre; then undersized
// regions take boundary cells from their neighbours (oversized ones give them away),
// keeping every region connected, and regions that still miss the bounds are merged or
// split in two. The same is done first for squadrons (with MinCells as the least size
// and no most), then for the grid areas of each squadron.
//
// Partition returns an error when cells is empty, holds an invalid cell, a duplicate
// or cells of mixed resolutions, or when opts is out of range.
func Partition(cells []h3.Cell, seed int64, opts PartitionOptions) (Division, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Division{}, err
	}
	g, err := newCellGraph(cells)
	if err != nil {
		return Division{}, err
	}
	p := &partitioner{
		g:    g,
		opts: opts,
		rng:  rand.New(rand.NewPCG(uint64(seed), 0x7a68656e676a6965)), // "zhengjie"
	}
	return p.run()
}

func (o PartitionOptions) withDefaults() (PartitionOptions, error) {
	if o.Squadrons == 0 {
		o.Squadrons = DefaultSquadrons
	}
	if o.MinCells == 0 {
		o.MinCells = DefaultMinCells
	}
	if o.MaxCells == 0 {
		o.MaxCells = DefaultMaxCells
	}
	switch {
	case o.Squadrons < 0:
		return o, fmt.Errorf("partition: %d squadrons: want at least 1", o.Squadrons)
	case o.MinCells < 0:
		return o, fmt.Errorf("partition: MinCells %d: want at least 1", o.MinCells)
	case o.MaxCells < 2*o.MinCells-1:
		// Below that, some sizes (MaxCells+1 for one) cannot be cut into parts within
		// the bounds.
		return o, fmt.Errorf("partition: MaxCells %d: want at least 2×MinCells-1 = %d",
			o.MaxCells, 2*o.MinCells-1)
	}
	return o, nil
}

// cellGraph is a township's cells, their centres and their neighbours.
type cellGraph struct {
	cells []h3.Cell // sorted by index
	pos   []vec     // centres, km in a plane tangent at the cells' mean position
	adj   [][]int32 // neighbours within the township, ascending
}

func newCellGraph(cells []h3.Cell) (*cellGraph, error) {
	if len(cells) == 0 {
		return nil, fmt.Errorf("partition: no cells")
	}
	sorted := slices.Clone(cells)
	slices.Sort(sorted)
	res := sorted[0].Resolution()
	index := make(map[h3.Cell]int32, len(sorted))
	for i, c := range sorted {
		switch {
		case !c.IsValid():
			return nil, fmt.Errorf("partition: invalid cell %s", c)
		case c.Resolution() != res:
			return nil, fmt.Errorf("partition: cell %s has resolution %d, want %d like %s",
				c, c.Resolution(), res, sorted[0])
		case i > 0 && c == sorted[i-1]:
			return nil, fmt.Errorf("partition: duplicate cell %s", c)
		}
		index[c] = int32(i)
	}
	g := &cellGraph{cells: sorted, pos: make([]vec, len(sorted)), adj: make([][]int32, len(sorted))}
	centres := make([]h3.LatLng, len(sorted))
	var lat0, lng0 float64
	for i, c := range sorted {
		centres[i] = c.LatLng()
		lat0 += centres[i].Lat / float64(len(sorted))
		lng0 += centres[i].Lng / float64(len(sorted))
	}
	const kmPerDeg = math.Pi * earthRadiusKm / 180
	for i, ll := range centres {
		g.pos[i] = vec{(ll.Lng - lng0) * kmPerDeg * math.Cos(lat0*math.Pi/180), (ll.Lat - lat0) * kmPerDeg}
		for _, n := range sorted[i].GridDisk(1) {
			if j, ok := index[n]; ok && j != int32(i) {
				g.adj[i] = append(g.adj[i], j)
			}
		}
		slices.Sort(g.adj[i])
	}
	return g, nil
}

// components returns the connected pieces of the graph, largest first (ties: lowest
// first cell first), each in ascending order.
func (g *cellGraph) components() [][]int32 {
	seen := make([]bool, len(g.cells))
	var comps [][]int32
	for s := range g.cells {
		if seen[s] {
			continue
		}
		seen[s] = true
		comp := []int32{int32(s)}
		for q := 0; q < len(comp); q++ {
			for _, w := range g.adj[comp[q]] {
				if !seen[w] {
					seen[w] = true
					comp = append(comp, w)
				}
			}
		}
		slices.Sort(comp)
		comps = append(comps, comp)
	}
	slices.SortStableFunc(comps, func(a, b []int32) int { return cmp.Compare(len(b), len(a)) })
	return comps
}

// centroid returns the mean centre of the cells.
func (g *cellGraph) centroid(cells []int32) vec {
	var c vec
	for _, v := range cells {
		c.x += g.pos[v].x
		c.y += g.pos[v].y
	}
	return c.scale(1 / float64(len(cells)))
}

// partitioner holds the state of one call of Partition.
type partitioner struct {
	g    *cellGraph
	opts PartitionOptions
	rng  *rand.Rand
}

func (p *partitioner) run() (Division, error) {
	g, o := p.g, p.opts
	comps := g.components()
	main := comps[0]

	// Squadrons divide the largest piece.
	squads := clamp(len(main)/o.MinCells, 1, o.Squadrons)
	squadOf := newLabels(len(g.cells))
	rs := p.divide(squadOf, main, squads, o.MinCells, math.MaxInt)
	if err := rs.repair(); err != nil {
		return Division{}, fmt.Errorf("partition: squadrons: %w", err)
	}
	shares := rs.regions()

	// Every other piece goes whole to the squadron with the nearest cell.
	pieces := make([][][]int32, len(shares)) // per squadron; its share of main first
	for s, share := range shares {
		pieces[s] = [][]int32{share}
	}
	for _, comp := range comps[1:] {
		v, _ := nearest(g, main, comp)
		s := squadOf[v]
		idx := slices.IndexFunc(shares, func(share []int32) bool { return squadOf[share[0]] == s })
		pieces[idx] = append(pieces[idx], comp)
	}

	// Then grid areas, squadron by squadron.
	div := Division{Squadrons: make([]Squadron, len(shares))}
	areaOf := newLabels(len(g.cells))
	for s, ps := range pieces {
		slices.SortStableFunc(ps, func(a, b []int32) int { return cmp.Compare(len(b), len(a)) })
		var areas [][]int32
		for i, piece := range ps {
			if len(piece) < o.MinCells && i > 0 {
				areas = attach(g, areas, piece, o.MaxCells)
				continue
			}
			k := clamp(int(math.Round(float64(len(piece))/float64(o.MinCells+o.MaxCells)*2)),
				ceilDiv(len(piece), o.MaxCells), max(1, len(piece)/o.MinCells))
			ra := p.divide(areaOf, piece, k, o.MinCells, o.MaxCells)
			if err := ra.repair(); err != nil {
				return Division{}, fmt.Errorf("partition: grid areas: %w", err)
			}
			areas = append(areas, ra.regions()...)
			ra.release()
		}
		div.Squadrons[s] = squadron(g, areas)
	}
	// Number the squadrons west to east.
	order := make([]int, len(shares))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(g.centroid(shares[a]).x, g.centroid(shares[b]).x)
	})
	sorted := make([]Squadron, len(order))
	for i, s := range order {
		sorted[i] = div.Squadrons[s]
		sorted[i].Index = i
	}
	div.Squadrons = sorted
	return div, nil
}

// squadron turns areas (cell numbers) into a Squadron's grid areas, ordered north to
// south, then west to east.
func squadron(g *cellGraph, areas [][]int32) Squadron {
	type area struct {
		c     vec
		cells []h3.Cell
	}
	as := make([]area, len(areas))
	for i, a := range areas {
		cells := make([]h3.Cell, len(a))
		for j, v := range a {
			cells[j] = g.cells[v]
		}
		slices.Sort(cells)
		as[i] = area{g.centroid(a), cells}
	}
	slices.SortStableFunc(as, func(a, b area) int {
		return cmp.Or(cmp.Compare(b.c.y, a.c.y), cmp.Compare(a.c.x, b.c.x))
	})
	s := Squadron{GridAreas: make([][]h3.Cell, len(as))}
	for i, a := range as {
		s.GridAreas[i] = a.cells
	}
	return s
}

// attach adds piece to the grid area nearest it among those with room for it (all of
// them when none has room).
func attach(g *cellGraph, areas [][]int32, piece []int32, maxCells int) [][]int32 {
	best, bestDist, bestRoomy := -1, math.Inf(1), false
	for i, a := range areas {
		roomy := len(a)+len(piece) <= maxCells
		if bestRoomy && !roomy {
			continue
		}
		if _, dist := nearest(g, a, piece); (roomy && !bestRoomy) || dist < bestDist {
			best, bestDist, bestRoomy = i, dist, roomy
		}
	}
	areas[best] = append(slices.Clone(areas[best]), piece...)
	slices.Sort(areas[best])
	return areas
}

// nearest returns the cell of from whose centre lies nearest a cell centre of to, and
// the squared distance (km²) between the two.
func nearest(g *cellGraph, from, to []int32) (int32, float64) {
	best, bestDist := from[0], math.Inf(1)
	for _, v := range from {
		for _, w := range to {
			d := g.pos[v].sub(g.pos[w])
			if dist := d.dot(d); dist < bestDist {
				best, bestDist = v, dist
			}
		}
	}
	return best, bestDist
}

func clamp(x, lo, hi int) int { return max(lo, min(hi, x)) }

func ceilDiv(a, b int) int { return (a + b - 1) / b }
