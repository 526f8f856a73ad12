-- The powers catalog (赋权清单), owned by patrol/powers: only its store holds SQL on these
-- tables. Departments and items (事项) are reference data; who holds an item changes only
-- through dated adjustments, kept append-only like a case's history; the delegations are
-- what the adjustments add up to, maintained in the same transaction as each adjustment.

-- An exclusion constraint on (item, township, validity) needs text equality in a GiST index.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE departments (
    code text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
    name text NOT NULL UNIQUE CHECK (name <> '' AND length(name) <= 200)
);

CREATE TABLE power_items (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
    name        text NOT NULL UNIQUE CHECK (name <> '' AND length(name) <= 500),
    sector      text NOT NULL REFERENCES sectors (code),
    -- the department that holds the item where no township does
    department  text NOT NULL REFERENCES departments (code),
    legal_basis text NOT NULL DEFAULT '' CHECK (length(legal_basis) <= 20000),
    category    text NOT NULL CHECK (category IN ('penalty', 'coercion')),
    -- discretion bands (自由裁量基准): [{"level","min_yuan","max_yuan","conditions"}]
    bands       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(bands) = 'array'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX power_items_sector_idx ON power_items (sector);
CREATE INDEX power_items_department_idx ON power_items (department);

-- An adjustment is one dated document's decision; its changes are the items it grants to
-- or revokes from townships. Both are append-only.
CREATE TABLE power_adjustments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    effective   date NOT NULL,
    document    text NOT NULL DEFAULT '' CHECK (length(document) <= 200),
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX power_adjustments_effective_idx ON power_adjustments (effective);

CREATE TABLE power_changes (
    adjustment bigint NOT NULL REFERENCES power_adjustments (id),
    action     text NOT NULL CHECK (action IN ('grant', 'revoke')),
    item       text NOT NULL REFERENCES power_items (code),
    township   text NOT NULL REFERENCES townships (code),
    PRIMARY KEY (adjustment, item, township)
);
CREATE INDEX power_changes_township_idx ON power_changes (township);

CREATE FUNCTION powers_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'powers adjustments are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER power_adjustments_no_update BEFORE UPDATE OR DELETE ON power_adjustments
    FOR EACH ROW EXECUTE FUNCTION powers_refuse_change();
CREATE TRIGGER power_adjustments_no_truncate BEFORE TRUNCATE ON power_adjustments
    FOR EACH STATEMENT EXECUTE FUNCTION powers_refuse_change();
CREATE TRIGGER power_changes_no_update BEFORE UPDATE OR DELETE ON power_changes
    FOR EACH ROW EXECUTE FUNCTION powers_refuse_change();
CREATE TRIGGER power_changes_no_truncate BEFORE TRUNCATE ON power_changes
    FOR EACH STATEMENT EXECUTE FUNCTION powers_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON power_adjustments, power_changes FROM PUBLIC;

-- An item held by a township over [valid_from, valid_to), NULL valid_to open-ended; one
-- item and township never has two delegations valid on the same day.
CREATE TABLE power_delegations (
    item       text NOT NULL REFERENCES power_items (code),
    township   text NOT NULL REFERENCES townships (code),
    valid_from date NOT NULL,
    valid_to   date CHECK (valid_to > valid_from),
    granted_by bigint NOT NULL REFERENCES power_adjustments (id),
    revoked_by bigint REFERENCES power_adjustments (id),
    CONSTRAINT power_delegations_no_overlap
        EXCLUDE USING gist (item WITH =, township WITH =, daterange(valid_from, valid_to) WITH &&)
);
CREATE INDEX power_delegations_township_idx ON power_delegations USING gist (township, daterange(valid_from, valid_to));
