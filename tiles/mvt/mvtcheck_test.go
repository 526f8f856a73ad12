package mvt_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// An MVT reader written from the specification alone, sharing no code with the
// encoder, so that tests check the bytes against the spec rather than against the
// encoder's own idea of it. It checks, and reports as errors, every rule of MVT 2.1 the
// encoder promises: layer version 2, unique layer names, key and value indexes in range,
// well-formed command streams, coordinates within the buffered tile, exterior rings of
// positive area (clockwise with y down) and holes of negative area.

type mvtTile struct {
	layers []mvtLayer
}

type mvtLayer struct {
	name     string
	version  uint64
	extent   uint64
	keys     []string
	values   []mvtValue
	features []mvtFeature
}

// mvtValue is a decoded Value message: kind is the field that carried it.
type mvtValue struct {
	kind string // "string", "float", "double", "int", "uint", "sint", "bool"
	v    any    // string, float32, float64, int64, uint64, bool
}

type mvtFeature struct {
	id    uint64
	hasID bool
	tags  []uint64
	typ   uint64
	geom  []uint64
	props map[string]mvtValue

	points [][2]int64   // POINT
	lines  [][][2]int64 // LINESTRING
	rings  [][][2]int64 // POLYGON, in order
	areas  []int64      // twice the signed area of each ring
}

func (l mvtLayer) feature(id uint64) (mvtFeature, bool) {
	for _, f := range l.features {
		if f.hasID && f.id == id {
			return f, true
		}
	}
	return mvtFeature{}, false
}

// pbField is one field of a protobuf message.
type pbField struct {
	num  uint64
	wire uint64
	u    uint64 // varint, fixed32, fixed64
	b    []byte // length-delimited
}

func pbVarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errors.New("bad varint")
}

func pbFields(b []byte) ([]pbField, error) {
	var out []pbField
	for len(b) > 0 {
		k, n, err := pbVarint(b)
		if err != nil {
			return nil, err
		}
		b = b[n:]
		f := pbField{num: k >> 3, wire: k & 7}
		switch f.wire {
		case 0:
			f.u, n, err = pbVarint(b)
			if err != nil {
				return nil, err
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return nil, errors.New("short fixed64")
			}
			f.u, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2:
			l, n, err := pbVarint(b)
			if err != nil {
				return nil, err
			}
			b = b[n:]
			if uint64(len(b)) < l {
				return nil, errors.New("short bytes")
			}
			f.b, b = b[:l], b[l:]
		case 5:
			if len(b) < 4 {
				return nil, errors.New("short fixed32")
			}
			f.u, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			return nil, fmt.Errorf("wire type %d", f.wire)
		}
		out = append(out, f)
	}
	return out, nil
}

func pbPacked(b []byte) ([]uint64, error) {
	var out []uint64
	for len(b) > 0 {
		v, n, err := pbVarint(b)
		if err != nil {
			return nil, err
		}
		out, b = append(out, v), b[n:]
	}
	return out, nil
}

func unzig(v uint64) int64 { return int64(v>>1) ^ -int64(v&1) }

// readMVT decodes data and checks it against the spec; buffer is the largest distance,
// in extent units, a coordinate may lie outside the tile.
func readMVT(data []byte, buffer int64) (mvtTile, error) {
	var t mvtTile
	fields, err := pbFields(data)
	if err != nil {
		return t, err
	}
	names := map[string]bool{}
	for _, f := range fields {
		if f.num != 3 || f.wire != 2 {
			return t, fmt.Errorf("tile: unexpected field %d", f.num)
		}
		l, err := readLayer(f.b, buffer)
		if err != nil {
			return t, fmt.Errorf("layer %q: %w", l.name, err)
		}
		if names[l.name] {
			return t, fmt.Errorf("two layers named %q", l.name)
		}
		names[l.name] = true
		t.layers = append(t.layers, l)
	}
	return t, nil
}

func readLayer(b []byte, buffer int64) (mvtLayer, error) {
	l := mvtLayer{extent: 4096, version: 1}
	fields, err := pbFields(b)
	if err != nil {
		return l, err
	}
	var feats [][]byte
	for _, f := range fields {
		switch f.num {
		case 1:
			l.name = string(f.b)
		case 2:
			feats = append(feats, f.b)
		case 3:
			l.keys = append(l.keys, string(f.b))
		case 4:
			v, err := readValue(f.b)
			if err != nil {
				return l, err
			}
			l.values = append(l.values, v)
		case 5:
			l.extent = f.u
		case 15:
			l.version = f.u
		default:
			return l, fmt.Errorf("unexpected field %d", f.num)
		}
	}
	if l.name == "" {
		return l, errors.New("no name")
	}
	if l.version != 2 {
		return l, fmt.Errorf("version %d", l.version)
	}
	for _, fb := range feats {
		f, err := readFeature(fb, l, buffer)
		if err != nil {
			return l, err
		}
		l.features = append(l.features, f)
	}
	return l, nil
}

func readValue(b []byte) (mvtValue, error) {
	fields, err := pbFields(b)
	if err != nil {
		return mvtValue{}, err
	}
	if len(fields) != 1 {
		return mvtValue{}, fmt.Errorf("value with %d fields", len(fields))
	}
	f := fields[0]
	switch f.num {
	case 1:
		return mvtValue{"string", string(f.b)}, nil
	case 2:
		return mvtValue{"float", math.Float32frombits(uint32(f.u))}, nil
	case 3:
		return mvtValue{"double", math.Float64frombits(f.u)}, nil
	case 4:
		return mvtValue{"int", int64(f.u)}, nil
	case 5:
		return mvtValue{"uint", f.u}, nil
	case 6:
		return mvtValue{"sint", unzig(f.u)}, nil
	case 7:
		return mvtValue{"bool", f.u != 0}, nil
	}
	return mvtValue{}, fmt.Errorf("value field %d", f.num)
}

func readFeature(b []byte, l mvtLayer, buffer int64) (mvtFeature, error) {
	var f mvtFeature
	fields, err := pbFields(b)
	if err != nil {
		return f, err
	}
	for _, fl := range fields {
		switch fl.num {
		case 1:
			f.id, f.hasID = fl.u, true
		case 2:
			if f.tags, err = pbPacked(fl.b); err != nil {
				return f, err
			}
		case 3:
			f.typ = fl.u
		case 4:
			if f.geom, err = pbPacked(fl.b); err != nil {
				return f, err
			}
		default:
			return f, fmt.Errorf("feature field %d", fl.num)
		}
	}
	if len(f.tags)%2 != 0 {
		return f, errors.New("odd tags")
	}
	f.props = map[string]mvtValue{}
	for i := 0; i < len(f.tags); i += 2 {
		k, v := f.tags[i], f.tags[i+1]
		if k >= uint64(len(l.keys)) || v >= uint64(len(l.values)) {
			return f, fmt.Errorf("tag %d=%d out of range", k, v)
		}
		if _, dup := f.props[l.keys[k]]; dup {
			return f, fmt.Errorf("key %q twice", l.keys[k])
		}
		f.props[l.keys[k]] = l.values[v]
	}
	return f, decodeGeometry(&f, int64(l.extent), buffer)
}

// decodeGeometry interprets the command stream of f by the spec's grammar for its type.
func decodeGeometry(f *mvtFeature, extent, buffer int64) error {
	g := f.geom
	var x, y int64
	i := 0
	cmd := func() (id, count uint64, err error) {
		if i >= len(g) {
			return 0, 0, errors.New("missing command")
		}
		c := g[i]
		i++
		return c & 7, c >> 3, nil
	}
	pts := func(count uint64) ([][2]int64, error) {
		if uint64(len(g)-i) < 2*count {
			return nil, errors.New("missing parameters")
		}
		out := make([][2]int64, 0, count)
		for range count {
			x += unzig(g[i])
			y += unzig(g[i+1])
			i += 2
			if x < -buffer || x > extent+buffer || y < -buffer || y > extent+buffer {
				return nil, fmt.Errorf("point (%d, %d) outside the buffered tile", x, y)
			}
			out = append(out, [2]int64{x, y})
		}
		return out, nil
	}
	switch f.typ {
	case 1:
		id, n, err := cmd()
		if err != nil || id != 1 || n == 0 {
			return fmt.Errorf("point: command %d count %d %v", id, n, err)
		}
		if f.points, err = pts(n); err != nil {
			return err
		}
	case 2:
		for i < len(g) {
			id, n, err := cmd()
			if err != nil || id != 1 || n != 1 {
				return fmt.Errorf("line: want MoveTo(1), got %d(%d)", id, n)
			}
			start, err := pts(1)
			if err != nil {
				return err
			}
			id, n, err = cmd()
			if err != nil || id != 2 || n == 0 {
				return fmt.Errorf("line: want LineTo(n>0), got %d(%d)", id, n)
			}
			rest, err := pts(n)
			if err != nil {
				return err
			}
			line := append(start, rest...)
			for j := 1; j < len(line); j++ {
				if line[j] == line[j-1] {
					return errors.New("line: repeated point")
				}
			}
			f.lines = append(f.lines, line)
		}
	case 3:
		for i < len(g) {
			id, n, err := cmd()
			if err != nil || id != 1 || n != 1 {
				return fmt.Errorf("polygon: want MoveTo(1), got %d(%d)", id, n)
			}
			start, err := pts(1)
			if err != nil {
				return err
			}
			id, n, err = cmd()
			if err != nil || id != 2 || n < 2 {
				return fmt.Errorf("polygon: want LineTo(n>=2), got %d(%d)", id, n)
			}
			rest, err := pts(n)
			if err != nil {
				return err
			}
			id, n, err = cmd()
			if err != nil || id != 7 || n != 1 {
				return fmt.Errorf("polygon: want ClosePath(1), got %d(%d)", id, n)
			}
			ring := append(start, rest...)
			var a int64
			for j := range ring {
				p, q := ring[j], ring[(j+1)%len(ring)]
				a += p[0]*q[1] - q[0]*p[1]
			}
			if a == 0 {
				return errors.New("polygon: ring of zero area")
			}
			if len(f.rings) == 0 && a < 0 {
				return errors.New("polygon: first ring is not an exterior ring (area < 0)")
			}
			f.rings = append(f.rings, ring)
			f.areas = append(f.areas, a)
		}
	default:
		return fmt.Errorf("geometry type %d", f.typ)
	}
	if i != len(g) {
		return errors.New("trailing geometry data")
	}
	return nil
}
