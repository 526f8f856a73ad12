package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// sameAsReference fails unless ParseBatch, and scanBatch when it answers,
// give for body exactly what encoding/json item by item
// (parseBatchStream) gives: the same items, or the same error. It reports
// whether scanBatch answered.
func sameAsReference(t *testing.T, body []byte, maxFixes int) bool {
	t.Helper()
	want, wantErr := parseBatchStream(bytes.NewReader(body), maxFixes)
	got, gotErr := ParseBatch(bytes.NewReader(body), maxFixes)
	sameResult(t, fmt.Sprintf("ParseBatch(%q)", body), got, gotErr, want, wantErr)
	scanned, ok := scanBatch(body, maxFixes)
	if ok {
		sameResult(t, fmt.Sprintf("scanBatch(%q)", body), scanned, nil, want, wantErr)
	}
	return ok
}

// sameResult fails unless got and gotErr are want and wantErr: items equal
// field by field (nil and empty told apart), errors of the same type, code
// and text.
func sameResult(t *testing.T, call string, got []RawFix, gotErr error, want []RawFix, wantErr error) {
	t.Helper()
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%s error = %v, want %v", call, gotErr, wantErr)
	}
	if wantErr != nil {
		if fmt.Sprintf("%T", gotErr) != fmt.Sprintf("%T", wantErr) || gotErr.Error() != wantErr.Error() {
			t.Fatalf("%s error = %v (%T), want %v (%T)", call, gotErr, gotErr, wantErr, wantErr)
		}
		var ge, we *Error
		if errors.As(gotErr, &ge) && errors.As(wantErr, &we) && ge.Code != we.Code {
			t.Fatalf("%s error code = %s, want %s", call, ge.Code, we.Code)
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("%s mismatch (-encoding/json +got):\n%s", call, d)
	}
}

// scanBodies are bodies of the usual shape, which scanBatch must read itself.
var scanBodies = []string{
	`{"positions":[]}`,
	` {"positions" : [ ] } ` + "\n",
	`{"positions":[{"officer":"jy-0412","time":"2024-06-15T21:45:12+08:00","lat":31.8439,"lon":120.2817,"accuracy":6.5,"speed":1.3,"heading":90}]}`,
	`{"positions":[{"officer":"jy-0412","time":"2024-06-15T13:45:42.250Z","lat":31.9147,"lon":120.2965,"datum":"bd09"},` +
		`{"officer":"jy-0412","time":"2024-06-15T13:45:52Z","lat":31.9148,"lon":120.2966,"datum":" GCJ02 "}]}`,
	"{\r\n\t\"positions\": [\n  {\n    \"lon\": 120.2, \"lat\": 31.8, \"time\": \"2024-06-15T13:45:12Z\", \"officer\": \"a\"\n  }\n]\n}",
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2,"accuracy":-1,"speed":null,"heading":-1,"datum":null}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":-0,"lon":0.0,"accuracy":0,"speed":1E2,"heading":7.5e+2}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":3e-1,"lon":-1.5E-3,"heading":400,"speed":1e308}]}`,
	`{"positions":[{}]}`,
	`{"positions":[{"officer":null,"time":null,"lat":null,"lon":null}]}`,
	`{"positions":[{"officer":"  b  ","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}]}`,
	`{"positions":[{"officer":"民警-七","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}]}`,
	// Items that parse and are then refused, by fix: the same rejections.
	`{"positions":[{"officer":"a","time":"15/06/2024 13:45","lat":31.8,"lon":120.2},` +
		`{"officer":"a","time":"2024-06-15T13:45:12","lat":31.8,"lon":120.2},` +
		`{"officer":"a","time":"2024-06-15T13:45:12Z","lon":120.2},` +
		`{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2,"datum":"utm"},` +
		`{"officer":"a","lat":31.8,"lon":120.2},` +
		`{"time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2},` +
		`{"officer":"` + strings.Repeat("x", 129) + `","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2},` +
		`{"officer":"a` + "\u2028" + `b","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2},` +
		`{"officer":"a` + "\u0085" + `","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2},` +
		`{"officer":"a","time":"2024-06-15T13:45:12Z","lat":91,"lon":181}]}`,
}

// fallbackBodies are bodies scanBatch leaves to encoding/json: refused
// ones, and accepted ones of an unusual shape.
var fallbackBodies = []string{
	``,
	` `,
	`null`,
	`[]`,
	`{}`,
	` { } `,
	`{"positions":null}`,
	`{"positions":{}}`,
	`{"positions":"x"}`,
	`{"positions":[]`,
	`{"positions":[]}x`,
	`{"positions":[]} {}`,
	`{"positions":[],"positions":[]}`,
	`{"positions":[],"other":1}`,
	`{"Positions":[]}`,
	`{"position\u0073":[]}`,
	`{"positions":[null]}`,
	`{"positions":[1,"a",true,[]]}`,
	`{"positions":[{"officer":"a"},]}`,
	`{"positions":[{"officer":"a",}]}`,
	`{"positions":[{"officer":"a"}{"officer":"b"}]}`,
	`{"positions":[{"officer" "a"}]}`,
	`{"positions":[{"officer":"a"`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lng":120.2}]}`,
	`{"positions":[{"Officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}]}`,
	`{"positions":[{"officer":"a","OFFICER":"b","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}]}`,
	`{"positions":[{"officer":"a","officer":"b","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lat":null,"lon":120.2}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":"31.8","lon":120.2}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":1e400}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2,"speed":true}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2,"speed":{}}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2,"speed":[1]}]}`,
	`{"positions":[{"officer":7,"time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}]}`,
	`{"positions":[{"officer":"a","time":12,"lat":31.8,"lon":120.2,"datum":false}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":01,"lon":120.2}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":.5,"lon":120.2}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":1.,"lon":120.2}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":1e,"lon":120.2}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":-,"lon":120.2}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":+1,"lon":120.2}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":NaN,"lon":Infinity}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":0x10,"lon":1_0}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":nul,"lon":120.2}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":nullx,"lon":120.2}]}`,
	`{"positions":[{"officer":"a\u0000","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}]}`,
	`{"positions":[{"officer":"a\n","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}]}`,
	`{"positions":[{"officer":"\ud800","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12\u005a","lat":31.8,"lon":120.2,"datum":"bd\u00309"}]}`,
	"{\"positions\":[{\"officer\":\"a\x01\",\"time\":\"2024-06-15T13:45:12Z\",\"lat\":31.8,\"lon\":120.2}]}",
	"{\"positions\":[{\"officer\":\"a\xff\xfe\",\"time\":\"2024-06-15T13:45:12Z\",\"lat\":31.8,\"lon\":120.2}]}",
	"{\"positions\":[{\"officer\":\"\xed\xa0\x80\",\"time\":\"2024-06-15T13:45:12Z\",\"lat\":31.8,\"lon\":120.2}]}",
	"{\"positions\":[{\"officer\":\"a\",\"time\":\"2024-06-15T13:45:12Z\xc3\",\"lat\":31.8,\"lon\":120.2}]}",
	"\xef\xbb\xbf{\"positions\":[]}",
	"{\"positions\":[]}\x00",
	"{\"positions\":[]}\f",
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}],"positions":null}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2,"extra":{"deep":[1,2,{"x":null}]}}]}`,
	`{"positions":[{"foo":1,"lat":"x"}]}`,
	`{"positions":[{"lat":"x","foo":1}]}`,
	`{"positions":[{"officer":7,"foo":1}]}`,
	`{"positions":[{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}, {"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2,"x":1}]}`,
}

func TestScanBatchMatchesEncodingJSON(t *testing.T) {
	for i, body := range scanBodies {
		t.Run(fmt.Sprintf("scanned %d", i), func(t *testing.T) {
			if !sameAsReference(t, []byte(body), 100) {
				t.Errorf("scanBatch(%q) gave up; it should read a body of this shape", body)
			}
		})
	}
	for i, body := range fallbackBodies {
		t.Run(fmt.Sprintf("fallback %d", i), func(t *testing.T) {
			sameAsReference(t, []byte(body), 100)
		})
	}
}

// One item too many is encoding/json's TooManyError, even when the
// scanner could read the item.
func TestScanBatchTooMany(t *testing.T) {
	item := `{"officer":"a","time":"2024-06-15T13:45:12Z","lat":31.8,"lon":120.2}`
	for items := 0; items <= 4; items++ {
		body := []byte(`{"positions":[` + strings.TrimSuffix(strings.Repeat(item+",", items), ",") + `]}`)
		for maxFixes := 0; maxFixes <= 4; maxFixes++ {
			if ok := sameAsReference(t, body, maxFixes); ok != (items <= maxFixes) {
				t.Errorf("scanBatch(%d items, max %d) answered = %v, want %v", items, maxFixes, ok, items <= maxFixes)
			}
		}
	}
}

// A body that fails to be read (over the route's limit, a broken
// connection) gives the error, or the refusal found before it, that
// reading it with encoding/json directly gives, wherever the failure falls
// and however the reads are cut. As on the server, http.MaxBytesReader is
// outermost: it repeats a failure on every later read. (Which of two
// failures comes first, the limit's or the connection's, depends on how
// the reads are cut; the cases here fail at a byte, not at a read.)
func TestParseBatchReadFailures(t *testing.T) {
	bodies := append(append([]string{}, scanBodies...), fallbackBodies...)
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"one byte", iotest.OneByteReader},
		{"half", iotest.HalfReader},
		{"data with EOF", iotest.DataErrReader},
		{"broken after 20 bytes", func(r io.Reader) io.Reader {
			return io.MultiReader(io.LimitReader(r, 20), iotest.ErrReader(io.ErrClosedPipe))
		}},
	}
	for _, rd := range readers {
		for i, body := range bodies {
			for limit := 0; limit <= len(body)+1; limit += 1 + len(body)/23 {
				open := func() io.Reader {
					return http.MaxBytesReader(nil, io.NopCloser(rd.wrap(strings.NewReader(body))), int64(limit))
				}
				want, wantErr := parseBatchStream(open(), 100)
				got, gotErr := ParseBatch(open(), 100)
				sameResult(t, fmt.Sprintf("%s: body %d cut at %d", rd.name, i, limit), got, gotErr, want, wantErr)
			}
		}
	}
}

// TestScanBatchMutations compares the two readers on bodies made by
// breaking good ones at random: bytes deleted, inserted, doubled, their
// case changed. The scanner must answer for some, and agree whenever it
// does.
func TestScanBatchMutations(t *testing.T) {
	const alphabet = " \t\n{}[],:\"\\-+.0123456789eEnulltrfaxsOLT\x00\x7f\xc3\xa9\xff"
	rng := rand.New(rand.NewPCG(18, 2026))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	scanned := 0
	for range n {
		body := []byte(scanBodies[rng.IntN(len(scanBodies))])
		for range 1 + rng.IntN(3) {
			body = mutate(rng, body, alphabet)
		}
		if sameAsReference(t, body, 1+rng.IntN(12)) {
			scanned++
		}
	}
	if scanned == 0 {
		t.Errorf("scanBatch answered for none of %d mutated bodies", n)
	}
	t.Logf("scanBatch answered for %d of %d mutated bodies", scanned, n)
}

// mutate changes body once, at random.
func mutate(rng *rand.Rand, body []byte, alphabet string) []byte {
	if len(body) == 0 {
		return []byte{alphabet[rng.IntN(len(alphabet))]}
	}
	i := rng.IntN(len(body))
	out := append([]byte{}, body[:i]...)
	switch rng.IntN(5) {
	case 0: // delete
		return append(out, body[i+1:]...)
	case 1: // insert
		out = append(out, alphabet[rng.IntN(len(alphabet))])
		return append(out, body[i:]...)
	case 2: // replace
		out = append(out, alphabet[rng.IntN(len(alphabet))])
		return append(out, body[i+1:]...)
	case 3: // double a span
		j := min(len(body), i+1+rng.IntN(40))
		out = append(out, body[i:j]...)
		return append(out, body[i:]...)
	default: // change a letter's case
		c := body[i]
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		out = append(out, c)
		return append(out, body[i+1:]...)
	}
}

// FuzzParseBatchScan holds scanBatch and ParseBatch to what encoding/json
// item by item gives, for any body.
func FuzzParseBatchScan(f *testing.F) {
	for _, body := range scanBodies {
		f.Add([]byte(body), uint8(10))
	}
	for _, body := range fallbackBodies {
		f.Add([]byte(body), uint8(1))
	}
	f.Fuzz(func(t *testing.T, body []byte, maxFixes uint8) {
		sameAsReference(t, body, int(maxFixes%16))
	})
}
