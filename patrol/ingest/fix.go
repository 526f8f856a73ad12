package ingest

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
)

// Fix is one position report of an officer's device.
//
// Point is always WGS-84 (SRID 4326) [lon, lat]: a fix sent in GCJ-02 or
// BD-09 is converted by the parser, which records the datum it came in as
// Datum. Time is always UTC.
//
// The optional measurements are pointers: nil means the device did not
// report the value, which is not the same as a reported 0 (an officer
// standing still has a known speed of 0). Parsers store as unknown the
// values phones use to say "not available": a negative speed, heading,
// accuracy or HDOP, an accuracy of exactly 0 (no real fix is perfect, and
// the classic Traccar Client sends 0 for fixes of the GPS provider, whose
// accuracy it does not report), an altitude of exactly -1 in the Traccar
// JSON, a battery level outside 0..100, and any NaN or infinite value. A
// heading of 360° or more is wrapped into [0, 360).
type Fix struct {
	// DeviceID is the device identifier of the device protocols (OsmAnd
	// "id", Traccar JSON "device_id"); empty for the JSON batch and GPX.
	DeviceID string
	// Officer is the officer ID of a JSON batch item; empty for the device
	// protocols and GPX, whose caller knows the officer from the device or
	// the URL.
	Officer string
	// Time is when the device took the fix, in UTC.
	Time time.Time
	// Point is the position, WGS-84 [lon, lat] in decimal degrees.
	Point orb.Point
	// Datum is the datum the position was sent in, before conversion.
	Datum geo.Datum

	AccuracyM  *float64 // horizontal accuracy radius, metres
	SpeedMS    *float64 // ground speed, metres per second
	HeadingDeg *float64 // course over ground, degrees clockwise from true north, in [0, 360)
	AltitudeM  *float64 // altitude, metres (above sea level or the ellipsoid, as the device reports it)
	BatteryPct *float64 // battery level, percent in [0, 100]
	// HDOP is the horizontal dilution of precision, when the device sends
	// it. It is unitless and is never turned into AccuracyM.
	HDOP *float64
	// Mock is set when the device said the position came from a mock
	// (simulated) location provider. Parsers keep such fixes; whether to
	// trust them is the caller's policy.
	Mock bool
	// Alarm is the alarm the device raised with this fix, lower case ("sos",
	// "general", "lowbattery", ...), or "" for none: OsmAnd's alarm
	// parameter, Traccar JSON's "alarm" (at the root or in the record's
	// extras). At most MaxAlarmLen bytes of letters, digits and '_'.
	Alarm string
}

// MaxAlarmLen is the longest alarm value kept; a longer or odd one is kept as "general",
// so that a device's alarm is never lost for its spelling.
const MaxAlarmLen = 32

// alarm normalises an alarm value: trimmed, lower case; "" for none; "general" for a
// value too long or with characters other than letters, digits and '_'.
func alarm(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if len(s) > MaxAlarmLen {
		return "general"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return "general"
		}
	}
	return s
}

// Code is a stable, machine-readable reason why an upload or one of its
// fixes was refused. Clients and logs may match on it; codes may be added,
// never renamed.
type Code string

// Reasons for refusing a whole upload or one item of it while parsing.
const (
	CodeMalformed          Code = "malformed"           // the body is not the expected JSON, form or GPX document
	CodeTooLarge           Code = "too_large"           // the body is longer than the caller's limit
	CodeTooMany            Code = "too_many"            // more fixes than the caller's limit (see TooManyError)
	CodeMissingID          Code = "missing_id"          // no device id (OsmAnd, Traccar JSON) or officer (batch)
	CodeBadID              Code = "bad_id"              // an id that is not valid UTF-8, has control characters or is too long
	CodeMissingCoordinates Code = "missing_coordinates" // lat or lon absent
	CodeUntimed            Code = "untimed"             // no time: OsmAnd timestamp, JSON time or GPX <time> absent
	CodeBadTime            Code = "bad_time"            // a time that cannot be parsed
	CodeBadNumber          Code = "bad_number"          // a numeric field that is not a number
	CodeUnknownDatum       Code = "unknown_datum"       // a datum other than wgs84, gcj02, bd09
	CodeUnknownField       Code = "unknown_field"       // a batch item with a field the API does not define
)

// Reasons [Check] refuses a parsed fix for.
const (
	CodeInvalidCoordinates Code = "invalid_coordinates" // NaN or infinite, lat outside [-90, 90] or lon outside [-180, 180]
	CodeZeroCoordinates    Code = "zero_coordinates"    // exactly (0, 0), "null island": a device's placeholder for no fix
	CodeFutureTime         Code = "future_time"         // later than now plus FilterConfig.FutureTolerance
	CodeTooOld             Code = "too_old"             // earlier than now minus FilterConfig.MaxAge
	CodeLowAccuracy        Code = "low_accuracy"        // accuracy radius above FilterConfig.MaxAccuracyM
	CodeImpliedSpeed       Code = "implied_speed"       // reaching it from the previous accepted fix needs more than FilterConfig.MaxSpeedMS
)

// Rejection tells why one item of an upload was not accepted. Index is the
// item's position in the upload, from 0: the element of "positions" in a
// batch, the <trkpt> of a GPX document counted across all its tracks and
// segments, the RawFix.Index of an item given to [Filter]. [Check] leaves
// it 0. Message is a sentence safe to show to the client.
type Rejection struct {
	Index   int    `json:"index"`
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// Error returns the code and message.
func (r *Rejection) Error() string { return string(r.Code) + ": " + r.Message }

// reject returns a Rejection with a formatted message and no index.
func reject(code Code, format string, args ...any) *Rejection {
	return &Rejection{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error is the error the parsers return when a whole upload is refused:
// a syntax error in the body, a body over the size limit, or (for the
// single-fix OsmAnd protocol) a fix that cannot be parsed. Code is one of
// the Code constants; Message is safe to show to the client; Err, when set,
// is the cause (for CodeTooLarge an *http.MaxBytesError) and is meant for
// logs only.
type Error struct {
	Code    Code
	Message string
	Err     error
}

// Error returns the code, message and cause.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return string(e.Code) + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// fail returns an Error from a Rejection, for the parsers that refuse the
// whole upload when one fix is bad.
func fail(r *Rejection) *Error { return &Error{Code: r.Code, Message: r.Message} }

// malformed returns a CodeMalformed Error around cause.
func malformed(cause error, format string, args ...any) *Error {
	return &Error{Code: CodeMalformed, Message: fmt.Sprintf(format, args...), Err: cause}
}

// TooManyError is returned when an upload holds more fixes than the
// caller's limit; the parser stops reading at the first one too many. The
// HTTP layer answers it with 413.
type TooManyError struct {
	Limit int // the caller's limit on fixes per upload
}

// Error says what the limit was.
func (e *TooManyError) Error() string {
	return fmt.Sprintf("%s: more than %d positions in one upload", CodeTooMany, e.Limit)
}

// Code returns [CodeTooMany], so that callers can treat every refusal by
// its code.
func (e *TooManyError) Code() Code { return CodeTooMany }

// RawFix is one item of an upload as parsed, before filtering: its index in
// the upload and either the parsed Fix or, when the item could not be
// parsed, Reject (whose Index equals the item's).
type RawFix struct {
	Index  int
	Fix    Fix
	Reject *Rejection
}

// Indexed rebuilds the per-item list of a parse that returns its good fixes
// and its rejections apart, as [ParseGPX] does, so that the result can go
// through [Filter]. It relies on the parser's promise that every item
// became exactly one fix or one rejection, the fixes in upload order: the
// fixes take, in order, the indices the rejections leave free. rejected
// must be sorted by Index, as the parsers return it.
func Indexed(fixes []Fix, rejected []Rejection) []RawFix {
	out := make([]RawFix, 0, len(fixes)+len(rejected))
	idx, next := 0, 0 // next free index, next fix to place
	for _, r := range rejected {
		for idx < r.Index && next < len(fixes) {
			out = append(out, RawFix{Index: idx, Fix: fixes[next]})
			idx, next = idx+1, next+1
		}
		out = append(out, RawFix{Index: r.Index, Reject: &r})
		idx = max(idx, r.Index+1)
	}
	for ; next < len(fixes); next++ {
		out = append(out, RawFix{Index: idx, Fix: fixes[next]})
		idx++
	}
	return out
}

// maxIDLen caps device and officer identifiers, in bytes.
const maxIDLen = 128

// checkID validates a device or officer identifier after trimming; field
// names it in messages.
func checkID(field, id string) *Rejection {
	if id == "" {
		return reject(CodeMissingID, "%s is missing", field)
	}
	if len(id) > maxIDLen {
		return reject(CodeBadID, "%s is longer than %d bytes", field, maxIDLen)
	}
	// The id ends up in SQL parameters and logs: PostgreSQL text refuses
	// invalid UTF-8 and NUL, and control characters garble log lines.
	if !utf8.ValidString(id) || strings.IndexFunc(id, unicode.IsControl) >= 0 {
		return reject(CodeBadID, "%s must be printable UTF-8", field)
	}
	return nil
}

// knotMS is one knot in metres per second: 1852 m per hour.
const knotMS = 1852.0 / 3600

// measure returns a pointer to v when v is a usable reading: finite and
// not negative. Negative values are how Android and iOS say "not
// available".
func measure(v float64) *float64 {
	if !finite(v) || v < 0 {
		return nil
	}
	return &v
}

// accuracy is measure that also treats 0 as unknown.
func accuracy(v float64) *float64 {
	if v == 0 {
		return nil
	}
	return measure(v)
}

// heading is measure with the angle wrapped into [0, 360).
func heading(v float64) *float64 {
	p := measure(v)
	if p != nil && *p >= 360 {
		*p = math.Mod(*p, 360)
	}
	return p
}

// altitude keeps any finite value, since places below sea level exist;
// unknownSentinel reports whether the source uses -1 for "not available"
// (the Traccar JSON does).
func altitude(v float64, unknownSentinel bool) *float64 {
	if !finite(v) || (unknownSentinel && v == -1) {
		return nil
	}
	return &v
}

// battery keeps a level in [0, 100] percent.
func battery(pct float64) *float64 {
	if !(pct >= 0 && pct <= 100) {
		return nil
	}
	return &pct
}

// toWGS84 converts p from datum d. Points that Check will refuse anyway,
// invalid ones and (0, 0), are left as they are, so that Check reports
// the coordinates the device actually sent.
func toWGS84(p orb.Point, d geo.Datum) orb.Point {
	if d == geo.WGS84 || !ValidCoordinates(p) || p == (orb.Point{}) {
		return p
	}
	return geo.ToWGS84(p, d)
}

// parseDatum wraps geo.ParseDatum with a rejection.
func parseDatum(s string) (geo.Datum, *Rejection) {
	d, err := geo.ParseDatum(s)
	if err != nil {
		return "", reject(CodeUnknownDatum, "datum %q is not one of wgs84, gcj02, bd09", truncate(s))
	}
	return d, nil
}

// truncate shortens s for quoting in a message.
func truncate(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	// Cut at a rune boundary so the message stays valid UTF-8.
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
