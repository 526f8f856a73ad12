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
