-- The penalty procedure (一般程序) on working-day deadlines.
--
-- The working-day calendar, owned by patrol/calendar: a year's arrangement as the State
-- Council publishes it (节假日安排), each day off and each weekend day worked (调休).
-- A year without a row here counts Monday to Friday.
CREATE TABLE calendar_years (
    year        integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    source      text NOT NULL DEFAULT '' CHECK (length(source) <= 500),
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE calendar_days (
    day  date PRIMARY KEY,
    year integer NOT NULL REFERENCES calendar_years (year) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('holiday', 'workday')),
    CHECK (extract(year FROM day)::integer = year)
);
CREATE INDEX calendar_days_year_idx ON calendar_days (year);

-- Legal reviewers (法制审核员): a role whose tokens carry the holder's legal professional
-- qualification (法律职业资格证书编号), required for it (art. 58: reviewers of major
-- decisions hold the national legal professional qualification). Table owned by
-- internal/auth.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens
    ADD CONSTRAINT api_tokens_role_check
        CHECK (role IN ('admin', 'supervisor', 'analyst', 'officer', 'device', 'reporter', 'legal')),
    ADD COLUMN qualification text CHECK (qualification <> '' AND length(qualification) <= 100),
    ADD CONSTRAINT api_tokens_qualification_required CHECK (role <> 'legal' OR qualification IS NOT NULL);

-- The penalty procedure on the case and its history (owned by patrol/cases): the stages
-- of 一般程序 as statuses and event types, and each event's procedural facts (amount,
-- band level, review outcome, hearing …) as canonical JSON in detail, covered by the
-- event's hash when present.
ALTER TABLE cases DROP CONSTRAINT cases_status_check;
ALTER TABLE cases ADD CONSTRAINT cases_status_check CHECK (status IN ('reported', 'assigned', 'accepted', 'on_site',
    'resolved', 'referred', 'closed', 'filed', 'investigating', 'notified', 'reviewed', 'decided', 'delivered', 'executed'));
ALTER TABLE case_events DROP CONSTRAINT case_events_type_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_type_check CHECK (type IN ('report', 'assign', 'accept', 'arrive',
    'resolve', 'refer', 'close', 'file', 'investigate', 'notify', 'review', 'decide', 'deliver', 'execute'));
ALTER TABLE case_events ADD COLUMN detail text CHECK (detail <> '');
CREATE INDEX cases_procedure_idx ON cases (township)
    WHERE status IN ('filed', 'investigating', 'notified', 'reviewed', 'decided', 'delivered', 'executed');
