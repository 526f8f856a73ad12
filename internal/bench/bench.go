// Package bench holds end-to-end benchmarks run by `gridwatch bench`: each one measures
// the real server on a scratch database against a baseline in the same run, and reports
// the ratio.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/app"
)

// benchDB returns the database a benchmark runs in: base itself when inPlace, else a
// scratch database beside it; drop removes the scratch database (and does nothing for
// base).
func benchDB(ctx context.Context, base string, inPlace bool) (url string, drop func(), err error) {
	if inPlace {
		return base, func() {}, nil
	}
	return scratchDB(ctx, base)
}

// scratchDB creates an empty database beside the one at base and returns its URL and a
// function that drops it.
func scratchDB(ctx context.Context, base string) (string, func(), error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "gw_bench_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("create scratch database: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		return "", nil, fmt.Errorf("the benchmark needs a postgres:// URL")
	}
	u.Path = "/" + name
	drop := func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	return u.String(), drop, nil
}

// serveInBackground serves srv on its listener until ctx ends or stop is called, and
// returns its base URL (http://host:port); stop returns once the server has stopped.
func serveInBackground(ctx context.Context, srv *app.Server) (base string, stop func(), err error) {
	if err := srv.Listen(); err != nil {
		return "", nil, err
	}
	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(serveCtx)
	}()
	return "http://" + srv.Addr().String(), func() {
		stopServing()
		<-served
	}, nil
}
