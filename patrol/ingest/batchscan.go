package ingest

import (
	"bytes"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The body of POST /api/v1/positions nearly always has one shape: an object
// whose one key is "positions", an array of flat objects whose keys are the
// item's own names, each once, with plain strings and numbers. scanBatch
// reads that shape without reflection, about four times faster than
// encoding/json item by item, which was a third of the process's time in
// batched ingest. It answers only for bodies it reads to the end: anything
// else (an escape in a string, a key in another case or twice, an unknown
// key, a value of the wrong type, invalid UTF-8, a syntax error, more items
// than allowed) makes it give up, and parseBatchStream reads the whole body
// again, so refusals and their messages stay encoding/json's. For the bodies
// it reads, it must give what parseBatchStream gives: FuzzParseBatchScan
// holds it to that.

// maxPooledBody caps the bodies whose buffers are kept for the next call.
const maxPooledBody = 8 << 20

// bodyBuffers holds the buffers request bodies are read into; nothing
// returned points into them.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// readAll appends everything r gives to buf, as io.ReadAll does; a failure
// other than io.EOF is returned with what was read before it.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// failingReader fails every read with err.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// Bits of the keys an item has given, to refuse a key given twice.
const (
	keyOfficer = 1 << iota
	keyTime
	keyLat
	keyLon
	keyAccuracy
	keySpeed
	keyHeading
	keyDatum
)

// batchScanner reads a body from data[pos:].
type batchScanner struct {
	data []byte
	pos  int
	// officers holds the officer IDs read so far, so that the items of one
	// officer share one string.
	officers map[string]string
}

// scanBatch reads a positions body of the usual shape, giving what
// parseBatchStream gives for it; ok is false when it gave up.
func scanBatch(data []byte, maxFixes int) (out []RawFix, ok bool) {
	s := batchScanner{data: data}
	if !s.next('{') || !s.key("positions") || !s.next(':') || !s.next('[') {
		return nil, false
	}
	if !s.next(']') {
		for {
			if len(out) >= maxFixes {
				return nil, false // TooManyError, from the reference
			}
			var it batchItem
			if !s.item(&it) {
				return nil, false
			}
			if out == nil {
				// One RawFix an item: an item holds at least its opening brace.
				out = make([]RawFix, 0, min(bytes.Count(data[s.pos:], []byte{'{'})+1, maxFixes))
			}
			index := len(out)
			f, rej := it.fix()
			if rej != nil {
				rej.Index = index
				out = append(out, RawFix{Index: index, Reject: rej})
			} else {
				out = append(out, RawFix{Index: index, Fix: f})
			}
			if s.next(',') {
				continue
			}
			if s.next(']') {
				break
			}
			return nil, false
		}
	}
	if !s.next('}') {
		return nil, false
	}
	s.space()
	return out, s.pos == len(s.data)
}

// space skips JSON whitespace.
func (s *batchScanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// next skips whitespace and reads c if it comes next.
func (s *batchScanner) next(c byte) bool {
	s.space()
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// key reads the string k, spelled without escapes.
func (s *batchScanner) key(k string) bool {
	b, ok := s.plainString()
	return ok && string(b) == k
}

// plainString skips whitespace and reads a string without escapes, control
// characters or invalid UTF-8 — one encoding/json would copy byte for byte
// — and returns its contents.
func (s *batchScanner) plainString() ([]byte, bool) {
	s.space()
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return nil, false
	}
	start := s.pos + 1
	ascii := true
	for i := start; i < len(s.data); i++ {
		switch c := s.data[i]; {
		case c == '"':
			b := s.data[start:i]
			if !ascii && !utf8.Valid(b) {
				return nil, false
			}
			s.pos = i + 1
			return b, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// null reads the literal null if it comes next.
func (s *batchScanner) null() bool {
	s.space()
	if bytes.HasPrefix(s.data[s.pos:], []byte("null")) {
		s.pos += len("null")
		return true
	}
	return false
}

// item reads one element of "positions" into it: an object of the item's
// keys, each at most once, with strings or null for officer, time and datum
// and numbers or null for the rest.
func (s *batchScanner) item(it *batchItem) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	var seen int
	for {
		k, ok := s.plainString()
		if !ok || !s.next(':') {
			return false
		}
		var bit int
		switch string(k) {
		case "officer":
			bit, ok = keyOfficer, s.officer(&it.Officer)
		case "time":
			bit, ok = keyTime, s.text(&it.Time)
		case "datum":
			bit, ok = keyDatum, s.text(&it.Datum)
		case "lat":
			bit, ok = keyLat, s.number(&it.Lat)
		case "lon":
			bit, ok = keyLon, s.number(&it.Lon)
		case "accuracy":
			bit, ok = keyAccuracy, s.number(&it.Accuracy)
		case "speed":
			bit, ok = keySpeed, s.number(&it.Speed)
		case "heading":
			bit, ok = keyHeading, s.number(&it.Heading)
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		if s.next(',') {
			continue
		}
		return s.next('}')
	}
}

// text reads a plain string into v, or null, which leaves v as it is (as
// encoding/json does for a string).
func (s *batchScanner) text(v *string) bool {
	if s.null() {
		return true
	}
	b, ok := s.plainString()
	if ok {
		*v = string(b)
	}
	return ok
}

// officer is text for officer IDs, shared between the items of the body.
func (s *batchScanner) officer(v *string) bool {
	if s.null() {
		return true
	}
	b, ok := s.plainString()
	if !ok {
		return false
	}
	if id, seen := s.officers[string(b)]; seen {
		*v = id
		return true
	}
	if s.officers == nil {
		s.officers = make(map[string]string)
	}
	*v = string(b)
	s.officers[*v] = *v
	return true
}

// number reads a JSON number into v as optFloat.UnmarshalJSON does, or
// null, which leaves v absent; it gives up on a number beyond float64.
func (s *batchScanner) number(v *optFloat) bool {
	if s.null() {
		*v = optFloat{}
		return true
	}
	start := s.pos
	if !s.numberSyntax() {
		return false
	}
	f, err := strconv.ParseFloat(string(s.data[start:s.pos]), 64)
	if err != nil {
		return false
	}
	*v = optFloat{v: f, ok: true}
	return true
}

// numberSyntax reads a number as JSON spells it:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *batchScanner) numberSyntax() bool {
	d := s.data
	i := s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = digits(d, i)
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		j := digits(d, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := digits(d, i)
		if j == i {
			return false
		}
		i = j
	}
	s.pos = i
	return true
}

// digits returns the index after the run of ASCII digits at d[i:].
func digits(d []byte, i int) int {
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	return i
}
