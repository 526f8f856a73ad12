-- Evidence of inspection results (双随机 tasks, any outcome), owned by patrol/evidence:
-- files kept content-addressed by SHA-256 in the same store as case evidence, with the
-- same capture time, position and check against the uploader's GPS track. A task takes
-- evidence until its result is recorded; the evidence store writes its rows through
-- inspection's lock on the task, so the reference to inspection_tasks is a schema
-- reference only.
CREATE TABLE task_evidence (
    task           bigint NOT NULL REFERENCES inspection_tasks (id),
    n              integer NOT NULL CHECK (n >= 1), -- its number among the task's evidence
    sha256         bytea NOT NULL CHECK (length(sha256) = 32),
    kind           text NOT NULL CHECK (kind IN ('photo', 'video', 'audio', 'document')),
    size_bytes     bigint NOT NULL CHECK (size_bytes >= 0),
    content_type   text NOT NULL,
    filename       text NOT NULL DEFAULT '',
    captured_at    timestamptz,
    lon            float8 CHECK (lon BETWEEN -180 AND 180),
    lat            float8 CHECK (lat BETWEEN -90 AND 90),
    mock_location  boolean,
    position_check text CHECK (position_check IN ('ok', 'far', 'no_track')),
    distance_m     float8,
    uploader       text NOT NULL,
    officer        text,
    uploaded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task, n),
    CHECK ((lon IS NULL) = (lat IS NULL))
);
CREATE INDEX task_evidence_sha256_idx ON task_evidence (sha256);

-- Append-only, as case evidence.
CREATE TRIGGER task_evidence_no_update BEFORE UPDATE OR DELETE ON task_evidence
    FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change();
CREATE TRIGGER task_evidence_no_truncate BEFORE TRUNCATE ON task_evidence
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON task_evidence FROM PUBLIC;
