// Package pgdb opens the PostgreSQL pool and translates database errors into application
// errors at the store boundary.
package pgdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// Options tune the pool.
type Options struct {
	// StatementTimeout bounds every statement on the server side; 0 keeps the default.
	StatementTimeout time.Duration
	// MaxConns caps the pool; 0 keeps pgxpool's default (max(4, cores)).
	MaxConns int32
	// AcquireTimeout bounds the wait for a free connection of the pool; 0 takes
	// StatementTimeout, but at least MinAcquireTimeout, so that under a slow database a
	// request waits for a connection about as long as for a statement and ends as
	// unavailable instead of queueing behind every request before it. Without either
	// there is no bound but the caller's context.
	AcquireTimeout time.Duration
}

// MinAcquireTimeout is the shortest wait for a connection that StatementTimeout implies:
// the wait includes opening a new connection (a backend started, the password checked),
// which on a busy machine can take longer than a short statement timeout, and a server
// must not fail to start, or a request fail, for that alone.
const MinAcquireTimeout = 2 * time.Second

// Open parses url (a libpq URL or key=value string) and returns a pool. It does not wait
// for the database: a server that starts before PostgreSQL still comes up, and /healthz
// says 503 until the database answers.
func Open(ctx context.Context, url string, opt Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", redact(err))
	}
	if opt.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(opt.StatementTimeout.Milliseconds())
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = opt.MaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	if opt.AcquireTimeout == 0 && opt.StatementTimeout > 0 {
		opt.AcquireTimeout = max(opt.StatementTimeout, MinAcquireTimeout)
	}
	if opt.AcquireTimeout > 0 {
		cfg.ConnConfig.Tracer = acquireTimeout(opt.AcquireTimeout)
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "gridwatch"
	cfg.HealthCheckPeriod = 15 * time.Second
	return pgxpool.NewWithConfig(ctx, cfg)
}

// acquireTimeout bounds pgxpool's Acquire, which has no timeout of its own: the pool asks
// its acquire tracer for the context to wait with, and gives the same context back when the
// wait ends. Only the wait is bounded; the statement run on the connection keeps the
// caller's context. Every pool method (Query, Exec, Begin, CopyFrom…) acquires this way. A
// wait that times out fails with context.DeadlineExceeded, which Translate makes
// unavailable.
type acquireTimeout time.Duration

type acquireCancelKey struct{}

// TraceAcquireStart starts the bound of one wait.
func (d acquireTimeout) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(d))
	return context.WithValue(ctx, acquireCancelKey{}, cancel)
}

// TraceAcquireEnd releases the bound's timer.
func (acquireTimeout) TraceAcquireEnd(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireEndData) {
	if cancel, ok := ctx.Value(acquireCancelKey{}).(context.CancelFunc); ok {
		cancel()
	}
}

// TraceQueryStart and TraceQueryEnd make acquireTimeout a pgx.QueryTracer, the type of
// ConnConfig.Tracer; they do nothing.
func (acquireTimeout) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (acquireTimeout) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// redact keeps a malformed URL's password out of error messages: pgconn's parse errors
// quote the string they failed on.
func redact(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("malformed connection string (check its syntax)")
	}
	return err
}

// SQLSTATE codes translated by Translate.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
	checkViolation      = "23514"
	notNullViolation    = "23502"
	exclusionViolation  = "23P01"
	invalidText         = "22P02"
	badCharacter        = "22021" // character_not_in_repertoire: a NUL or invalid UTF-8 in text
	badJSONEscape       = "22P05" // untranslatable_character: \u0000 in a JSON value bound for jsonb
	numericOutOfRange   = "22003"
	queryCanceled       = "57014"
	adminShutdown       = "57P01"
	cannotConnectNow    = "57P03"
	tooManyConnections  = "53300"
)

// Translate maps a database error to an application error, keeping it as the cause:
// no rows → not_found; unique and exclusion violations → conflict; foreign key, check and
// bad-value violations and text PostgreSQL cannot store (NUL, invalid UTF-8) → invalid;
// timeouts and connection failures (a Citus worker down too: apperr.ConnectionLost) → unavailable.
// Context cancellation passes through unchanged. Other errors are returned as they are
// (and count as internal). what names the object for the message, e.g. "township 320281001".
func Translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.Wrap(err, apperr.NotFound, "%s not found", what)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return apperr.Wrap(err, apperr.Unavailable, "the database did not answer in time")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case uniqueViolation, exclusionViolation:
			return apperr.Wrap(err, apperr.Conflict, "%s already exists", what)
		case foreignKeyViolation:
			return apperr.Wrap(err, apperr.Invalid, "%s refers to something that does not exist", what)
		case checkViolation, notNullViolation, invalidText, numericOutOfRange:
			return apperr.Wrap(err, apperr.Invalid, "%s breaks a rule of the data (%s)", what, pgErr.ConstraintName)
		case badCharacter, badJSONEscape:
			// PostgreSQL text holds neither NUL nor invalid UTF-8, which JSON strings,
			// query strings and paths may carry: the client's value is unusable.
			return apperr.Wrap(err, apperr.Invalid, "%s: a value holds a NUL character or is not valid UTF-8", what)
		case queryCanceled:
			return apperr.Wrap(err, apperr.Unavailable, "the database took too long")
		case adminShutdown, cannotConnectNow, tooManyConnections:
			return apperr.Wrap(err, apperr.Unavailable, "the database is unavailable")
		}
		if apperr.ConnectionLost(pgErr) {
			// A Citus coordinator that cannot reach the worker of a shard (08006), or
			// that lost it in the middle of a transaction (XX000, see ConnectionLost).
			return apperr.Wrap(err, apperr.Unavailable, "a database node is unavailable; try again later")
		}
		return err
	}
	if isConnectionError(err) {
		return apperr.Wrap(err, apperr.Unavailable, "the database is unavailable")
	}
	return err
}

// isConnectionError tells whether err means the connection failed: it could not be opened,
// or it broke — a server that goes away in the middle of an answer (a restart, a crash)
// leaves the reader with an unexpected EOF, which is no net.Error.
func isConnectionError(err error) bool {
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
