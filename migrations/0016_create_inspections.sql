-- 双随机一公开 and 案卷评查, owned by patrol/inspection: the inspection targets (检查对象库),
-- the verifiable draws of targets and of case files, the inspection tasks a draw makes,
-- the case-file reviews and their fix-ups (整改). Other packages' tables are referred to
-- by schema references only.

CREATE TABLE inspection_targets (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (name <> '' AND length(name) <= 200),
    -- 统一社会信用代码 (GB 32100-2015), its check digit verified by the store
    credit_code text UNIQUE CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
    -- another identifier where there is no credit code (a licence, an ID of a site)
    other_id    text CHECK (other_id <> '' AND length(other_id) <= 64),
    sectors     text[] NOT NULL CHECK (cardinality(sectors) BETWEEN 1 AND 20),
    -- WGS-84, converted from the datum the position was given in
    lon         float8 NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat         float8 NOT NULL CHECK (lat BETWEEN -90 AND 90),
    datum       text NOT NULL CHECK (datum IN ('wgs84', 'gcj02', 'bd09')),
    h3          bigint NOT NULL,
    township    text NOT NULL REFERENCES townships (code),
    grid_area   text,
    risk        text NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (credit_code IS NOT NULL OR other_id IS NOT NULL)
);
CREATE INDEX inspection_targets_township_idx ON inspection_targets (township);
CREATE INDEX inspection_targets_sectors_idx ON inspection_targets USING gin (sectors);

-- A draw: a plan (filters and rules), then published (pools frozen, the seed committed by
-- its SHA-256), then drawn (the seed revealed, the result stored). The seed is secret
-- until the draw: the store never serves it before.
CREATE TABLE draws (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('inspection', 'case_review')),
    title        text NOT NULL CHECK (title <> '' AND length(title) <= 200),
    plan         jsonb NOT NULL,
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'drawn')),
    pools        jsonb,
    commitment   text CHECK (commitment ~ '^[0-9a-f]{64}$'),
    seed         bytea CHECK (length(seed) = 32),
    result       jsonb,
    township     text, -- the township a scoped planner confined the draw to; NULL: the city
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    drawn_at     timestamptz,
    CHECK ((status = 'draft') = (pools IS NULL)),
    CHECK ((status = 'draft') = (seed IS NULL) AND (seed IS NULL) = (commitment IS NULL)),
    CHECK ((status = 'drawn') = (result IS NOT NULL))
);

-- An inspection task: a drawn target and its drawn inspectors (officers), and the result.
CREATE TABLE inspection_tasks (
    id          bigserial PRIMARY KEY,
    draw        bigint NOT NULL REFERENCES draws (id),
    target      bigint NOT NULL REFERENCES inspection_targets (id),
    township    text NOT NULL,
    items       text[] NOT NULL DEFAULT '{}',
    inspectors  text[] NOT NULL,
    -- the last day (China time) by which the result is to be public: 20 working days
    publish_by  date NOT NULL,
    outcome     text CHECK (outcome IN ('no_problem', 'problem_found', 'not_found')),
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 4000),
    case_id     bigint,
    item        text,
    recorded_by text,
    recorded_at timestamptz,
    UNIQUE (draw, target),
    CHECK ((outcome IS NULL) = (recorded_at IS NULL)),
    CHECK ((outcome = 'problem_found') = (case_id IS NOT NULL))
);
CREATE INDEX inspection_tasks_inspectors_idx ON inspection_tasks USING gin (inspectors);

-- A case-file review (案卷评查) of a drawn closed penalty case.
CREATE TABLE case_reviews (
    id          bigserial PRIMARY KEY,
    draw        bigint NOT NULL REFERENCES draws (id),
    case_id     bigint NOT NULL,
    township    text NOT NULL,
    reviewer    text,
    checks      jsonb,
    score       integer CHECK (score BETWEEN 0 AND 100),
    findings    text NOT NULL DEFAULT '' CHECK (length(findings) <= 4000),
    reviewed_at timestamptz,
    UNIQUE (draw, case_id),
    CHECK ((reviewed_at IS NULL) = (score IS NULL))
);

-- A fix-up (整改) a review's findings open, with its due date and closure.
CREATE TABLE review_fixups (
    id        bigserial PRIMARY KEY,
    review    bigint NOT NULL UNIQUE REFERENCES case_reviews (id),
    finding   text NOT NULL CHECK (finding <> ''),
    due       date NOT NULL,
    opened_at timestamptz NOT NULL DEFAULT now(),
    closed_at timestamptz,
    closed_by text,
    closure   text CHECK (length(closure) <= 4000),
    CHECK ((closed_at IS NULL) = (closure IS NULL))
);
