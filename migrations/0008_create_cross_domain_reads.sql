-- Reads that join the tables of several owners. Each function names the one package
-- whose store calls it; no other package's SQL reads these tables together.

-- coverage_by_area: owned by patrol/coverage (Store.ByArea). Patrol visits and dwell
-- seconds per township (level 'township') or grid area (level 'grid') over the hours from
-- from_t truncated to the hour up to to_t; a bucket's township and grid area are those of
-- its cell in grid's cells. Cells outside every grid area give a NULL code.
CREATE FUNCTION coverage_by_area(level text, from_t timestamptz, to_t timestamptz)
RETURNS TABLE (code text, visits bigint, dwell_s double precision)
LANGUAGE sql STABLE AS $$
    SELECT CASE level WHEN 'grid' THEN c.grid_area ELSE c.township END, sum(v.visits), sum(v.dwell_s)
    FROM coverage v JOIN cells c ON c.h3 = v.h3
    WHERE v.hour >= date_trunc('hour', from_t) AND v.hour < to_t
    GROUP BY 1
$$;
