-- Cases, their sectors, and the full-process record (执法全过程记录): an append-only history
-- per case, chained by SHA-256 hashes, that the database refuses to update or delete.

CREATE TABLE sectors (
    code    text PRIMARY KEY,
    name_zh text NOT NULL,
    name_en text NOT NULL,
    core    boolean NOT NULL
);
INSERT INTO sectors (code, name_zh, name_en, core) VALUES
    ('urban_management',     '城市管理',   'urban management',                         true),
    ('work_safety',          '安全生产',   'work safety',                              true),
    ('eco_environment',      '生态环境',   'ecology and environment',                  false),
    ('natural_resources',    '自然资源',   'natural resources, land and planning',     false),
    ('housing_construction', '住房建设',   'housing and construction',                 false),
    ('market_regulation',    '市场监管',   'market regulation',                        false),
    ('health',               '卫生健康',   'health supervision',                       false),
    ('agriculture',          '农业农村',   'agriculture, forestry, animal husbandry',  false),
    ('transport',            '交通运输',   'transport',                                false),
    ('water',                '水利',       'water resources',                          false),
    ('labor',                '劳动保障',   'labor protection',                         false),
    ('fire',                 '消防',       'fire safety',                              false);

CREATE TABLE cases (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sector      text NOT NULL REFERENCES sectors (code),
    title       text NOT NULL CHECK (title <> '' AND length(title) <= 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    lon         float8 NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat         float8 NOT NULL CHECK (lat BETWEEN -90 AND 90),
    geom        geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
    h3          bigint NOT NULL,
    -- where the case falls; NULL township: outside every township, kept and flagged.
    township    text REFERENCES townships (code),
    grid_area   text REFERENCES grid_areas (code),
    squadron    text REFERENCES squadrons (code),
    source      text NOT NULL CHECK (source IN ('patrol', 'hotline_12345', 'citizen_app', 'referral')),
    status      text NOT NULL DEFAULT 'reported'
                CHECK (status IN ('reported', 'assigned', 'accepted', 'on_site', 'resolved', 'referred', 'closed')),
    officer     text REFERENCES officers (id),
    department  text,
    reporter    text NOT NULL,
    reported_at timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    assigned_at timestamptz,
    accepted_at timestamptz,
    arrived_at  timestamptz,
    resolved_at timestamptz,
    closed_at   timestamptz
);
CREATE INDEX cases_township_reported_idx ON cases (township, reported_at);
CREATE INDEX cases_sector_reported_idx ON cases (sector, reported_at);
CREATE INDEX cases_reported_idx ON cases (reported_at);
CREATE INDEX cases_h3_idx ON cases (h3);
CREATE INDEX cases_officer_idx ON cases (officer) WHERE officer IS NOT NULL;
CREATE INDEX cases_geom_idx ON cases USING gist (geom);

CREATE TABLE case_events (
    case_id    bigint NOT NULL REFERENCES cases (id),
    seq        integer NOT NULL CHECK (seq > 0),
    type       text NOT NULL CHECK (type IN ('report', 'assign', 'accept', 'arrive', 'resolve', 'refer', 'close')),
    status     text NOT NULL,
    actor      text NOT NULL,
    actor_role text NOT NULL,
    officer    text,
    department text,
    note       text NOT NULL DEFAULT '',
    at         timestamptz NOT NULL,
    lon        float8,
    lat        float8,
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- The history is append-only: no role, the owner included, may change or remove an entry.
CREATE FUNCTION case_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case history is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER case_events_no_update BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_refuse_change();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION case_events_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON case_events FROM PUBLIC;
