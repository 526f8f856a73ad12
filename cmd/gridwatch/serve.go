package main

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/gridwatch/gridwatch/internal/app"
)

func serveCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	addr := addrFlag(fs)
	db := dbFlag(fs)
	migrate := fs.Bool("migrate", false, "apply pending migrations before serving")
	stmt := fs.Duration("statement-timeout", 30*time.Second, "limit on each SQL statement")
	res := resFlag(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	srv, err := app.Open(ctx, app.Config{Addr: *addr, DatabaseURL: *db, Migrate: *migrate, StatementTimeout: *stmt, H3Resolution: *res})
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.Listen(); err != nil {
		return err
	}
	slog.Info("gridwatch serving", "addr", srv.Addr().String())
	return srv.Serve(ctx)
}

func migrateCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	db := dbFlag(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	pool, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer pool.Close()
	return app.Migrate(ctx, pool)
}
