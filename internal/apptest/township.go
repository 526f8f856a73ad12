package apptest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/grid"
)

// AddTownship imports, through package grid, a township of about 1 km² (a square from
// 120.20°E 31.80°N to 120.21°E 31.81°N) split into its cells at DefaultResolution, for
// tests that only need a township to exist (token scopes, say) on a database of their own
// rather than a whole NewCity. Any error fails the test at once.
func AddTownship(t testing.TB, db *pgxpool.Pool, code, name string) {
	t.Helper()
	town := grid.TownshipInput{Code: code, Name: name, Geom: Box(120.20, 31.80, 120.21, 31.81)}
	if _, err := grid.NewStore(db, DefaultResolution).Import(context.Background(), []grid.TownshipInput{town}, 0); err != nil {
		t.Fatalf("add township %s: %v", code, err)
	}
}
