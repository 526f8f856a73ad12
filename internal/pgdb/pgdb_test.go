package pgdb_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/internal/pgtest"
)

// TestAcquireTimeoutBoundsTheWaitOnly takes the pool's one connection away: a query must
// then fail as unavailable after about the acquire timeout instead of waiting, while a
// statement that runs longer than the acquire timeout on a free connection still succeeds.
func TestAcquireTimeoutBoundsTheWaitOnly(t *testing.T) {
	ctx := context.Background()
	const wait = 200 * time.Millisecond
	pool, err := pgdb.Open(ctx, pgtest.URL(t), pgdb.Options{MaxConns: 1, AcquireTimeout: wait})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// Opening the connection counts against the acquire timeout: on a busy machine it may
	// take longer, so open it first.
	deadline := time.Now().Add(10 * time.Second)
	for pool.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatal("cannot open a connection")
		}
	}

	if _, err := pool.Exec(ctx, "SELECT pg_sleep(0.5)"); err != nil {
		t.Errorf("a 500 ms statement with a %v acquire timeout: %v, want success", wait, err)
	}

	held, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var one int
	err = pool.QueryRow(ctx, "SELECT 1").Scan(&one)
	took := time.Since(start)
	held.Release()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("query on an exhausted pool: %v, want context.DeadlineExceeded", err)
	}
	if code := apperr.CodeOf(pgdb.Translate(err, "test")); code != apperr.Unavailable {
		t.Errorf("Translate(%v) has code %q, want unavailable", err, code)
	}
	if took > 10*wait {
		t.Errorf("query on an exhausted pool failed after %v, want about %v", took, wait)
	}
	if err := pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Errorf("query once the connection is back: %v", err)
	}
}

func TestTranslate(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want apperr.Code
	}{
		{"no rows", pgx.ErrNoRows, apperr.NotFound},
		{"unique violation", &pgconn.PgError{Code: "23505"}, apperr.Conflict},
		{"check violation", &pgconn.PgError{Code: "23514"}, apperr.Invalid},
		{"NUL in text", &pgconn.PgError{Code: "22021"}, apperr.Invalid},
		{"\\u0000 in jsonb", &pgconn.PgError{Code: "22P05"}, apperr.Invalid},
		{"statement timeout", &pgconn.PgError{Code: "57014"}, apperr.Unavailable},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, apperr.Unavailable},
		{"starting up", &pgconn.PgError{Code: "57P03"}, apperr.Unavailable},
		{"deadline", fmt.Errorf("acquire: %w", context.DeadlineExceeded), apperr.Unavailable},
		{"server gone mid-answer", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), apperr.Unavailable},
		{"server gone before the answer", io.EOF, apperr.Unavailable},
		{"Citus worker down", &pgconn.PgError{Code: "08006"}, apperr.Unavailable},
		{"Citus worker lost mid-transaction", &pgconn.PgError{Code: "XX000",
			Message: "failure on connection marked as essential: 127.0.0.1:55534"}, apperr.Unavailable},
		{"Citus worker lost before commit", &pgconn.PgError{Code: "XX000",
			Message: "failed to prepare transaction 'citus_0_1_2_3' on host 127.0.0.1:55534"}, apperr.Unavailable},
		{"Citus worker's connection broken", &pgconn.PgError{Code: "XX000",
			Message: "SSL SYSCALL error: EOF detected\ninvalid socket"}, apperr.Unavailable},
		{"Citus worker lost during a COPY", &pgconn.PgError{Code: "58030",
			Message: "failed to COPY to shard 102043 on 127.0.0.1:55534"}, apperr.Unavailable},
		{"other I/O error", &pgconn.PgError{Code: "58030", Message: "could not read block 0 in file"}, apperr.Internal},
		{"other internal error", &pgconn.PgError{Code: "XX000", Message: "cache lookup failed for relation 1"}, apperr.Internal},
		{"other server error", &pgconn.PgError{Code: "42P01"}, apperr.Internal},
		{"other error", errors.New("cannot scan"), apperr.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apperr.CodeOf(pgdb.Translate(tt.err, "thing")); got != tt.want {
				t.Errorf("Translate(%v) has code %q, want %q", tt.err, got, tt.want)
			}
		})
	}
	if err := pgdb.Translate(context.Canceled, "thing"); err != context.Canceled {
		t.Errorf("Translate(context.Canceled) = %v, want it unchanged", err)
	}
}

// TestUntranslatedConnectionLossIsUnavailable: a handler that returns a database error
// as it is still answers 503, with a message, when the error is a lost connection (a
// Citus worker down), and 500 otherwise.
func TestUntranslatedConnectionLossIsUnavailable(t *testing.T) {
	lost := fmt.Errorf("read cases: %w", &pgconn.PgError{Code: "08006", Message: "connection to the remote node failed"})
	if c, m := apperr.CodeOf(lost), apperr.MessageOf(lost); c != apperr.Unavailable || m == "internal error" {
		t.Errorf("connection loss: code %q, message %q; want unavailable with a message", c, m)
	}
	midTx := fmt.Errorf("commit: %w", &pgconn.PgError{Code: "XX000", Message: "failure on connection marked as essential: 127.0.0.1:55534"})
	if c, m := apperr.CodeOf(midTx), apperr.MessageOf(midTx); c != apperr.Unavailable || m == "internal error" {
		t.Errorf("worker lost mid-transaction: code %q, message %q; want unavailable with a message", c, m)
	}
	other := fmt.Errorf("read cases: %w", &pgconn.PgError{Code: "42P01"})
	if c, m := apperr.CodeOf(other), apperr.MessageOf(other); c != apperr.Internal || m != "internal error" {
		t.Errorf("other server error: code %q, message %q; want internal", c, m)
	}
}
