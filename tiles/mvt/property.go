package mvt

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"
)

// value is one MVT property value. kind is the field number of the Value message that
// carries it; n holds the bits of numbers and booleans.
type value struct {
	kind uint8
	s    string
	n    uint64
}

// Field numbers of the MVT Value message.
const (
	valString = 1
	valFloat  = 2
	valDouble = 3
	valUint   = 5
	valSint   = 6
	valBool   = 7
)

// appendValue appends v as an MVT Value message body.
func appendValue(b []byte, v value) []byte {
	switch v.kind {
	case valString:
		return appendStringField(b, valString, v.s)
	case valFloat:
		return appendFixed32Field(b, valFloat, uint32(v.n))
	case valDouble:
		return appendFixed64Field(b, valDouble, v.n)
	default: // valUint, valSint, valBool: all varints
		return appendVarintField(b, int(v.kind), v.n)
	}
}

func intValue(i int64) value {
	// Non-negative integers go out as uint_value (as PostGIS does), negative ones as
	// zigzagged sint_value, so neither wastes the ten bytes a negative int_value takes.
	if i >= 0 {
		return value{kind: valUint, n: uint64(i)}
	}
	return value{kind: valSint, n: zigzag64(i)}
}

func boolValue(b bool) value {
	if b {
		return value{kind: valBool, n: 1}
	}
	return value{kind: valBool}
}

func stringValue(s string) value { return value{kind: valString, s: s} }

// maxValueDepth bounds the unwrapping of pointers and driver.Valuers.
const maxValueDepth = 4

// toValue converts a feature property to an MVT value. It reports ok false when the
// property is to be left out: nil, a nil pointer, a NULL driver value, a zero
// time.Time, or a NaN or infinite number. Types it cannot map give an error.
//
// The mapping: strings (and types whose underlying type is string) → string; bools →
// bool; signed integers → uint_value when >= 0, else sint_value; unsigned → uint_value;
// float32 → float_value; float64 → double_value; time.Time → RFC 3339 string in UTC,
// whole seconds; []string → the elements joined by commas; json.Number → integer if it
// is one, else double; a driver.Valuer (pgtype's nullable types) → its Value, mapped the
// same way; a non-nil pointer → what it points to; another fmt.Stringer (h3.Cell, an
// enum, time.Duration) → its String; other named types → as their underlying type.
func toValue(v any) (value, bool, error) {
	return toValueDepth(v, 0)
}

func toValueDepth(v any, depth int) (value, bool, error) {
	switch t := v.(type) {
	case nil:
		return value{}, false, nil
	case string:
		return stringValue(t), true, nil
	case bool:
		return boolValue(t), true, nil
	case int:
		return intValue(int64(t)), true, nil
	case int8:
		return intValue(int64(t)), true, nil
	case int16:
		return intValue(int64(t)), true, nil
	case int32:
		return intValue(int64(t)), true, nil
	case int64:
		return intValue(t), true, nil
	case uint:
		return value{kind: valUint, n: uint64(t)}, true, nil
	case uint8:
		return value{kind: valUint, n: uint64(t)}, true, nil
	case uint16:
		return value{kind: valUint, n: uint64(t)}, true, nil
	case uint32:
		return value{kind: valUint, n: uint64(t)}, true, nil
	case uint64:
		return value{kind: valUint, n: t}, true, nil
	case float32:
		if math.IsNaN(float64(t)) || math.IsInf(float64(t), 0) {
			return value{}, false, nil
		}
		return value{kind: valFloat, n: uint64(float32Bits(t))}, true, nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return value{}, false, nil
		}
		return value{kind: valDouble, n: math.Float64bits(t)}, true, nil
	case time.Time:
		if t.IsZero() {
			return value{}, false, nil
		}
		return stringValue(t.UTC().Format(time.RFC3339)), true, nil
	case []string:
		return stringValue(strings.Join(t, ",")), true, nil
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return intValue(i), true, nil
		}
		f, err := t.Float64()
		if err != nil {
			return value{}, false, fmt.Errorf("json.Number %q is not a number", string(t))
		}
		return toValueDepth(f, depth+1)
	}
	if depth >= maxValueDepth {
		return value{}, false, fmt.Errorf("value of type %T nests too deeply", v)
	}
	if dv, ok := v.(driver.Valuer); ok {
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Pointer && rv.IsNil() {
			return value{}, false, nil
		}
		inner, err := dv.Value()
		if err != nil {
			return value{}, false, fmt.Errorf("value of type %T: %w", v, err)
		}
		if _, isBytes := inner.([]byte); isBytes {
			return value{}, false, fmt.Errorf("value of type %T holds bytes, which MVT cannot carry", v)
		}
		return toValueDepth(inner, depth+1)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return value{}, false, nil
		}
		if _, ok := v.(fmt.Stringer); !ok {
			return toValueDepth(rv.Elem().Interface(), depth+1)
		}
	}
	// A named type that can say what it is (h3.Cell, an enum, time.Duration) is best
	// shown as it says.
	if s, ok := v.(fmt.Stringer); ok {
		return stringValue(s.String()), true, nil
	}
	// Named types without String (type Status string, type Count int32).
	switch rv.Kind() {
	case reflect.String:
		return stringValue(rv.String()), true, nil
	case reflect.Bool:
		return boolValue(rv.Bool()), true, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intValue(rv.Int()), true, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return value{kind: valUint, n: rv.Uint()}, true, nil
	case reflect.Float32:
		return toValueDepth(float32(rv.Float()), depth+1)
	case reflect.Float64:
		return toValueDepth(rv.Float(), depth+1)
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.String {
			parts := make([]string, rv.Len())
			for i := range parts {
				parts[i] = rv.Index(i).String()
			}
			return stringValue(strings.Join(parts, ",")), true, nil
		}
	}
	return value{}, false, fmt.Errorf("unsupported property type %T", v)
}
