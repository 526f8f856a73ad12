package mvt

import "math"

// The few protocol buffer wire-format writers the MVT messages need. Each appends to a
// byte slice and returns it, like strconv.AppendInt.

// Wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func varintSize(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func appendKey(b []byte, field, wire int) []byte {
	return appendVarint(b, uint64(field)<<3|uint64(wire))
}

func appendVarintField(b []byte, field int, v uint64) []byte {
	return appendVarint(appendKey(b, field, wireVarint), v)
}

func appendBytesField(b []byte, field int, v []byte) []byte {
	b = appendKey(b, field, wireBytes)
	b = appendVarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendStringField(b []byte, field int, v string) []byte {
	b = appendKey(b, field, wireBytes)
	b = appendVarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendFixed32Field(b []byte, field int, v uint32) []byte {
	b = appendKey(b, field, wireFixed32)
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

func appendFixed64Field(b []byte, field int, v uint64) []byte {
	b = appendKey(b, field, wireFixed64)
	for i := 0; i < 64; i += 8 {
		b = append(b, byte(v>>i))
	}
	return b
}

// appendPacked appends vs as a packed repeated uint32 field.
func appendPacked(b []byte, field int, vs []uint32) []byte {
	n := 0
	for _, v := range vs {
		n += varintSize(uint64(v))
	}
	b = appendKey(b, field, wireBytes)
	b = appendVarint(b, uint64(n))
	for _, v := range vs {
		b = appendVarint(b, uint64(v))
	}
	return b
}

// zigzag32 maps signed to unsigned integers so that small magnitudes stay small, as MVT
// geometry parameters require.
func zigzag32(v int32) uint32 { return uint32(v<<1) ^ uint32(v>>31) }

// zigzag64 is zigzag32 for the sint_value of a property.
func zigzag64(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

func float32Bits(f float32) uint32 { return math.Float32bits(f) }
