-- Cases cite the enforcement power (事项) they are filed under. Owned by patrol/cases, like
-- the cases table; the reference to power_items (patrol/powers) is a schema reference only:
-- intake reads the catalog through the powers store.
--
-- item_held records what intake found: whether the case's township held the item on the
-- report day (China time). A case whose township did not is routed at intake to the
-- item's department (a refer event by the system), so the answer is kept, not recomputed
-- from a catalog that later adjustments change.
ALTER TABLE cases
    ADD COLUMN item      text REFERENCES power_items (code),
    ADD COLUMN item_held boolean,
    ADD CONSTRAINT cases_item_held_check CHECK ((item IS NULL) = (item_held IS NULL));
CREATE INDEX cases_item_idx ON cases (item, township, reported_at) WHERE item IS NOT NULL;
