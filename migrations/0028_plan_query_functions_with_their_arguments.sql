-- The PL/pgSQL query functions (0017, 0027) are planned with their arguments on every
-- call. PL/pgSQL caches the plan of each query it runs: after five calls on one
-- connection it may switch to a generic plan that knows neither the tile's bounds nor the
-- window, and for coverage_rollup that plan took 27 s where the planned one took 70 ms —
-- long-lived pooled connections made the wall's coverage layer time out after its first
-- few tiles. A custom plan costs a millisecond of planning per call.
ALTER FUNCTION coverage_by_area(text, timestamptz, timestamptz) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION coverage_by_unit(text, timestamptz, timestamptz) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION coverage_rollup(float8, float8, float8, float8, int, text, timestamptz, timestamptz)
    SET plan_cache_mode = force_custom_plan;
