package httpx

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// encoding/json matches object keys to struct fields case-insensitively, so that "LAT"
// fills lat — and a later "LAT" overrides an earlier "lat", which lets one body say two
// things to two readers. exactKeys holds the request bodies to the exact names.

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	fieldCache          sync.Map // reflect.Type → map[string]reflect.Type
)

// exactKeys checks that every object key of data (one JSON value, already known to
// decode into a value of type t) names a field of its struct exactly, case included.
// Errors have code invalid and name the key.
func exactKeys(data []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return walkKeys(dec, t, "")
}

// walkKeys consumes one value from dec, checking the keys of objects decoded into
// structs; t is nil where anything goes (interfaces, custom unmarshalers, unknown).
func walkKeys(dec *json.Decoder, t reflect.Type, path string) error {
	t = checkedType(t)
	tok, err := dec.Token()
	if err != nil {
		return apperr.Wrap(err, apperr.Invalid, "invalid JSON: %v", err)
	}
	if s, ok := tok.(string); ok && strings.IndexByte(s, 0) >= 0 {
		return nulError(path)
	}
	switch tok {
	case json.Delim('{'):
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = structFields(t)
		}
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return apperr.Wrap(err, apperr.Invalid, "invalid JSON: %v", err)
			}
			key, _ := keyTok.(string)
			if strings.IndexByte(key, 0) >= 0 {
				return nulError(path)
			}
			var next reflect.Type
			switch {
			case fields != nil:
				ft, ok := fields[key]
				if !ok {
					for name := range fields {
						if strings.EqualFold(name, key) {
							return apperr.Invalidf("unknown field %q%s: field names are case-sensitive (%q)", key, at(path), name)
						}
					}
				}
				next = ft
			case t != nil && t.Kind() == reflect.Map:
				next = t.Elem()
			}
			if err := walkKeys(dec, next, path+"."+key); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walkKeys(dec, elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	}
	if err != nil {
		return apperr.Wrap(err, apperr.Invalid, "invalid JSON: %v", err)
	}
	return nil
}

// nulError refuses a string holding U+0000 (JSON's \u0000): PostgreSQL stores it in
// neither text nor jsonb, so it is refused here, naming where it stands.
func nulError(path string) error {
	where := "a string"
	if path != "" {
		where = strings.TrimPrefix(path, ".")
	}
	return apperr.Invalidf("%s holds a NUL character (\\u0000), which cannot be stored", where)
}

func at(path string) string {
	if path == "" {
		return ""
	}
	return " in " + strings.TrimPrefix(path, ".")
}

// checkedType is t without pointers, or nil when its JSON is not read field by field
// (an interface, a type that unmarshals itself).
func checkedType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		if t.Implements(unmarshalerType) || t.Implements(textUnmarshalerType) {
			return nil
		}
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface {
		return nil
	}
	if pt := reflect.PointerTo(t); pt.Implements(unmarshalerType) || pt.Implements(textUnmarshalerType) {
		return nil
	}
	return t
}

// structFields maps the JSON names of t's fields (promoted ones of embedded structs
// included) to their types, as encoding/json names them.
func structFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if et := checkedType(f.Type); et != nil && et.Kind() == reflect.Struct {
				for k, v := range structFields(et) {
					if _, taken := m[k]; !taken {
						m[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}
