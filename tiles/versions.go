package tiles

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sync/atomic"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// VersionsConfig sets up a [Versions].
type VersionsConfig struct {
	// MinZoom and MaxZoom are the index zooms: the zooms at which a change is recorded
	// tile by tile. Tiles above MaxZoom take the version of their ancestor at MaxZoom;
	// tiles below MinZoom share one version per layer that every change bumps.
	MinZoom, MaxZoom uint32
	// Counters is the number of version counters, shared by every layer and zoom and
	// rounded up to a power of two: 8 bytes each, allocated once. More counters mean
	// fewer collisions (see [Versions]).
	Counters int
	// MaxBoundTiles caps the tiles that TouchBound bumps at one zoom: past it, it
	// bumps a coarser zoom's tiles for all their descendants at once.
	MaxBoundTiles int
}

// DefaultVersionsConfig returns index zooms 0 to 16, 2^20 counters (8 MiB) and 1024
// tiles per zoom for TouchBound: a township-sized bound is then recorded tile by tile
// up to zoom 16.
func DefaultVersionsConfig() VersionsConfig {
	return VersionsConfig{MinZoom: 0, MaxZoom: 16, Counters: 1 << 20, MaxBoundTiles: 1024}
}

// Versions keeps a data version per layer and tile, so that cache keys built with
// [Versions.Version] change exactly for the tiles a change touches. It is safe for
// concurrent use and never allocates after [NewVersions]: its memory is fixed whatever
// the number of touches.
//
// # Guarantee
//
// For every tile T at any zoom: if a change touching T's area or its buffer (the
// region [mvt.Encode] draws in T) was recorded by Touch, TouchBound or TouchLayer, then
// Version(layer, T) read after it differs from any value read before it. Versions only
// grow, so an old version never comes back (in a process: they start again from zero
// on restart, together with the in-memory cache; ETags stay safe because they hash the
// tile's bytes). The converse holds as far as fixed memory allows: a version may also
// change when nothing in T changed, which costs one needless rebuild and never a stale
// tile, in four cases:
//
//   - hash collisions: counters live in one fixed array indexed by a hash of (layer,
//     kind, zoom, x, y), so two tiles may share a counter. With the default 2^20
//     counters and the few tens of thousands of tiles a city touches, an untouched
//     tile shares a counter with a touched one with probability of a few percent;
//   - tiles below MinZoom, which change with every change of the layer;
//   - a TouchBound too large to record tile by tile at some zoom bumps, at the zoom
//     above, an "everything below" counter of each tile it touches, which all
//     descendants fold into their version; and a TouchBound too large even at MinZoom,
//     or TouchLayer, bumps the whole layer;
//   - a point within a 64th of a tile's width of an edge also touches the neighbour
//     across that edge, at each zoom, because the neighbour draws it in its buffer.
//
// # Design
//
// The version of tile T at zoom z is a sum of counters, each only ever incremented:
//
//	Version(T) = epoch(layer)                                   if z < MinZoom: + low(layer)
//	           + own(ancestor of T at min(z, MaxZoom))
//	           + Σ area(ancestor of T at k), for each zoom k < z at which some TouchBound
//	             fell back to area counters
//
// Touch(p) increments own(A) for every index-zoom tile A whose buffered extent holds p
// (one to four per zoom) and, when MinZoom > 0, low(layer). Since a tile's buffered extent lies within
// its ancestors' buffered extents, a change that T draws is inside every ancestor's
// buffer too, so the counters T's version sums over all see it. TouchBound increments
// own(A) for the tiles whose buffered extent meets the bound, zoom by zoom from
// MinZoom, until a zoom would need more than MaxBoundTiles; there it increments
// area(A) for the tiles of the zoom above instead (and records that zoom in a bit mask
// so that Version only looks at area counters of zooms that have any): O(MaxBoundTiles)
// work whatever the bound's size.
type Versions struct {
	cfg       VersionsConfig
	mask      uint64 // len(counters) - 1
	counters  []atomic.Uint64
	areaZooms atomic.Uint32 // bit k set: some area counter at zoom k was bumped
}

// Counter kinds, mixed into the hash.
const (
	kindOwn = iota
	kindArea
	kindLow
	kindEpoch
)

// edgeSlack widens the buffer margin used to find touched tiles by a hair beyond
// [mvt.Margin], so that rounding can never make Versions miss a tile that [mvt.Encode], doing
// its own arithmetic, draws a point in.
const edgeSlack = 1e-9

// NewVersions returns a Versions with every version at zero. It returns an error when
// MinZoom > MaxZoom, MaxZoom > 24 (about 2 m tiles, far beyond any index need),
// Counters < 1 or above 2^30, or MaxBoundTiles < 1.
func NewVersions(cfg VersionsConfig) (*Versions, error) {
	switch {
	case cfg.MinZoom > cfg.MaxZoom:
		return nil, fmt.Errorf("versions: MinZoom %d above MaxZoom %d", cfg.MinZoom, cfg.MaxZoom)
	case cfg.MaxZoom > 24:
		return nil, fmt.Errorf("versions: MaxZoom %d above 24", cfg.MaxZoom)
	case cfg.Counters < 1 || cfg.Counters > 1<<30:
		return nil, fmt.Errorf("versions: Counters %d not in 1..2^30", cfg.Counters)
	case cfg.MaxBoundTiles < 1:
		return nil, errors.New("versions: MaxBoundTiles below 1")
	}
	n := 1 << bits.Len(uint(cfg.Counters-1)) // next power of two
	return &Versions{cfg: cfg, mask: uint64(n - 1), counters: make([]atomic.Uint64, n)}, nil
}

// Config returns the configuration v was made with.
func (v *Versions) Config() VersionsConfig { return v.cfg }

// Touch records a change at p (WGS-84 [lon, lat]) in layer: a point feature added,
// moved from or to p, changed or removed. Every tile whose area or buffer holds p gets
// a new version. Call it after the change is committed (see [Versions.Version]).
func (v *Versions) Touch(layer string, p orb.Point) {
	v.TouchPoints(layer, []orb.Point{p})
}

// TouchPoints is Touch for each of pts, in one pass: a tile that consecutive points
// share is bumped once. A batch of fixes walks a few metres a point, so at most zooms
// its points fall in the same tiles; one new version a tile is all Touch promises.
func (v *Versions) TouchPoints(layer string, pts []orb.Point) {
	if len(pts) == 0 {
		return
	}
	lh := layerHash(layer)
	if v.cfg.MinZoom > 0 {
		v.bump(lh, kindLow, 0, 0, 0)
	}
	var last [25]mvt.Range // the ranges bumped for the previous point, by zoom
	have := false
	for _, p := range pts {
		a, ok := mvt.Project(orb.Bound{Min: p, Max: p})
		if !ok {
			// Nowhere in particular: be safe.
			v.bump(lh, kindEpoch, 0, 0, 0)
			continue
		}
		for z := v.cfg.MinZoom; z <= v.cfg.MaxZoom; z++ {
			r := a.Tiles(z, mvt.Margin+edgeSlack)
			if have && r == last[z] {
				continue
			}
			v.bumpRange(lh, kindOwn, r)
			last[z] = r
		}
		have = true
	}
}

// TouchBound records a change within b (WGS-84) in layer: a line, polygon or import
// whose old or new geometry lies in b. Call it with the bound of both the old and the
// new geometry when a feature moves. Every tile whose area or buffer meets b gets a new
// version, along with some tiles nearby when b is large (see [Versions]). An empty or
// non-finite b bumps the whole layer. The work is O(MaxBoundTiles) whatever b's size.
func (v *Versions) TouchBound(layer string, b orb.Bound) {
	v.TouchBoundZooms(layer, b, 0, math.MaxUint32)
}

// TouchBoundZooms is TouchBound for a change that shows only on tiles of zooms minZ to
// maxZ, such as a roll-up's parent cell: tiles of other zooms keep their versions. It
// records the change at those index zooms only, so a large b costs little when it shows
// at low zooms alone.
func (v *Versions) TouchBoundZooms(layer string, b orb.Bound, minZ, maxZ uint32) {
	if minZ > maxZ {
		return
	}
	lh := layerHash(layer)
	if v.cfg.MinZoom > 0 && minZ < v.cfg.MinZoom {
		v.bump(lh, kindLow, 0, 0, 0)
	}
	lo, hi := max(minZ, v.cfg.MinZoom), min(maxZ, v.cfg.MaxZoom)
	if maxZ > v.cfg.MaxZoom && lo > v.cfg.MaxZoom {
		lo = v.cfg.MaxZoom // tiles above the index zooms take their ancestor's version
	}
	if lo > hi {
		return
	}
	a, ok := mvt.Project(b)
	if !ok {
		v.bump(lh, kindEpoch, 0, 0, 0)
		return
	}
	limit := uint64(v.cfg.MaxBoundTiles)
	var prev mvt.Range
	for z := lo; z <= hi; z++ {
		r := a.Tiles(z, mvt.Margin+edgeSlack)
		if r.Count() > limit {
			if z == lo {
				v.bump(lh, kindEpoch, 0, 0, 0)
				return
			}
			// Too many tiles here: the tiles of the zoom above stand for all their
			// descendants. The mask bit goes first, so that whoever sees the bumped
			// counter also looks at it.
			v.areaZooms.Or(1 << prev.Z)
			v.bumpRange(lh, kindArea, prev)
			return
		}
		v.bumpRange(lh, kindOwn, r)
		prev = r
	}
}

// TouchLayer records a change of the whole layer (a recomputed statistic, a bulk
// reload): every tile of the layer gets a new version.
func (v *Versions) TouchLayer(layer string) {
	v.bump(layerHash(layer), kindEpoch, 0, 0, 0)
}

// Version returns the data version of tile t in layer. Read it before reading the data
// to build the tile, and touch only after committing changes: then a tile built from
// data older than a change is stored under a version older than that change, which no
// later request asks for.
func (v *Versions) Version(layer string, t mvt.Tile) uint64 {
	lh := layerHash(layer)
	sum := v.load(lh, kindEpoch, 0, 0, 0)
	if t.Z < v.cfg.MinZoom {
		return sum + v.load(lh, kindLow, 0, 0, 0)
	}
	a := t.Ancestor(v.cfg.MaxZoom)
	sum += v.load(lh, kindOwn, a.Z, a.X, a.Y)
	// Area counters at zooms below t's.
	zooms := v.areaZooms.Load()
	if t.Z < 32 {
		zooms &= 1<<t.Z - 1
	}
	for zooms != 0 {
		k := uint32(bits.TrailingZeros32(zooms))
		zooms &^= 1 << k
		a := t.Ancestor(k)
		sum += v.load(lh, kindArea, a.Z, a.X, a.Y)
	}
	return sum
}

func (v *Versions) bumpRange(lh uint64, kind uint64, r mvt.Range) {
	for y := r.Y0; y <= r.Y1; y++ {
		for x := r.X0; x <= r.X1; x++ {
			v.bump(lh, kind, r.Z, x, y)
		}
	}
}

func (v *Versions) bump(lh, kind uint64, z, x, y uint32) {
	v.counters[slot(lh, kind, z, x, y)&v.mask].Add(1)
}

func (v *Versions) load(lh, kind uint64, z, x, y uint32) uint64 {
	return v.counters[slot(lh, kind, z, x, y)&v.mask].Load()
}

// layerHash is FNV-1a of the layer name: deterministic, so that tests and runs see the
// same collisions. A deliberate collision only costs extra cache misses.
func layerHash(layer string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(layer); i++ {
		h ^= uint64(layer[i])
		h *= 1099511628211
	}
	return h
}

// slot hashes a counter's identity. mix64 is a bijection, so within one layer, kind
// and zoom, distinct tiles get distinct 64-bit hashes before the mask is applied.
func slot(lh, kind uint64, z, x, y uint32) uint64 {
	return mix64((uint64(x)<<32 | uint64(y)) ^ mix64(lh^(kind<<8|uint64(z))))
}

// mix64 is the finaliser of SplitMix64.
func mix64(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
