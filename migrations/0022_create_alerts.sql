-- Real-time supervision, owned by patrol/alert: alerts raised by rules over officers'
-- fixes (sos, mock_location, left_area in the ingest path; offline and off_plan by a
-- ticker), over penalty cases' deadlines (case_overdue, by a ticker), and each township's rule
-- parameters. officers and cases are referred to by schema reference only (subject).

-- An alert about one subject (an officer's id; a case's id for case_overdue) under one rule. Open → acknowledged (who,
-- note) → resolved (by the system when the condition clears, or by a person). At most one
-- alert per township, rule and subject is not resolved (alerts_one_open): a condition that
-- lasts is one alert, not a storm, and two instances that see it raise it once (INSERT …
-- ON CONFLICT DO NOTHING).
CREATE TABLE alerts (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    township      text NOT NULL REFERENCES townships (code),
    rule          text NOT NULL CHECK (rule IN ('sos', 'offline', 'left_area', 'off_plan',
                                                'mock_location', 'case_overdue', 'hotspot')),
    subject       text NOT NULL CHECK (subject <> '' AND length(subject) <= 64),
    officer       text,
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
    raised_at     timestamptz NOT NULL DEFAULT now(),
    -- when the condition was seen: the fix's time, or the last fix's for offline
    observed_at   timestamptz NOT NULL,
    lon           float8 CHECK (lon BETWEEN -180 AND 180),
    lat           float8 CHECK (lat BETWEEN -90 AND 90),
    detail        jsonb NOT NULL DEFAULT '{}',
    acked_by      text,
    acked_at      timestamptz,
    ack_note      text NOT NULL DEFAULT '' CHECK (length(ack_note) <= 1000),
    -- '' with resolved_at set: resolved by the system when the condition cleared
    resolved_by   text,
    resolved_at   timestamptz,
    resolve_note  text NOT NULL DEFAULT '' CHECK (length(resolve_note) <= 1000),
    PRIMARY KEY (township, id),
    CHECK ((lon IS NULL) = (lat IS NULL)),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL)),
    CHECK ((acked_at IS NULL) = (acked_by IS NULL))
);
CREATE UNIQUE INDEX alerts_one_open ON alerts (township, rule, subject) WHERE status <> 'resolved';
CREATE INDEX alerts_township_raised_idx ON alerts (township, raised_at DESC);
CREATE INDEX alerts_open_idx ON alerts (status, raised_at DESC) WHERE status <> 'resolved';

-- A township's rule parameters, as the JSON of alert.Settings; a township without a row
-- takes the defaults.
CREATE TABLE alert_settings (
    township   text PRIMARY KEY REFERENCES townships (code),
    settings   jsonb NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
