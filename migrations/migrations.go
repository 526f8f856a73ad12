// Package migrations holds the numbered SQL migrations, embedded in the binary, and
// applies them in order, one transaction each, under an advisory lock (tern's migrator).
// Files are forward-only: never edit one that has been applied; add the next number.
package migrations

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed *.sql
var files embed.FS

// VersionTable records the applied version.
const VersionTable = "public.schema_version"

// FS returns the migration files.
func FS() fs.FS { return files }

// Latest returns the number of the newest migration.
func Latest() (int32, error) {
	names, err := migrate.FindMigrations(files)
	if err != nil {
		return 0, err
	}
	return int32(len(names)), nil
}

// Apply brings the database on conn up to the newest migration and returns the version
// it was at before.
func Apply(ctx context.Context, conn *pgx.Conn) (from int32, err error) {
	m, err := migrate.NewMigrator(ctx, conn, VersionTable)
	if err != nil {
		return 0, fmt.Errorf("prepare migrations: %w", err)
	}
	if err := m.LoadMigrations(files); err != nil {
		return 0, fmt.Errorf("load migrations: %w", err)
	}
	from, err = m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	m.OnStart = func(seq int32, name, _, _ string) {
		slog.InfoContext(ctx, "applying migration", "version", seq, "name", name)
	}
	if err := m.Migrate(ctx); err != nil {
		return from, fmt.Errorf("migrate: %w", err)
	}
	// On a Citus coordinator, the tables the migrations created are laid out by township
	// or copied to every node (citus.go); on a single node this does nothing.
	if err := Distribute(ctx, conn); err != nil {
		return from, err
	}
	return from, nil
}

// Querier is what Current needs: a pool, a connection or a transaction.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Current returns the version the database is at, 0 when it was never migrated.
// Unlike Apply it changes nothing.
func Current(ctx context.Context, q Querier) (int32, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", VersionTable).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int32
	if err := q.QueryRow(ctx, "SELECT version FROM "+VersionTable).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
