-- API tokens. Only the SHA-256 of a token is stored; the token is shown once at creation.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL CHECK (name <> '' AND length(name) <= 200),
    role         text        NOT NULL CHECK (role IN ('admin', 'supervisor', 'analyst', 'officer', 'device', 'reporter')),
    -- township code the token is confined to; NULL = unscoped.
    township     text        CHECK (township <> ''),
    -- officer the token acts for; required for officer and device tokens.
    officer      text        CHECK (officer <> ''),
    token_hash   bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    CONSTRAINT api_tokens_officer_required CHECK (role NOT IN ('officer', 'device') OR officer IS NOT NULL)
);
