-- coverage_rollup: owned by patrol/coverage (Store.Rollup), which draws the coverage
-- layer of the map tiles. It reads grid's cells with the coverage table, like the
-- functions of 0008, so that no other package's SQL reads the two together.
--
-- The cells whose centre lies in the WGS-84 envelope (west, south, east, north) and in
-- township scope ('' = every township), rolled up to their parents at resolution res (the
-- cells themselves at the city's resolution), with their coverage over the hours from
-- from_t truncated to the hour up to to_t: per parent, its first township by code, the
-- number of cells, visits and dwell seconds summed, distinct officers the most of any
-- cell, and the last visit.
CREATE FUNCTION coverage_rollup(west float8, south float8, east float8, north float8, res int,
                                scope text, from_t timestamptz, to_t timestamptz)
RETURNS TABLE (h3 bigint, township text, cells int, visits int, officers int,
               dwell_s double precision, last_visit timestamptz)
LANGUAGE sql STABLE AS $$
    WITH c AS (
        SELECT cl.h3, cl.township,
               CASE WHEN res >= cardinality(cl.parents) THEN cl.h3 ELSE cl.parents[res + 1] END AS up
        FROM cells cl
        WHERE cl.center && ST_MakeEnvelope(west, south, east, north, 4326) AND (scope = '' OR cl.township = scope)),
    v AS (
        SELECT c.up, c.h3, sum(cv.visits) AS visits, count(DISTINCT cv.officer) AS officers,
               sum(cv.dwell_s) AS dwell_s, max(cv.last_visit) AS last_visit
        FROM c JOIN coverage cv ON cv.h3 = c.h3
        WHERE cv.hour >= date_trunc('hour', from_t) AND cv.hour < to_t
        GROUP BY c.up, c.h3)
    SELECT c.up, min(c.township), count(*)::int, coalesce(sum(v.visits), 0)::int,
           coalesce(max(v.officers), 0)::int, coalesce(sum(v.dwell_s), 0), max(v.last_visit)
    FROM c LEFT JOIN v ON v.h3 = c.h3
    GROUP BY c.up
$$;
