package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/grid"

	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgtest"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// TestTokenCreatePrintsTokenLast runs the command line as a user would and checks that
// the printed token authenticates with the role asked for.
func TestTokenCreatePrintsTokenLast(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDB(t)
	pool := pgtest.NewPoolFor(t, url)
	apptest.AddTownship(t, pool, "320281001", "澄江")
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"token", "create", "--db", url, "--role", "supervisor", "--township", "320281001", "--name", "wall"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("token create: %v (%s)", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	token := lines[len(lines)-1]

	id, err := auth.NewStore(pool).Authenticate(ctx, token)
	if err != nil {
		t.Fatalf("printed token %q does not authenticate: %v", token, err)
	}
	if id.Role != auth.Supervisor || id.Township != "320281001" || id.Name != "wall" {
		t.Errorf("identity = %+v", id)
	}

	stdout.Reset()
	if err := run(ctx, []string{"token", "list", "--db", url}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "wall") || strings.Contains(stdout.String(), token) {
		t.Errorf("token list = %q: want the name, never the token", stdout.String())
	}
	stdout.Reset()
	if err := run(ctx, []string{"token", "revoke", "--db", url, "1"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.NewStore(pool).Authenticate(ctx, token); err == nil {
		t.Error("revoked token still authenticates")
	}
}

func TestCommandLineErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "no command"},
		{"unknown command", []string{"fly"}, "unknown command"},
		{"bad role", []string{"token", "create", "--db", "postgres://x@127.0.0.1:1/x", "--role", "root", "--name", "x"}, "unknown role"},
		{"serve without database", []string{"serve", "--db", ""}, "no database"},
		{"stray argument", []string{"migrate", "--db", "x", "extra"}, "unexpected arguments"},
		{"a decision period of 0 days", []string{"serve", "--db", "x", "--penalty-decide-days", "0"}, "penalty-decide-days"},
		{"a hearing period in hours", []string{"serve", "--db", "x", "--penalty-hearing-request-workdays", "5h"}, "penalty-hearing-request-workdays"},
		{"a negative fine threshold", []string{"serve", "--db", "x", "--major-fine-individual-yuan", "-1"}, "major-fine-individual-yuan"},
		{"a fine threshold of NaN", []string{"serve", "--db", "x", "--major-fine-organization-yuan", "NaN"}, "major-fine-organization-yuan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestImportTownshipsCommand(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDB(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.geojson")
	bad := filepath.Join(dir, "bad.geojson")
	const square = `{"type":"Polygon","coordinates":[[[120.2,31.8],[120.22,31.8],[120.22,31.82],[120.2,31.82],[120.2,31.8]]]}`
	os.WriteFile(good, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":320281001,"name":"澄江"},"geometry":`+square+`}]}`), 0o644)
	os.WriteFile(bad, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},"geometry":`+square+`}]}`), 0o644)

	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"import", "townships", "--db", url, "--res", "10", good}, &stdout, &stderr); err != nil {
		t.Fatalf("import: %v", err)
	}
	var got grid.ImportResult
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("output is not the import result: %s", stdout.String())
	}
	if got.Resolution != 10 || len(got.Townships) != 1 || got.Townships[0].Code != "320281001" || got.Townships[0].Cells < 100 {
		t.Errorf("import = %+v", got)
	}
	err := run(ctx, []string{"import", "townships", "--db", url, bad}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "bad_code") {
		t.Errorf("bad import: err = %v, want the feature's reason", err)
	}
}

func TestImportRoadsAndGPXCommands(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDB(t)
	pool := pgtest.NewPoolFor(t, url)
	dir := t.TempDir()
	streets := filepath.Join(dir, "streets.geojson")
	os.WriteFile(streets, []byte(`{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"name":"人民路"},"geometry":{"type":"LineString","coordinates":[[120.20,31.80],[120.21,31.80],[120.22,31.80]]}},
	 {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[120.21,31.79],[120.21,31.80],[120.21,31.81]]}}]}`), 0o644)
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"import", "roads", "--db", url, streets}, &stdout, &stderr); err != nil {
		t.Fatalf("import roads: %v (%s)", err, stderr.String())
	}
	var sum struct{ Vertices, Edges int }
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil || sum.Edges != 4 || sum.Vertices != 5 {
		t.Errorf("import roads printed %s (%v), want 4 edges between 5 vertices", stdout.String(), err)
	}

	apptest.AddTownship(t, pool, "320281001", "澄江")
	grids := grid.NewStore(pool, grid.DefaultResolution)
	if err := grids.CreateSquadron(ctx, grid.Squadron{Code: "Q1", Name: "一中队", Township: "320281001"}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO officers (id, name, squadron, township) VALUES ('o1', '王', 'Q1', '320281001')`); err != nil {
		t.Fatal(err)
	}
	// A month-old walk: older than devices may send, fine for an archive import.
	start := time.Now().Add(-30 * 24 * time.Hour).UTC().Truncate(time.Second)
	var gpx strings.Builder
	gpx.WriteString(`<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>`)
	for i := range 10 {
		fmt.Fprintf(&gpx, `<trkpt lat="31.8" lon="%.5f"><time>%s</time></trkpt>`, 120.2+float64(i)*0.0002, start.Add(time.Duration(i)*10*time.Second).Format(time.RFC3339))
	}
	gpx.WriteString(`</trkseg></trk></gpx>`)
	track := filepath.Join(dir, "walk.gpx")
	os.WriteFile(track, []byte(gpx.String()), 0o644)
	stdout.Reset()
	if err := run(ctx, []string{"import", "gpx", "--db", url, "--officer", "o1", track}, &stdout, &stderr); err != nil {
		t.Fatalf("import gpx: %v (%s)", err, stderr.String())
	}
	var stored int
	pool.QueryRow(ctx, `SELECT count(*) FROM positions WHERE officer = 'o1'`).Scan(&stored)
	if stored != 10 {
		t.Errorf("%d fixes stored, want 10; printed %s", stored, stdout.String())
	}
	if err := run(ctx, []string{"import", "gpx", "--db", url, "--officer", "ghost", track}, &stdout, &stderr); err == nil {
		t.Error("import for an unknown officer succeeded")
	}
}

func TestImportPowersAndBandsCommands(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDB(t)
	apptest.AddTownship(t, pgtest.NewPoolFor(t, url), "320281001", "澄江")
	dir := t.TempDir()
	list := filepath.Join(dir, "list.csv")
	os.WriteFile(list, []byte("赋权清单\n序号,事项名称,所属领域,实施部门,事项类别,适用镇街\n"+
		"1,擅自占用城市道路,城市管理,城管局,行政处罚,全部\n2,餐饮油烟直排,生态环境,生态环境局,行政处罚,澄江\n"), 0o644)
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"import", "powers", "--db", url, list, "--effective", "2018-03-01", "--document", "澄政发〔2018〕12号"},
		&stdout, &stderr)
	if err != nil {
		t.Fatalf("import powers: %v (%s)", err, stderr.String())
	}
	var got powers.ImportResult
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || got.Items.Created != 2 || got.Delegations.Granted != 2 {
		t.Errorf("import powers printed %s (%v), want 2 items and 2 grants", stdout.String(), err)
	}

	bands := filepath.Join(dir, "bands.csv")
	os.WriteFile(bands, []byte("事项名称,裁量阶次,适用情形,处罚标准\n擅自占用城市道路,轻微,首次,处500元以上1000元以下罚款\n"), 0o644)
	stdout.Reset()
	if err := run(ctx, []string{"import", "bands", "--db", url, bands}, &stdout, &stderr); err != nil {
		t.Fatalf("import bands: %v (%s)", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"bands": 1`) {
		t.Errorf("import bands printed %s, want one band", stdout.String())
	}

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("事项名称,所属领域,实施部门,事项类别,适用镇街\n甲,城市美化,城管局,行政处罚,澄江\n乙,城市管理,城管局,行政处罚,火星\n"), 0o644)
	stderr.Reset()
	err = run(ctx, []string{"import", "powers", "--db", url, bad}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "2 bad rows") {
		t.Errorf("bad list: err = %v, want 2 bad rows", err)
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) < 2 ||
		!strings.HasPrefix(lines[len(lines)-2], "row 2: unknown_sector") || !strings.HasPrefix(lines[len(lines)-1], "row 3: unknown_township") {
		t.Errorf("bad rows printed %q, want one a line", stderr.String())
	}
}
