package grid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/internal/pgtest"
)

// fixture is a grid API on a fresh database. Requests carry the identity given to do;
// token authentication itself is tested in package auth and end to end in package app.
type fixture struct {
	t    *testing.T
	db   *pgxpool.Pool
	http *httptest.Server
}

var (
	admin      = auth.Identity{Name: "admin", Role: auth.Admin}
	analyst    = auth.Identity{Name: "analyst", Role: auth.Analyst}
	supervisor = auth.Identity{Name: "sup", Role: auth.Supervisor, Township: "320281001"}
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := pgtest.NewPool(t)
	h := grid.NewHandler(grid.NewStore(db, grid.DefaultResolution))
	r := chi.NewRouter()
	r.Use(httpx.Recover, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var id auth.Identity
			if err := json.Unmarshal([]byte(r.Header.Get("X-Test-Identity")), &id); err != nil {
				http.Error(w, "test identity missing", 500)
				return
			}
			next.ServeHTTP(w, r.WithContext(auth.WithIdentity(r.Context(), id)))
		})
	})
	api.Mount(r, h.Routes())
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return &fixture{t: t, db: db, http: srv}
}

// do sends a request as id and decodes a JSON answer into out (when not nil).
func (f *fixture) do(id auth.Identity, method, path string, body any, out any) (int, []byte) {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, f.http.URL+path, rd)
	idj, _ := json.Marshal(id)
	req.Header.Set("X-Test-Identity", string(idj))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			f.t.Fatalf("%s %s: bad JSON %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, raw
}

func (f *fixture) scalar(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func rect(minLon, minLat, maxLon, maxLat float64) orb.Polygon {
	return orb.Polygon{{{minLon, minLat}, {maxLon, minLat}, {maxLon, maxLat}, {minLon, maxLat}, {minLon, minLat}}}
}

// townships builds an import body. The default city: 澄江 (with a hole) and 南闸 share a
// border at border°E; 云亭 fills 澄江's hole; 璜土 lies north of both.
func townships(border float64) []byte {
	chengjiang := rect(120.20, 31.80, border, 31.88)
	chengjiang = append(chengjiang, orb.Ring{{120.23, 31.83}, {120.23, 31.85}, {120.25, 31.85}, {120.25, 31.83}, {120.23, 31.83}})
	fc := geojson.NewFeatureCollection()
	add := func(code, name string, p orb.Polygon) {
		f := geojson.NewFeature(p)
		f.Properties = geojson.Properties{"code": code, "name": name}
		fc.Append(f)
	}
	add("320281001", "澄江", chengjiang)
	add("320281004", "南闸", rect(border, 31.80, 120.36, 31.88))
	add("320281005", "云亭", rect(120.23, 31.83, 120.25, 31.85))
	add("320281101", "璜土", rect(120.20, 31.88, 120.36, 31.92))
	b, _ := fc.MarshalJSON()
	return b
}

type importAnswer struct {
	Resolution int                     `json:"resolution"`
	Townships  []grid.ImportedTownship `json:"townships"`
	Resplit    []string                `json:"resplit"`
}

func (f *fixture) importCity(border float64, query string) importAnswer {
	f.t.Helper()
	var got importAnswer
	if code, body := f.do(admin, "POST", "/townships"+query, townships(border), &got); code != 201 {
		f.t.Fatalf("import = %d %s", code, body)
	}
	return got
}

// checkInvariants asserts the split invariants in PostGIS and the resolution of the cells.
func (f *fixture) checkInvariants(res int) {
	f.t.Helper()
	audit, err := grid.NewStore(f.db, res).CheckInvariants(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	if audit != (grid.Audit{}) {
		f.t.Errorf("grid invariants broken: %+v", audit)
	}
	if n := f.scalar(`SELECT count(*) FROM cells WHERE cardinality(parents) <> $1`, res); n != 0 {
		f.t.Errorf("%d cells are not at resolution %d", n, res)
	}
}

func TestImportSplitsTownships(t *testing.T) {
	f := newFixture(t)
	got := f.importCity(120.28, "")
	if got.Resolution != 9 || len(got.Townships) != 4 {
		t.Fatalf("import = %+v", got)
	}
	total := 0
	for _, tw := range got.Townships {
		if tw.Cells == 0 {
			t.Errorf("township %s has no cells", tw.Code)
		}
		total += tw.Cells
	}
	if n := f.scalar("SELECT count(*) FROM cells"); n != total {
		t.Errorf("cells table holds %d, import said %d", n, total)
	}
	f.checkInvariants(9)

	var list []grid.TownshipSummary
	f.do(analyst, "GET", "/townships", nil, &list)
	if len(list) != 4 || list[0].Code != "320281001" || list[0].AreaKm2 < 50 || list[0].Cells == 0 {
		t.Errorf("GET /townships = %+v", list)
	}

	var feature geojson.Feature
	if code, body := f.do(analyst, "GET", "/townships/320281001", nil, &feature); code != 200 {
		t.Fatalf("GET /townships/320281001 = %d %s", code, body)
	}
	if mp, ok := feature.Geometry.(orb.MultiPolygon); !ok || len(mp[0]) != 2 || feature.Properties["name"] != "澄江" {
		t.Errorf("feature = %v %v, want 澄江 with its hole", feature.Geometry, feature.Properties)
	}

	var cells geojson.FeatureCollection
	f.do(analyst, "GET", "/cells?township=320281005", nil, &cells)
	if len(cells.Features) != got.Townships[2].Cells {
		t.Errorf("GET /cells returned %d features, want %d", len(cells.Features), got.Townships[2].Cells)
	}
	if p := cells.Features[0].Properties; p["township"] != "320281005" || p["grid"] != nil || len(p["h3"].(string)) != 15 {
		t.Errorf("cell properties = %v", p)
	}
}

func TestReimportMovesCellsAndKeepsGridAreasInside(t *testing.T) {
	f := newFixture(t)
	f.importCity(120.28, "")
	// A grid area of 南闸 along the old border.
	strip := rect(120.28, 31.80, 120.30, 31.88)
	var area grid.GridArea
	if code, body := f.do(admin, "POST", "/grids", map[string]any{
		"code": "NZ-01", "name": "南闸一网格", "township": "320281004", "geometry": geojson.NewGeometry(strip),
	}, &area); code != 201 {
		t.Fatalf("create grid = %d %s", code, body)
	}
	before := f.scalar("SELECT count(*) FROM cells WHERE township = '320281001'")

	// Moving the border east gives 澄江 the strip.
	f.importCity(120.30, "")
	after := f.scalar("SELECT count(*) FROM cells WHERE township = '320281001'")
	if after <= before {
		t.Errorf("澄江 has %d cells after growing, %d before", after, before)
	}
	f.checkInvariants(9)
	if n := f.scalar(`SELECT count(*) FROM cells c JOIN grid_areas g ON g.code = c.grid_area WHERE g.township <> c.township`); n != 0 {
		t.Errorf("%d cells sit in a grid area of another township", n)
	}
	if n := f.scalar("SELECT count(*) FROM cells WHERE grid_area = 'NZ-01'"); n >= area.Cells {
		t.Errorf("grid area NZ-01 kept %d of %d cells though the strip moved to 澄江", n, area.Cells)
	}
}

func TestImportAtNewResolutionResplitsEverything(t *testing.T) {
	f := newFixture(t)
	first := f.importCity(120.28, "")
	// Importing one township at res 10 re-splits all four.
	fc, _ := geojson.UnmarshalFeatureCollection(townships(120.28))
	one := geojson.NewFeatureCollection().Append(fc.Features[3])
	body, _ := one.MarshalJSON()
	var got importAnswer
	if code, raw := f.do(admin, "POST", "/townships?res=10", body, &got); code != 201 {
		t.Fatalf("import = %d %s", code, raw)
	}
	if got.Resolution != 10 || len(got.Resplit) != 4 {
		t.Errorf("import = %+v, want res 10 and all four re-split", got)
	}
	f.checkInvariants(10)
	if n, was := f.scalar("SELECT count(*) FROM cells"), first.Townships[0].Cells; n < 5*was {
		t.Errorf("%d cells at res 10, want about 7× the res-9 count", n)
	}
	// Without res the city's resolution is kept.
	if got := f.importCity(120.28, ""); got.Resolution != 10 || got.Resplit != nil {
		t.Errorf("import without res = %+v, want res 10 and no re-split", got)
	}
}

func TestImportConvertsDatum(t *testing.T) {
	f := newFixture(t)
	fc, _ := geojson.UnmarshalFeatureCollection(townships(120.28))
	for _, feat := range fc.Features {
		mp := feat.Geometry.(orb.Polygon)
		for _, r := range mp {
			for i := range r {
				r[i] = geo.FromWGS84(r[i], geo.GCJ02)
			}
		}
	}
	body, _ := fc.MarshalJSON()
	if code, raw := f.do(admin, "POST", "/townships?datum=gcj02", body, nil); code != 201 {
		t.Fatalf("import = %d %s", code, raw)
	}
	// Stored in WGS-84: the south-west corner is back where it started, to a millimetre.
	var lon, lat float64
	if err := f.db.QueryRow(context.Background(), `SELECT ST_XMin(geom), ST_YMin(geom) FROM townships WHERE code = '320281101'`).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	if d := geo.DistanceMeters(orb.Point{lon, lat}, orb.Point{120.20, 31.88}); d > 0.01 {
		t.Errorf("corner stored %.3f m from its WGS-84 place", d)
	}
}

func TestImportRejectsBadInputAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	f.importCity(120.28, "")
	cellsBefore := f.scalar("SELECT count(*) FROM cells")
	feature := func(code any, name string, geom string) string {
		c, _ := json.Marshal(code)
		return fmt.Sprintf(`{"type":"Feature","properties":{"code":%s,"name":%q},"geometry":%s}`, c, name, geom)
	}
	square := `{"type":"Polygon","coordinates":[[[120.2,31.8],[120.21,31.8],[120.21,31.81],[120.2,31.81],[120.2,31.8]]]}`
	collection := func(features ...string) string {
		return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
	}
	tests := []struct {
		name, body, want string
		status           int
	}{
		{"invalid JSON", `{"type":`, "GeoJSON", 400},
		{"not a collection", square, "not a feature collection", 400},
		{"empty collection", collection(), "no features", 400},
		{"point geometry", collection(feature("X1", "x", `{"type":"Point","coordinates":[120.2,31.8]}`)), "feature 0 (X1)", 400},
		{"self-intersecting ring", collection(feature("X1", "x", `{"type":"Polygon","coordinates":[[[120.2,31.8],[120.3,31.9],[120.3,31.8],[120.2,31.9],[120.2,31.8]]]}`)), "self_intersection", 400},
		{"latitude out of range", collection(feature("X1", "x", `{"type":"Polygon","coordinates":[[[120.2,91],[120.3,91],[120.3,92],[120.2,91]]]}`)), "coordinate_out_of_range", 400},
		{"lon lat swapped", collection(feature("X1", "x", `{"type":"Polygon","coordinates":[[[31.8,120.2],[31.8,120.3],[31.9,120.3],[31.8,120.2]]]}`)), "lat_lon_swapped", 400},
		{"missing code", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},"geometry":` + square + `}]}`, "bad_code", 400},
		{"same code twice", collection(feature("X1", "x", square), feature("X1", "y", square)), "feature 1 (X1)", 400},
		{"second feature bad, first good", collection(feature("X1", "x", square), feature("X2", "", square)), "bad_name", 400},
		{"overlapping townships", collection(feature("X9", "x", `{"type":"Polygon","coordinates":[[[120.21,31.81],[120.3,31.81],[120.3,31.86],[120.21,31.86],[120.21,31.81]]]}`)), "overlap", 409},
		{"over-size body", `{"type":"FeatureCollection","features":[` + strings.Repeat(" ", grid.MaxImportBytes) + `]}`, "limit", 413},
		{"resolution out of range", collection(feature("X1", "x", square)), "res", 400},
		{"unknown datum", collection(feature("X1", "x", square)), "datum", 400},
		{"too many cells", collection(feature("X3", "x", `{"type":"Polygon","coordinates":[[[100,40],[101,40],[101,41],[100,41],[100,40]]]}`)), "more than", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/townships"
			switch tt.name {
			case "resolution out of range":
				path += "?res=16"
			case "unknown datum":
				path += "?datum=mars"
			case "too many cells":
				path += "?res=12"
			}
			status, body := f.do(admin, "POST", path, tt.body, nil)
			if status != tt.status || !strings.Contains(string(body), tt.want) {
				t.Errorf("status %d body %s; want %d mentioning %q", status, body, tt.status, tt.want)
			}
			var p map[string]any
			if json.Unmarshal(body, &p) != nil || p["code"] == nil {
				t.Errorf("not a problem document: %s", body)
			}
		})
	}
	if n := f.scalar("SELECT count(*) FROM townships"); n != 4 {
		t.Errorf("%d townships after bad imports, want the 4 of the good one", n)
	}
	if n := f.scalar("SELECT count(*) FROM cells"); n != cellsBefore {
		t.Errorf("%d cells after bad imports, want %d", n, cellsBefore)
	}
}

func TestSquadronsAndGridAreas(t *testing.T) {
	f := newFixture(t)
	f.importCity(120.28, "")
	sq := map[string]any{"code": "CJ-1", "name": "澄江一中队", "township": "320281001", "base": []float64{120.22, 31.81}}
	if code, body := f.do(admin, "POST", "/squadrons", sq, nil); code != 201 {
		t.Fatalf("create squadron = %d %s", code, body)
	}
	f.do(admin, "POST", "/squadrons", map[string]any{"code": "NZ-1", "name": "南闸一中队", "township": "320281004"}, nil)
	cases := []struct {
		name   string
		body   any
		status int
		want   string
	}{
		{"duplicate squadron", sq, 409, "exists"},
		{"squadron of unknown township", map[string]any{"code": "Q", "name": "q", "township": "999"}, 400, "unknown township"},
		{"squadron base out of range", map[string]any{"code": "Q", "name": "q", "township": "320281001", "base": []float64{200, 31}}, 400, "base"},
	}
	for _, c := range cases {
		if code, body := f.do(admin, "POST", "/squadrons", c.body, nil); code != c.status || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d %s, want %d mentioning %q", c.name, code, body, c.status, c.want)
		}
	}

	// Two cells of 澄江 by index, then a polygon area beside them.
	west := grid.CellAt(orb.Point{120.205, 31.805}, 9)
	cells := []string{west.String(), grid.CellAt(orb.Point{120.21, 31.805}, 9).String()}
	var area grid.GridArea
	if code, body := f.do(admin, "POST", "/grids", map[string]any{"code": "CJ-01", "name": "一网格", "township": "320281001", "squadron": "CJ-1", "cells": cells}, &area); code != 201 || area.Cells != 2 {
		t.Fatalf("grid by cells = %d %s", code, body)
	}
	gridCases := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"overlap", map[string]any{"code": "CJ-02", "name": "二", "township": "320281001", "cells": cells[:1]}, 409, "CJ-01"},
		{"cell of another township", map[string]any{"code": "CJ-03", "name": "三", "township": "320281001", "cells": []string{grid.CellAt(orb.Point{120.33, 31.85}, 9).String()}}, 400, "not cells of township"},
		{"squadron of another township", map[string]any{"code": "CJ-04", "name": "四", "township": "320281001", "squadron": "NZ-1", "geometry": geojson.NewGeometry(rect(120.21, 31.86, 120.22, 31.87))}, 400, "belongs to township"},
		{"polygon reaching into another township", map[string]any{"code": "CJ-05", "name": "五", "township": "320281001", "geometry": geojson.NewGeometry(rect(120.26, 31.81, 120.30, 31.82))}, 400, "reaches outside"},
		{"not a cell", map[string]any{"code": "CJ-06", "name": "六", "township": "320281001", "cells": []string{"zz"}}, 400, "cells[0]"},
		{"both cells and geometry", map[string]any{"code": "CJ-07", "name": "七", "township": "320281001", "cells": cells, "geometry": geojson.NewGeometry(rect(120.21, 31.86, 120.22, 31.87))}, 400, "either"},
		{"line geometry", map[string]any{"code": "CJ-08", "name": "八", "township": "320281001", "geometry": geojson.NewGeometry(orb.LineString{{120.21, 31.86}, {120.22, 31.87}})}, 400, "Polygon"},
		{"empty polygon area", map[string]any{"code": "CJ-09", "name": "九", "township": "320281001", "geometry": geojson.NewGeometry(rect(120.2101, 31.8601, 120.2102, 31.8602))}, 400, "no cell"},
		{"unknown field", map[string]any{"code": "CJ-10", "name": "十", "township": "320281001", "cels": cells}, 400, "unknown field"},
	}
	for _, c := range gridCases {
		if code, body := f.do(admin, "POST", "/grids", c.body, nil); code != c.status || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d %s, want %d mentioning %q", c.name, code, body, c.status, c.want)
		}
	}
	if code, body := f.do(admin, "POST", "/grids", map[string]any{"code": "CJ-02", "name": "二", "township": "320281001", "squadron": "CJ-1", "geometry": geojson.NewGeometry(rect(120.21, 31.86, 120.23, 31.88))}, &area); code != 201 || area.Cells < 10 {
		t.Fatalf("grid by polygon = %d %s", code, body)
	}

	var areas []grid.GridArea
	f.do(analyst, "GET", "/grids?township=320281001", nil, &areas)
	if len(areas) != 2 || areas[0].Cells != 2 || areas[0].Squadron != "CJ-1" {
		t.Errorf("GET /grids = %+v", areas)
	}
	var squadrons []grid.Squadron
	f.do(analyst, "GET", "/squadrons", nil, &squadrons)
	if len(squadrons) != 2 || squadrons[0].Base == nil || squadrons[0].Base[0] != 120.22 {
		t.Errorf("GET /squadrons = %+v", squadrons)
	}

	// Locate: by cell, with grid area and squadron; then outside; then in GCJ-02.
	var loc grid.Location
	if code, body := f.do(analyst, "GET", "/locate?lat=31.805&lon=120.205", nil, &loc); code != 200 {
		t.Fatalf("locate = %d %s", code, body)
	}
	if loc.H3 != west.String() || loc.Township.Name != "澄江" || loc.Grid == nil || loc.Grid.Code != "CJ-01" || loc.Squadron == nil || loc.Squadron.Code != "CJ-1" {
		t.Errorf("locate = %+v", loc)
	}
	gcj := geo.FromWGS84(orb.Point{120.205, 31.805}, geo.GCJ02)
	var loc2 grid.Location
	f.do(analyst, "GET", fmt.Sprintf("/locate?lat=%f&lon=%f&datum=gcj02", gcj[1], gcj[0]), nil, &loc2)
	if loc2.H3 != loc.H3 {
		t.Errorf("locate in GCJ-02 = %s, want %s", loc2.H3, loc.H3)
	}
	if code, _ := f.do(analyst, "GET", "/locate?lat=40&lon=116", nil, nil); code != 404 {
		t.Errorf("locate outside = %d, want 404", code)
	}
	for _, q := range []string{"lat=91&lon=120", "lat=abc&lon=120", "lon=120", "lat=31&lon=120&datum=x"} {
		if code, _ := f.do(analyst, "GET", "/locate?"+q, nil, nil); code != 400 {
			t.Errorf("locate?%s = %d, want 400", q, code)
		}
	}
}

func TestTownshipScope(t *testing.T) {
	f := newFixture(t)
	f.importCity(120.28, "")
	var list []grid.TownshipSummary
	f.do(supervisor, "GET", "/townships", nil, &list)
	if len(list) != 1 || list[0].Code != "320281001" {
		t.Errorf("scoped GET /townships = %+v, want only its own", list)
	}
	for _, path := range []string{"/townships/320281004", "/cells?township=320281004", "/grids?township=320281004", "/locate?lat=31.85&lon=120.33"} {
		if code, body := f.do(supervisor, "GET", path, nil, nil); code != 403 {
			t.Errorf("scoped GET %s = %d %s, want 403", path, code, body)
		}
	}
	var cells geojson.FeatureCollection
	f.do(supervisor, "GET", "/cells", nil, &cells)
	for _, c := range cells.Features {
		if c.Properties["township"] != "320281001" {
			t.Fatalf("scoped GET /cells returned a cell of %v", c.Properties["township"])
		}
	}
	if code, _ := f.do(supervisor, "POST", "/townships", townships(120.28), nil); code != 403 {
		t.Errorf("supervisor import = %d, want 403", code)
	}
}

func TestCheckInvariantsFindsBrokenGrids(t *testing.T) {
	f := newFixture(t)
	f.importCity(120.28, "")
	ctx := context.Background()
	if _, err := f.db.Exec(ctx, `DELETE FROM cells WHERE h3 = (SELECT min(h3) FROM cells WHERE township = '320281004')`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(ctx, `UPDATE cells SET township = '320281101' WHERE h3 = (SELECT min(h3) FROM cells WHERE township = '320281001')`); err != nil {
		t.Fatal(err)
	}
	audit, err := grid.NewStore(f.db, 9).CheckInvariants(ctx)
	if err != nil || audit.CellsMissing != 1 || audit.CellsOutside != 1 {
		t.Errorf("CheckInvariants = %+v, %v; want one missing and one outside", audit, err)
	}
}

// TestCellsBadParameterIsACleanProblem: a parameter the database refuses (invalid UTF-8)
// used to fail after the stream had begun — a truncated 200 and an error logged each
// time. It is a 400 problem, with no part of the collection written.
func TestCellsBadParameterIsACleanProblem(t *testing.T) {
	f := newFixture(t)
	for _, q := range []string{"grid=%FF", "township=%C3%28", "grid=a%00b"} {
		code, raw := f.do(analyst, "GET", "/cells?"+q, nil, nil)
		if code != http.StatusBadRequest || bytes.Contains(raw, []byte("FeatureCollection")) || !bytes.Contains(raw, []byte(`"code":"invalid"`)) {
			t.Errorf("GET /cells?%s = %d %s, want a 400 problem only", q, code, raw)
		}
	}
}
