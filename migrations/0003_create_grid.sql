-- The base map: townships split into H3 cells, cells grouped into grid areas (网格) that
-- squadrons (中队) own. Every cell belongs to exactly one township (the one holding its
-- centre); a cell belongs to at most one grid area, of the same township.

-- The resolution the city is split at; one row.
CREATE TABLE grid_settings (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    resolution smallint NOT NULL CHECK (resolution BETWEEN 0 AND 15)
);

CREATE TABLE townships (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_.-]{1,32}$'),
    name        text NOT NULL CHECK (name <> '' AND length(name) <= 200),
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    area_km2    double precision NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX townships_geom_idx ON townships USING gist (geom);

CREATE TABLE squadrons (
    code     text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
    name     text NOT NULL CHECK (name <> '' AND length(name) <= 200),
    township text NOT NULL REFERENCES townships (code),
    -- where the squadron's officers start a shift; optional.
    base     geometry(Point, 4326)
);
CREATE INDEX squadrons_township_idx ON squadrons (township);

-- A grid area's geometry is the source of truth for its membership: when townships are
-- re-split (new borders or a new resolution) its cells are the township's cells whose
-- centre lies inside it.
CREATE TABLE grid_areas (
    code       text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
    name       text NOT NULL CHECK (name <> '' AND length(name) <= 200),
    township   text NOT NULL REFERENCES townships (code),
    squadron   text REFERENCES squadrons (code),
    geom       geometry(MultiPolygon, 4326) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX grid_areas_township_idx ON grid_areas (township);
CREATE INDEX grid_areas_geom_idx ON grid_areas USING gist (geom);

CREATE TABLE cells (
    h3        bigint PRIMARY KEY,
    township  text NOT NULL REFERENCES townships (code),
    grid_area text REFERENCES grid_areas (code),
    geom      geometry(Polygon, 4326) NOT NULL,
    center    geometry(Point, 4326) NOT NULL,
    -- parents[r + 1] is the cell's parent at resolution r, for roll-ups.
    parents   bigint[] NOT NULL
);
CREATE INDEX cells_township_idx ON cells (township);
CREATE INDEX cells_grid_area_idx ON cells (grid_area);
CREATE INDEX cells_center_idx ON cells USING gist (center);

-- A token's township scope must name a township (new tokens; old rows are not checked).
ALTER TABLE api_tokens
    ADD CONSTRAINT api_tokens_township_fkey FOREIGN KEY (township) REFERENCES townships (code) NOT VALID;
