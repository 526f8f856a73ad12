-- Cases with their history and evidence, and plans with their stops, keyed by township
-- first, so that a Citus cluster distributes them by township beside positions and alerts
-- (docs/scaling.md): a township's case list, its plans and a case's history are then one
-- shard. The same on a single node, where the keys only gain a column.
--
-- A case outside every township has no township (NULL, and the API says so), and Citus
-- refuses a NULL distribution value; so cases are distributed by township_key, the
-- township the case's rows are kept under: its township, or '' outside every township.
-- The CHECK ties it to township, so the two never disagree; township keeps its meaning
-- (and its reference to townships), so no listing, locate, tile or analysis sees a
-- township that is not one. A case never changes township (intake places it once).
--
-- case_events and evidence carry the same township_key, in their keys and foreign keys.
-- It is not part of an event's hash: the chain is per case id, and the hashes stored
-- before this migration stay what they were.

ALTER TABLE cases ADD COLUMN township_key text;
UPDATE cases SET township_key = coalesce(township, '');
ALTER TABLE cases
    ALTER COLUMN township_key SET NOT NULL,
    ADD CONSTRAINT cases_township_key_check CHECK (township_key = coalesce(township, ''));
COMMENT ON COLUMN cases.township_key IS 'the township the case''s rows are kept under (its distribution column on Citus): township, or '''' outside every township';

ALTER TABLE evidence DROP CONSTRAINT evidence_case_id_seq_fkey;
ALTER TABLE case_events DROP CONSTRAINT case_events_case_id_fkey;
ALTER TABLE evidence DROP CONSTRAINT evidence_pkey;
ALTER TABLE case_events DROP CONSTRAINT case_events_pkey;
ALTER TABLE cases DROP CONSTRAINT cases_pkey;
ALTER TABLE cases ADD PRIMARY KEY (township_key, id);
-- Cases are addressed by id alone (/cases/{id}); the id stays unique by its identity.
CREATE INDEX cases_id_idx ON cases (id);

-- The history is append-only: its triggers are set aside for this one backfill of a
-- column outside the hash, in this transaction, and are back before it commits.
ALTER TABLE case_events ADD COLUMN township_key text;
ALTER TABLE case_events DISABLE TRIGGER case_events_no_update;
UPDATE case_events e SET township_key = c.township_key FROM cases c WHERE c.id = e.case_id;
ALTER TABLE case_events ENABLE TRIGGER case_events_no_update;
ALTER TABLE case_events
    ALTER COLUMN township_key SET NOT NULL,
    ADD PRIMARY KEY (township_key, case_id, seq),
    ADD FOREIGN KEY (township_key, case_id) REFERENCES cases (township_key, id);
CREATE INDEX case_events_case_idx ON case_events (case_id, seq);

ALTER TABLE evidence ADD COLUMN township_key text;
ALTER TABLE evidence DISABLE TRIGGER evidence_no_update;
UPDATE evidence v SET township_key = e.township_key FROM case_events e WHERE e.case_id = v.case_id AND e.seq = v.seq;
ALTER TABLE evidence ENABLE TRIGGER evidence_no_update;
ALTER TABLE evidence
    ALTER COLUMN township_key SET NOT NULL,
    ADD PRIMARY KEY (township_key, case_id, seq),
    ADD FOREIGN KEY (township_key, case_id, seq) REFERENCES case_events (township_key, case_id, seq);
CREATE INDEX evidence_case_idx ON evidence (case_id, seq);

-- Plans already name their township (NOT NULL); their stops gain it.
ALTER TABLE plan_stops DROP CONSTRAINT plan_stops_plan_id_fkey;
ALTER TABLE plan_stops DROP CONSTRAINT plan_stops_pkey;
ALTER TABLE plans DROP CONSTRAINT plans_pkey;
ALTER TABLE plans ADD PRIMARY KEY (township, id);
CREATE INDEX plans_id_idx ON plans (id);
ALTER TABLE plan_stops ADD COLUMN township text;
UPDATE plan_stops s SET township = p.township FROM plans p WHERE p.id = s.plan_id;
ALTER TABLE plan_stops
    ALTER COLUMN township SET NOT NULL,
    ADD PRIMARY KEY (township, plan_id, officer, seq),
    ADD FOREIGN KEY (township, plan_id) REFERENCES plans (township, id);
