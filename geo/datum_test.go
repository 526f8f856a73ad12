package geo

import (
	"encoding/csv"
	"errors"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseDatum(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Datum
		wantErr bool
	}{
		{name: "empty means WGS-84", in: "", want: WGS84},
		{name: "wgs84", in: "wgs84", want: WGS84},
		{name: "gcj02", in: "gcj02", want: GCJ02},
		{name: "bd09", in: "bd09", want: BD09},
		{name: "upper case", in: "GCJ02", want: GCJ02},
		{name: "mixed case", in: "Bd09", want: BD09},
		{name: "hyphenated is unknown", in: "gcj-02", wantErr: true},
		{name: "padded is unknown", in: " wgs84", wantErr: true},
		{name: "other datum", in: "cgcs2000", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDatum(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrUnknownDatum) {
					t.Fatalf("ParseDatum(%q) error = %v, want one wrapping ErrUnknownDatum", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDatum(%q) = %q, %v, want %q, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

// vectorTolerance is how close a conversion must come to a row of
// testdata/gcj02_bd09_test_vectors.csv: within deg on each axis, or, when
// meters is set, within meters of great-circle distance.
type vectorTolerance struct {
	deg, meters float64
}

// toleranceFor picks the tolerance of a test-vector row from its source and
// kind, following the file's tolerance_note column:
//   - closed-form conversions (WGS-84 → GCJ-02, GCJ-02 ↔ BD-09 and the
//     one-step inverse) from the two published libraries are "exact": the
//     same formulas in float64 agree to ~1e-13°, so 1e-9° (0.1 mm) only
//     absorbs a different order of operations;
//   - "computed" rows are printed with 8 decimals, so they can be off by
//     half of 1e-8° from rounding alone: 1e-8° (about 1 mm);
//   - iterative GCJ-02 → WGS-84 rows: the note quotes eviltransform's own
//     0.5 m threshold, but the expected value is the exact WGS-84 input of
//     the forward row, so we hold our inverse to its documented 1 mm bound.
func toleranceFor(source, kind string) vectorTolerance {
	switch {
	case kind == "gcj02_to_wgs84":
		return vectorTolerance{meters: 0.001}
	case source == "computed":
		return vectorTolerance{deg: 1e-8}
	default:
		return vectorTolerance{deg: 1e-9}
	}
}

// vectorConversions maps the kind column of the test vectors to the
// function under test.
var vectorConversions = map[string]func(orb.Point) orb.Point{
	"wgs84_to_gcj02":         WGS84ToGCJ02,
	"gcj02_to_wgs84":         GCJ02ToWGS84,
	"gcj02_to_wgs84_onestep": gcj02OneStep,
	"gcj02_to_bd09":          GCJ02ToBD09,
	"bd09_to_gcj02":          BD09ToGCJ02,
	"wgs84_to_bd09":          WGS84ToBD09,
}

type vectorRow struct {
	source, kind, note string
	in, want           orb.Point
}

// readVectors reads every data row of the test-vector file; lines starting
// with '#' (source, licence and non-canonical variants) are skipped.
func readVectors(t *testing.T) []vectorRow {
	t.Helper()
	f, err := os.Open("testdata/gcj02_bd09_test_vectors.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	r.FieldsPerRecord = 7
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) == 0 || records[0][0] != "source" {
		t.Fatalf("test vectors: missing header row")
	}
	var rows []vectorRow
	for _, rec := range records[1:] {
		var v [4]float64
		for i := range v {
			if v[i], err = strconv.ParseFloat(rec[2+i], 64); err != nil {
				t.Fatalf("test vectors: row %v: %v", rec, err)
			}
		}
		// The file is lat,lng; orb.Point is [lon, lat].
		rows = append(rows, vectorRow{
			source: rec[0], kind: rec[1], note: rec[6],
			in: orb.Point{v[1], v[0]}, want: orb.Point{v[3], v[2]},
		})
	}
	return rows
}

func TestDatumVectors(t *testing.T) {
	rows := readVectors(t)
	// The file as copied has 12 data rows; a different count means the
	// reader silently lost or gained some.
	if len(rows) != 12 {
		t.Fatalf("read %d test-vector rows, want 12", len(rows))
	}
	for _, row := range rows {
		t.Run(row.source+"/"+row.kind+"/"+pointName(row.in), func(t *testing.T) {
			convert, ok := vectorConversions[row.kind]
			if !ok {
				t.Fatalf("no conversion for kind %q", row.kind)
			}
			tol := toleranceFor(row.source, row.kind)
			got := convert(row.in)
			if tol.meters > 0 {
				if d := DistanceMeters(got, row.want); d > tol.meters {
					t.Errorf("%s(%v) = %v, want %v within %v m, off by %.4g m (%s)",
						row.kind, row.in, got, row.want, tol.meters, d, row.note)
				}
				return
			}
			dLon, dLat := math.Abs(got[0]-row.want[0]), math.Abs(got[1]-row.want[1])
			if dLon > tol.deg || dLat > tol.deg {
				t.Errorf("%s(%v) = %v, want %v within %g°, off by %.3g°, %.3g° (%s)",
					row.kind, row.in, got, row.want, tol.deg, dLon, dLat, row.note)
			}
		})
	}
}

// TestGCJ02OneStepError checks the note of the eviltransform inverse rows:
// the one-step inverse is within 5 m of the truth and the iterated one is
// much closer.
func TestGCJ02OneStepError(t *testing.T) {
	for _, row := range readVectors(t) {
		if row.kind != "gcj02_to_wgs84" {
			continue
		}
		t.Run(pointName(row.in), func(t *testing.T) {
			if d := DistanceMeters(gcj02OneStep(row.in), row.want); d > 5 {
				t.Errorf("gcj02OneStep(%v) is %.3g m from %v, want < 5 m", row.in, d, row.want)
			}
		})
	}
}

// chinaGrid returns positions every step degrees over mainland China's
// extent, well inside the InChina rectangle.
func chinaGrid(step float64) []orb.Point {
	var pts []orb.Point
	for lat := 18.0; lat <= 53.5; lat += step {
		for lon := 73.5; lon <= 135.0; lon += step {
			pts = append(pts, orb.Point{lon, lat})
		}
	}
	return pts
}

// The 0.37° step puts grid points off the shift's 1/3° ripple period, so
// they sample it at many phases.
const gridStepDeg = 0.37

func TestGCJ02ToWGS84RoundTrip(t *testing.T) {
	worst := 0.0
	for _, g := range chinaGrid(gridStepDeg) {
		back := WGS84ToGCJ02(GCJ02ToWGS84(g))
		d := DistanceMeters(back, g)
		worst = max(worst, d)
		if d >= 0.001 {
			t.Errorf("WGS84ToGCJ02(GCJ02ToWGS84(%v)) = %v, want within 1 mm, off by %.3g m", g, back, d)
		}
	}
	t.Logf("worst GCJ-02 round trip: %.3g m", worst)
}

// TestGCJ02InverseAccuracy checks the other direction: starting from a
// known WGS-84 position, the inverse recovers it within 1 mm.
func TestGCJ02InverseAccuracy(t *testing.T) {
	worst := 0.0
	for _, w := range chinaGrid(gridStepDeg) {
		back := GCJ02ToWGS84(WGS84ToGCJ02(w))
		d := DistanceMeters(back, w)
		worst = max(worst, d)
		if d >= 0.001 {
			t.Errorf("GCJ02ToWGS84(WGS84ToGCJ02(%v)) = %v, want within 1 mm, off by %.3g m", w, back, d)
		}
	}
	t.Logf("worst GCJ-02 inverse error: %.3g m", worst)
}

// TestBD09RoundTrip bounds the error of Baidu's approximate inverse, which
// BD09ToGCJ02's documentation quotes.
func TestBD09RoundTrip(t *testing.T) {
	worst := 0.0
	for _, g := range chinaGrid(gridStepDeg) {
		back := BD09ToGCJ02(GCJ02ToBD09(g))
		d := DistanceMeters(back, g)
		worst = max(worst, d)
		if d > 0.25 {
			t.Errorf("BD09ToGCJ02(GCJ02ToBD09(%v)) = %v, want within 0.25 m, off by %.3g m", g, back, d)
		}
	}
	t.Logf("worst BD-09 round trip: %.3g m", worst)
}

func TestOutsideChinaUnchanged(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
	}{
		{name: "London", p: orb.Point{-0.1276, 51.5072}},
		{name: "Sydney", p: orb.Point{151.2093, -33.8688}},
		{name: "west of box", p: orb.Point{72.0, 35}},
		{name: "north of box", p: orb.Point{100, 55.83}},
		{name: "NaN", p: orb.Point{math.NaN(), 31}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if InChina(tt.p) {
				t.Fatalf("InChina(%v) = true, want false", tt.p)
			}
			for name, f := range map[string]func(orb.Point) orb.Point{
				"WGS84ToGCJ02": WGS84ToGCJ02,
				"GCJ02ToWGS84": GCJ02ToWGS84,
			} {
				if got := f(tt.p); !samePoint(got, tt.p) {
					t.Errorf("%s(%v) = %v, want %v", name, tt.p, got, tt.p)
				}
			}
		})
	}
}

func TestInChina(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
		want bool
	}{
		{name: "Jiangyin", p: orb.Point{120.28, 31.84}, want: true},
		{name: "Beijing", p: orb.Point{116.40, 39.90}, want: true},
		{name: "Urumqi", p: orb.Point{87.62, 43.83}, want: true},
		{name: "south-west corner", p: orb.Point{72.004, 0.8293}, want: true},
		{name: "north-east corner", p: orb.Point{137.8347, 55.8271}, want: true},
		{name: "Tokyo east of box", p: orb.Point{139.69, 35.69}, want: false},
		{name: "Moscow", p: orb.Point{37.62, 55.76}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := InChina(tt.p); got != tt.want {
				t.Errorf("InChina(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestToFromWGS84(t *testing.T) {
	jiangyin := orb.Point{120.2853, 31.9108}
	tests := []struct {
		datum    Datum
		from, to func(orb.Point) orb.Point
	}{
		{datum: WGS84, from: func(p orb.Point) orb.Point { return p }, to: func(p orb.Point) orb.Point { return p }},
		{datum: GCJ02, from: WGS84ToGCJ02, to: GCJ02ToWGS84},
		{datum: BD09, from: WGS84ToBD09, to: BD09ToWGS84},
	}
	for _, tt := range tests {
		t.Run(string(tt.datum), func(t *testing.T) {
			if got, want := FromWGS84(jiangyin, tt.datum), tt.from(jiangyin); !samePoint(got, want) {
				t.Errorf("FromWGS84(%v, %s) = %v, want %v", jiangyin, tt.datum, got, want)
			}
			if got, want := ToWGS84(jiangyin, tt.datum), tt.to(jiangyin); !samePoint(got, want) {
				t.Errorf("ToWGS84(%v, %s) = %v, want %v", jiangyin, tt.datum, got, want)
			}
			// Through the datum and back lands on the start, to the
			// precision of the inverses (BD-09's is the coarser).
			back := ToWGS84(FromWGS84(jiangyin, tt.datum), tt.datum)
			if d := DistanceMeters(back, jiangyin); d > 0.25 {
				t.Errorf("ToWGS84(FromWGS84(%v, %s)) = %v, want within 0.25 m, off by %.3g m", jiangyin, tt.datum, back, d)
			}
		})
	}
}

func TestUnknownDatumPanics(t *testing.T) {
	for name, f := range map[string]func(orb.Point, Datum) orb.Point{
		"ToWGS84":   ToWGS84,
		"FromWGS84": FromWGS84,
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s(p, %q) did not panic", name, "utm")
				}
			}()
			f(orb.Point{120, 31}, Datum("utm"))
		})
	}
}

func samePoint(a, b orb.Point) bool {
	same := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	return same(a[0], b[0]) && same(a[1], b[1])
}

func pointName(p orb.Point) string {
	return strconv.FormatFloat(p[0], 'f', -1, 64) + "," + strconv.FormatFloat(p[1], 'f', -1, 64)
}

// BenchmarkGCJ02ToWGS84 measures the iterated inverse; compare with
// BenchmarkWGS84ToGCJ02, the closed-form forward conversion, to see how many
// forward evaluations the iteration costs.
func BenchmarkGCJ02ToWGS84(b *testing.B) {
	p := orb.Point{120.28991501, 31.90884290} // Jiangyin centre in GCJ-02
	b.ReportAllocs()
	for b.Loop() {
		GCJ02ToWGS84(p)
	}
}

func BenchmarkWGS84ToGCJ02(b *testing.B) {
	p := orb.Point{120.2853, 31.9108} // Jiangyin centre in WGS-84
	b.ReportAllocs()
	for b.Loop() {
		WGS84ToGCJ02(p)
	}
}
