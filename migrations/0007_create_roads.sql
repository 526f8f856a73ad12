-- The road network that patrol plans may route along. Optional: when the table is empty,
-- or pgRouting is not installed, plans use great-circle distances times a detour factor.
-- Vertices are where roads meet or end; edges run between two of them.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgrouting') THEN
        CREATE EXTENSION IF NOT EXISTS pgrouting;
    END IF;
END
$$;

CREATE TABLE road_vertices (
    id   bigint PRIMARY KEY,
    geom geometry(Point, 4326) NOT NULL
);
CREATE INDEX road_vertices_geom_idx ON road_vertices USING gist (geom);

CREATE TABLE road_edges (
    id       bigint PRIMARY KEY,
    source   bigint NOT NULL REFERENCES road_vertices (id),
    target   bigint NOT NULL REFERENCES road_vertices (id),
    length_m double precision NOT NULL CHECK (length_m >= 0),
    oneway   boolean NOT NULL DEFAULT false,
    name     text,
    kind     text,
    geom     geometry(LineString, 4326) NOT NULL
);
CREATE INDEX road_edges_geom_idx ON road_edges USING gist (geom);
