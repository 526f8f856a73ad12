package migrations_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"

	"github.com/gridwatch/gridwatch/internal/pgtest"
	"github.com/gridwatch/gridwatch/migrations"
)

// TestTownshipKeysBackfilled migrates a database holding cases (one in a township, one
// outside every township), their history and evidence, and a plan with a stop, from
// version 28 over migration 0029: the rows gain their township keys ("" outside every
// township), the hashes stay as they were, the history is append-only again, and a
// case's key cannot drift from its township.
func TestTownshipKeysBackfilled(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewEmptyDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	m, err := migrate.NewMigrator(ctx, conn, migrations.VersionTable)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.LoadMigrations(migrations.FS()); err != nil {
		t.Fatal(err)
	}
	if err := m.MigrateTo(ctx, 28); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `
		INSERT INTO townships (code, name, geom, area_km2) VALUES ('A', '甲镇', ST_Multi(ST_MakeEnvelope(120, 31, 121, 32, 4326)), 1);
		INSERT INTO squadrons (code, name, township) VALUES ('A1', '甲一', 'A');
		INSERT INTO cases (sector, title, lon, lat, h3, township, source, reporter, reported_at)
		VALUES ('water', 'in A', 120.5, 31.5, 1, 'A', 'patrol', 't', now()),
		       ('water', 'outside', 125, 35, 2, NULL, 'patrol', 't', now());
		INSERT INTO case_events (case_id, seq, type, status, actor, actor_role, at, prev_hash, hash)
		SELECT id, 1, 'report', 'reported', 't', 'admin', now(), '', sha256(title::bytea) FROM cases;
		INSERT INTO case_events (case_id, seq, type, status, actor, actor_role, at, prev_hash, hash, evidence)
		SELECT id, 2, 'evidence', 'reported', 't', 'admin', now(), sha256(title::bytea), sha256(id::text::bytea),
		       sha256(title::bytea) FROM cases;
		INSERT INTO evidence (case_id, seq, sha256, kind, size_bytes, content_type, uploader)
		SELECT case_id, seq, evidence, 'photo', 1, 'image/jpeg', 't' FROM case_events WHERE seq = 2;
		INSERT INTO plans (squadron, township, shift_start, duration_s, created_by, request, result)
		VALUES ('A1', 'A', now(), 3600, 't', '{}', '{}');
		INSERT INTO plan_stops (plan_id, officer, seq, h3, eta, leave_at, priority)
		SELECT id, 'o', 1, 1, now(), now(), 1 FROM plans`); err != nil {
		t.Fatal(err)
	}
	hashes := func() string {
		var s string
		if err := conn.QueryRow(ctx, `SELECT string_agg(case_id || ':' || seq || ':' || encode(hash, 'hex'), ',' ORDER BY case_id, seq)
			FROM case_events`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := hashes()
	if err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if after := hashes(); after != before {
		t.Errorf("hashes changed by the migration: %s, were %s", after, before)
	}
	var keys string
	if err := conn.QueryRow(ctx, `SELECT string_agg(title || '=' || township_key || '/' ||
			(SELECT string_agg(e.seq || e.township_key, ' ' ORDER BY e.seq) FROM case_events e WHERE e.case_id = c.id) || '/' ||
			(SELECT string_agg(v.township_key, ' ') FROM evidence v WHERE v.case_id = c.id), '; ' ORDER BY id)
		FROM cases c`).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if want := "in A=A/1A 2A/A; outside=/1 2/"; keys != want {
		t.Errorf("township keys of cases/events/evidence = %q, want %q", keys, want)
	}
	var stop string
	if err := conn.QueryRow(ctx, `SELECT township FROM plan_stops`).Scan(&stop); err != nil || stop != "A" {
		t.Errorf("plan stop's township = %q (%v), want A", stop, err)
	}
	for _, sql := range []string{
		`UPDATE case_events SET note = 'changed'`,
		`DELETE FROM evidence`,
		`UPDATE cases SET township = NULL WHERE township = 'A'`,
		`INSERT INTO case_events (township_key, case_id, seq, type, status, actor, actor_role, at, prev_hash, hash)
		 SELECT 'A', id, 3, 'close', 'closed', 't', 'admin', now(), '', '' FROM cases WHERE township IS NULL`,
	} {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, sql); err == nil {
			t.Errorf("%s: accepted after the migration, want refused", sql)
		}
		_ = tx.Rollback(ctx)
	}
}
