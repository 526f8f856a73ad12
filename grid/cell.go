package grid

import (
	"fmt"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// DefaultResolution is the H3 resolution townships are split at unless configured
// otherwise: about 0.1 km² per cell, a few minutes' walk across.
const DefaultResolution = 9

// MaxResolution is the finest resolution accepted for a split (res 12 is ~300 m² a cell;
// a county at res 12 would be millions of cells).
const MaxResolution = 12

// ParseCell parses an H3 index in its lower- or upper-case hex form. It accepts only valid
// cell indexes (not edges or vertices).
func ParseCell(s string) (h3.Cell, error) {
	if len(s) == 0 || len(s) > 16 {
		return 0, fmt.Errorf("%q is not an H3 cell index", s)
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an H3 cell index", s)
	}
	c := h3.Cell(v)
	if !c.IsValid() {
		return 0, fmt.Errorf("%q is not a valid H3 cell", s)
	}
	return c, nil
}

// CellGeometry is what is stored for a cell besides its index.
type CellGeometry struct {
	Boundary orb.Polygon // WGS-84, exterior ring counter-clockwise (RFC 7946)
	Center   orb.Point   // WGS-84 [lon, lat]
	Parents  []int64     // Parents[r] is the parent at resolution r, r < the cell's
}

// Geometry returns the hexagon (or pentagon), centre and parents of c. A caller that
// needs one of them calls Boundary or Center: the parents alone are a dozen calls into h3.
func Geometry(c h3.Cell) CellGeometry {
	res := c.Resolution()
	parents := make([]int64, res)
	for r := 0; r < res; r++ {
		parents[r] = int64(c.Parent(r))
	}
	return CellGeometry{Boundary: Boundary(c), Center: Center(c), Parents: parents}
}

// Boundary returns the hexagon (or pentagon) of c, WGS-84, its exterior ring
// counter-clockwise (RFC 7946).
func Boundary(c h3.Cell) orb.Polygon {
	b := h3.CellToBoundary(c)
	ring := make(orb.Ring, 0, len(b)+1)
	for _, ll := range b {
		ring = append(ring, orb.Point{ll.Lng, ll.Lat})
	}
	ring = append(ring, ring[0])
	if ring.Orientation() != orb.CCW {
		ring.Reverse()
	}
	return orb.Polygon{ring}
}

// Center returns the centre of c, WGS-84 [lon, lat].
func Center(c h3.Cell) orb.Point {
	ll := h3.CellToLatLng(c)
	return orb.Point{ll.Lng, ll.Lat}
}

// CellAt returns the cell holding the WGS-84 point at resolution res.
func CellAt(p orb.Point, res int) h3.Cell {
	return h3.LatLngToCell(h3.LatLng{Lat: p[1], Lng: p[0]}, res)
}

// CellString formats an H3 index stored as BIGINT the way the API shows it: lower-case hex.
func CellString(cell int64) string { return h3.Cell(cell).String() }

// Rings returns, for each of cells, the indices (into cells) of the other cells within
// grid distance k: its k-ring restricted to the given cells, itself excluded. This is the
// neighbourhood of the hot spot statistics over a study area.
func Rings(cells []h3.Cell, k int) [][]int32 {
	index := make(map[h3.Cell]int32, len(cells))
	for i, c := range cells {
		index[c] = int32(i)
	}
	out := make([][]int32, len(cells))
	for i, c := range cells {
		for _, n := range h3.GridDisk(c, k) {
			if j, ok := index[n]; ok && j != int32(i) {
				out[i] = append(out[i], j)
			}
		}
	}
	return out
}

// Cell is an H3 cell index, as the grid uses them.
type Cell = h3.Cell

// CellAreaKm2 returns the area of each cell in km² (on the sphere, as h3 computes it).
func CellAreaKm2(cells []h3.Cell) []float64 {
	out := make([]float64, len(cells))
	for i, c := range cells {
		out[i] = h3.CellAreaKm2(c)
	}
	return out
}
