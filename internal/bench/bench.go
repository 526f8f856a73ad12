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
