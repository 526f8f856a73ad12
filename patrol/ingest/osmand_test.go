package ingest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
)

const testMaxBody = 64 << 10

// Request bodies in the shape Traccar Client 9 sends (see traccar.go):
// Android through the app's locationTemplate, iOS through the plugin's
// default record with its -1 "not available" values.
const (
	traccar9Android = `{"location":{"timestamp":"2024-06-15T13:45:12.862Z","coords":{"latitude":31.8439321,"longitude":120.2817456,"accuracy":4.9,"speed":1.42,"heading":213.5,"altitude":12.3},"is_moving":true,"odometer":5120.7,"event":"","battery":{"level":0.83,"is_charging":false},"activity":{"type":"on_foot"},"extras":{},"_":"&id=48241179&lat=31.8439321&lon=120.2817456&timestamp=2024-06-15T13:45:12.862Z&"},"device_id":"48241179"}`
	traccar9IOS     = `{"location":{"extras":{},"mock":true,"coords":{"speed_accuracy":-1,"speed":-1,"longitude":120.2903,"ellipsoidal_altitude":0,"floor":null,"heading_accuracy":-1,"latitude":31.905000000000001,"accuracy":35,"altitude_accuracy":-1,"altitude":-1,"heading":-1},"is_moving":false,"age":212,"odometer":0,"uuid":"6B0E7C07-0F51-4F3C-9B86-3A2C1D1F0A55","event":"motionchange","battery":{"level":-1,"is_charging":false},"activity":{"type":"unknown","confidence":100},"timestamp":"2024-06-15T05:11:30.579Z"},"device_id":"658765"}`
	traccar9Batch   = `{"location":[{"timestamp":"2024-06-15T13:45:12.000Z","coords":{"latitude":31.84,"longitude":120.28,"accuracy":5,"speed":0,"heading":-1,"altitude":5},"battery":{"level":1,"is_charging":true}},{"timestamp":"2024-06-15T13:45:42.000Z","coords":{"latitude":31.841,"longitude":120.281,"accuracy":6,"speed":3.5,"heading":45,"altitude":6},"battery":{"level":0.99,"is_charging":true}}],"device_id":"48241179"}`
)

func TestParseOsmAnd(t *testing.T) {
	gcj := orb.Point{120.28991501, 31.90884290}
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		want        []Fix
	}{
		{
			// Traccar Client for Android up to version 8 POSTs with every
			// parameter in the query string and no body; Java formats
			// doubles with ".0", and GPS-provider fixes carry accuracy 0.
			name:   "classic Android client, POST with query",
			method: http.MethodPost,
			target: "/osmand/k?id=48241179&timestamp=1718459112&lat=31.8439&lon=120.2817&speed=12.5&bearing=87.0&altitude=9.0&accuracy=0.0&batt=76.0&charge=true",
			want: []Fix{{
				DeviceID: "48241179", Time: time.Unix(1718459112, 0).UTC(),
				Point: orb.Point{120.2817, 31.8439}, Datum: geo.WGS84,
				SpeedMS: ptr(12.5 * 1852 / 3600), HeadingDeg: ptr(87), AltitudeM: ptr(9), BatteryPct: ptr(76),
			}},
		},
		{
			name:   "GET with ISO time, hdop and deviceid",
			method: http.MethodGet,
			target: "/osmand/k?deviceid=902064&lat=31.9&lon=120.3&timestamp=2024-05-01T08%3A30%3A00Z&hdop=6.0&altitude=224.0&speed=0.0",
			want: []Fix{{
				DeviceID: "902064", Time: utc(t, "2024-05-01T08:30:00Z"),
				Point: orb.Point{120.3, 31.9}, Datum: geo.WGS84,
				SpeedMS: ptr(0), AltitudeM: ptr(224), HDOP: ptr(6),
			}},
		},
		{
			name:   "date and time with a space, no zone, is UTC",
			method: http.MethodGet,
			target: "/osmand/k?lat=31.9&lon=120.3&timestamp=2024-05-01+08%3A30%3A00&id=353861053849681",
			want: []Fix{{
				DeviceID: "353861053849681", Time: utc(t, "2024-05-01T08:30:00Z"),
				Point: orb.Point{120.3, 31.9}, Datum: geo.WGS84,
			}},
		},
		{
			name:        "POST form with epoch milliseconds and extra parameters",
			method:      http.MethodPost,
			target:      "/osmand/k",
			contentType: "application/x-www-form-urlencoded",
			body:        "deviceid=D-17&lat=31.85&lon=120.29&timestamp=1718459112000&heading=270&batt=55&valid=true&driverUniqueId=77&mock=true",
			want: []Fix{{
				DeviceID: "D-17", Time: time.UnixMilli(1718459112000).UTC(),
				Point: orb.Point{120.29, 31.85}, Datum: geo.WGS84,
				HeadingDeg: ptr(270), BatteryPct: ptr(55), Mock: true,
			}},
		},
		{
			name:   "alarm parameter of the SOS button",
			method: http.MethodGet,
			target: "/osmand/k?id=7&lat=31.9&lon=120.3&timestamp=1718459112&alarm=SOS",
			want: []Fix{{
				DeviceID: "7", Time: time.Unix(1718459112, 0).UTC(),
				Point: orb.Point{120.3, 31.9}, Datum: geo.WGS84, Alarm: "sos",
			}},
		},
		{
			name:   "an alarm of odd spelling is kept as general",
			method: http.MethodGet,
			target: "/osmand/k?id=7&lat=31.9&lon=120.3&timestamp=1718459112&alarm=low%20battery!",
			want: []Fix{{
				DeviceID: "7", Time: time.Unix(1718459112, 0).UTC(),
				Point: orb.Point{120.3, 31.9}, Datum: geo.WGS84, Alarm: "general",
			}},
		},
		{
			name:        "Traccar JSON alarm in the record's extras",
			method:      http.MethodPost,
			target:      "/osmand/k",
			contentType: "application/json",
			body: `{"device_id":"9","location":{"timestamp":"2024-06-15T13:45:12Z",` +
				`"coords":{"latitude":31.84,"longitude":120.28},"extras":{"alarm":"sos"}}}`,
			want: []Fix{{
				DeviceID: "9", Time: utc(t, "2024-06-15T13:45:12Z"),
				Point: orb.Point{120.28, 31.84}, Datum: geo.WGS84, Alarm: "sos",
			}},
		},
		{
			name:        "Traccar JSON alarm at the root",
			method:      http.MethodPost,
			target:      "/osmand/k",
			contentType: "application/json",
			body: `{"device_id":"9","alarm":"sos","location":{"timestamp":"2024-06-15T13:45:12Z",` +
				`"coords":{"latitude":31.84,"longitude":120.28}}}`,
			want: []Fix{{
				DeviceID: "9", Time: utc(t, "2024-06-15T13:45:12Z"),
				Point: orb.Point{120.28, 31.84}, Datum: geo.WGS84, Alarm: "sos",
			}},
		},
		{
			name:   "datum extension converts GCJ-02",
			method: http.MethodGet,
			target: "/osmand/k?id=7&lat=31.90884290&lon=120.28991501&timestamp=1718459112&datum=gcj02&accuracy=8",
			want: []Fix{{
				DeviceID: "7", Time: time.Unix(1718459112, 0).UTC(),
				Point: geo.ToWGS84(gcj, geo.GCJ02), Datum: geo.GCJ02, AccuracyM: ptr(8),
			}},
		},
		{
			name:   "location pair instead of lat and lon",
			method: http.MethodGet,
			target: "/osmand/k?id=7&timestamp=1718459112&location=31.9,120.3",
			want: []Fix{{
				DeviceID: "7", Time: time.Unix(1718459112, 0).UTC(),
				Point: orb.Point{120.3, 31.9}, Datum: geo.WGS84,
			}},
		},
		{
			name:        "Traccar Client 9 JSON from Android",
			method:      http.MethodPost,
			target:      "/osmand/k",
			contentType: "application/json",
			body:        traccar9Android,
			want: []Fix{{
				DeviceID: "48241179", Time: utc(t, "2024-06-15T13:45:12.862Z"),
				Point: orb.Point{120.2817456, 31.8439321}, Datum: geo.WGS84,
				AccuracyM: ptr(4.9), SpeedMS: ptr(1.42), HeadingDeg: ptr(213.5), AltitudeM: ptr(12.3), BatteryPct: ptr(83),
			}},
		},
		{
			name:        "Traccar Client 9 JSON from iOS with -1 for unknown",
			method:      http.MethodPost,
			target:      "/osmand/k",
			contentType: "application/json; charset=utf-8",
			body:        traccar9IOS,
			want: []Fix{{
				DeviceID: "658765", Time: utc(t, "2024-06-15T05:11:30.579Z"),
				Point: orb.Point{120.2903, 31.905}, Datum: geo.WGS84,
				AccuracyM: ptr(35), Mock: true,
			}},
		},
		{
			name:        "batched JSON with a location array",
			method:      http.MethodPost,
			target:      "/osmand/k",
			contentType: "application/json",
			body:        traccar9Batch,
			want: []Fix{
				{
					DeviceID: "48241179", Time: utc(t, "2024-06-15T13:45:12Z"),
					Point: orb.Point{120.28, 31.84}, Datum: geo.WGS84,
					AccuracyM: ptr(5), SpeedMS: ptr(0), AltitudeM: ptr(5), BatteryPct: ptr(100),
				},
				{
					DeviceID: "48241179", Time: utc(t, "2024-06-15T13:45:42Z"),
					Point: orb.Point{120.281, 31.841}, Datum: geo.WGS84,
					AccuracyM: ptr(6), SpeedMS: ptr(3.5), HeadingDeg: ptr(45), AltitudeM: ptr(6), BatteryPct: ptr(99),
				},
			},
		},
		{
			name:   "JSON without a content type, id in the URL, datum at the root",
			method: http.MethodPost,
			target: "/osmand/k?id=55",
			body:   `{"location":{"timestamp":1718459112,"coords":{"latitude":31.90884290,"longitude":120.28991501}},"datum":"GCJ02"}`,
			want: []Fix{{
				DeviceID: "55", Time: time.Unix(1718459112, 0).UTC(),
				Point: geo.ToWGS84(gcj, geo.GCJ02), Datum: geo.GCJ02,
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			got, err := ParseOsmAnd(r, testMaxBody)
			if err != nil {
				t.Fatalf("ParseOsmAnd(%s %s) error = %v", tt.method, tt.target, err)
			}
			if d := fixDiff(tt.want, got); d != "" {
				t.Errorf("ParseOsmAnd(%s %s) mismatch (-want +got):\n%s", tt.method, tt.target, d)
			}
		})
	}
}

func TestParseOsmAndErrors(t *testing.T) {
	tests := []struct {
		name        string
		target      string
		contentType string
		body        string
		maxBody     int64
		want        Code
	}{
		{name: "no id", target: "/?lat=1&lon=2&timestamp=1718459112", want: CodeMissingID},
		{name: "blank id", target: "/?id=%20&lat=1&lon=2&timestamp=1718459112", want: CodeMissingID},
		{name: "id with a control character", target: "/?id=a%00b&lat=1&lon=2&timestamp=1718459112", want: CodeBadID},
		{name: "id not UTF-8", target: "/?id=%ff&lat=1&lon=2&timestamp=1718459112", want: CodeBadID},
		{name: "id too long", target: "/?id=" + strings.Repeat("x", maxIDLen+1) + "&lat=1&lon=2&timestamp=1718459112", want: CodeBadID},
		{name: "no lat", target: "/?id=1&lon=2&timestamp=1718459112", want: CodeMissingCoordinates},
		{name: "empty lon", target: "/?id=1&lat=1&lon=&timestamp=1718459112", want: CodeMissingCoordinates},
		{name: "no timestamp", target: "/?id=1&lat=1&lon=2", want: CodeUntimed},
		{name: "bad timestamp", target: "/?id=1&lat=1&lon=2&timestamp=yesterday", want: CodeBadTime},
		{name: "lat not a number", target: "/?id=1&lat=north&lon=2&timestamp=1718459112", want: CodeBadNumber},
		{name: "speed not a number", target: "/?id=1&lat=1&lon=2&timestamp=1718459112&speed=fast", want: CodeBadNumber},
		{name: "unknown datum", target: "/?id=1&lat=1&lon=2&timestamp=1718459112&datum=cgcs2000", want: CodeUnknownDatum},
		{name: "body over the limit", target: "/", contentType: "application/x-www-form-urlencoded", body: "id=1&lat=1&lon=2&timestamp=1718459112", maxBody: 10, want: CodeTooLarge},
		{name: "no body allowed", target: "/", body: "id=1", maxBody: -1, want: CodeTooLarge},
		{name: "JSON syntax error", target: "/", contentType: "application/json", body: `{"location":`, want: CodeMalformed},
		{name: "JSON trailing data", target: "/", contentType: "application/json", body: traccar9Android + "x", want: CodeMalformed},
		{name: "JSON location missing", target: "/", contentType: "application/json", body: `{"device_id":"1"}`, want: CodeMalformed},
		{name: "JSON empty location array", target: "/", contentType: "application/json", body: `{"device_id":"1","location":[]}`, want: CodeMalformed},
		{name: "JSON location of the wrong type", target: "/", contentType: "application/json", body: `{"device_id":"1","location":"here"}`, want: CodeMalformed},
		{name: "JSON latitude a string", target: "/", contentType: "application/json", body: `{"device_id":"1","location":{"timestamp":"2024-06-15T13:45:12Z","coords":{"latitude":"31.8","longitude":120.2}}}`, want: CodeMalformed},
		{name: "JSON without device_id", target: "/", contentType: "application/json", body: `{"location":{"timestamp":"2024-06-15T13:45:12Z","coords":{"latitude":31.8,"longitude":120.2}}}`, want: CodeMissingID},
		{name: "JSON device_id an object", target: "/", contentType: "application/json", body: `{"device_id":{},"location":{"timestamp":"2024-06-15T13:45:12Z","coords":{"latitude":31.8,"longitude":120.2}}}`, want: CodeBadID},
		{name: "JSON without coords", target: "/", contentType: "application/json", body: `{"device_id":"1","location":{"timestamp":"2024-06-15T13:45:12Z"}}`, want: CodeMissingCoordinates},
		{name: "JSON without timestamp", target: "/", contentType: "application/json", body: `{"device_id":"1","location":{"coords":{"latitude":31.8,"longitude":120.2}}}`, want: CodeUntimed},
		{name: "JSON bad timestamp", target: "/", contentType: "application/json", body: `{"device_id":"1","location":{"timestamp":"soon","coords":{"latitude":31.8,"longitude":120.2}}}`, want: CodeBadTime},
		{name: "JSON unknown datum", target: "/", contentType: "application/json", body: `{"device_id":"1","datum":"utm","location":{"timestamp":"2024-06-15T13:45:12Z","coords":{"latitude":31.8,"longitude":120.2}}}`, want: CodeUnknownDatum},
		{name: "JSON array with one bad record", target: "/", contentType: "application/json", body: `{"device_id":"1","location":[{"timestamp":"2024-06-15T13:45:12Z","coords":{"latitude":31.8,"longitude":120.2}},{"coords":{"latitude":31.8,"longitude":120.2}}]}`, want: CodeUntimed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			maxBody := tt.maxBody
			if maxBody == 0 {
				maxBody = testMaxBody
			}
			got, err := ParseOsmAnd(r, maxBody)
			if got != nil {
				t.Errorf("ParseOsmAnd(%s) = %v, want no fixes", tt.target, got)
			}
			wantCode(t, "ParseOsmAnd("+tt.target+")", err, tt.want)
		})
	}
}

// A caller's http.MaxBytesReader is reported as CodeTooLarge as well.
func TestParseOsmAndMaxBytesReader(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(traccar9Android))
	r.Header.Set("Content-Type", "application/json")
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 100)
	_, err := ParseOsmAnd(r, testMaxBody)
	wantCode(t, "ParseOsmAnd", err, CodeTooLarge)
}

func TestParseOsmAndValuesReadings(t *testing.T) {
	base := "id=1&lat=31.8&lon=120.2&timestamp=1718459112&"
	tests := []struct {
		name  string
		query string
		get   func(Fix) *float64
		want  *float64
	}{
		{name: "speed in knots", query: "speed=10", get: func(f Fix) *float64 { return f.SpeedMS }, want: ptr(5.144444444444445)},
		{name: "negative speed is unknown", query: "speed=-1", get: func(f Fix) *float64 { return f.SpeedMS }, want: nil},
		{name: "NaN speed is unknown", query: "speed=NaN", get: func(f Fix) *float64 { return f.SpeedMS }, want: nil},
		{name: "heading wraps at 360", query: "heading=370", get: func(f Fix) *float64 { return f.HeadingDeg }, want: ptr(10)},
		{name: "bearing before heading", query: "bearing=20&heading=30", get: func(f Fix) *float64 { return f.HeadingDeg }, want: ptr(20)},
		{name: "accuracy 0 is unknown", query: "accuracy=0", get: func(f Fix) *float64 { return f.AccuracyM }, want: nil},
		{name: "Java exponent notation", query: "accuracy=1.5E1", get: func(f Fix) *float64 { return f.AccuracyM }, want: ptr(15)},
		{name: "altitude below sea level", query: "altitude=-12.5", get: func(f Fix) *float64 { return f.AltitudeM }, want: ptr(-12.5)},
		{name: "battery over 100 is unknown", query: "batt=250", get: func(f Fix) *float64 { return f.BatteryPct }, want: nil},
		{name: "hdop kept apart from accuracy", query: "hdop=1.2", get: func(f Fix) *float64 { return f.HDOP }, want: ptr(1.2)},
		{name: "empty value is absent", query: "speed=", get: func(f Fix) *float64 { return f.SpeedMS }, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/?"+base+tt.query, nil)
			f, err := ParseOsmAndValues(r.URL.Query())
			if err != nil {
				t.Fatalf("ParseOsmAndValues(%s) error = %v", tt.query, err)
			}
			if d := fixDiff(tt.want, tt.get(f)); d != "" {
				t.Errorf("ParseOsmAndValues(%s) reading mismatch (-want +got):\n%s", tt.query, d)
			}
		})
	}
}

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // RFC 3339, or "" for an error
		code Code
	}{
		{name: "epoch seconds", in: "1718459112", want: "2024-06-15T13:45:12Z"},
		{name: "epoch milliseconds", in: "1718459112862", want: "2024-06-15T13:45:12.862Z"},
		{name: "largest seconds", in: "99999999999", want: "5138-11-16T09:46:39Z"},
		{name: "smallest milliseconds", in: "100000000000", want: "1973-03-03T09:46:40Z"},
		{name: "RFC 3339 UTC", in: "2024-06-15T13:45:12Z", want: "2024-06-15T13:45:12Z"},
		{name: "RFC 3339 with offset", in: "2024-06-15T21:45:12+08:00", want: "2024-06-15T13:45:12Z"},
		{name: "basic offset", in: "2024-06-15T21:45:12+0800", want: "2024-06-15T13:45:12Z"},
		{name: "fraction", in: "2024-06-15T13:45:12.5Z", want: "2024-06-15T13:45:12.5Z"},
		{name: "space for T", in: "2024-06-15 13:45:12", want: "2024-06-15T13:45:12Z"},
		{name: "no zone is UTC", in: "2024-06-15T13:45:12", want: "2024-06-15T13:45:12Z"},
		{name: "plus decoded as space", in: "2024-06-15T21:45:12 08:00", want: "2024-06-15T13:45:12Z"},
		{name: "surrounding spaces", in: " 1718459112 ", want: "2024-06-15T13:45:12Z"},
		{name: "empty", in: "", code: CodeUntimed},
		{name: "words", in: "yesterday", code: CodeBadTime},
		{name: "date only", in: "2024-06-15", code: CodeBadTime},
		{name: "integer overflow", in: "99999999999999999999", code: CodeBadTime},
		{name: "fractional epoch", in: "1718459112.5", code: CodeBadTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rej := parseTimestamp(tt.in)
			if tt.want == "" {
				if rej == nil || rej.Code != tt.code {
					t.Fatalf("parseTimestamp(%q) = %v, %v, want code %s", tt.in, got, rej, tt.code)
				}
				return
			}
			if rej != nil {
				t.Fatalf("parseTimestamp(%q) error = %v", tt.in, rej)
			}
			if want := utc(t, tt.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("parseTimestamp(%q) = %v, want %v in UTC", tt.in, got, want)
			}
		})
	}
}
