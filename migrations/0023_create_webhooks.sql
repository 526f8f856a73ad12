-- Webhooks, owned by patrol/webhook: subscriptions of other systems (the city platform,
-- the hotline's system) to events, and the outbox of their deliveries. A delivery row is
-- written in the transaction of the event it reports (alerts: patrol/alert's, through
-- webhook's Outbox), so that an event committed is an event delivered, at least once.

CREATE TABLE webhooks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url        text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    events     text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 16),
    -- NULL: events of every township
    township   text REFERENCES townships (code),
    -- the HMAC-SHA256 key of the signature; never given back
    secret     bytea NOT NULL CHECK (length(secret) BETWEEN 16 AND 256),
    active     boolean NOT NULL DEFAULT true,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The outbox: one row per event and subscription, delivered until the receiver answers
-- 2xx. attempts counts the attempts started; next_attempt_at is when the next may start
-- (pushed forward by a lease when one starts, so that an instance that dies mid-attempt
-- leaves the delivery to be tried again).
CREATE TABLE webhook_deliveries (
    webhook         bigint NOT NULL REFERENCES webhooks (id),
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    event           text NOT NULL,
    payload         jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    PRIMARY KEY (webhook, id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (webhook, next_attempt_at)
    WHERE delivered_at IS NULL;
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (webhook, created_at DESC);

-- Each attempt of a delivery: the receiver's status (NULL when it gave none: a timeout, a
-- refused connection) and the error.
CREATE TABLE webhook_attempts (
    webhook     bigint NOT NULL,
    delivery    uuid NOT NULL,
    n           integer NOT NULL CHECK (n >= 1),
    started_at  timestamptz NOT NULL,
    duration_ms integer NOT NULL CHECK (duration_ms >= 0),
    status      integer,
    error       text NOT NULL DEFAULT '',
    PRIMARY KEY (webhook, delivery, n),
    FOREIGN KEY (webhook, delivery) REFERENCES webhook_deliveries (webhook, id)
);
