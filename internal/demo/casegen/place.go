package casegen

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/uber/h3-go/v4"
)

// The spatial model; see the package documentation.
const (
	townFactorMin = 0.75 // smallest background activity of a township, times the mean
	townFactorMax = 1.25 // largest
	cellSigma     = 0.25 // standard deviation of the log of a cell's own factor
	hotspotTries  = 200  // random centres tried per cluster
	hotspotGap    = 2    // rings kept free around a cluster, so clusters stay apart
	themeBoost    = 4.0  // how much likelier a cluster's theme sector is there
)

// weigh sets the background weight of every cell: its township's activity
// times a mild cell factor.
func (m *cityMap) weigh(r *rand.Rand) {
	town := make([]float64, len(m.towns))
	for i := range town {
		town[i] = townFactorMin + (townFactorMax-townFactorMin)*r.Float64()
	}
	m.cum = make([]float64, len(m.cells))
	sum := 0.0
	for i := range m.cells {
		sum += town[m.town[i]] * math.Exp(cellSigma*r.NormFloat64())
		m.cum[i] = sum
	}
}

// drawCell returns the index of a cell drawn by background weight.
func (m *cityMap) drawCell(r *rand.Rand) int {
	return drawCum(r, m.cum)
}

// drawCum returns i with probability (cum[i] − cum[i−1]) / cum[len−1].
func drawCum(r *rand.Rand, cum []float64) int {
	u := r.Float64() * cum[len(cum)-1]
	return min(sort.SearchFloat64s(cum, u), len(cum)-1)
}

// cluster is a hotspot: cells around a centre with raised rates.
type cluster struct {
	centre h3.Cell
	cells  []int     // indices into cityMap.cells
	cum    []float64 // cumulative weights of cells
	theme  int       // index into sectors of the non-core sector favoured here
	trend  bool      // the rate grows over the window
}

// draw returns the index of a cluster cell drawn by weight.
func (c *cluster) draw(r *rand.Rand) int { return c.cells[drawCum(r, c.cum)] }

// placeHotspots places n clusters in townships that are not blind: each is
// the k-ring (k = 2 or 3) around a random centre, restricted to cells of
// townships that are not blind and kept hotspotGap rings away from the
// other clusters, with weights falling linearly from the centre (1) to the
// ring past the edge (0). A centre whose whole k-ring fits is preferred; the
// clusters go to distinct townships as long as there are enough. Fewer than
// n clusters are placed only when no free cell is left.
func (m *cityMap) placeHotspots(r *rand.Rand, n int) ([]cluster, error) {
	if n == 0 {
		return nil, nil
	}
	var open []int
	for i := range m.towns {
		if !m.towns[i].Blind {
			open = append(open, i)
		}
	}
	if len(open) == 0 {
		return nil, errors.New("casegen: hotspots asked for, but every township is blind")
	}
	order := r.Perm(len(open))
	taken := make(map[h3.Cell]bool)
	free := func(c h3.Cell) bool {
		i, ok := m.index[c]
		return ok && !m.towns[m.town[i]].Blind && !taken[c]
	}
	themes := m.sector.other
	out := make([]cluster, 0, n)
	for j := 0; j < n; j++ {
		k := 2 + r.IntN(2)
		var (
			best     h3.Cell
			bestFree = 0
			full     = 3*k*k + 3*k + 1
		)
		// Try the township whose turn it is, then the whole city.
		town := m.towns[open[order[j%len(open)]]].Cells
		for try := 0; try < 2*hotspotTries && bestFree < full; try++ {
			var c h3.Cell
			if try < hotspotTries {
				c = town[r.IntN(len(town))]
			} else {
				c = m.cells[r.IntN(len(m.cells))]
			}
			if !free(c) {
				continue
			}
			nFree := 0
			for _, d := range h3.GridDisk(c, k) {
				if free(d) {
					nFree++
				}
			}
			if nFree > bestFree {
				best, bestFree = c, nFree
			}
		}
		if bestFree == 0 {
			break
		}
		cl := cluster{centre: best, theme: themes[r.IntN(len(themes))], trend: j == 0}
		sum := 0.0
		for d, ring := range h3.GridDiskDistances(best, k) {
			for _, c := range ring {
				if !free(c) {
					continue
				}
				sum += 1 - float64(d)/float64(k+1)
				cl.cells = append(cl.cells, m.index[c])
				cl.cum = append(cl.cum, sum)
			}
		}
		for _, c := range h3.GridDisk(best, k+hotspotGap) {
			taken[c] = true
		}
		out = append(out, cl)
	}
	return out, nil
}

// pointIn returns a random point inside cell c of resolution res, WGS-84:
// uniform over the cell's boundary polygon shrunk by 3 % towards the mean
// of its vertices, checked with h3.LatLngToCell, and the cell's centre when
// a few tries all fall outside (which the shrinking makes all but
// impossible).
func pointIn(r *rand.Rand, c h3.Cell, res int) (lat, lon float64) {
	b := h3.CellToBoundary(c)
	n := len(b)
	// Work in a local plane of degrees, longitudes taken relative to the
	// first vertex (across the antimeridian if need be) and scaled by
	// cos(lat), with the origin at the mean of the vertices, which lies
	// inside the (convex) cell.
	var xs, ys, cum [h3.MaxCellBndryVerts]float64
	var lat0, dlon0 float64
	for i := range n {
		lat0 += b[i].Lat / float64(n)
		dlon0 += wrap180(b[i].Lng-b[0].Lng) / float64(n)
	}
	lon0 := b[0].Lng + dlon0
	k := math.Cos(lat0 * math.Pi / 180)
	for i := range n {
		xs[i] = wrap180(b[i].Lng-lon0) * k
		ys[i] = b[i].Lat - lat0
	}
	sum := 0.0
	for i := range n {
		j := (i + 1) % n
		sum += math.Abs(xs[i]*ys[j]-xs[j]*ys[i]) / 2
		cum[i] = sum
	}
	for range 8 {
		i := drawCum(r, cum[:n])
		j := (i + 1) % n
		// Uniform in the triangle (origin, b[i], b[j]).
		s, t := math.Sqrt(r.Float64()), r.Float64()
		x := 0.97 * s * ((1-t)*xs[i] + t*xs[j])
		y := 0.97 * s * ((1-t)*ys[i] + t*ys[j])
		lat, lon = lat0+y, wrap180(lon0+x/k)
		if h3.LatLngToCell(h3.LatLng{Lat: lat, Lng: lon}, res) == c {
			return lat, lon
		}
	}
	centre := h3.CellToLatLng(c)
	return centre.Lat, centre.Lng
}

// wrap180 brings a longitude or a difference of longitudes into [−180, 180).
func wrap180(d float64) float64 {
	return math.Mod(math.Mod(d+180, 360)+360, 360) - 180
}
