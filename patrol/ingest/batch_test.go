package ingest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
)

func TestParseBatch(t *testing.T) {
	bd := orb.Point{120.2965, 31.9147}
	tests := []struct {
		name string
		body string
		want []RawFix
	}{
		{
			name: "good items",
			body: `{"positions":[
				{"officer":"jy-0412","time":"2024-06-15T21:45:12+08:00","lat":31.8439,"lon":120.2817,"accuracy":6.5,"speed":1.3,"heading":90},
				{"officer":"jy-0412","time":"2024-06-15T13:45:42.250Z","lat":31.9147,"lon":120.2965,"datum":"bd09"}]}`,
			want: []RawFix{
				{Index: 0, Fix: Fix{
					Officer: "jy-0412", Time: utc(t, "2024-06-15T13:45:12Z"), Point: orb.Point{120.2817, 31.8439},
					Datum: geo.WGS84, AccuracyM: ptr(6.5), SpeedMS: ptr(1.3), HeadingDeg: ptr(90),
				}},
				{Index: 1, Fix: Fix{
					Officer: "jy-0412", Time: utc(t, "2024-06-15T13:45:42.25Z"), Point: geo.ToWGS84(bd, geo.BD09), Datum: geo.BD09,
				}},
			},
		},
		{
			name: "negative readings are unknown, nulls are absent",
			body: `{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2,"accuracy":-1,"speed":null,"heading":-1,"datum":null}]}`,
			want: []RawFix{{Index: 0, Fix: Fix{
				Officer: "a", Time: utc(t, "2024-06-15T13:45:12Z"), Point: orb.Point{120.2, 31.8}, Datum: geo.WGS84,
			}}},
		},
		{name: "empty positions", body: `{"positions":[]}`, want: nil},
		{name: "null positions", body: `{"positions":null}`, want: nil},
		{name: "no positions", body: ` { } `, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBatch(strings.NewReader(tt.body), 100)
			if err != nil {
				t.Fatalf("ParseBatch(%s) error = %v", tt.body, err)
			}
			if d := fixDiff(tt.want, got); d != "" {
				t.Errorf("ParseBatch(%s) mismatch (-want +got):\n%s", tt.body, d)
			}
		})
	}
}

// One bad item must not sink the batch: every item gets its own verdict,
// at its own index.
func TestParseBatchItemRejections(t *testing.T) {
	items := []struct {
		json string
		code Code // "" for a good item
	}{
		{`{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}`, ""},
		{`{"officer":"a","time":"15/06/2024 13:45","lat":31.8,"lon":120.2}`, CodeBadTime},
		{`{"officer":"a","time":"2024-06-15T13:45:12","lat":31.8,"lon":120.2}`, CodeBadTime}, // no zone
		{`{"officer":"a","time":"2024-06-15T13:45:12Z","lon":120.2}`, CodeMissingCoordinates},
		{`{"officer":"a","time":"2024-06-15T13:45:12Z","lat":null,"lon":120.2}`, CodeMissingCoordinates},
		{`{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2,"datum":"utm"}`, CodeUnknownDatum},
		{`{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lng":120.2}`, CodeUnknownField},
		{`{"officer":"a","time":"2024-06-15T13:45:12Z","lat":"31.8","lon":120.2}`, CodeBadNumber},
		{`{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":1e400}`, CodeBadNumber},
		{`{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2,"speed":true}`, CodeBadNumber},
		{`{"officer":7,"time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}`, CodeBadID},
		{`{"time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}`, CodeMissingID},
		{`{"officer":"a","lat":31.8,"lon":120.2}`, CodeUntimed},
		{`{"officer":"a","time":1718459112,"lat":31.8,"lon":120.2}`, CodeBadTime},
		{`{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2,"datum":84}`, CodeUnknownDatum},
		{`[1,2]`, CodeMalformed},
		{`"x"`, CodeMalformed},
		{`{"officer":"b","time":"2024-06-15T13:46:12Z","lat":31.9,"lon":120.3}`, ""},
	}
	var parts []string
	for _, it := range items {
		parts = append(parts, it.json)
	}
	body := `{"positions":[` + strings.Join(parts, ",\n") + `]}`
	got, err := ParseBatch(strings.NewReader(body), len(items))
	if err != nil {
		t.Fatalf("ParseBatch error = %v", err)
	}
	if len(got) != len(items) {
		t.Fatalf("ParseBatch returned %d items, want %d", len(got), len(items))
	}
	for i, it := range items {
		t.Run(it.json, func(t *testing.T) {
			g := got[i]
			if g.Index != i {
				t.Fatalf("item %d has Index %d", i, g.Index)
			}
			if it.code == "" {
				if g.Reject != nil {
					t.Fatalf("item %d rejected: %v", i, g.Reject)
				}
				return
			}
			if g.Reject == nil || g.Reject.Code != it.code || g.Reject.Index != i || g.Reject.Message == "" {
				t.Fatalf("item %d Reject = %+v, want code %s at index %d with a message", i, g.Reject, it.code, i)
			}
		})
	}
}

func TestParseBatchErrors(t *testing.T) {
	item := `{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}`
	tests := []struct {
		name string
		body string
		want Code
	}{
		{name: "empty body", body: ``, want: CodeMalformed},
		{name: "not an object", body: `[]`, want: CodeMalformed},
		{name: "syntax error in an item", body: `{"positions":[` + item + `,{"officer":}]}`, want: CodeMalformed},
		{name: "missing comma", body: `{"positions":[` + item + item + `]}`, want: CodeMalformed},
		{name: "truncated", body: `{"positions":[` + item, want: CodeMalformed},
		{name: "unknown top-level field", body: `{"positions":[],"officer":"a"}`, want: CodeMalformed},
		{name: "positions twice", body: `{"positions":[],"positions":[]}`, want: CodeMalformed},
		{name: "positions an object", body: `{"positions":{}}`, want: CodeMalformed},
		{name: "trailing data", body: `{"positions":[]} {}`, want: CodeMalformed},
		{name: "trailing garbage", body: `{"positions":[]}x`, want: CodeMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBatch(strings.NewReader(tt.body), 10)
			if got != nil {
				t.Errorf("ParseBatch(%s) = %v, want nothing", tt.body, got)
			}
			wantCode(t, "ParseBatch("+tt.body+")", err, tt.want)
		})
	}
}

func TestParseBatchTooMany(t *testing.T) {
	item := `{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}`
	tests := []struct {
		name    string
		items   int
		max     int
		wantErr bool
	}{
		{name: "at the limit", items: 3, max: 3},
		{name: "one over", items: 4, max: 3, wantErr: true},
		{name: "zero allowed, none sent", items: 0, max: 0},
		{name: "zero allowed, one sent", items: 1, max: 0, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"positions":[` + strings.TrimSuffix(strings.Repeat(item+",", tt.items), ",") + `]}`
			got, err := ParseBatch(strings.NewReader(body), tt.max)
			if !tt.wantErr {
				if err != nil || len(got) != tt.items {
					t.Fatalf("ParseBatch(%d items, max %d) = %d items, %v; want %d, nil", tt.items, tt.max, len(got), err, tt.items)
				}
				return
			}
			tm, ok := errors.AsType[*TooManyError](err)
			if !ok || tm.Limit != tt.max || tm.Code() != CodeTooMany {
				t.Fatalf("ParseBatch(%d items, max %d) error = %v, want a *TooManyError with Limit %d", tt.items, tt.max, err, tt.max)
			}
		})
	}
}

func TestParseBatchTooLarge(t *testing.T) {
	body := `{"positions":[` + strings.Repeat(`{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2},`, 50) + `]}`
	r := http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(strings.NewReader(body)), 200)
	_, err := ParseBatch(r, 1000)
	wantCode(t, "ParseBatch", err, CodeTooLarge)
	if _, ok := errors.AsType[*http.MaxBytesError](err); !ok {
		t.Errorf("ParseBatch error %v does not wrap *http.MaxBytesError", err)
	}
}
