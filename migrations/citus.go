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
	{Table: "officers", Kind: Reference, Why: "looked up by id and device from every request; 100,000 rows in a province"},
	{Table: "api_tokens", Kind: Reference, Why: "read once per request by hash, references townships; a local table may not"},
	{Table: "sectors", Kind: Reference, Why: "twelve fixed rows"},
	{Table: "departments", Kind: Reference, Why: "the powers catalog: small, read by intake on any case"},
	{Table: "power_items", Kind: Reference, Why: "the powers catalog: small, referenced by cases"},
	{Table: "power_adjustments", Kind: Reference, Why: "a few documents a year; append-only by triggers"},
	{Table: "power_changes", Kind: Reference, Why: "a few rows per adjustment; append-only by triggers"},
	{Table: "power_delegations", Kind: Reference, Why: "items × townships, read by intake for any township"},
	{Table: "calendar_years", Kind: Reference, Why: "a row a year"},
	{Table: "calendar_days", Kind: Reference, Why: "a few dozen rows a year"},
	{Table: "road_vertices", Kind: Reference, Why: "pgRouting needs the whole road graph on the node that routes"},
	{Table: "road_edges", Kind: Reference, Why: "pgRouting needs the whole road graph on the node that routes"},
	{Table: "positions", Kind: Distributed, Column: "township",
		Why: "the one table that grows fast (1 G rows a day in a province); a township's fixes on one shard"},
	{Table: "officer_latest", Kind: Distributed, Column: "officer",
		Why: "one row per officer, upserted by ingest on its key, the officer"},
	{Table: "coverage", Kind: Distributed, Column: "officer", ColocateWith: "officer_latest",
		Why: "keyed by (cell, hour, officer) with no township; an officer's ingest writes one shard"},
	{Table: "cases", Kind: Distributed, Column: "id",
		Why: "addressed by id; a case outside every township has no township to route by"},
	{Table: "case_events", Kind: Distributed, Column: "case_id", ColocateWith: "cases",
		Why: "a case's hash-chained history on its case's shard; append-only by triggers"},
	{Table: "evidence", Kind: Distributed, Column: "case_id", ColocateWith: "cases",
		Why: "keyed by its case event, on that event's shard; append-only by triggers"},
	{Table: "plans", Kind: Distributed, Column: "id",
		Why: "a plan per squadron and shift, addressed by id"},
	{Table: "plan_stops", Kind: Distributed, Column: "plan_id", ColocateWith: "plans",
		Why: "a plan's stops on its plan's shard"},
}

// citusPresent reports whether the database has the citus extension.
func citusPresent(ctx context.Context, conn *pgx.Conn) (bool, error) {
	var on bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')").Scan(&on)
	return on, err
}

// Distribute lays out on Citus, per Layouts, the tables that are not yet: reference
// tables first, then distributed ones. It does nothing without the citus extension, so it
// runs after every migration on either path. The append-only triggers go with their
// tables: citus.enable_unsafe_triggers lets Citus keep them, and they only refuse.
func Distribute(ctx context.Context, conn *pgx.Conn) error {
	on, err := citusPresent(ctx, conn)
	if err != nil || !on {
		return err
	}
	if _, err := conn.Exec(ctx, "SET citus.enable_unsafe_triggers = on"); err != nil {
		return fmt.Errorf("allow triggers on Citus tables: %w", err)
	}
	laid := map[string]bool{}
	rows, err := conn.Query(ctx, "SELECT logicalrelid::regclass::text FROM pg_dist_partition")
	if err != nil {
		return fmt.Errorf("read Citus tables: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("read Citus tables: %w", err)
	}
	for _, n := range names {
		laid[n] = true
	}
	for _, l := range Layouts {
		if laid[l.Table] || l.Kind == Local {
			continue
		}
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
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			return fmt.Errorf("distribute %s on Citus: %w", l.Table, err)
		}
	}
	return nil
}
