-- Positions keyed by township first, so that a Citus cluster can distribute them by
-- township (docs/scaling.md: a distributed table's keys must hold its distribution
-- column). The same keys on a single node: a fix stays unique per officer and time within
-- the officer's township, which ingest already guarantees by reading the officer's chain
-- before it writes. The officer's chain is read by (officer, time), so that index stays.
ALTER TABLE positions DROP CONSTRAINT positions_pkey;
ALTER TABLE positions ADD PRIMARY KEY (township, officer, time);
CREATE INDEX positions_officer_time_idx ON positions (officer, time);
