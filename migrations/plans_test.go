package migrations_test

import (
	"context"
	"testing"

	"github.com/gridwatch/gridwatch/internal/pgtest"
)

// TestQueryFunctionsArePlannedWithTheirArguments checks that every PL/pgSQL function of
// the migrations that takes arguments and returns rows, not a trigger, runs with
// plan_cache_mode = force_custom_plan: a cached generic plan knows neither a tile's bounds
// nor a window, and one such plan made coverage tiles take seconds instead of
// milliseconds (migration 0028).
func TestQueryFunctionsArePlannedWithTheirArguments(t *testing.T) {
	pool := pgtest.NewPool(t)
	rows, err := pool.Query(context.Background(), `
		SELECT p.proname, coalesce('plan_cache_mode=force_custom_plan' = ANY (p.proconfig), false)
		FROM pg_proc p
		JOIN pg_language l ON l.oid = p.prolang
		JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE l.lanname = 'plpgsql' AND n.nspname = 'public' AND p.proretset
		  AND p.prorettype <> 'trigger'::regtype AND p.pronargs > 0
		  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
		                  AND d.objid = p.oid AND d.deptype = 'e')
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var name string
		var custom bool
		if err := rows.Scan(&name, &custom); err != nil {
			t.Fatal(err)
		}
		seen++
		if !custom {
			t.Errorf("%s: set plan_cache_mode = force_custom_plan on it (see migration 0028)", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen < 3 {
		t.Errorf("found %d query functions; the migrations create at least coverage_by_area, coverage_by_unit and coverage_rollup", seen)
	}
}
