package httpx

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// QueryInt reads an integer query parameter within [lo, hi]; def when absent.
// Errors: invalid, naming the parameter and the range.
func QueryInt(q url.Values, name string, def, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, apperr.Invalidf("parameter %s=%q must be a whole number from %d to %d", name, s, lo, hi)
	}
	return v, nil
}

// QueryFloat reads a required finite number query parameter within [lo, hi].
// Errors: invalid, naming the parameter and the range.
func QueryFloat(r *http.Request, name string, lo, hi float64) (float64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, apperr.Invalidf("parameter %s is required", name)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < lo || v > hi {
		return 0, apperr.Invalidf("parameter %s=%q must be a number from %g to %g", name, s, lo, hi)
	}
	return v, nil
}

// TimeRange reads the from and to query parameters (RFC 3339). Missing to means now;
// missing from means span before to. Errors: invalid when a time is malformed, from is
// not before to, or the window is longer than max.
func TimeRange(q url.Values, now time.Time, span, max time.Duration) (from, to time.Time, err error) {
	return TimeRangeTruncated(q, now, span, max, 0)
}

// TimeRangeTruncated is [TimeRange] with both ends, given or by default, in UTC and
// truncated to a multiple of unit (time.Time.Truncate) before they are checked, so that
// a window written at that precision (in a cache key, say) reads back as the same
// window. A unit <= 0 truncates nothing. Errors: as TimeRange's.
func TimeRangeTruncated(q url.Values, now time.Time, span, max, unit time.Duration) (from, to time.Time, err error) {
	to, err = QueryTime(q, "to", now)
	if err != nil {
		return
	}
	to = truncate(to, unit)
	from, err = QueryTime(q, "from", to.Add(-span))
	if err != nil {
		return
	}
	from = truncate(from, unit)
	if !from.Before(to) {
		return from, to, apperr.Invalidf("from (%s) must be before to (%s)", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if to.Sub(from) > max {
		return from, to, apperr.Invalidf("the window from %s to %s is longer than the maximum of %s",
			from.Format(time.RFC3339), to.Format(time.RFC3339), max)
	}
	return from, to, nil
}

func truncate(t time.Time, unit time.Duration) time.Time {
	if unit <= 0 {
		return t
	}
	return t.UTC().Truncate(unit)
}

// QueryTime reads an RFC 3339 time query parameter; def when absent. Errors: invalid,
// naming the parameter.
func QueryTime(q url.Values, name string, def time.Time) (time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, apperr.Invalidf("parameter %s=%q must be an RFC 3339 time, e.g. 2026-11-27T08:00:00+08:00", name, s)
	}
	return t, nil
}
