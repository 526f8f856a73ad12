-- Patrol plans: who planned which routes for a squadron's shift, and their stops, so that
-- compliance can be checked against the officers' tracks.
CREATE TABLE plans (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    squadron    text NOT NULL REFERENCES squadrons (code),
    township    text NOT NULL REFERENCES townships (code),
    shift_start timestamptz NOT NULL,
    duration_s  integer NOT NULL CHECK (duration_s > 0 AND duration_s <= 86400),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    request     jsonb NOT NULL,
    result      jsonb NOT NULL
);
CREATE INDEX plans_squadron_idx ON plans (squadron, shift_start);

CREATE TABLE plan_stops (
    plan_id  bigint NOT NULL REFERENCES plans (id),
    officer  text NOT NULL,
    seq      integer NOT NULL,
    h3       bigint NOT NULL,
    eta      timestamptz NOT NULL,
    leave_at timestamptz NOT NULL,
    priority double precision NOT NULL,
    PRIMARY KEY (plan_id, officer, seq)
);
