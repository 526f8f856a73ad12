package ingest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
)

// The files in testdata/gpx come unchanged from the gpxgo project (see
// the LICENSE file there).
func TestParseGPXFiles(t *testing.T) {
	tests := []struct {
		file        string
		points      int
		first, last Fix
	}{
		{
			file: "file.gpx", points: 4,
			first: Fix{Time: utc(t, "2012-03-17T12:46:19Z"), Point: orb.Point{13.4571944922, 52.5113534275}, Datum: geo.WGS84, AltitudeM: ptr(59.26)},
			last:  Fix{Time: utc(t, "2012-03-17T12:47:23Z"), Point: orb.Point{13.4567520116, 52.5117189623}, Datum: geo.WGS84, AltitudeM: ptr(63.58)},
		},
		{
			file: "visnjan.gpx", points: 413,
			first: Fix{Time: utc(t, "2014-08-22T16:48:52Z"), Point: orb.Point{13.715185, 45.273245}, Datum: geo.WGS84, AltitudeM: ptr(271)},
			last:  Fix{Time: utc(t, "2014-08-22T17:19:42Z"), Point: orb.Point{13.71389, 45.273292}, Datum: geo.WGS84, AltitudeM: ptr(254)},
		},
		{
			// Routes and waypoints are skipped; the track point's time has
			// no zone and is UTC; <sat> is ignored, <hdop> kept.
			file: "gpx1.0_with_all_fields.gpx", points: 1,
			first: Fix{Time: utc(t, "2013-01-01T12:00:04Z"), Point: orb.Point{-20.2, 10.1}, Datum: geo.WGS84, AltitudeM: ptr(11.1), HDOP: ptr(101)},
		},
		{
			file: "gpx1.1_with_all_fields.gpx", points: 1,
			first: Fix{Time: utc(t, "2013-01-01T12:00:04Z"), Point: orb.Point{-20.2, 10.1}, Datum: geo.WGS84, AltitudeM: ptr(11.1), HDOP: ptr(101)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "gpx", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fixes, rejected, err := ParseGPX(f, 10000)
			if err != nil {
				t.Fatalf("ParseGPX(%s) error = %v", tt.file, err)
			}
			if len(rejected) != 0 {
				t.Errorf("ParseGPX(%s) rejected %v, want none", tt.file, rejected)
			}
			if len(fixes) != tt.points {
				t.Fatalf("ParseGPX(%s) = %d fixes, want %d", tt.file, len(fixes), tt.points)
			}
			if d := fixDiff(tt.first, fixes[0]); d != "" {
				t.Errorf("ParseGPX(%s) first fix mismatch (-want +got):\n%s", tt.file, d)
			}
			if tt.points > 1 {
				if d := fixDiff(tt.last, fixes[len(fixes)-1]); d != "" {
					t.Errorf("ParseGPX(%s) last fix mismatch (-want +got):\n%s", tt.file, d)
				}
			}
			for i := 1; i < len(fixes); i++ {
				if fixes[i].Time.Before(fixes[i-1].Time) {
					t.Errorf("ParseGPX(%s) fix %d at %v is before fix %d at %v", tt.file, i, fixes[i].Time, i-1, fixes[i-1].Time)
				}
			}
		})
	}
}

// A real track with one <time> removed: the point is reported, not
// dropped, and Indexed puts every fix back at its place.
func TestParseGPXUntimedInRealTrack(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "gpx", "visnjan.gpx"))
	if err != nil {
		t.Fatal(err)
	}
	const secondTime = "<time>2014-08-22T16:49:07Z</time>"
	if strings.Count(string(data), secondTime) != 1 {
		t.Fatalf("visnjan.gpx no longer has exactly one %s", secondTime)
	}
	doc := strings.Replace(string(data), secondTime, "", 1)
	fixes, rejected, err := ParseGPX(strings.NewReader(doc), 10000)
	if err != nil {
		t.Fatalf("ParseGPX error = %v", err)
	}
	if len(fixes) != 412 || len(rejected) != 1 {
		t.Fatalf("ParseGPX = %d fixes, %d rejections; want 412, 1", len(fixes), len(rejected))
	}
	if r := rejected[0]; r.Index != 1 || r.Code != CodeUntimed {
		t.Fatalf("ParseGPX rejection = %+v, want index 1, code %s", r, CodeUntimed)
	}
	items := Indexed(fixes, rejected)
	if len(items) != 413 {
		t.Fatalf("Indexed = %d items, want 413", len(items))
	}
	for i, it := range items {
		if it.Index != i || (it.Reject != nil) != (i == 1) {
			t.Fatalf("Indexed item %d = %+v", i, it)
		}
	}
	if got, want := items[2].Fix.Time, utc(t, "2014-08-22T16:49:08Z"); !got.Equal(want) {
		t.Errorf("Indexed item 2 time = %v, want %v", got, want)
	}
}

// gpxDoc wraps track points in a GPX 1.1 document with one track of one
// segment, plus a waypoint and a route that must not count.
func gpxDoc(points string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"
     xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
     xmlns:tpx1="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
  <wpt lat="31.9" lon="120.3"><name>no time, not a track point</name></wpt>
  <rte><rtept lat="31.9" lon="120.3"></rtept></rte>
  <trk><name>patrol</name><trkseg>` + points + `</trkseg></trk>
</gpx>`
}

func TestParseGPXPoints(t *testing.T) {
	const tm = "<time>2024-06-15T13:45:12Z</time>"
	at := utc(t, "2024-06-15T13:45:12Z")
	tests := []struct {
		name     string
		doc      string
		fixes    []Fix
		rejected []Rejection
	}{
		{
			name: "untimed point is rejected by index across segments",
			doc: `<gpx><trk><trkseg>
				<trkpt lat="31.80" lon="120.20">` + tm + `</trkpt>
				<trkpt lat="31.81" lon="120.21"><ele>5</ele></trkpt>
				</trkseg><trkseg>
				<trkpt lat="31.82" lon="120.22"><time></time></trkpt>
				<trkpt lat="31.83" lon="120.23">` + tm + `</trkpt>
				</trkseg></trk></gpx>`,
			fixes: []Fix{
				{Time: at, Point: orb.Point{120.20, 31.80}, Datum: geo.WGS84},
				{Time: at, Point: orb.Point{120.23, 31.83}, Datum: geo.WGS84},
			},
			rejected: []Rejection{{Index: 1, Code: CodeUntimed}, {Index: 2, Code: CodeUntimed}},
		},
		{
			name: "waypoints and route points do not count",
			doc:  gpxDoc(`<trkpt lat="31.8" lon="120.2">` + tm + `</trkpt>`),
			fixes: []Fix{
				{Time: at, Point: orb.Point{120.2, 31.8}, Datum: geo.WGS84},
			},
		},
		{
			name: "GPX 1.0 speed and course, sat ignored",
			doc: `<gpx version="1.0" xmlns="http://www.topografix.com/GPX/1/0"><trk><trkseg>
				<trkpt lat="31.8" lon="120.2">` + tm + `<course>180.5</course><speed>3.5</speed><sat>7</sat><hdop>0.9</hdop></trkpt>
				</trkseg></trk></gpx>`,
			fixes: []Fix{{Time: at, Point: orb.Point{120.2, 31.8}, Datum: geo.WGS84, SpeedMS: ptr(3.5), HeadingDeg: ptr(180.5), HDOP: ptr(0.9)}},
		},
		{
			name: "Garmin TrackPointExtension v2 speed and course",
			doc: gpxDoc(`<trkpt lat="31.8" lon="120.2">` + tm + `<extensions><gpxtpx:TrackPointExtension>
				<gpxtpx:speed>2.5</gpxtpx:speed><gpxtpx:course>90</gpxtpx:course></gpxtpx:TrackPointExtension></extensions></trkpt>`),
			fixes: []Fix{{Time: at, Point: orb.Point{120.2, 31.8}, Datum: geo.WGS84, SpeedMS: ptr(2.5), HeadingDeg: ptr(90)}},
		},
		{
			name: "other extensions named speed are ignored",
			doc: gpxDoc(`<trkpt lat="31.8" lon="120.2">` + tm + `<extensions><tpx1:TrackPointExtension>
				<tpx1:speed>99</tpx1:speed></tpx1:TrackPointExtension><speed>98</speed></extensions></trkpt>`),
			fixes: []Fix{{Time: at, Point: orb.Point{120.2, 31.8}, Datum: geo.WGS84}},
		},
		{
			name: "time with offset, text split by a comment",
			doc:  `<gpx><trk><trkseg><trkpt lat="31.8" lon="120.2"><time>2024-06-15T21:45<!-- x -->:12+08:00</time></trkpt></trkseg></trk></gpx>`,
			fixes: []Fix{
				{Time: at, Point: orb.Point{120.2, 31.8}, Datum: geo.WGS84},
			},
		},
		{
			name: "bad values are rejected with their codes",
			doc: `<gpx><trk><trkseg>
				<trkpt lon="120.2">` + tm + `</trkpt>
				<trkpt lat="north" lon="120.2">` + tm + `</trkpt>
				<trkpt lat="31.8" lon="120.2"><time>noon</time></trkpt>
				<trkpt lat="31.8" lon="120.2">` + tm + `<ele>high</ele></trkpt>
				</trkseg></trk></gpx>`,
			rejected: []Rejection{
				{Index: 0, Code: CodeMissingCoordinates},
				{Index: 1, Code: CodeBadNumber},
				{Index: 2, Code: CodeBadTime},
				{Index: 3, Code: CodeBadNumber},
			},
		},
		{
			name: "trkpt outside a segment is not a track point",
			doc:  `<gpx><trk><trkpt lat="31.8" lon="120.2"/></trk><trkpt lat="1" lon="2"/></gpx>`,
		},
		{
			name: "byte order mark",
			doc:  "\ufeff" + gpxDoc(`<trkpt lat="31.8" lon="120.2">`+tm+`</trkpt>`),
			fixes: []Fix{
				{Time: at, Point: orb.Point{120.2, 31.8}, Datum: geo.WGS84},
			},
		},
		{
			name: "ISO-8859-1 document",
			doc: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<gpx><trk><name>Stra\xdfe M\xfcller</name><trkseg>" +
				`<trkpt lat="31.8" lon="120.2">` + tm + `</trkpt></trkseg></trk></gpx>`,
			fixes: []Fix{
				{Time: at, Point: orb.Point{120.2, 31.8}, Datum: geo.WGS84},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fixes, rejected, err := ParseGPX(strings.NewReader(tt.doc), 100)
			if err != nil {
				t.Fatalf("ParseGPX error = %v", err)
			}
			if d := fixDiff(tt.fixes, fixes); d != "" {
				t.Errorf("ParseGPX fixes mismatch (-want +got):\n%s", d)
			}
			for i := range rejected {
				if rejected[i].Message == "" {
					t.Errorf("ParseGPX rejection %+v has no message", rejected[i])
				}
				rejected[i].Message = ""
			}
			if d := fixDiff(tt.rejected, rejected); d != "" {
				t.Errorf("ParseGPX rejections mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestParseGPXErrors(t *testing.T) {
	point := `<trkpt lat="31.8" lon="120.2"><time>2024-06-15T13:45:12Z</time></trkpt>`
	tests := []struct {
		name string
		doc  string
		want Code
	}{
		{name: "empty", doc: ``, want: CodeMalformed},
		{name: "prolog only", doc: `<?xml version="1.0"?>`, want: CodeMalformed},
		{name: "not GPX", doc: `<kml><Placemark/></kml>`, want: CodeMalformed},
		{name: "unclosed", doc: `<gpx><trk><trkseg>` + point, want: CodeMalformed},
		{name: "mismatched tags", doc: `<gpx><trk></gpx></trk>`, want: CodeMalformed},
		{name: "undefined entity", doc: `<gpx><trk><name>&xxe;</name></trk></gpx>`, want: CodeMalformed},
		{name: "unsupported encoding", doc: `<?xml version="1.0" encoding="Shift_JIS"?><gpx/>`, want: CodeMalformed},
		{name: "JSON instead", doc: `{"positions":[]}`, want: CodeMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fixes, rejected, err := ParseGPX(strings.NewReader(tt.doc), 100)
			if fixes != nil || rejected != nil {
				t.Errorf("ParseGPX(%q) = %v, %v, want nothing", tt.doc, fixes, rejected)
			}
			wantCode(t, "ParseGPX", err, tt.want)
		})
	}
}

func TestParseGPXTooMany(t *testing.T) {
	point := `<trkpt lat="31.8" lon="120.2"></trkpt>` // untimed points count too
	tests := []struct {
		name    string
		points  int
		max     int
		wantErr bool
	}{
		{name: "at the limit", points: 3, max: 3},
		{name: "one over", points: 4, max: 3, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rejected, err := ParseGPX(strings.NewReader(gpxDoc(strings.Repeat(point, tt.points))), tt.max)
			if !tt.wantErr {
				if err != nil || len(rejected) != tt.points {
					t.Fatalf("ParseGPX(%d points, max %d) = %d rejections, %v; want %d, nil", tt.points, tt.max, len(rejected), err, tt.points)
				}
				return
			}
			if tm, ok := errors.AsType[*TooManyError](err); !ok || tm.Limit != tt.max {
				t.Fatalf("ParseGPX(%d points, max %d) error = %v, want a *TooManyError with Limit %d", tt.points, tt.max, err, tt.max)
			}
		})
	}
}

func TestLatin1Reader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "ASCII", in: "abc", want: "abc"},
		{name: "high bytes", in: "M\xfcller \xa9\xff", want: "Müller ©ÿ"},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := charsetReader("ISO-8859-1", strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			// Read one byte at a time, the hardest case for the split
			// two-byte characters.
			var got []byte
			buf := make([]byte, 1)
			for {
				n, err := r.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					break
				}
			}
			if string(got) != tt.want {
				t.Errorf("latin1 %q = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
