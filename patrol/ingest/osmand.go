package ingest

import (
	"bytes"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ParseOsmAnd parses one request of the OsmAnd protocol as Traccar Client
// and compatible trackers send it, whatever its method, and returns its
// fixes. It reads (and consumes) r.Body, at most maxBody bytes; a longer
// body is refused with [CodeTooLarge], and a maxBody of 0 or less allows
// no body at all.
//
// A body declared as JSON (Content-Type application/json), or one that
// starts with "{" or "[" while its type is neither JSON nor a form, is the
// JSON of Traccar Client 9 and later:
//
//	{"device_id": "...", "location": {"timestamp": "2024-06-15T13:45:12.862Z",
//	  "coords": {"latitude", "longitude", "accuracy", "speed", "heading", "altitude"},
//	  "battery": {"level": 0.83, ...}, "mock"?, ...}}
//
// where speed is m/s, battery.level a fraction of 1, -1 means "not
// available", and "location" may also be an array of such objects (the
// batched upload of the underlying geolocation plugin), giving several
// fixes. The device id falls back to the query string's id or deviceid;
// an optional root "datum" selects the datum. Other members are ignored.
//
// Otherwise the parameters are those of the query string followed by
// those of the body read as a form (application/x-www-form-urlencoded,
// also when undeclared); for a parameter given twice the first value
// counts. They are parsed by [ParseOsmAndValues] into one fix.
//
// Every failure is an *[Error]: CodeTooLarge, CodeMalformed for a body
// that cannot be read or a JSON body that is not such an object, or the
// code of the first problem of a fix (CodeMissingID, CodeBadID,
// CodeMissingCoordinates, CodeUntimed, CodeBadTime, CodeBadNumber,
// CodeUnknownDatum); one bad fix of a JSON array refuses the whole
// request. The fixes are not checked for plausibility; that is [Check]'s
// job.
func ParseOsmAnd(r *http.Request, maxBody int64) ([]Fix, error) {
	body, err := readBody(r.Body, maxBody)
	if err != nil {
		return nil, err
	}
	query := r.URL.Query()
	switch bodyKind(r.Header.Get("Content-Type"), body) {
	case kindJSON:
		return parseTraccarJSON(body, osmAndID(query))
	case kindForm:
		// Lenient like the query string, which url.URL.Query also parses
		// ignoring malformed pairs: a stray "%" must not cost the fix.
		form, _ := url.ParseQuery(string(body))
		for k, vs := range form {
			query[k] = append(query[k], vs...)
		}
	}
	f, err := ParseOsmAndValues(query)
	if err != nil {
		return nil, err
	}
	return []Fix{f}, nil
}

// ParseOsmAndValues parses the parameters of one OsmAnd request into a
// fix. The parameters, with exact lower-case names, are:
//
//   - id or deviceid: the device identifier (required);
//   - lat and lon, decimal degrees (required); "location=lat,lon" is
//     taken when both are absent;
//   - timestamp (required): epoch seconds or epoch milliseconds, told
//     apart by magnitude (below 10^11 is seconds), or an ISO-8601 date-time
//     with "T" or a space between date and time and an optional zone
//     (none means UTC);
//   - speed, in knots (converted to m/s at 1852/3600 m/s per knot);
//   - bearing or heading, degrees;
//   - altitude and accuracy, metres; hdop, kept apart from accuracy;
//   - batt, battery percent; mock, "true" when the fix was simulated;
//   - alarm, an alarm the device raised with the fix (Traccar Client's SOS button
//     sends "sos"), kept as Fix.Alarm;
//   - datum, a gridwatch extension: wgs84 (the default), gcj02 or bd09.
//
// Other parameters (valid, charge, driverUniqueId, ...) are
// ignored. Empty values count as absent. A failure is an *[Error] with
// the code of the first problem found.
func ParseOsmAndValues(v url.Values) (Fix, error) {
	f, rej := osmAndFix(v)
	if rej != nil {
		return Fix{}, fail(rej)
	}
	return f, nil
}

// osmAndID returns the device id parameter of v, trimmed.
func osmAndID(v url.Values) string {
	if id := strings.TrimSpace(v.Get("id")); id != "" {
		return id
	}
	return strings.TrimSpace(v.Get("deviceid"))
}

// osmAndFix does the work of ParseOsmAndValues.
func osmAndFix(v url.Values) (Fix, *Rejection) {
	var f Fix
	f.DeviceID = osmAndID(v)
	if rej := checkID("id", f.DeviceID); rej != nil {
		return Fix{}, rej
	}
	latS, lonS := strings.TrimSpace(v.Get("lat")), strings.TrimSpace(v.Get("lon"))
	if latS == "" && lonS == "" {
		// Some trackers send the pair as one "location=lat,lon".
		latS, lonS, _ = strings.Cut(v.Get("location"), ",")
	}
	if strings.TrimSpace(latS) == "" || strings.TrimSpace(lonS) == "" {
		return Fix{}, reject(CodeMissingCoordinates, "lat and lon are required")
	}
	lat, rej := parseNumber("lat", latS)
	if rej != nil {
		return Fix{}, rej
	}
	lon, rej := parseNumber("lon", lonS)
	if rej != nil {
		return Fix{}, rej
	}
	if f.Time, rej = parseTimestamp(v.Get("timestamp")); rej != nil {
		return Fix{}, rej
	}
	if f.Datum, rej = parseDatum(strings.TrimSpace(v.Get("datum"))); rej != nil {
		return Fix{}, rej
	}
	f.Point = toWGS84(orb.Point{lon, lat}, f.Datum)

	// Optional readings, each with the normaliser that maps its "not
	// available" values to nil.
	for _, o := range [...]struct {
		keys  [2]string
		dst   **float64
		scale float64
		norm  func(float64) *float64
	}{
		{[2]string{"speed"}, &f.SpeedMS, knotMS, measure},
		{[2]string{"bearing", "heading"}, &f.HeadingDeg, 1, heading},
		{[2]string{"altitude"}, &f.AltitudeM, 1, func(x float64) *float64 { return altitude(x, false) }},
		{[2]string{"accuracy"}, &f.AccuracyM, 1, accuracy},
		{[2]string{"hdop"}, &f.HDOP, 1, measure},
		{[2]string{"batt"}, &f.BatteryPct, 1, battery},
	} {
		for _, key := range o.keys {
			s := strings.TrimSpace(v.Get(key))
			if key == "" || s == "" {
				continue
			}
			x, rej := parseNumber(key, s)
			if rej != nil {
				return Fix{}, rej
			}
			*o.dst = o.norm(x * o.scale)
			break
		}
	}
	f.Mock = strings.EqualFold(strings.TrimSpace(v.Get("mock")), "true")
	f.Alarm = alarm(v.Get("alarm"))
	return f, nil
}

// parseNumber parses a decimal number parameter; field names it in the
// message. NaN and infinities parse, for Check or the normalisers to deal
// with; numbers beyond float64 do not.
func parseNumber(field, s string) (float64, *Rejection) {
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, reject(CodeBadNumber, "%s %q is not a number", field, truncate(s))
	}
	return x, nil
}

// readBody reads at most maxBody bytes of body, which may be nil.
func readBody(body io.Reader, maxBody int64) ([]byte, error) {
	if body == nil || body == http.NoBody {
		return nil, nil
	}
	limit := max(maxBody, 0)
	if limit < math.MaxInt64 {
		limit++ // one byte more tells a body of exactly maxBody from a longer one
	}
	data, err := io.ReadAll(io.LimitReader(body, limit))
	if err != nil {
		return nil, readError(err)
	}
	if int64(len(data)) > max(maxBody, 0) {
		return nil, tooLarge(maxBody)
	}
	return data, nil
}

// tooLarge returns the CodeTooLarge Error for a body limit.
func tooLarge(limit int64) *Error {
	return &Error{
		Code:    CodeTooLarge,
		Message: "the request body is longer than " + strconv.FormatInt(max(limit, 0), 10) + " bytes",
		Err:     &http.MaxBytesError{Limit: limit},
	}
}

// readError turns an error of reading a body into an Error: CodeTooLarge
// when a caller's http.MaxBytesReader cut it short, CodeMalformed
// otherwise.
func readError(err error) *Error {
	if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
		e := tooLarge(mbe.Limit)
		e.Err = err
		return e
	}
	return malformed(err, "the request body could not be read")
}

// The kinds of OsmAnd request body.
const (
	kindNone = iota // empty
	kindForm        // parameters
	kindJSON        // Traccar Client 9 JSON
)

// bodyKind decides how to read an OsmAnd request body: as declared by its
// Content-Type when that is JSON or a form, otherwise by its first
// non-space byte.
func bodyKind(contentType string, body []byte) int {
	if len(bytes.TrimSpace(body)) == 0 {
		return kindNone
	}
	mediaType, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		return kindJSON
	case mediaType == "application/x-www-form-urlencoded":
		return kindForm
	}
	if c := bytes.TrimSpace(body)[0]; c == '{' || c == '[' {
		return kindJSON
	}
	return kindForm
}
