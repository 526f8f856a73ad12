-- Officers, their GPS positions (partitioned by day), the latest position of each officer
-- and patrol coverage per cell, kept up to date by ingest.

CREATE TABLE officers (
    id         text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.-]{1,64}$'),
    name       text NOT NULL CHECK (name <> '' AND length(name) <= 200),
    squadron   text NOT NULL REFERENCES squadrons (code),
    -- the squadron's township, kept here for scoping and for distributing by township.
    township   text NOT NULL REFERENCES townships (code),
    -- what the officer's phone calls itself (Traccar Client's device identifier).
    device_id  text UNIQUE CHECK (device_id <> '' AND length(device_id) <= 128),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX officers_squadron_idx ON officers (squadron);
CREATE INDEX officers_township_idx ON officers (township);

-- One row per fix, unique on (officer, time). Partitions are one UTC day each, created
-- ahead by the server (ensure_position_partitions). Ingest writes with COPY, having
-- removed the fixes already stored (it holds the officer's lock and has read the chain of
-- stored fixes around the batch). No foreign key: ingest checks the officer, and a key
-- check per row would slow COPY.
CREATE TABLE positions (
    officer     text        NOT NULL,
    time        timestamptz NOT NULL,
    township    text        NOT NULL,
    lon         float8      NOT NULL,
    lat         float8      NOT NULL,
    -- derived, so that ingest can COPY plain columns.
    geom        geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
    h3          bigint      NOT NULL,
    accuracy_m  real,
    speed_ms    real,
    heading_deg real,
    altitude_m  real,
    battery_pct real,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (officer, time)
) PARTITION BY RANGE (time);

-- ensure_position_partitions creates the daily partitions covering [from_day, to_day].
CREATE FUNCTION ensure_position_partitions(from_day date, to_day date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    d date := from_day;
    name text;
    created integer := 0;
BEGIN
    -- Two servers creating the same day's partition wait for each other.
    PERFORM pg_advisory_xact_lock(7304115020);
    WHILE d <= to_day LOOP
        name := format('positions_%s', to_char(d, 'YYYYMMDD'));
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF positions FOR VALUES FROM (%L) TO (%L)',
                name, d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
            EXECUTE format('CREATE INDEX %I ON %I USING brin (time)', name || '_time_brin', name);
            created := created + 1;
        END IF;
        d := d + 1;
    END LOOP;
    RETURN created;
END
$$;

-- The newest fix of each officer: live map on connect, dispatch by distance.
CREATE TABLE officer_latest (
    officer  text PRIMARY KEY REFERENCES officers (id),
    time     timestamptz NOT NULL,
    geom     geometry(Point, 4326) NOT NULL,
    h3       bigint NOT NULL,
    township text NOT NULL
);
CREATE INDEX officer_latest_geom_idx ON officer_latest USING gist (geom);

-- Patrol coverage per cell, hour (UTC, truncated) and officer: visits (the officer
-- entering the cell), dwell seconds and the last fix in the cell. Ingest applies deltas,
-- so a late or out-of-order fix corrects the numbers of its neighbours too. A cell's
-- township comes from cells; officers cross township borders.
CREATE TABLE coverage (
    h3         bigint      NOT NULL,
    hour       timestamptz NOT NULL,
    officer    text        NOT NULL,
    visits     integer     NOT NULL,
    dwell_s    double precision NOT NULL,
    last_visit timestamptz NOT NULL,
    PRIMARY KEY (h3, hour, officer)
);
