package ingest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/geo"
)

// benchTrack returns n fixes of an officer walking north from the city
// centre at 1.5 m/s, one every 5 s, ending at end.
func benchTrack(n int, end time.Time) []Fix {
	fixes := make([]Fix, n)
	start := end.Add(-time.Duration(n-1) * 5 * time.Second)
	for i := range fixes {
		acc := 5 + float64(i%10)
		fixes[i] = Fix{
			Officer: "jy-0412", Time: start.Add(time.Duration(i) * 5 * time.Second),
			Point: geo.Destination(cityCentre(), 0, 7.5*float64(i)), Datum: geo.WGS84, AccuracyM: &acc,
		}
	}
	return fixes
}

// batchBody renders fixes as a POST /api/v1/positions body.
func batchBody(fixes []Fix) []byte {
	var b bytes.Buffer
	b.WriteString(`{"positions":[`)
	for i, f := range fixes {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"officer":%q,"time":%q,"lat":%.7f,"lon":%.7f,"accuracy":%.1f,"speed":1.5,"heading":0}`,
			f.Officer, f.Time.Format(time.RFC3339), f.Point[1], f.Point[0], *f.AccuracyM)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// gpxBody renders fixes as a GPX 1.1 track.
func gpxBody(fixes []Fix) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<gpx version="1.1" creator="bench" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>patrol</name><trkseg>` + "\n")
	for _, f := range fixes {
		fmt.Fprintf(&b, `<trkpt lat="%.7f" lon="%.7f"><ele>%.1f</ele><time>%s</time><hdop>0.9</hdop></trkpt>`+"\n",
			f.Point[1], f.Point[0], 5.0, f.Time.Format(time.RFC3339))
	}
	b.WriteString("</trkseg></trk></gpx>\n")
	return b.Bytes()
}

func BenchmarkParseBatch(b *testing.B) { benchmarkParseBatch(b, ParseBatch) }

// BenchmarkParseBatchStream is the same body read by encoding/json item by
// item, the reference ParseBatch falls back to.
func BenchmarkParseBatchStream(b *testing.B) { benchmarkParseBatch(b, parseBatchStream) }

func benchmarkParseBatch(b *testing.B, parse func(io.Reader, int) ([]RawFix, error)) {
	const n = 10000
	body := batchBody(benchTrack(n, time.Now()))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		items, err := parse(bytes.NewReader(body), n)
		if err != nil || len(items) != n {
			b.Fatalf("parse = %d items, %v", len(items), err)
		}
	}
}

func BenchmarkParseGPX(b *testing.B) {
	const n = 10000
	doc := gpxBody(benchTrack(n, time.Now()))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		fixes, _, err := ParseGPX(bytes.NewReader(doc), n)
		if err != nil || len(fixes) != n {
			b.Fatalf("ParseGPX = %d fixes, %v", len(fixes), err)
		}
	}
}

func BenchmarkParseOsmAnd(b *testing.B) {
	r := &http.Request{Method: http.MethodPost, Header: http.Header{}, URL: &url.URL{Path: "/osmand/k",
		RawQuery: "id=48241179&timestamp=1718459112&lat=31.8439&lon=120.2817&speed=12.5&bearing=87.0&altitude=9.0&accuracy=0.0&batt=76.0&charge=true"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseOsmAnd(r, 1<<16); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseOsmAndJSON(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/osmand/k"},
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   readCloser{bytes.NewReader([]byte(traccar9Android))}}
		if _, err := ParseOsmAnd(r, 1<<16); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck measures the per-fix cost of the filter, with a previous
// fix so that the implied-speed test runs too.
func BenchmarkCheck(b *testing.B) {
	now := time.Now()
	track := benchTrack(2, now)
	prev, f := track[0], track[1]
	b.ReportAllocs()
	for b.Loop() {
		if r := Check(f, &prev, now, FilterConfig{}); r != nil {
			b.Fatal(r)
		}
	}
}

func BenchmarkFilter(b *testing.B) {
	const n = 10000
	now := time.Now()
	items := Indexed(benchTrack(n, now), nil)
	b.ReportAllocs()
	for b.Loop() {
		accepted, rejected := Filter(items, nil, now, FilterConfig{})
		if len(accepted) != n {
			b.Fatalf("Filter accepted %d, rejected %v", len(accepted), rejected[:min(3, len(rejected))])
		}
	}
}

// The generated bodies must parse to the track they were made from, or
// the benchmarks measure something else.
func TestBenchBodies(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	track := benchTrack(50, now)
	items, err := ParseBatch(bytes.NewReader(batchBody(track)), 50)
	if err != nil || len(items) != 50 || items[49].Reject != nil || !items[49].Fix.Time.Equal(now) {
		t.Fatalf("batch body: %d items, %v", len(items), err)
	}
	fixes, rejected, err := ParseGPX(bytes.NewReader(gpxBody(track)), 50)
	if err != nil || len(fixes) != 50 || len(rejected) != 0 {
		t.Fatalf("GPX body: %d fixes, %v, %v", len(fixes), rejected, err)
	}
	if d := geo.DistanceMeters(fixes[49].Point, track[49].Point); d > 0.05 {
		t.Errorf("GPX body moved the last point by %.3f m", d)
	}
}
