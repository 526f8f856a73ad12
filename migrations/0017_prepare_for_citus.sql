-- Ready for Citus (docs/scaling.md), the same on a single node: keys that hold the
-- distribution column, and cross-table reads Citus can plan.

-- Positions keyed by township first, so that a Citus cluster can distribute them by
-- township (a distributed table's keys must hold its distribution column). A fix stays
-- unique per officer and time within the officer's township, which ingest already
-- guarantees by reading the officer's chain before it writes; that chain is read by
-- (officer, time), so that index stays.
ALTER TABLE positions DROP CONSTRAINT positions_pkey;
ALTER TABLE positions ADD PRIMARY KEY (township, officer, time);
CREATE INDEX positions_officer_time_idx ON positions (officer, time);

-- Citus cannot plan a parameterised SQL-language function over distributed tables; the
-- same queries in PL/pgSQL it can (each is planned with its arguments). Same results.
CREATE OR REPLACE FUNCTION coverage_by_area(level text, from_t timestamptz, to_t timestamptz)
RETURNS TABLE (code text, visits bigint, dwell_s double precision)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT CASE level WHEN 'grid' THEN c.grid_area ELSE c.township END, sum(v.visits), sum(v.dwell_s)
    FROM coverage v JOIN cells c ON c.h3 = v.h3
    WHERE v.hour >= date_trunc('hour', from_t) AND v.hour < to_t
    GROUP BY 1;
END
$$;

CREATE OR REPLACE FUNCTION coverage_rollup(west float8, south float8, east float8, north float8, res int,
                                           scope text, from_t timestamptz, to_t timestamptz)
RETURNS TABLE (h3 bigint, township text, cells int, visits int, officers int,
               dwell_s double precision, last_visit timestamptz)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
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
    GROUP BY c.up;
END
$$;
