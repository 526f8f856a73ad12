package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// The JSON body of Traccar Client 9 and later.
//
// What is known of it, and from where (read in 2026):
//
//   - Traccar Client 9 (github.com/traccar/traccar-client, Flutter) records
//     and uploads through Transistor Software's flutter_background_geolocation
//     plugin. Its lib/preferences.dart configures the plugin's HTTP service
//     with the server URL, params {"device_id": <the id setting, a string>}
//     and autoSync false (lib/geolocation_service.dart calls sync() after
//     each location it keeps), batchSync left at its default, false: one
//     location per POST. The plugin sends Content-Type application/json.
//   - The plugin puts each record under the root property "location" and
//     merges params into the root object, so a body is
//     {"location": {...}, "device_id": "48241179"}.
//   - preferences.dart replaces the plugin's default record with a
//     locationTemplate: "timestamp" (ISO-8601 UTC with milliseconds, as a
//     string), "coords" {latitude, longitude, accuracy, speed (m/s),
//     heading, altitude}, "is_moving", "odometer" (m), "event",
//     "battery" {level as a 0..1 fraction, is_charging}, "activity"
//     {type}, "extras" {} and a field "_" holding
//     "&id=..&lat=..&lon=..&timestamp=..&", apparently so that a server
//     reading the body as a form still finds the OsmAnd parameters. The
//     plugin's default record (Transistor's "Location Data Schema" wiki
//     page) has the same fields plus uuid, age, mock and coords
//     speed_accuracy, heading_accuracy, altitude_accuracy,
//     ellipsoidal_altitude and floor (may be null).
//   - iOS and Android report -1 for a speed, heading, accuracy or
//     altitude they do not have, and the battery level is -1 when unknown
//     (the iOS simulator). Traccar's server decoder
//     (OsmAndProtocolDecoder.decodeJson in github.com/traccar/traccar, and
//     its test with real bodies) ignores a negative speed, heading or
//     battery level and an accuracy below a configured minimum, and takes
//     the altitude as it comes; it reads "device_id" as a string.
//   - With batchSync true the plugin posts all pending records in one
//     request with "location" an ARRAY. Its maintainer shows such a body,
//     an array even of one record, in transistorsoft/
//     cordova-background-geolocation-lt issue #836 (2018); in 2016
//     (react-native-background-geolocation issue #124) a lone record was
//     still sent as an object. Traccar Client does not turn batchSync on,
//     and Traccar's own server reads only an object, but a client built on
//     the same plugin may, so both forms are accepted here.
//
// An alarm (Traccar Client's SOS button) is read from the record's "extras" {"alarm"}
// or, for clients that send it as a param, from "alarm" at the root.
//
// gridwatch reads the fields that make a Fix and ignores the rest. A
// "datum" at the root (where the plugin puts params) selects the datum, as
// the OsmAnd parameter does. When "device_id" is absent the id comes from
// the query string (id or deviceid), for clients that put it in the URL.

// traccarBody is the root object.
type traccarBody struct {
	Location json.RawMessage `json:"location"`
	DeviceID json.RawMessage `json:"device_id"`
	Datum    string          `json:"datum"`
	Alarm    string          `json:"alarm"`
}

// traccarLocation is one record of "location".
type traccarLocation struct {
	Timestamp json.RawMessage `json:"timestamp"`
	Coords    *struct {
		Latitude  optFloat `json:"latitude"`
		Longitude optFloat `json:"longitude"`
		Accuracy  optFloat `json:"accuracy"`
		Speed     optFloat `json:"speed"`
		Heading   optFloat `json:"heading"`
		Altitude  optFloat `json:"altitude"`
	} `json:"coords"`
	Battery struct {
		Level optFloat `json:"level"`
	} `json:"battery"`
	Mock   json.RawMessage `json:"mock"`
	Extras struct {
		Alarm string `json:"alarm"`
	} `json:"extras"`
}

// parseTraccarJSON parses a Traccar Client JSON body. queryID is the
// device id of the query string, used when the body has none.
func parseTraccarJSON(body []byte, queryID string) ([]Fix, error) {
	var root traccarBody
	if err := json.Unmarshal(body, &root); err != nil {
		return nil, malformed(err, "the body is not a Traccar Client JSON object: %s", jsonProblem(err))
	}
	deviceID, rej := traccarDeviceID(root.DeviceID, queryID)
	if rej != nil {
		return nil, fail(rej)
	}
	datum, rej := parseDatum(strings.TrimSpace(root.Datum))
	if rej != nil {
		return nil, fail(rej)
	}

	var records []traccarLocation
	loc := bytes.TrimSpace(root.Location)
	switch {
	case len(loc) == 0 || string(loc) == "null":
		return nil, malformed(nil, "location is missing")
	case loc[0] == '[':
		if err := json.Unmarshal(loc, &records); err != nil {
			return nil, malformed(err, "location: %s", jsonProblem(err))
		}
		if len(records) == 0 {
			return nil, malformed(nil, "location is an empty array")
		}
	default:
		records = make([]traccarLocation, 1)
		if err := json.Unmarshal(loc, &records[0]); err != nil {
			return nil, malformed(err, "location: %s", jsonProblem(err))
		}
	}

	fixes := make([]Fix, len(records))
	for i := range records {
		f, rej := records[i].fix()
		if rej != nil {
			if len(records) > 1 {
				rej.Message = fmt.Sprintf("location %d: %s", i, rej.Message)
			}
			return nil, fail(rej)
		}
		f.DeviceID = deviceID
		f.Datum = datum
		if f.Alarm == "" {
			f.Alarm = alarm(root.Alarm)
		}
		f.Point = toWGS84(f.Point, datum)
		fixes[i] = f
	}
	return fixes, nil
}

// traccarDeviceID reads "device_id", a string or (from hand-written
// clients) a number, falling back to queryID.
func traccarDeviceID(raw json.RawMessage, queryID string) (string, *Rejection) {
	raw = bytes.TrimSpace(raw)
	id := queryID
	switch {
	case len(raw) == 0 || string(raw) == "null":
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &id); err != nil {
			return "", reject(CodeBadID, "device_id is not a valid string")
		}
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		id = string(raw)
	default:
		return "", reject(CodeBadID, "device_id must be a string")
	}
	id = strings.TrimSpace(id)
	return id, checkID("device_id", id)
}

// fix turns one record into a Fix in the record's own datum; the caller
// sets the device, the datum and converts.
func (l *traccarLocation) fix() (Fix, *Rejection) {
	var f Fix
	c := l.Coords
	if c == nil || !c.Latitude.ok || !c.Longitude.ok {
		return Fix{}, reject(CodeMissingCoordinates, "coords.latitude and coords.longitude are required")
	}
	f.Point = orb.Point{c.Longitude.v, c.Latitude.v}

	ts := bytes.TrimSpace(l.Timestamp)
	var rej *Rejection
	switch {
	case len(ts) == 0 || string(ts) == "null":
		return Fix{}, reject(CodeUntimed, "timestamp is missing")
	case ts[0] == '"':
		var s string
		if err := json.Unmarshal(ts, &s); err != nil {
			return Fix{}, reject(CodeBadTime, "timestamp is not a valid string")
		}
		f.Time, rej = parseTimestamp(s)
	default:
		// A template without quotes yields a number: epoch s or ms.
		f.Time, rej = parseTimestamp(string(ts))
	}
	if rej != nil {
		return Fix{}, rej
	}

	f.AccuracyM = c.Accuracy.apply(accuracy)
	f.SpeedMS = c.Speed.apply(measure)
	f.HeadingDeg = c.Heading.apply(heading)
	f.AltitudeM = c.Altitude.apply(func(v float64) *float64 { return altitude(v, true) })
	// Rounded to 0.1 %, so that a level of 0.83 reads 83, not 83.00000000000001.
	f.BatteryPct = l.Battery.Level.apply(func(v float64) *float64 { return battery(math.Round(v*1000) / 10) })
	f.Mock = string(bytes.TrimSpace(l.Mock)) == "true"
	f.Alarm = alarm(l.Extras.Alarm)
	return f, nil
}

// valueOutOfRange is the Value of the UnmarshalTypeError optFloat returns
// for a number beyond float64.
const valueOutOfRange = "number out of range"

// optFloat is a JSON number that may be absent or null. Unlike *float64 it
// costs no allocation, and it refuses numeric strings as encoding/json
// does for float64.
type optFloat struct {
	v  float64
	ok bool
}

// UnmarshalJSON takes a number or null.
func (o *optFloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*o = optFloat{}
		return nil
	}
	if len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		v, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			// Only range errors get here (1e400): the decoder has checked
			// the syntax.
			return &json.UnmarshalTypeError{Value: valueOutOfRange, Type: reflect.TypeFor[float64]()}
		}
		*o = optFloat{v: v, ok: true}
		return nil
	}
	// encoding/json fills in Field; Type must be set for Error().
	return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[float64]()}
}

// apply applies norm to a present value and returns nil for an absent one.
func (o optFloat) apply(norm func(float64) *float64) *float64 {
	if !o.ok {
		return nil
	}
	return norm(o.v)
}

// jsonKind names the kind of a JSON value, for messages.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	default:
		return "number " + truncate(string(b))
	}
}

// jsonProblem describes a JSON decoding error for the client, without Go
// type names.
func jsonProblem(err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		field := te.Field
		if field == "" {
			field = "the value"
		}
		return fmt.Sprintf("%s has the wrong type (%s)", field, te.Value)
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	return err.Error()
}
