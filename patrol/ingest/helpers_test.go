package ingest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ptr returns a pointer to v, for expected optional readings.
func ptr(v float64) *float64 { return &v }

// utc parses an RFC 3339 time for expectations.
func utc(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v.UTC()
}

// fixDiff compares fixes with coordinates and readings equal to 1e-9
// (relative), enough to tell any datum or unit mistake.
func fixDiff(want, got any) string {
	return cmp.Diff(want, got, cmpopts.EquateApprox(1e-12, 1e-9), cmpopts.EquateEmpty())
}

// wantCode fails unless err is an *Error with the given code.
func wantCode(t *testing.T, call string, err error, code Code) {
	t.Helper()
	e, ok := errors.AsType[*Error](err)
	if !ok {
		t.Fatalf("%s error = %v (%T), want an *Error with code %s", call, err, err, code)
	}
	if e.Code != code {
		t.Fatalf("%s error code = %s (%v), want %s", call, e.Code, err, code)
	}
	if e.Message == "" {
		t.Fatalf("%s error %v has no message", call, err)
	}
}
