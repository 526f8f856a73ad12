// Package bench holds end-to-end benchmarks run by `gridwatch bench`: each one measures
// the real server on a scratch database against a baseline in the same run, and reports
// the ratio.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime/pprof"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/pgcluster"
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
// function that drops it. On a Citus coordinator it is a database of the cluster (on
// every node, the workers added), so that the benchmark's migration lays its tables out
// on the workers.
func scratchDB(ctx context.Context, base string) (string, func(), error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "gw_bench_" + hex.EncodeToString(b[:])
	if u, err := url.Parse(base); err != nil || u.Scheme == "" {
		return "", nil, fmt.Errorf("the benchmark needs a postgres:// URL")
	}
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	c, err := pgcluster.Of(ctx, conn, base)
	if err != nil {
		return "", nil, fmt.Errorf("list the database's nodes: %w", err)
	}
	drop := func() { _ = c.Drop(context.Background(), name) }
	if err := c.Create(ctx, name); err != nil {
		drop()
		return "", nil, fmt.Errorf("create scratch database: %w", err)
	}
	scratch := pgcluster.WithDatabase(base, name)
	db, err := pgx.Connect(ctx, scratch)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("connect to the scratch database: %w", err)
	}
	defer db.Close(ctx)
	if err := c.Join(ctx, db); err != nil {
		drop()
		return "", nil, err
	}
	return scratch, drop, nil
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

// startCPUProfile starts writing the process's CPU profile to path (nothing when path
// is "") and returns what stops it; a profile that cannot be written is reported to log
// and the benchmark runs without it.
func startCPUProfile(path string, log io.Writer) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		if err = pprof.StartCPUProfile(f); err != nil {
			f.Close()
		}
	}
	if err != nil {
		fmt.Fprintf(log, "no CPU profile: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(log, "CPU profile: %v\n", err)
		}
	}
}
