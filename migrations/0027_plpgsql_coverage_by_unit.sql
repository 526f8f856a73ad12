-- coverage_by_unit (0024) in PL/pgSQL: Citus cannot plan a parameterised SQL-language
-- function over distributed tables (coverage), as 0017 found for coverage_by_area; the
-- same query in PL/pgSQL it can (planned with its arguments). Same results on a single
-- node. Owned by patrol/coverage (Store.ByUnit).
CREATE OR REPLACE FUNCTION coverage_by_unit(level text, from_t timestamptz, to_t timestamptz)
RETURNS TABLE (code text, cells integer, cell_weeks bigint, dwell_s double precision)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH units AS (
        SELECT c.township AS code, c.h3, NULL::text AS officer FROM cells c WHERE level = 'township'
        UNION ALL
        SELECT g.squadron, c.h3, NULL FROM cells c JOIN grid_areas g ON g.code = c.grid_area
        WHERE level = 'squadron' AND g.squadron IS NOT NULL
        UNION ALL
        SELECT o.id, c.h3, o.id FROM officers o JOIN grid_areas g ON g.squadron = o.squadron
        JOIN cells c ON c.grid_area = g.code WHERE level = 'officer'
    ), weekly AS (
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
    GROUP BY u.code;
END
$$;
