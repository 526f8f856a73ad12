// Package pgtest gives integration tests a real PostGIS database of their own: a fresh
// database cloned from a template that was migrated once per schema version.
//
// The server comes from DATABASE_URL (the README's test command starts one with
// scripts/devdb). Without it a test is skipped, unless CI is set: then it fails, so that a
// missing database can never pass as green.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/internal/pgcluster"
	"github.com/gridwatch/gridwatch/migrations"
)

// templateLock serialises template creation across test processes (go test runs
// packages in parallel).
const templateLock = 7_304_115_001

// URL returns DATABASE_URL, skipping the test when it is unset outside CI and failing it
// under CI.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("DATABASE_URL is not set under CI: the test command must start PostGIS (scripts/devdb)")
		}
		t.Skip("DATABASE_URL not set: run the tests with `make test`, which starts PostGIS")
	}
	return u
}

// NewDB creates a migrated database for this test alone and returns its URL. The database
// is dropped when the test ends. On a Citus coordinator it is created on every node, with
// the template's shards (see nodes).
func NewDB(t testing.TB) string {
	t.Helper()
	return NewDBAt(t, URL(t))
}

// NewDBAt is NewDB on the server at base instead of DATABASE_URL's, for tests that
// compare two servers (a single node and a Citus cluster).
func NewDBAt(t testing.TB, base string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", redacted(base), err)
	}
	defer admin.Close(ctx)
	c, err := pgcluster.Of(ctx, admin, base)
	if err != nil {
		t.Fatalf("list the database's nodes: %v", err)
	}
	tmpl, err := ensureTemplate(ctx, admin, c)
	if err != nil {
		t.Fatalf("prepare template database: %v", err)
	}
	name := "gw_test_" + randomSuffix()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.Drop(ctx, name); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	if err := c.Clone(ctx, name, tmpl); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	return withDatabase(base, name)
}

// NewPool returns a pool on a fresh migrated database (see NewDB), closed at cleanup.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return NewPoolFor(t, NewDB(t))
}

// NewPoolFor returns a pool on the database at url, closed at cleanup.
func NewPoolFor(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatalf("open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// NewEmptyDB creates a database with nothing in it (not migrated), dropped at cleanup.
func NewEmptyDB(t testing.TB) string {
	t.Helper()
	base := URL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	name := "gw_test_" + randomSuffix()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create empty database: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return withDatabase(base, name)
}

// ensureTemplate returns the name of a template database migrated to the current
// migrations, creating it when no test process did yet.
func ensureTemplate(ctx context.Context, admin *pgx.Conn, c *pgcluster.Cluster) (string, error) {
	sum, err := migrationsDigest()
	if err != nil {
		return "", err
	}
	name := "gw_tmpl_" + sum
	if c.Citus() {
		name += "_citus"
	}
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", templateLock) //nolint:errcheck
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Build under a temporary name and rename when complete (the coordinator last), so
	// that a process killed half-way never leaves a template that looks ready.
	building := name + "_building"
	if err := c.Drop(ctx, building); err != nil {
		return "", err
	}
	if err := c.Create(ctx, building); err != nil {
		return "", err
	}
	conn, err := pgx.Connect(ctx, pgcluster.WithDatabase(c.Coordinator(), building))
	if err != nil {
		return "", err
	}
	if err := c.Join(ctx, conn); err != nil {
		conn.Close(ctx)
		return "", err
	}
	if _, err := migrations.Apply(ctx, conn); err != nil {
		conn.Close(ctx)
		return "", err
	}
	conn.Close(ctx)
	if err := c.Rename(ctx, building, name); err != nil {
		return "", err
	}
	return name, nil
}

// migrationsDigest identifies the current set of migrations and table layouts.
func migrationsDigest() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS(), path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	// How the tables lie on Citus is part of what a template was built with.
	fmt.Fprintf(h, "%+v", migrations.Layouts)
	return hex.EncodeToString(h.Sum(nil))[:12], err
}

func withDatabase(base, name string) string { return pgcluster.WithDatabase(base, name) }

func redacted(base string) string { return pgcluster.Redacted(base) }

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
