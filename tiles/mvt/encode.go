package mvt

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// DefaultExtent is the width of a tile in MVT coordinate units when a [Layer] sets none.
const DefaultExtent = 4096

// maxExtent keeps tile coordinates, buffer included, far inside int32.
const maxExtent = 1 << 20

// Layer is one named layer of a tile: its features in WGS-84 and the resolution of its
// coordinates.
type Layer struct {
	// Name is the MVT layer name; it must be non-empty and unique in a tile.
	Name string
	// Extent is the tile's width in MVT coordinate units, DefaultExtent when 0.
	Extent uint32
	// Features are the layer's features. Those with no part in the tile or its buffer
	// are left out.
	Features []Feature
}

// Feature is a geometry in WGS-84 (SRID 4326, [lon, lat] degrees) with an ID and
// properties.
type Feature struct {
	// ID is the MVT feature id; 0 means none. Map clients hold ids in float64, so ids
	// above 2^53 (H3 indexes among them) lose precision there: for feature state, prefer
	// a small row number and carry the H3 index as a string property.
	ID uint64
	// Geometry is any orb geometry: Point, MultiPoint, LineString, MultiLineString,
	// Ring, Polygon (ring 0 the exterior, the others holes), MultiPolygon, Bound, or a
	// Collection of these, which becomes one MVT feature per member, each with this ID
	// and these properties. A nil Geometry is skipped.
	Geometry orb.Geometry
	// Properties are the feature's attributes. Values are converted explicitly: see
	// [Encode] for the mapping.
	Properties map[string]any
}

// Encode builds a Mapbox Vector Tile (MVT 2.1, uncompressed protobuf) of tile t holding
// the given layers, in that order. For each feature it:
//
//   - projects the geometry from WGS-84 to Web Mercator tile coordinates (y down);
//   - clips it to the tile grown by [BufferPixels] per 4096 units of extent, so no
//     coordinate is below -buffer or above extent+buffer;
//   - rounds coordinates to the integer grid, drops repeated points, lines with fewer
//     than two distinct points, rings with fewer than three or with zero area, and
//     polygons whose exterior ring is so dropped;
//   - winds exterior rings clockwise on screen (positive area by the spec's surveyor's
//     formula) and holes counter-clockwise, whatever the input's winding;
//   - splits a GeometryCollection into one feature per member.
//
// Points outside the tile and its buffer are dropped. Features that end up with no
// geometry are left out, and so are layers that end up with no features; when no
// feature is left at all Encode returns nil, nil, for the server to answer 204.
//
// Property values become MVT values explicitly: string → string; bool → bool; a signed
// integer → uint_value when >= 0, else sint_value; an unsigned integer → uint_value;
// float32 → float; float64 → double; time.Time → RFC 3339 string in UTC (whole
// seconds); []string → the elements joined with commas; json.Number → integer or double;
// a database/sql/driver.Valuer (pgtype's nullable types) → its value; a pointer → what
// it points to; another fmt.Stringer → its String(); other named types → their underlying
// basic type. nil, NULL, nil pointers, the zero time and NaN or infinite numbers leave the
// property out. Any other type is an error. Keys are written in sorted order, so equal
// input always gives equal bytes.
//
// Coordinates that are NaN or infinite make the part holding them (a point, a line, a
// polygon) be left out. Encode returns an error for an invalid t, a layer without a name,
// two layers with one name, an extent above 2^20, a geometry type it does not know, or a
// property value it cannot convert.
func Encode(t Tile, layers ...Layer) ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, fmt.Errorf("encode tile: %w", err)
	}
	var e encoder
	var out []byte
	for i, l := range layers {
		if l.Name == "" {
			return nil, errors.New("encode tile: layer without a name")
		}
		for _, prev := range layers[:i] {
			if prev.Name == l.Name {
				return nil, fmt.Errorf("encode tile: two layers named %q", l.Name)
			}
		}
		body, err := e.layer(t, l)
		if err != nil {
			return nil, fmt.Errorf("encode tile %v layer %q: %w", t, l.Name, err)
		}
		if body == nil {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(body)+8)
		}
		out = appendBytesField(out, 3, body) // Tile.layers
	}
	return out, nil
}

// encoder holds the scratch space of one Encode call, reused from feature to feature and
// layer to layer.
type encoder struct {
	pr projector
	w  geomWriter

	fin, fa, fb []fpt // projected input and clipping scratch
	pieces      []fpt // clipped line pieces
	ends        []int
	iq          []ipt // a quantised path

	keys    map[string]uint32
	keyList []string
	// The value table, indexed in two maps: Go hashes string keys and fixed-size keys
	// much faster than a struct mixing both.
	strVals  map[string]uint32
	numVals  map[numKey]uint32
	valList  []value
	tags     []uint32
	tagsDone bool
	sorted   []string

	feat []byte // one Feature message
	body []byte // the Layer message
}

// layer returns the body of an MVT Layer message, or nil when no feature is in the tile.
func (e *encoder) layer(t Tile, l Layer) ([]byte, error) {
	extent := l.Extent
	if extent == 0 {
		extent = DefaultExtent
	}
	if extent > maxExtent {
		return nil, fmt.Errorf("extent %d is above %d", extent, maxExtent)
	}
	buffer := uint32(math.Round(Margin * float64(extent)))
	e.pr = newProjector(t, extent, buffer)
	if e.keys == nil {
		e.keys = make(map[string]uint32)
		e.strVals = make(map[string]uint32)
		e.numVals = make(map[numKey]uint32)
	}
	clear(e.keys)
	clear(e.strVals)
	clear(e.numVals)
	e.keyList, e.valList = e.keyList[:0], e.valList[:0]

	// A hint against repeated growth: most features take 20 to 100 bytes.
	if hint := 32 * len(l.Features); cap(e.body) < hint {
		e.body = make([]byte, 0, hint)
	}
	e.body = appendStringField(e.body[:0], 1, l.Name) // Layer.name
	n := 0
	for i := range l.Features {
		f := &l.Features[i]
		k, err := e.feature(f)
		if err != nil {
			return nil, fmt.Errorf("feature %d (id %d): %w", i, f.ID, err)
		}
		n += k
	}
	if n == 0 {
		return nil, nil
	}
	for _, k := range e.keyList {
		e.body = appendStringField(e.body, 3, k) // Layer.keys
	}
	var vb []byte
	for _, v := range e.valList {
		vb = appendValue(vb[:0], v)
		e.body = appendBytesField(e.body, 4, vb) // Layer.values
	}
	e.body = appendVarintField(e.body, 5, uint64(extent)) // Layer.extent
	e.body = appendVarintField(e.body, 15, 2)             // Layer.version
	return e.body, nil
}

// feature adds f's features to the layer body and returns how many it added: 0 when f
// has no part in the tile, more than 1 for a collection.
func (e *encoder) feature(f *Feature) (int, error) {
	e.tagsDone = false
	return e.part(f, f.Geometry)
}

func (e *encoder) part(f *Feature, g orb.Geometry) (int, error) {
	if c, ok := g.(orb.Collection); ok {
		n := 0
		for _, m := range c {
			k, err := e.part(f, m)
			if err != nil {
				return n, err
			}
			n += k
		}
		return n, nil
	}
	if g == nil {
		return 0, nil
	}
	e.w.reset()
	typ, err := e.geometry(g)
	if err != nil || typ == 0 {
		return 0, err
	}
	// Properties only once some part is in the tile, so that features outside add no
	// keys or values to the layer.
	if !e.tagsDone {
		if err := e.properties(f.Properties); err != nil {
			return 0, err
		}
		e.tagsDone = true
	}
	e.feat = e.feat[:0]
	if f.ID != 0 {
		e.feat = appendVarintField(e.feat, 1, f.ID) // Feature.id
	}
	if len(e.tags) > 0 {
		e.feat = appendPacked(e.feat, 2, e.tags) // Feature.tags
	}
	e.feat = appendVarintField(e.feat, 3, uint64(typ)) // Feature.type
	e.feat = appendPacked(e.feat, 4, e.w.data)         // Feature.geometry
	e.body = appendBytesField(e.body, 2, e.feat)       // Layer.features
	return 1, nil
}

// properties sets e.tags to the key and value indexes of props, by sorted key.
func (e *encoder) properties(props map[string]any) error {
	e.tags = e.tags[:0]
	e.sorted = e.sorted[:0]
	for k := range props {
		e.sorted = append(e.sorted, k)
	}
	slices.Sort(e.sorted)
	for _, k := range e.sorted {
		v, ok, err := toValue(props[k])
		if err != nil {
			return fmt.Errorf("property %q: %w", k, err)
		}
		if !ok {
			continue
		}
		ki, found := e.keys[k]
		if !found {
			ki = uint32(len(e.keyList))
			e.keys[k] = ki
			e.keyList = append(e.keyList, k)
		}
		e.tags = append(e.tags, ki, e.valueIndex(v))
	}
	return nil
}

// numKey identifies a non-string value.
type numKey struct {
	kind uint64
	n    uint64
}

// valueIndex returns v's index in the layer's value table, adding it when new.
func (e *encoder) valueIndex(v value) uint32 {
	if v.kind == valString {
		if i, ok := e.strVals[v.s]; ok {
			return i
		}
		i := uint32(len(e.valList))
		e.strVals[v.s] = i
		e.valList = append(e.valList, v)
		return i
	}
	k := numKey{uint64(v.kind), v.n}
	if i, ok := e.numVals[k]; ok {
		return i
	}
	i := uint32(len(e.valList))
	e.numVals[k] = i
	e.valList = append(e.valList, v)
	return i
}

// geometry writes g's commands to e.w and returns its MVT geometry type, or 0 when
// nothing of g is left in the tile.
func (e *encoder) geometry(g orb.Geometry) (int, error) {
	switch g := g.(type) {
	case orb.Point:
		if p, ok := e.pr.project(g); ok && e.pr.inside(p) {
			e.w.command(cmdMoveTo, 1)
			e.w.point(e.pr.quantize(p))
			return geomPoint, nil
		}
	case orb.MultiPoint:
		e.iq = e.iq[:0]
		for _, q := range g {
			if p, ok := e.pr.project(q); ok && e.pr.inside(p) {
				e.iq = append(e.iq, e.pr.quantize(p))
			}
		}
		if len(e.iq) > 0 {
			e.w.command(cmdMoveTo, len(e.iq))
			for _, p := range e.iq {
				e.w.point(p)
			}
			return geomPoint, nil
		}
	case orb.LineString:
		if e.line(g) {
			return geomLine, nil
		}
	case orb.MultiLineString:
		wrote := false
		for _, ls := range g {
			wrote = e.line(ls) || wrote
		}
		if wrote {
			return geomLine, nil
		}
	case orb.Ring:
		if e.polygon(orb.Polygon{g}) {
			return geomPolygon, nil
		}
	case orb.Polygon:
		if e.polygon(g) {
			return geomPolygon, nil
		}
	case orb.MultiPolygon:
		wrote := false
		for _, p := range g {
			wrote = e.polygon(p) || wrote
		}
		if wrote {
			return geomPolygon, nil
		}
	case orb.Bound:
		if e.polygon(g.ToPolygon()) {
			return geomPolygon, nil
		}
	default:
		return 0, fmt.Errorf("unsupported geometry type %T", g)
	}
	return 0, nil
}

// projectPath projects ps into e.fin, leaving out a last point equal to the first when
// ring is true. It reports false when a coordinate is not finite.
func (e *encoder) projectPath(ps []orb.Point, ring bool) bool {
	if ring && len(ps) > 1 && ps[0] == ps[len(ps)-1] {
		ps = ps[:len(ps)-1]
	}
	e.fin = e.fin[:0]
	for _, p := range ps {
		q, ok := e.pr.project(p)
		if !ok {
			return false
		}
		e.fin = append(e.fin, q)
	}
	return true
}

// line writes the parts of ls inside the clip box and reports whether there were any.
func (e *encoder) line(ls orb.LineString) bool {
	if len(ls) < 2 || !e.projectPath(ls, false) {
		return false
	}
	e.pieces, e.ends = e.pr.clipLine(e.fin, e.pieces[:0], e.ends[:0])
	wrote, start := false, 0
	for _, end := range e.ends {
		e.iq = e.pr.quantizePath(e.pieces[start:end], e.iq, false)
		start = end
		if len(e.iq) >= 2 {
			e.w.line(e.iq)
			wrote = true
		}
	}
	return wrote
}

// polygon writes p clipped to the clip box with MVT winding and reports whether its
// exterior ring survived.
func (e *encoder) polygon(p orb.Polygon) bool {
	for i, r := range p {
		exterior := i == 0
		if !e.projectPath(r, true) {
			if exterior {
				return false
			}
			continue
		}
		clipped := e.pr.clipRing(e.fin, &e.fa, &e.fb)
		e.iq = e.pr.quantizePath(clipped, e.iq, true)
		var a int64
		if len(e.iq) >= 3 {
			a = area2(e.iq)
		}
		if a == 0 {
			// Degenerate: outside the tile, or too small to show at this zoom.
			if exterior {
				return false
			}
			continue
		}
		if exterior != (a > 0) {
			reverse(e.iq)
		}
		e.w.ring(e.iq)
	}
	return len(p) > 0
}
