-- Evidence (调查取证, 执法全过程记录): files kept content-addressed by SHA-256 in the
-- server's evidence store, and links kept without fetching them. Owned by patrol/evidence.
--
-- Each piece of evidence is an evidence event of its case's hash-chained history
-- (case_events, owned by patrol/cases) carrying the file's SHA-256 in its hash, and a row
-- here keyed by that event. The reference to case_events is a schema reference only: the
-- evidence store writes its row through cases' Recorder, in the transaction that appends
-- the event.
ALTER TABLE case_events
    ADD COLUMN evidence bytea CHECK (evidence IS NULL OR length(evidence) = 32),
    DROP CONSTRAINT case_events_type_check,
    ADD CONSTRAINT case_events_type_check
        CHECK (type IN ('report', 'assign', 'accept', 'arrive', 'resolve', 'refer', 'close',
                        'file', 'investigate', 'notify', 'review', 'decide', 'deliver', 'execute', 'evidence')),
    ADD CONSTRAINT case_events_evidence_type_check CHECK ((type = 'evidence') = (evidence IS NOT NULL));

CREATE TABLE evidence (
    case_id        bigint NOT NULL,
    seq            integer NOT NULL,
    sha256         bytea NOT NULL CHECK (length(sha256) = 32),
    kind           text NOT NULL CHECK (kind IN ('photo', 'video', 'audio', 'document', 'link')),
    size_bytes     bigint NOT NULL CHECK (size_bytes >= 0),
    content_type   text NOT NULL,
    filename       text NOT NULL DEFAULT '',
    -- a link's URL, as the citizen platform sent it; never fetched by the server.
    url            text CHECK ((kind = 'link') = (url IS NOT NULL)),
    captured_at    timestamptz,
    lon            float8 CHECK (lon BETWEEN -180 AND 180),
    lat            float8 CHECK (lat BETWEEN -90 AND 90),
    mock_location  boolean,
    -- the capture position against the uploader's GPS track at the capture time;
    -- NULL when no capture position was declared.
    position_check text CHECK (position_check IN ('ok', 'far', 'no_track')),
    distance_m     float8,
    uploader       text NOT NULL,
    officer        text,
    uploaded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, seq),
    FOREIGN KEY (case_id, seq) REFERENCES case_events (case_id, seq),
    CHECK ((lon IS NULL) = (lat IS NULL))
);
CREATE INDEX evidence_sha256_idx ON evidence (sha256);

-- Evidence records are append-only, as the history they belong to.
CREATE FUNCTION evidence_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'evidence is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER evidence_no_update BEFORE UPDATE OR DELETE ON evidence
    FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change();
CREATE TRIGGER evidence_no_truncate BEFORE TRUNCATE ON evidence
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON evidence FROM PUBLIC;
