// Package grid is the base map: townships split into H3 cells, cells grouped into grid
// areas (网格) owned by squadrons (中队), and point location. Every cell belongs to exactly
// one township, the one whose polygon holds the cell's centre.
//
// Pure code (splitting, cell geometry, import parsing) sits in split.go, cell.go and
// parse.go; SQL in store.go; HTTP in http.go.
package grid
