package migrations

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Kind is how a table lives on a Citus cluster.
type Kind int

// The kinds of table on Citus (docs/scaling.md gives each table's reasons).
const (
	// Distributed tables are split into shards by their distribution column.
	Distributed Kind = iota + 1
	// Reference tables are copied whole to every node.
	Reference
	// Local tables stay on the coordinator alone.
	Local
)

// Layout is one table's place on a Citus cluster.
type Layout struct {
	Table string
	Kind  Kind
	// Column is the distribution column of a distributed table.
	Column string
	// ColocateWith names the distributed table whose shards this one shares ("" for a
	// colocation group of its own).
	ColocateWith string
	// Why says in a line why the table is laid out so.
	Why string
}

// Layouts gives every table the migrations create its layout on Citus, in the order they
// are distributed: a table after those its foreign keys point to. A new table needs an
// entry (TestEveryTableHasALayout). On a single node they change nothing.
var Layouts = []Layout{
	{Table: "townships", Kind: Reference, Why: "about 1,700 polygons in a province, joined with every township-scoped table"},
	{Table: "grid_settings", Kind: Reference, Why: "one row, read with the cells"},
	{Table: "squadrons", Kind: Reference, Why: "a few thousand rows, looked up by code from every shard"},
	{Table: "grid_areas", Kind: Reference, Why: "about 12,500 rows, looked up by code from every shard"},
	{Table: "cells", Kind: Reference, Why: "looked up by H3 index alone (locate, ingest, tiles, analyses); 1.2 M rows in a province"},
	{Table: "cell_rollups", Kind: Reference, Why: "the cells layer's parent hexagons, derived from cells; read by tiles from any node"},
	{Table: "officers", Kind: Reference, Why: "looked up by id and device from every request; 100,000 rows in a province"},
	{Table: "api_tokens", Kind: Local, Why: "written by authentication (last use): as a reference table every node would have to " +
		"answer for any request to pass, so one worker down would lock everybody out; on the coordinator alone " +
		"(Citus keeps it as a Citus-local table, for its key to townships)"},
	{Table: "sectors", Kind: Reference, Why: "twelve fixed rows"},
	{Table: "departments", Kind: Reference, Why: "the powers catalog: small, read by intake on any case"},
	{Table: "power_items", Kind: Reference, Why: "the powers catalog: small, referenced by cases"},
	{Table: "power_adjustments", Kind: Reference, Why: "a few documents a year; append-only by triggers"},
	{Table: "power_changes", Kind: Reference, Why: "a few rows per adjustment; append-only by triggers"},
	{Table: "power_delegations", Kind: Reference, Why: "items × townships, read by intake for any township"},
	{Table: "calendar_years", Kind: Reference, Why: "a row a year"},
	{Table: "calendar_days", Kind: Reference, Why: "a few dozen rows a year"},
	{Table: "document_link_key", Kind: Reference, Why: "one row, the key every instance signs document links with; written once"},
	{Table: "inspection_targets", Kind: Reference, Why: "the inspection target register: thousands of rows a city, " +
		"drawn from across townships by a draw's pools"},
	{Table: "draws", Kind: Reference, Why: "a few plans a quarter; a draw's pools and result span townships"},
	{Table: "inspection_tasks", Kind: Reference, Why: "a draw's tasks (a few hundred a draw), referencing targets and draws"},
	{Table: "case_reviews", Kind: Reference, Why: "a review draw's files (dozens a quarter), referencing draws"},
	{Table: "review_fixups", Kind: Reference, Why: "a review's fix-ups, referencing reviews"},
	{Table: "task_evidence", Kind: Reference, Why: "an inspection task's evidence records, beside their tasks; append-only by triggers"},
	{Table: "alert_settings", Kind: Reference, Why: "a row per township, read by every instance's rules"},
	{Table: "webhooks", Kind: Reference, Why: "a few subscriptions, read by every instance's delivery worker"},
	{Table: "assessment_weights", Kind: Reference, Why: "a row per indicator of the assessment, set by an admin"},
	{Table: "road_vertices", Kind: Reference, Why: "pgRouting needs the whole road graph on the node that routes"},
	{Table: "road_edges", Kind: Reference, Why: "pgRouting needs the whole road graph on the node that routes"},
	{Table: "positions", Kind: Distributed, Column: "township",
		Why: "the one table that grows fast (1 G rows a day in a province); a township's fixes on one shard"},
	{Table: "officer_latest", Kind: Distributed, Column: "officer",
		Why: "one row per officer, upserted by ingest on its key, the officer"},
	{Table: "coverage", Kind: Distributed, Column: "officer", ColocateWith: "officer_latest",
		Why: "keyed by (cell, hour, officer) with no township; an officer's ingest writes one shard"},
	{Table: "cases", Kind: Distributed, Column: "township_key", ColocateWith: "positions",
		Why: "a township's case list, counts and dispatch read one shard, beside its positions; township_key is " +
			"the township, or '' for a case outside every township (Citus refuses a NULL distribution value)"},
	{Table: "case_events", Kind: Distributed, Column: "township_key", ColocateWith: "cases",
		Why: "a case's hash-chained history on its case's shard: appending and verifying are single-shard; " +
			"append-only by triggers"},
	{Table: "evidence", Kind: Distributed, Column: "township_key", ColocateWith: "cases",
		Why: "keyed by its case event (township_key, case_id, seq), on that event's shard; append-only by triggers"},
	{Table: "plans", Kind: Distributed, Column: "township", ColocateWith: "positions",
		Why: "a township's plans read one shard, beside the tracks they are checked against"},
	{Table: "plan_stops", Kind: Distributed, Column: "township", ColocateWith: "plans",
		Why: "a plan's stops on its plan's shard"},
	{Table: "alerts", Kind: Distributed, Column: "township",
		Why: "grows with the fleet and is read per township (the wall, the tray); the key and the " +
			"one-open-alert index lead with township, so a raise is a single-shard ON CONFLICT"},
	{Table: "webhook_deliveries", Kind: Distributed, Column: "webhook",
		Why: "the outbox grows with events × subscriptions; the delivery worker claims per subscription " +
			"(FOR UPDATE SKIP LOCKED needs a single-shard query), and writing it in an alert's transaction " +
			"is a two-shard transaction Citus commits atomically"},
	{Table: "webhook_attempts", Kind: Distributed, Column: "webhook", ColocateWith: "webhook_deliveries",
		Why: "a delivery's attempts on its delivery's shard"},
}

// citusPresent reports whether the database has the citus extension.
func citusPresent(ctx context.Context, conn *pgx.Conn) (bool, error) {
	var on bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')").Scan(&on)
	return on, err
}

// Distribute lays out on Citus, per Layouts, the tables that are not yet: reference
// tables first, then distributed ones, in one transaction. It does nothing without the
// citus extension, so it runs after the migrations on either path.
//
// The foreign keys of the tables about to be distributed are dropped first and added
// again at the end: Citus would otherwise turn a local table that references a new
// reference table into a "Citus local" table, which it cannot distribute when it has an
// identity column (cases, plans). The append-only triggers go with their tables:
// citus.enable_unsafe_triggers lets Citus keep them on the shards, and they only refuse.
func Distribute(ctx context.Context, conn *pgx.Conn) error {
	on, err := citusPresent(ctx, conn)
	if err != nil || !on {
		return err
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL citus.enable_unsafe_triggers = on;
			SET LOCAL citus.multi_shard_modify_mode = 'sequential'`); err != nil {
			return fmt.Errorf("prepare to distribute: %w", err)
		}
		todo, err := notLaidOut(ctx, tx)
		if err != nil || len(todo) == 0 {
			return err
		}
		var distributed []string
		for _, l := range todo {
			if l.Kind == Distributed {
				distributed = append(distributed, l.Table)
			}
		}
		keys, err := dropForeignKeys(ctx, tx, distributed)
		if err != nil {
			return err
		}
		for _, l := range todo {
			if err := layOut(ctx, tx, l); err != nil {
				return err
			}
		}
		for _, k := range keys {
			if _, err := tx.Exec(ctx, "ALTER TABLE "+pgx.Identifier{k.table}.Sanitize()+" ADD CONSTRAINT "+
				pgx.Identifier{k.name}.Sanitize()+" "+k.def); err != nil {
				return fmt.Errorf("restore %s's foreign key %s on Citus: %w", k.table, k.name, err)
			}
		}
		return nil
	})
}

// notLaidOut returns the layouts, in order, of the tables Citus does not yet hold as
// they say: a distributed table is hash-distributed, a reference table replicated.
func notLaidOut(ctx context.Context, tx pgx.Tx) ([]Layout, error) {
	rows, err := tx.Query(ctx, `SELECT logicalrelid::regclass::text, partmethod = 'h', repmodel = 't'
		FROM pg_dist_partition`)
	if err != nil {
		return nil, fmt.Errorf("read Citus tables: %w", err)
	}
	laid := map[string]Kind{}
	for rows.Next() {
		var name string
		var hash, replicated bool
		if err := rows.Scan(&name, &hash, &replicated); err != nil {
			return nil, fmt.Errorf("read Citus tables: %w", err)
		}
		switch {
		case hash:
			laid[name] = Distributed
		case replicated:
			laid[name] = Reference
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read Citus tables: %w", err)
	}
	var todo []Layout
	for _, l := range Layouts {
		if l.Kind != Local && laid[l.Table] != l.Kind {
			todo = append(todo, l)
		}
	}
	return todo, nil
}

type foreignKey struct{ table, name, def string }

// dropForeignKeys drops the foreign keys from and to tables, returning them.
func dropForeignKeys(ctx context.Context, tx pgx.Tx, tables []string) ([]foreignKey, error) {
	rows, err := tx.Query(ctx, `SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
		FROM pg_constraint
		WHERE contype = 'f' AND conparentid = 0
		  AND (conrelid::regclass::text = ANY ($1) OR confrelid::regclass::text = ANY ($1))
		ORDER BY conrelid::regclass::text = ANY ($1) AND confrelid::regclass::text = ANY ($1), conname`, tables)
	if err != nil {
		return nil, fmt.Errorf("read foreign keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (foreignKey, error) {
		var k foreignKey
		err := r.Scan(&k.table, &k.name, &k.def)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("read foreign keys: %w", err)
	}
	for _, k := range keys {
		if _, err := tx.Exec(ctx, "ALTER TABLE "+pgx.Identifier{k.table}.Sanitize()+" DROP CONSTRAINT "+
			pgx.Identifier{k.name}.Sanitize()); err != nil {
			return nil, fmt.Errorf("drop %s's foreign key %s: %w", k.table, k.name, err)
		}
	}
	return keys, nil
}

// layOut makes one table a reference or a distributed table.
func layOut(ctx context.Context, tx pgx.Tx, l Layout) error {
	var sql string
	args := []any{l.Table}
	switch {
	case l.Kind == Reference:
		sql = "SELECT create_reference_table($1)"
	case l.ColocateWith == "":
		sql = "SELECT create_distributed_table($1, $2, colocate_with => 'none')"
		args = append(args, l.Column)
	default:
		sql = "SELECT create_distributed_table($1, $2, colocate_with => $3)"
		args = append(args, l.Column, l.ColocateWith)
	}
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("distribute %s on Citus: %w", l.Table, err)
	}
	return nil
}
