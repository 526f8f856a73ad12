-- The assessment (监督考核): its weights, owned by patrol/assessment, and the patrol read
-- it needs across owners.

-- One row per indicator; an indicator without a row takes its default weight.
CREATE TABLE assessment_weights (
    indicator  text PRIMARY KEY CHECK (indicator ~ '^[a-z_]{1,32}$'),
    weight     double precision NOT NULL CHECK (weight >= 0),
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- coverage_by_unit: owned by patrol/coverage (Store.ByUnit). Each unit's cells and their
-- patrol over the hours from from_t truncated to the hour up to to_t: for level
-- 'township' the township's cells, for 'squadron' the cells of the squadron's grid
-- areas, for 'officer' the cells of the officer's squadron's grid areas patrolled by that
-- officer. cell_weeks counts (cell, week) pairs with at least one visit, the weeks being
-- the 7-day steps counted from from_t; dwell_s is the dwell in the unit's cells.
CREATE FUNCTION coverage_by_unit(level text, from_t timestamptz, to_t timestamptz)
RETURNS TABLE (code text, cells integer, cell_weeks bigint, dwell_s double precision)
LANGUAGE sql STABLE AS $$
    WITH units AS (
        SELECT c.township AS code, c.h3, NULL::text AS officer FROM cells c WHERE level = 'township'
        UNION ALL
        SELECT g.squadron, c.h3, NULL FROM cells c JOIN grid_areas g ON g.code = c.grid_area
        WHERE level = 'squadron' AND g.squadron IS NOT NULL
        UNION ALL
        SELECT o.id, c.h3, o.id FROM officers o JOIN grid_areas g ON g.squadron = o.squadron
        JOIN cells c ON c.grid_area = g.code WHERE level = 'officer'
    ), weekly AS (
        -- one row per cell and week (and officer, at level officer): a unit's rows are
        -- then its visited cell-weeks
        SELECT v.h3, CASE WHEN level = 'officer' THEN v.officer END AS officer,
               floor(extract(epoch FROM v.hour - from_t) / 604800) AS week, sum(v.dwell_s) AS dwell_s
        FROM coverage v
        WHERE v.hour >= date_trunc('hour', from_t) AND v.hour < to_t
        GROUP BY 1, 2, 3
    ), patrolled AS (
        SELECT u.code, count(*) AS cell_weeks, sum(w.dwell_s) AS dwell_s
        FROM units u JOIN weekly w ON w.h3 = u.h3 AND (u.officer IS NULL OR w.officer = u.officer)
        GROUP BY u.code
    )
    SELECT u.code, count(*)::int, coalesce(max(p.cell_weeks), 0), coalesce(max(p.dwell_s), 0)
    FROM units u LEFT JOIN patrolled p ON p.code = u.code
    GROUP BY u.code
$$;
