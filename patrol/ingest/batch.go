package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// batchItem is one element of "positions" in POST /api/v1/positions.
type batchItem struct {
	Officer  string   `json:"officer"`
	Time     string   `json:"time"`
	Lat      optFloat `json:"lat"`
	Lon      optFloat `json:"lon"`
	Accuracy optFloat `json:"accuracy"`
	Speed    optFloat `json:"speed"`
	Heading  optFloat `json:"heading"`
	Datum    string   `json:"datum"`
}

// ParseBatch reads the body of POST /api/v1/positions,
//
//	{"positions": [{"officer", "time", "lat", "lon",
//	                "accuracy"?, "speed"?, "heading"?, "datum"?}, ...]}
//
// and returns one RawFix per element of "positions", in order, with Index
// its position. officer is the officer ID; time is RFC 3339 with a zone;
// lat and lon are decimal degrees in datum (wgs84 by default, or gcj02,
// bd09) and are converted to WGS-84; accuracy is metres, speed m/s,
// heading degrees, with negative values (and an accuracy of 0) meaning
// unknown.
//
// Items are parsed one by one: an item with a problem gets a Reject with
// the code of its first problem (CodeMissingID, CodeBadID,
// CodeMissingCoordinates, CodeUntimed, CodeBadTime, CodeBadNumber,
// CodeUnknownDatum, CodeUnknownField, CodeMalformed for an item that is
// not an object) and the others are still returned. The whole call fails
// with an *[Error] when the body is not such a JSON object (a syntax
// error, an unknown top-level field, trailing data: CodeMalformed) or body
// reports an *http.MaxBytesError (CodeTooLarge), and with a
// *[TooManyError] as soon as it holds more than maxFixes items. The fixes
// are not checked for plausibility; that is [Filter]'s job.
//
// The body is read whole first (it is capped by the route's limit). A body
// of the usual shape is read by a scanner of its own (scanBatch); any other
// body, and any body whose reading failed, by encoding/json item by item
// (parseBatchStream), whose answers and messages are the reference.
func ParseBatch(body io.Reader, maxFixes int) ([]RawFix, error) {
	buf := bodyBuffers.Get().(*[]byte)
	defer bodyBuffers.Put(buf)
	data, err := readAll(body, (*buf)[:0])
	if cap(data) <= maxPooledBody {
		*buf = data[:0]
	}
	if err != nil {
		// What was read, then the same failure: the decoder meets it where
		// it would have met it reading body itself.
		return parseBatchStream(io.MultiReader(bytes.NewReader(data), failingReader{err}), maxFixes)
	}
	if out, ok := scanBatch(data, maxFixes); ok {
		return out, nil
	}
	return parseBatchStream(bytes.NewReader(data), maxFixes)
}

// parseBatchStream is ParseBatch read with encoding/json: the top level
// token by token, each item decoded on its own.
func parseBatchStream(body io.Reader, maxFixes int) ([]RawFix, error) {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields() // in the items; the top level is read token by token
	if err := expectDelim(dec, '{', "the body must be a JSON object"); err != nil {
		return nil, err
	}
	var out []RawFix
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, tokenError(err)
		}
		if key, _ := tok.(string); key != "positions" || seen {
			return nil, malformed(nil, "unexpected field %q: the body has only \"positions\"", truncate(fmt.Sprint(tok)))
		}
		seen = true
		if out, err = parsePositions(dec, maxFixes); err != nil {
			return nil, err
		}
	}
	if err := expectDelim(dec, '}', "the body must be a JSON object"); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, tokenError(err)
		}
		return nil, malformed(nil, "data after the JSON object")
	}
	return out, nil
}

// parsePositions reads the value of "positions": an array, or null for
// none.
func parsePositions(dec *json.Decoder, maxFixes int) ([]RawFix, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, tokenError(err)
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, malformed(nil, "positions must be an array")
	}
	var out []RawFix
	for dec.More() {
		if len(out) >= maxFixes {
			return nil, &TooManyError{Limit: maxFixes}
		}
		index := len(out)
		var it batchItem
		before := dec.InputOffset()
		if err := dec.Decode(&it); err != nil {
			// Decode reads a whole well-formed value before it fills it
			// in, and stays usable when only the filling fails. So an
			// error that leaves the offset unmoved is the stream's (a
			// syntax error, an early end, a read failure) and ends the
			// call; any other is this item's alone.
			if dec.InputOffset() == before {
				return nil, tokenError(err)
			}
			rej := batchItemError(err)
			rej.Index = index
			out = append(out, RawFix{Index: index, Reject: rej})
			continue
		}
		f, rej := it.fix()
		if rej != nil {
			rej.Index = index
			out = append(out, RawFix{Index: index, Reject: rej})
			continue
		}
		out = append(out, RawFix{Index: index, Fix: f})
	}
	if err := expectDelim(dec, ']', "positions must be an array"); err != nil {
		return nil, err
	}
	return out, nil
}

// fix validates a decoded element of "positions".
func (it *batchItem) fix() (Fix, *Rejection) {
	var f Fix
	f.Officer = strings.TrimSpace(it.Officer)
	if rej := checkID("officer", f.Officer); rej != nil {
		return Fix{}, rej
	}
	if !it.Lat.ok || !it.Lon.ok {
		return Fix{}, reject(CodeMissingCoordinates, "lat and lon are required")
	}
	if it.Time == "" {
		return Fix{}, reject(CodeUntimed, "time is missing")
	}
	t, err := time.Parse(time.RFC3339Nano, it.Time)
	if err != nil {
		return Fix{}, reject(CodeBadTime, "time %q is not an RFC 3339 date-time with a zone", truncate(it.Time))
	}
	f.Time = t.UTC()
	var rej *Rejection
	if f.Datum, rej = parseDatum(strings.TrimSpace(it.Datum)); rej != nil {
		return Fix{}, rej
	}
	f.Point = toWGS84(orb.Point{it.Lon.v, it.Lat.v}, f.Datum)
	f.AccuracyM = it.Accuracy.apply(accuracy)
	f.SpeedMS = it.Speed.apply(measure)
	f.HeadingDeg = it.Heading.apply(heading)
	return f, nil
}

// batchItemError turns the error of decoding a well-formed item into a
// rejection. The decoder reports a value of the wrong type as an
// *json.UnmarshalTypeError naming the field; the only other error it can
// give for well-formed JSON, with DisallowUnknownFields, is an unknown
// field.
func batchItemError(err error) *Rejection {
	te, ok := errors.AsType[*json.UnmarshalTypeError](err)
	if !ok {
		return reject(CodeUnknownField, "%v (an item has officer, time, lat, lon, accuracy, speed, heading, datum)", err)
	}
	switch te.Field {
	case "":
		return reject(CodeMalformed, "an item must be an object, not %s", te.Value)
	case "officer":
		return reject(CodeBadID, "officer must be a string, not %s", te.Value)
	case "time":
		return reject(CodeBadTime, "time must be a string, not %s", te.Value)
	case "datum":
		return reject(CodeUnknownDatum, "datum must be a string, not %s", te.Value)
	}
	if te.Value == valueOutOfRange {
		return reject(CodeBadNumber, "%s is out of range", te.Field)
	}
	return reject(CodeBadNumber, "%s must be a number, not %s", te.Field, te.Value)
}

// expectDelim reads the next token and fails with msg unless it is d.
func expectDelim(dec *json.Decoder, d json.Delim, msg string) error {
	tok, err := dec.Token()
	if err != nil {
		return tokenError(err)
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		return malformed(nil, "%s", msg)
	}
	return nil
}

// tokenError turns an error of the streaming decoder into an Error:
// CodeTooLarge for a caller's http.MaxBytesReader, CodeMalformed for the
// rest (syntax errors, a body that ends early).
func tokenError(err error) *Error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return malformed(err, "the body ends before the JSON is complete")
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return malformed(err, "JSON syntax error at byte %d", se.Offset)
	}
	return readError(err)
}
