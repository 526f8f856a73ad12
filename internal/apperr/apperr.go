// Package apperr defines the application's error type: a stable code and a message meant
// for the client. Every layer returns these (or wraps them); the HTTP layer maps the code
// to a status in exactly one place.
package apperr

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Code is a stable, machine-readable error class. Clients switch on it.
type Code string

// The error codes. api.md lists them; new ones may be added, none renamed.
const (
	Invalid          Code = "invalid"            // the request is malformed or breaks a rule
	Unauthorized     Code = "unauthorized"       // no or bad credentials
	Forbidden        Code = "forbidden"          // credentials fine, permission missing
	NotFound         Code = "not_found"          // no such object or route
	MethodNotAllowed Code = "method_not_allowed" // the route exists, the method does not
	Conflict         Code = "conflict"           // clashes with existing state
	TooLarge         Code = "too_large"          // body or batch over its limit
	Unprocessable    Code = "unprocessable"      // well-formed, but cannot be computed
	RateLimited      Code = "rate_limited"       // too many requests
	Unavailable      Code = "unavailable"        // a dependency is down or too slow
	Internal         Code = "internal"           // a bug or an unexpected failure
)

// Error is an error with a code and a message safe to show to the client.
// Err, when set, is the underlying cause; it is logged, never shown.
type Error struct {
	Code    Code
	Message string
	// Extra holds additional members for the problem document (e.g. "errors" for a batch).
	Extra map[string]any
	// RetryAfter, when positive, tells the client how long to wait before trying again
	// (a rate_limited or unavailable error); the HTTP layer sends it as Retry-After.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Message != "":
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", e.Code, e.Err)
	default:
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an Error with a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error with code and message around a cause.
func Wrap(err error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// Invalidf is New(Invalid, ...).
func Invalidf(format string, args ...any) *Error { return New(Invalid, format, args...) }

// Fieldf is an invalid Error about one field of the input: its message starts with the
// field's name, and the problem document names it in the member "field" (a dotted path
// such as "left_area.minutes"), for clients to point at.
func Fieldf(field, format string, args ...any) *Error {
	e := New(Invalid, "%s: %s", field, fmt.Sprintf(format, args...))
	e.Extra = map[string]any{"field": field}
	return e
}

// NotFoundf is New(NotFound, ...).
func NotFoundf(format string, args ...any) *Error { return New(NotFound, format, args...) }

// Conflictf is New(Conflict, ...).
func Conflictf(format string, args ...any) *Error { return New(Conflict, format, args...) }

// Forbiddenf is New(Forbidden, ...).
func Forbiddenf(format string, args ...any) *Error { return New(Forbidden, format, args...) }

// CodeOf returns the code of the first *Error in err's chain, Unavailable for a database
// connection failure that no layer translated (see ConnectionLost), Internal for any
// other error, and "" for a nil err.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if ConnectionLost(err) {
		return Unavailable
	}
	return Internal
}

// ConnectionLost tells whether err is a database server's report that it, or one of its
// nodes, could not be reached: an SQLSTATE of class 08 (connection exception), which a
// Citus coordinator gives (08006) when a worker holding a shard the statement needs is
// down, or an internal (XX000) or I/O (58030) error whose message says a worker was lost
// (see lostNodeMessages): Citus raises those without an SQLSTATE of their own, for a
// worker lost in the middle of a transaction, a COPY or a commit. The request may succeed once the
// node is back, so it is a 503, not a bug. The SQLSTATE is read through the method pgx's
// errors have, so that this package needs no database driver.
func ConnectionLost(err error) bool {
	var s interface {
		SQLState() string
		error
	}
	if !errors.As(err, &s) {
		return false
	}
	state := s.SQLState()
	if len(state) == 5 && state[:2] == "08" {
		return true
	}
	if state != "XX000" && state != "58030" {
		return false
	}
	msg := s.Error()
	for _, m := range lostNodeMessages {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

// lostNodeMessages are the messages of the XX000 errors a Citus coordinator raises when
// it loses a worker: its own (remote_transaction.c, connection_management.c), and
// libpq's for a broken connection, which it passes on as the error of the command it was
// running on the worker ("while executing command on host:port"), with no SQLSTATE.
var lostNodeMessages = []string{
	"failure on connection marked as essential: ",
	"failed to prepare transaction '",
	"failed to COPY to shard ", // 58030, the worker of a shard lost during a COPY
	"connection establishment for node ",
	"server closed the connection unexpectedly",
	"SSL SYSCALL error: ",
	"SSL connection has been closed unexpectedly",
	"could not receive data from server",
	"could not send data to server",
	"no connection to the server",
	"connection not open",
}

// MessageOf returns the client-safe message of err: the message of the first *Error in
// its chain, or "internal error" when it has none.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	if e != nil {
		return string(e.Code)
	}
	if ConnectionLost(err) {
		return "a database node is unavailable; try again later"
	}
	return "internal error"
}

// ExtraOf returns the extra problem members of the first *Error in err's chain.
func ExtraOf(err error) map[string]any {
	var e *Error
	if errors.As(err, &e) {
		return e.Extra
	}
	return nil
}

// TooMany returns a rate_limited error telling the client to come back after wait.
func TooMany(wait time.Duration, format string, args ...any) *Error {
	e := New(RateLimited, format, args...)
	e.RetryAfter = wait
	return e
}

// RetryAfterOf returns the RetryAfter of the first *Error in err's chain, 0 when none.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
