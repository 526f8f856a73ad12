package mvt

import (
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// Zoom limits.
const (
	// DefaultMaxZoom is the highest zoom [ParseTile] accepts, as in most tile servers.
	DefaultMaxZoom = 22
	// ZoomLimit is the highest zoom any function of this package works at: tile
	// numbers must fit in a uint32 with room to spare. Larger zooms are clamped to it.
	ZoomLimit = 30
)

// Buffer around every tile.
const (
	// BufferPixels is the width of the buffer encoded around each tile, in pixels of a
	// tile 4096 pixels wide (the default extent): 1/64 of the tile's width. Geometry
	// within the buffer is kept so that lines, outlines and symbols that cross a tile
	// edge render without seams.
	BufferPixels = 64
	// Margin is [BufferPixels] as a fraction of the tile's width, whatever the extent.
	// It is the margin argument of PostGIS's ST_TileEnvelope for the index filter of a
	// tile query: geom && ST_Transform(ST_TileEnvelope(z, x, y, margin => Margin), 4326).
	Margin = BufferPixels / 4096.0
)

// MaxLatitude is the latitude, in degrees, at which the Web Mercator square ends. Points
// beyond ±MaxLatitude are projected onto the top or bottom edge of the world.
const MaxLatitude = 85.05112877980659

// Tile is an XYZ map tile: zoom Z, column X from the antimeridian eastwards and row Y
// from the north (the OSM and MapLibre convention), each tile 1/2^Z of the Web Mercator
// world's width. A valid tile has X, Y < 2^Z and Z <= [ZoomLimit].
type Tile struct {
	Z, X, Y uint32
}

// ParseTile parses the zoom, column and row of a tile URL such as /tiles/cases/14/13.mvt's
// "14", "13" and the like. Each must be a plain decimal number without sign, spaces or
// leading zeros; z must be at most [DefaultMaxZoom] and x, y below 2^z. Any other input
// gives an *apperr.Error with code invalid.
func ParseTile(z, x, y string) (Tile, error) {
	return ParseTileMaxZoom(z, x, y, DefaultMaxZoom)
}

// ParseTileMaxZoom is [ParseTile] with maxZoom, rather than [DefaultMaxZoom], as the
// highest zoom accepted. A maxZoom above [ZoomLimit] is taken as ZoomLimit.
func ParseTileMaxZoom(z, x, y string, maxZoom uint32) (Tile, error) {
	maxZoom = min(maxZoom, ZoomLimit)
	zv, ok := parseDecimal(z)
	if !ok || zv > uint64(maxZoom) {
		return Tile{}, apperr.Invalidf("tile zoom %q is not a whole number from 0 to %d", shorten(z), maxZoom)
	}
	n := uint64(1) << zv
	xv, ok := parseDecimal(x)
	if !ok || xv >= n {
		return Tile{}, apperr.Invalidf("tile x %q is not a whole number from 0 to %d at zoom %d", shorten(x), n-1, zv)
	}
	yv, ok := parseDecimal(y)
	if !ok || yv >= n {
		return Tile{}, apperr.Invalidf("tile y %q is not a whole number from 0 to %d at zoom %d", shorten(y), n-1, zv)
	}
	return Tile{Z: uint32(zv), X: uint32(xv), Y: uint32(yv)}, nil
}

// parseDecimal reads a canonical decimal number: ASCII digits only, no leading zero
// (except "0" itself), at most 10 digits so it cannot overflow.
func parseDecimal(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// shorten shortens outside input before it is echoed in an error message.
func shorten(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

// String returns the tile as "z/x/y".
func (t Tile) String() string {
	return strconv.FormatUint(uint64(t.Z), 10) + "/" + strconv.FormatUint(uint64(t.X), 10) +
		"/" + strconv.FormatUint(uint64(t.Y), 10)
}

// Valid reports whether t's zoom is at most [ZoomLimit] and its X and Y below 2^Z.
func (t Tile) Valid() bool {
	return t.Z <= ZoomLimit && uint64(t.X) < 1<<t.Z && uint64(t.Y) < 1<<t.Z
}

// Bound returns the tile's extent in WGS-84 degrees: Min is the south-west corner
// [lon, lat], Max the north-east one.
func (t Tile) Bound() orb.Bound {
	return t.BoundWithBuffer(0, 1)
}

// BoundWithBuffer returns the tile's extent in WGS-84 degrees grown on every side by
// pixels, measured in a tile extent pixels wide: BoundWithBuffer(64, 4096) is the region
// whose geometry [Encode] keeps in t. The buffer is applied in Web Mercator, so it is
// narrower in latitude towards the poles, as in the tile itself. At the edges of the
// world the bound may pass ±180° of longitude or ±[MaxLatitude].
func (t Tile) BoundWithBuffer(pixels, extent float64) orb.Bound {
	m := pixels / extent
	n := math.Exp2(float64(t.Z))
	x0, x1 := float64(t.X)-m, float64(t.X)+1+m
	y0, y1 := float64(t.Y)-m, float64(t.Y)+1+m
	return orb.Bound{
		Min: orb.Point{x0/n*360 - 180, latOfRow(y1, n)},
		Max: orb.Point{x1/n*360 - 180, latOfRow(y0, n)},
	}
}

// latOfRow returns the latitude in degrees of the fractional row y of a 2^z = n rows world.
func latOfRow(y, n float64) float64 {
	return math.Atan(math.Sinh(math.Pi*(1-2*y/n))) * 180 / math.Pi
}

// Parent returns the tile one zoom out that holds t. The parent of a zoom 0 tile is itself.
func (t Tile) Parent() Tile {
	if t.Z == 0 {
		return t
	}
	return Tile{Z: t.Z - 1, X: t.X >> 1, Y: t.Y >> 1}
}

// Ancestor returns the tile at zoom z that holds t; t itself when z >= t.Z.
func (t Tile) Ancestor(z uint32) Tile {
	if z >= t.Z {
		return t
	}
	d := t.Z - z
	return Tile{Z: z, X: t.X >> d, Y: t.Y >> d}
}

// Children returns the four tiles one zoom in that make up t: north-west, north-east,
// south-west, south-east.
func (t Tile) Children() [4]Tile {
	z, x, y := t.Z+1, t.X<<1, t.Y<<1
	return [4]Tile{{z, x, y}, {z, x + 1, y}, {z, x, y + 1}, {z, x + 1, y + 1}}
}

// worldXY returns p's Web Mercator position as a fraction of the world: x from 0 at
// -180° to 1 at 180°, y from 0 at the north edge (+[MaxLatitude]) to 1 at the south edge.
// Latitudes beyond ±MaxLatitude are clamped to it; longitudes are not wrapped.
func worldXY(p orb.Point) (x, y float64) {
	lat := max(-MaxLatitude, min(MaxLatitude, p[1]))
	s := math.Sin(lat * math.Pi / 180)
	return (p[0] + 180) / 360, 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
}

// cell returns the index of the unit cell of [0, n) holding f, clamped into the range:
// values before the first cell (or NaN) give 0, values past the last give n-1.
func cell(f float64, n uint32) uint32 {
	if !(f >= 0) {
		return 0
	}
	if f >= float64(n) {
		return n - 1
	}
	return uint32(f)
}

// Covering returns the tile at zoom z that holds p (WGS-84 [lon, lat]). A point on the
// edge between two tiles belongs to the one east or south of it; points beyond the
// world's edges (or with NaN coordinates) go to the nearest tile at the edge. A zoom
// above [ZoomLimit] is taken as ZoomLimit.
func Covering(p orb.Point, z uint32) Tile {
	z = min(z, ZoomLimit)
	wx, wy := worldXY(p)
	n := uint32(1) << z
	return Tile{Z: z, X: cell(wx*float64(n), n), Y: cell(wy*float64(n), n)}
}

// TilesAt returns the tiles holding p, one per zoom from minZ to maxZ, in order of
// zoom, as [Covering] finds them. It returns nil when minZ > maxZ. Zooms above
// [ZoomLimit] are taken as ZoomLimit.
func TilesAt(p orb.Point, minZ, maxZ uint32) []Tile {
	maxZ = min(maxZ, ZoomLimit)
	if minZ > maxZ {
		return nil
	}
	// Tiles nest exactly, so the coarser ones are the finest one's ancestors.
	finest := Covering(p, maxZ)
	out := make([]Tile, 0, maxZ-minZ+1)
	for z := minZ; z <= maxZ; z++ {
		out = append(out, finest.Ancestor(z))
	}
	return out
}

// TilesTouching returns the tiles at zoom z that hold some point of b (WGS-84), by rows
// from the north and west to east within a row, with the same edge rule as [Covering].
// An empty or non-finite b touches no tile. When more than limit tiles touch b it
// returns an *apperr.Error with code too_large instead, without building the list.
func TilesTouching(b orb.Bound, z uint32, limit int) ([]Tile, error) {
	z = min(z, ZoomLimit)
	a, ok := Project(b)
	if !ok {
		return nil, nil
	}
	r := a.Tiles(z, 0)
	if r.Count() > uint64(max(limit, 0)) {
		return nil, apperr.New(apperr.TooLarge, "%d tiles at zoom %d touch the bound; the limit is %d", r.Count(), z, limit)
	}
	out := make([]Tile, 0, r.Count())
	for y := r.Y0; y <= r.Y1; y++ {
		for x := r.X0; x <= r.X1; x++ {
			out = append(out, Tile{Z: z, X: x, Y: y})
		}
	}
	return out, nil
}

// Range is an inclusive rectangle of tiles at zoom Z: columns X0 to X1, rows Y0 to Y1.
type Range struct {
	Z              uint32
	X0, Y0, X1, Y1 uint32
}

// Count returns the number of tiles in r.
func (r Range) Count() uint64 {
	return uint64(r.X1-r.X0+1) * uint64(r.Y1-r.Y0+1)
}

// Area is a WGS-84 bound projected to Web Mercator once, to find the tiles it meets at
// many zooms.
type Area struct {
	// x from west to east, y from north to south, as fractions of the world (worldXY).
	x0, y0, x1, y1 float64
}

// Project returns b (WGS-84) as an [Area]. It reports false for an empty or non-finite
// b. Latitudes beyond ±[MaxLatitude] are taken as the edge of the world.
func Project(b orb.Bound) (Area, bool) {
	for _, v := range [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if !finite(v) {
			return Area{}, false
		}
	}
	if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
		return Area{}, false
	}
	var a Area
	a.x0, a.y1 = worldXY(b.Min) // south-west: smallest x, largest y
	a.x1, a.y0 = worldXY(b.Max)
	return a, true
}

// Tiles returns the tiles at zoom z that hold a point of a, with the edge rule of
// [Covering]; or, when margin > 0, the tiles whose extent grown by margin (a fraction of
// a tile's width, on each side, edges included) holds a point of a. A zoom above
// [ZoomLimit] is taken as ZoomLimit.
func (a Area) Tiles(z uint32, margin float64) Range {
	z = min(z, ZoomLimit)
	n := uint32(1) << z
	fn := float64(n)
	if margin == 0 {
		return Range{z, cell(a.x0*fn, n), cell(a.y0*fn, n), cell(a.x1*fn, n), cell(a.y1*fn, n)}
	}
	// Tile i's grown extent [i-m, i+1+m] holds f iff i is in [f-1-m, f+m].
	lo := func(f float64) uint32 { return cell(math.Ceil(f-1-margin), n) }
	hi := func(f float64) uint32 { return cell(math.Floor(f+margin), n) }
	return Range{z, lo(a.x0 * fn), lo(a.y0 * fn), hi(a.x1 * fn), hi(a.y1 * fn)}
}

// check returns an error for an invalid tile.
func (t Tile) check() error {
	if !t.Valid() {
		return fmt.Errorf("tile %v is not a valid tile", t)
	}
	return nil
}
