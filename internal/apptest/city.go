package apptest

import (
	"context"
	"maps"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgtest"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/evidence"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// DefaultResolution is the H3 resolution of a test city's cells when its Spec gives none:
// res 9 (about 0.1 km² a cell) keeps a township of a few kilometres to some hundreds of
// cells.
const DefaultResolution = 9

// Spec describes a test city. NewCity creates its parts in the order of the fields, so
// that each may refer to the ones before it.
type Spec struct {
	Resolution int                       // H3 resolution of the cells; 0 means DefaultResolution
	Townships  []grid.TownshipInput      // imported and split into cells
	Squadrons  []grid.Squadron           // each in one of Townships
	GridAreas  []grid.NewGridArea        // each in one of Townships
	Officers   []officer.Officer         // unscoped; an empty Name becomes "警员 " + ID
	Tokens     map[string]auth.TokenSpec // by name, which is also the token's Name when it has none
	Evidence   evidence.Limits           // upload limits; zero fields take the defaults
	Procedure  cases.ProcedureConfig     // penalty periods and major rule; zero fields take the defaults
	// Configure, when set, changes the server's configuration before it opens (rate
	// limits, admission, a trusted proxy).
	Configure func(*app.Config)
}

// City is a server on a database of its own, served over HTTP, with the tokens of its
// Spec by name. Both servers close when the test ends.
type City struct {
	Client             // requests to HTTP with the city's tokens
	Server *app.Server // the assembled server, for direct access to its stores and pool
	HTTP   *httptest.Server
	// DatabaseURL is the city's database, for a test that opens another server on it (a
	// restart, a second instance).
	DatabaseURL string
}

// NewCity opens a server on a fresh migrated database (pgtest.NewDB) and builds the city of
// spec in it; any error fails the test at once.
func NewCity(t testing.TB, spec Spec) *City {
	t.Helper()
	ctx := context.Background()
	dbURL := pgtest.NewDB(t)
	cfg := app.Config{DatabaseURL: dbURL, EvidenceDir: t.TempDir(), Evidence: spec.Evidence,
		Procedure: spec.Procedure}
	if spec.Configure != nil {
		spec.Configure(&cfg)
	}
	srv, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("test city: %s: %v", what, err)
		}
	}
	// As `gridwatch migrate` does: the working-day calendars the build ships.
	_, err = srv.Calendar.LoadShipped(ctx)
	must("shipped calendars", err)
	res := spec.Resolution
	if res == 0 {
		res = DefaultResolution
	}
	if len(spec.Townships) > 0 {
		_, err := srv.Grid.Import(ctx, spec.Townships, res)
		must("import townships", err)
	}
	for _, q := range spec.Squadrons {
		must("squadron "+q.Code, srv.Grid.CreateSquadron(ctx, q))
	}
	for _, g := range spec.GridAreas {
		_, err := srv.Grid.CreateGridArea(ctx, g)
		must("grid area "+g.Code, err)
	}
	for _, o := range spec.Officers {
		if o.Name == "" {
			o.Name = "警员 " + o.ID
		}
		_, err := srv.Officers.Create(ctx, o, "")
		must("officer "+o.ID, err)
	}
	c := &City{Server: srv, HTTP: httptest.NewServer(srv.Handler()), DatabaseURL: dbURL}
	t.Cleanup(c.HTTP.Close)
	c.Client = Client{TB: t, URL: c.HTTP.URL, Tokens: map[string]string{}}
	// In name order, so that token IDs are the same on every run.
	for _, name := range slices.Sorted(maps.Keys(spec.Tokens)) {
		ts := spec.Tokens[name]
		if ts.Name == "" {
			ts.Name = name
		}
		tok, _, err := srv.Tokens.Create(ctx, ts)
		must("token "+name, err)
		c.Tokens[name] = tok
	}
	return c
}

// Box returns the rectangle from west to east and south to north (degrees, WGS-84) as a
// multipolygon of one counter-clockwise ring, the shape of a test township.
func Box(west, south, east, north float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{west, south}, {east, south}, {east, north}, {west, north}, {west, south}}}}
}
