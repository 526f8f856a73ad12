-- Every Gridwatch instance keeps the identities of live tokens in memory for a short
-- time (internal/auth's Cache, the owner of api_tokens). A token revoked or changed
-- — by any instance, by `gridwatch token revoke`, or by hand — is announced to them all
-- on the instances' NOTIFY channel (package cluster's Channel), at commit, so that each
-- forgets it at once rather than at the end of the cache's lifetime. The payload is a
-- cluster message of kind "token"; its origin is no instance's, so every instance hears
-- it. Updates of last_used_at alone announce nothing.
CREATE FUNCTION api_tokens_announce_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gridwatch_events',
        json_build_object('o', 'database', 'k', 'token', 'tk', OLD.id)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER api_tokens_announce_change
    AFTER UPDATE OF revoked_at, expires_at, role, township, officer, qualification, name, token_hash
    OR DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION api_tokens_announce_change();

-- The cells layer draws, below zoom 12, the cells' parents with the number of cells under
-- them. Aggregating every cell of a low-zoom tile's area on each cold tile was most of
-- that layer's cost; cell_rollups holds the aggregates, kept by grid (their owner) in the
-- transactions that change cells: one row per resolution, parent and township (a parent
-- may straddle townships; a scoped map counts its own township's cells only). centers
-- holds the centres of the cells under the row, so that a tile finds exactly the parents
-- with a cell centre in its area, as it would from the cells. Resolutions 5 and up, below
-- the city's: what the tile layers show.
CREATE TABLE cell_rollups (
    res       smallint NOT NULL,
    h3        bigint NOT NULL,
    township  text NOT NULL REFERENCES townships (code),
    grid_area text,   -- the grid area of a lone cell; NULL for several cells or none
    cells     integer NOT NULL,
    centers   geometry(MultiPoint, 4326) NOT NULL,
    PRIMARY KEY (res, h3, township)
);
CREATE INDEX cell_rollups_centers_idx ON cell_rollups USING gist (centers);
CREATE INDEX cell_rollups_township_idx ON cell_rollups (township);

INSERT INTO cell_rollups (res, h3, township, grid_area, cells, centers)
SELECT r, c.parents[r + 1], c.township, CASE WHEN count(*) = 1 THEN min(c.grid_area) END, count(*),
       ST_Multi(ST_Collect(c.center))
FROM cells c CROSS JOIN LATERAL generate_series(5, cardinality(c.parents) - 1) AS r
GROUP BY 1, 2, 3;
