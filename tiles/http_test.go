package tiles_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbmvt "github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/planar"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/tiles"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// tileCity serves tiles of two townships side by side (A west of 120.30 E, B east), with
// a grid area in A and a case in each.
type tileCity struct {
	t      *testing.T
	srv    *app.Server
	http   *httptest.Server
	admin  string
	supA   string
	caseAt map[string]orb.Point
}

func newTileCity(t *testing.T) *tileCity {
	t.Helper()
	tc := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{
			{Code: "A", Name: "甲镇", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)},
			{Code: "B", Name: "乙镇", Geom: apptest.Box(120.30, 31.80, 120.40, 31.88)},
		},
		GridAreas: []grid.NewGridArea{{Code: "A-G1", Name: "甲一", Township: "A", Polygon: apptest.Box(120.20, 31.80, 120.25, 31.88)[0]}},
		Tokens:    map[string]auth.TokenSpec{"wall": {Role: auth.Admin}, "supA": {Role: auth.Supervisor, Township: "A"}},
	})
	c := &tileCity{t: t, srv: tc.Server, http: tc.HTTP, admin: tc.Tokens["wall"], supA: tc.Tokens["supA"], caseAt: map[string]orb.Point{}}
	for code, p := range map[string]orb.Point{"A": {120.26, 31.84}, "B": {120.34, 31.84}} {
		c.report(p, "urban_management")
		c.caseAt[code] = p
	}
	return c
}

func (c *tileCity) report(p orb.Point, sector string) {
	c.t.Helper()
	_, err := c.srv.Cases.Create(context.Background(), auth.Identity{Name: "test", Role: auth.Admin},
		cases.NewCase{Sector: sector, Title: "x", Lat: p[1], Lon: p[0]})
	if err != nil {
		c.t.Fatal(err)
	}
}

type tileAnswer struct {
	status int
	etag   string
	body   []byte
	header http.Header
}

func (c *tileCity) get(path, token string, header ...string) tileAnswer {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.http.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Encoding", "identity") // the transport would ask for gzip otherwise
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no transparent gunzip
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return tileAnswer{resp.StatusCode, resp.Header.Get("ETag"), b, resp.Header}
}

func tilePath(layer string, t mvt.Tile) string {
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, t.Z, t.X, t.Y)
}

// decode reads a tile with orb's decoder and returns its one layer.
func decode(t *testing.T, data []byte) *orbmvt.Layer {
	t.Helper()
	layers, err := orbmvt.Unmarshal(data)
	if err != nil || len(layers) != 1 {
		t.Fatalf("tile: %d layers, %v", len(layers), err)
	}
	return layers[0]
}

func TestEveryLayerServesDecodableTiles(t *testing.T) {
	c := newTileCity(t)
	for _, tc := range []struct {
		layer string
		z     uint32
		props []string
	}{
		{tiles.LayerTownships, 11, []string{"code", "name"}},
		{tiles.LayerGrids, 11, []string{"code", "squadron"}},
		{tiles.LayerCells, 13, []string{"h3", "township", "grid", "cells"}},
		{tiles.LayerCells, 8, []string{"h3", "cells", "resolution"}},
		{tiles.LayerCases, 13, []string{"id", "sector", "status", "reported_at"}},
		{tiles.LayerCases, 9, []string{"h3", "count"}},
		{tiles.LayerHotspots, 12, []string{"h3", "count", "gi_z", "bin"}},
		{tiles.LayerBlindzones, 10, []string{"code", "kind", "cases_other", "expected_other"}},
	} {
		t.Run(fmt.Sprintf("%s z%d", tc.layer, tc.z), func(t *testing.T) {
			tile := mvt.Covering(c.caseAt["A"], tc.z)
			a := c.get(tilePath(tc.layer, tile), c.admin)
			if a.status != 200 || a.header.Get("Content-Type") != tiles.ContentType || a.etag == "" {
				t.Fatalf("GET = %d %s", a.status, a.body)
			}
			l := decode(t, a.body)
			if l.Name != tc.layer || len(l.Features) == 0 {
				t.Fatalf("layer %q with %d features", l.Name, len(l.Features))
			}
			for _, p := range tc.props {
				if _, ok := l.Features[0].Properties[p]; !ok && p != "grid" && p != "squadron" { // nullable: left out when null
					t.Errorf("feature lacks %s: %v", p, l.Features[0].Properties)
				}
			}
		})
	}
}

func TestTileProtocol(t *testing.T) {
	c := newTileCity(t)
	tile := mvt.Covering(c.caseAt["A"], 13)
	path := tilePath(tiles.LayerCases, tile)
	plain := c.get(path, c.admin)
	gz := c.get(path, c.admin, "Accept-Encoding", "gzip")
	if gz.header.Get("Content-Encoding") != "gzip" || gz.etag == plain.etag {
		t.Fatalf("gzip answer: %v, etag %s vs %s", gz.header, gz.etag, plain.etag)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain.body) {
		t.Error("gzip body differs from the plain tile")
	}
	if again := c.get(path, c.admin, "If-None-Match", plain.etag); again.status != 304 {
		t.Errorf("If-None-Match with the current ETag = %d, want 304", again.status)
	}
	// Each coding answers conditional requests with its own ETag.
	if again := c.get(path, c.admin, "Accept-Encoding", "gzip", "If-None-Match", `"x", `+gz.etag); again.status != 304 ||
		again.etag != gz.etag || again.header.Get("Vary") == "" {
		t.Errorf("If-None-Match with the gzip ETag = %d, ETag %s, Vary %q; want 304 with them", again.status, again.etag, again.header.Get("Vary"))
	}
	if again := c.get(path, c.admin, "Accept-Encoding", "gzip", "If-None-Match", plain.etag); again.status != 200 {
		t.Errorf("gzip asked with the plain ETag = %d, want 200", again.status)
	}
	if refused := c.get(path, c.admin, "Accept-Encoding", "gzip;q=0, br"); refused.header.Get("Content-Encoding") != "" || !bytes.Equal(refused.body, plain.body) {
		t.Errorf("gzip;q=0 answered with Content-Encoding %q", refused.header.Get("Content-Encoding"))
	}
	far := mvt.Covering(orb.Point{10, 50}, 13)
	if a := c.get(tilePath(tiles.LayerCases, far), c.admin); a.status != 204 {
		t.Errorf("empty tile = %d, want 204", a.status)
	}
	for _, bad := range []struct {
		path string
		want int
	}{
		{"/tiles/cases/3/8/1.mvt", 400},
		{"/tiles/cases/23/0/0.mvt", 400},
		{"/tiles/cases/-1/0/0.mvt", 400},
		{"/tiles/unicorns/3/1/1.mvt", 404},
		{"/tiles/cases/13/6830/3323.mvt?from=yesterday", 400},
	} {
		if a := c.get(bad.path, c.admin); a.status != bad.want {
			t.Errorf("GET %s = %d %s, want %d", bad.path, a.status, a.body, bad.want)
		}
	}
	if a := c.get(path, "gw_nope"); a.status != 401 {
		t.Errorf("bad token = %d, want 401", a.status)
	}
	var tj struct {
		Bounds       []float64
		TileJSON     string `json:"tilejson"`
		Tiles        []string
		VectorLayers []struct {
			ID     string
			Fields map[string]string
		} `json:"vector_layers"`
	}
	var style struct {
		Version int            `json:"version"`
		Sources map[string]any `json:"sources"`
		Layers  []map[string]any
	}
	if st := c.get("/tiles/style.json", c.admin); json.Unmarshal(st.body, &style) != nil || style.Version != 8 || len(style.Sources) != 6 || len(style.Layers) < 7 {
		t.Errorf("style.json = %d %.300s", st.status, st.body)
	}
	a := c.get("/tiles/cases.json", c.admin)
	if err := json.Unmarshal(a.body, &tj); err != nil || tj.TileJSON != "3.0.0" || len(tj.VectorLayers) != 1 || tj.VectorLayers[0].Fields["sector"] == "" ||
		len(tj.Bounds) != 4 || tj.Bounds[0] != 120.20 || tj.Bounds[2] != 120.40 {
		t.Errorf("TileJSON = %s", a.body)
	}
}

// TestNewCaseChangesOnlyItsTiles posts a case in township A: the tiles holding it get a
// new ETag and show it, a tile elsewhere keeps its ETag and comes from the cache.
func TestNewCaseChangesOnlyItsTiles(t *testing.T) {
	c := newTileCity(t)
	here := mvt.Covering(c.caseAt["A"], 14)
	there := mvt.Covering(c.caseAt["B"], 14)
	before := map[mvt.Tile]tileAnswer{here: c.get(tilePath(tiles.LayerCases, here), c.admin), there: c.get(tilePath(tiles.LayerCases, there), c.admin)}
	hot := tilePath(tiles.LayerHotspots, mvt.Covering(c.caseAt["B"], 12))
	hotBefore := c.get(hot, c.admin)
	hits := c.srv.Tiles.CacheStats().Hits

	c.report(orb.Point{c.caseAt["A"][0] + 0.0001, c.caseAt["A"][1]}, "water")

	afterHere := c.get(tilePath(tiles.LayerCases, here), c.admin)
	afterThere := c.get(tilePath(tiles.LayerCases, there), c.admin)
	if afterHere.etag == before[here].etag || len(decode(t, afterHere.body).Features) != 2 {
		t.Errorf("the touched tile kept its ETag %s or lacks the new case", afterHere.etag)
	}
	if afterThere.etag != before[there].etag {
		t.Error("a tile the case does not touch changed its ETag")
	}
	if got := c.srv.Tiles.CacheStats().Hits; got != hits+1 {
		t.Errorf("cache hits went from %d to %d, want exactly one (the untouched tile)", hits, got)
	}
	// Hot spots are statistics over the whole area: every hot spot tile changes.
	if hotAfter := c.get(hot, c.admin); hotAfter.etag == hotBefore.etag {
		t.Error("a new case left the hot spot tiles' ETag unchanged")
	}
	// An import changes the township layer everywhere it is drawn.
	tw := c.get(tilePath(tiles.LayerTownships, mvt.Covering(c.caseAt["B"], 10)), c.admin)
	if _, err := c.srv.Grid.Import(context.Background(), []grid.TownshipInput{{Code: "C", Name: "丙镇",
		Geom: orb.MultiPolygon{{{{120.40, 31.80}, {120.45, 31.80}, {120.45, 31.85}, {120.40, 31.85}, {120.40, 31.80}}}}}}, 0); err != nil {
		t.Fatal(err)
	}
	if again := c.get(tilePath(tiles.LayerTownships, mvt.Covering(c.caseAt["B"], 10)), c.admin); again.etag == tw.etag {
		t.Error("an import left the township tiles' ETag unchanged")
	}
}

func TestScopedTokenSeesItsTownshipOnly(t *testing.T) {
	c := newTileCity(t)
	tile := mvt.Covering(orb.Point{120.30, 31.84}, 10) // holds both townships' cases
	all := decode(t, c.get(tilePath(tiles.LayerCases, tile)+"?x=1", c.admin).body)
	mine := c.get(tilePath(tiles.LayerCases, tile)+"?x=1", c.supA)
	if mine.status != 200 {
		t.Fatalf("scoped tile = %d", mine.status)
	}
	total := func(l *orbmvt.Layer) (n float64) {
		for _, f := range l.Features {
			n += f.Properties["count"].(float64)
		}
		return n
	}
	if total(all) != 2 || total(decode(t, mine.body)) != 1 {
		t.Errorf("cases: %v for admin, %v for A's supervisor; want 2 and 1", total(all), total(decode(t, mine.body)))
	}
	for _, f := range decode(t, c.get(tilePath(tiles.LayerTownships, tile), c.supA).body).Features {
		if f.Properties["code"] != "A" {
			t.Errorf("scoped township tile shows %v", f.Properties["code"])
		}
	}
}

// TestPatrolLayersFollowPositions posts fixes through the API: the tracks tile draws
// the walk, and the coverage tiles that show the cell — at z13 and rolled up at z8 —
// change their ETag.
func TestPatrolLayersFollowPositions(t *testing.T) {
	c := newTileCity(t)
	ctx := context.Background()
	if err := c.srv.Grid.CreateSquadron(ctx, grid.Squadron{Code: "A1", Name: "甲一", Township: "A"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.srv.Officers.Create(ctx, officer.Officer{ID: "o1", Name: "警员", Squadron: "A1"}, ""); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	var fixes []map[string]any
	for i := range 20 {
		fixes = append(fixes, map[string]any{"officer": "o1", "time": start.Add(time.Duration(i) * 10 * time.Second).Format(time.RFC3339),
			"lat": 31.84, "lon": 120.26 + float64(i)*0.0001})
	}
	p := orb.Point{120.261, 31.84}
	cov13 := tilePath(tiles.LayerCoverage, mvt.Covering(p, 13))
	cov8 := tilePath(tiles.LayerCoverage, mvt.Covering(p, 8))
	before13, before8 := c.get(cov13, c.admin), c.get(cov8, c.admin)
	body, _ := json.Marshal(map[string]any{"positions": fixes})
	req, _ := http.NewRequest("POST", c.http.URL+"/api/v1/positions", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /positions: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	after13, after8 := c.get(cov13, c.admin), c.get(cov8, c.admin)
	if after13.etag == before13.etag || after8.etag == before8.etag {
		t.Errorf("coverage ETags unchanged after new fixes: z13 %v, z8 %v", after13.etag != before13.etag, after8.etag != before8.etag)
	}
	visits := 0.0
	for _, f := range decode(t, after13.body).Features {
		visits += f.Properties["visits"].(float64)
	}
	if visits == 0 {
		t.Error("the coverage tile shows no visit")
	}
	tr := c.get(tilePath(tiles.LayerTracks, mvt.Covering(p, 14)), c.admin)
	if tr.status != 200 {
		t.Fatalf("tracks tile = %d", tr.status)
	}
	l := decode(t, tr.body)
	if len(l.Features) != 1 || l.Features[0].Properties["officer"] != "o1" || l.Features[0].Geometry.GeoJSONType() != "LineString" {
		t.Errorf("tracks tile features: %+v", l.Features)
	}
	if low := c.get(tilePath(tiles.LayerTracks, mvt.Covering(p, 9)), c.admin); low.status != 204 {
		t.Errorf("tracks below their minimum zoom = %d, want 204", low.status)
	}
}

// TestTilesAgreeWithPostGIS decodes tiles with orb's decoder and compares them with what
// PostGIS's own ST_AsMVTGeom makes of the same rows: case points to the tile unit, and
// township polygons by area.
func TestTilesAgreeWithPostGIS(t *testing.T) {
	c := newTileCity(t)
	ctx := context.Background()
	tile := mvt.Covering(c.caseAt["A"], 14)
	l := decode(t, c.get(tilePath(tiles.LayerCases, tile), c.admin).body)
	rows, err := c.srv.DB.Query(ctx, `
		SELECT id, ST_X(g), ST_Y(g) FROM (
			SELECT id, ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS g FROM cases) s
		WHERE g IS NOT NULL ORDER BY id`, tile.Z, tile.X, tile.Y)
	if err != nil {
		t.Fatal(err)
	}
	want := map[float64]orb.Point{}
	for rows.Next() {
		var id int64
		var p orb.Point
		rows.Scan(&id, &p[0], &p[1])
		want[float64(id)] = p
	}
	rows.Close()
	if len(want) == 0 || len(l.Features) != len(want) {
		t.Fatalf("%d features in the tile, PostGIS puts %d there", len(l.Features), len(want))
	}
	for _, f := range l.Features {
		got := f.Geometry.(orb.Point)
		w := want[f.Properties["id"].(float64)]
		if math.Abs(got[0]-w[0]) > 1 || math.Abs(got[1]-w[1]) > 1 {
			t.Errorf("case %v at %v in the tile, PostGIS says %v", f.Properties["id"], got, w)
		}
	}

	ttile := mvt.Covering(c.caseAt["A"], 11)
	tl := decode(t, c.get(tilePath(tiles.LayerTownships, ttile), c.admin).body)
	for _, f := range tl.Features {
		var pgArea float64
		err := c.srv.DB.QueryRow(ctx, `
			SELECT ST_Area(ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true))
			FROM townships WHERE code = $4`, ttile.Z, ttile.X, ttile.Y, f.Properties["code"]).Scan(&pgArea)
		if err != nil {
			t.Fatal(err)
		}
		got := math.Abs(planar.Area(f.Geometry))
		if math.Abs(got-pgArea) > 0.02*pgArea {
			t.Errorf("township %v: %.0f tile units² in our tile, %.0f from PostGIS", f.Properties["code"], got, pgArea)
		}
	}
}

// TestDenseCaseTileStaysWithinBudget fills one spot with more cases than a tile may draw
// as points: the tile shows cells with counts instead, and stays small.
func TestDenseCaseTileStaysWithinBudget(t *testing.T) {
	c := newTileCity(t)
	p := orb.Point{120.27, 31.85}
	_, err := c.srv.DB.Exec(context.Background(), `
		INSERT INTO cases (sector, title, lon, lat, h3, township, township_key, source, reporter, reported_at)
		SELECT 'urban_management', 'x', $1 + (i % 100) * 0.00001, $2 + (i / 100) * 0.00001, $3, 'A', 'A', 'patrol', 'test', now()
		FROM generate_series(1, $4) i`, p[0], p[1], int64(grid.CellAt(p, 9)), tiles.MaxCasePoints+10)
	if err != nil {
		t.Fatal(err)
	}
	a := c.get(tilePath(tiles.LayerCases, mvt.Covering(p, 14)), c.admin)
	l := decode(t, a.body)
	total := 0.0
	for _, f := range l.Features {
		total += f.Properties["count"].(float64)
	}
	if len(l.Features) > 50 || total < tiles.MaxCasePoints || len(a.body) > 20_000 {
		t.Errorf("dense tile: %d features, %v cases, %d bytes; want a few cells with counts", len(l.Features), total, len(a.body))
	}
}

// TestCaseFilterLikeTheAPI checks that the cases layer reads its filter by the rules of
// the cases API: an unknown sector or status is refused as the list refuses it, and the
// selections the API takes are drawn, each under a cache key of its own.
func TestCaseFilterLikeTheAPI(t *testing.T) {
	c := newTileCity(t)
	c.report(orb.Point{c.caseAt["A"][0] + 0.0001, c.caseAt["A"][1]}, "fire")
	path := tilePath(tiles.LayerCases, mvt.Covering(c.caseAt["A"], 14))
	for _, q := range []string{"sector=astrology", "status=lost", "status=reported,lost"} {
		api := c.get("/api/v1/cases?"+q, c.admin)
		a := c.get(path+"?"+q, c.admin)
		var p struct{ Code string }
		if err := json.Unmarshal(a.body, &p); err != nil || a.status != 400 || p.Code != "invalid" ||
			a.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s?%s = %d %q %s, want 400 problem+json, code invalid", path, q, a.status, a.header.Get("Content-Type"), a.body)
		}
		if api.status != a.status {
			t.Errorf("?%s: the cases API answers %d, the tile %d", q, api.status, a.status)
		}
	}
	for _, tc := range []struct {
		query string
		want  int // cases drawn
	}{
		{"", 2},
		{"sector=all", 2},
		{"sector=non_core", 1},
		{"sector=urban_management", 1},
		{"status=reported,closed", 2},
		{"status=closed", 0},
	} {
		a := c.get(path+"?"+tc.query, c.admin)
		got := 0
		if a.status == 200 {
			got = len(decode(t, a.body).Features)
		}
		if (a.status != 200 && a.status != 204) || got != tc.want {
			t.Errorf("GET %s?%s = %d with %d cases, want %d", path, tc.query, a.status, got, tc.want)
		}
	}
}

// TestConcurrentAnalysisTilesComputeOnce: a wall opening the hot spot layer asks for many
// cold tiles at once; they share one computation of the analysis.
func TestConcurrentAnalysisTilesComputeOnce(t *testing.T) {
	c := newTileCity(t)
	before := c.srv.Tiles.AnalysisComputations()
	centre := mvt.Covering(orb.Point{120.30, 31.84}, 14)
	var wall []mvt.Tile
	for dx := range 8 {
		for dy := range 4 {
			wall = append(wall, mvt.Tile{Z: 14, X: centre.X - 4 + uint32(dx), Y: centre.Y - 2 + uint32(dy)})
		}
	}
	statuses := make([]int, len(wall))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, tl := range wall {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = c.get(tilePath(tiles.LayerHotspots, tl), c.admin).status
		}()
	}
	close(start)
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusOK && st != http.StatusNoContent {
			t.Errorf("tile %v: %d", wall[i], st)
		}
	}
	if n := c.srv.Tiles.AnalysisComputations() - before; n != 1 {
		t.Errorf("%d concurrent cold tiles of one analysis ran %d computations, want 1", len(wall), n)
	}
}
