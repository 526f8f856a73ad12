-- A time claimed by a client (a case's reported_at, an event's at) that differs from the
-- time the server received it by more than a few minutes is back-dating: the event keeps
-- both (at, the claim; received_at, the server's clock; the event's hash covers both) and
-- its case is marked. Owned by patrol/cases, as both tables are.
ALTER TABLE case_events ADD COLUMN received_at timestamptz;
ALTER TABLE cases ADD COLUMN backdated boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN case_events.received_at IS 'when the server received an event whose claimed time (at) differs from it by more than the tolerance; NULL otherwise';
COMMENT ON COLUMN cases.backdated IS 'some event of the case claims a time other than its receipt (see case_events.received_at)';
