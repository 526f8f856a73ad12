package open311

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// Limits of GET requests. The window and the count are the spec's defaults ("a span of
// 90 days or first 1000 requests returned, whichever is smallest"); the spec also caps an
// explicit start_date..end_date range at 90 days.
const (
	maxRequests = 1000
	maxWindow   = 90 * 24 * time.Hour
	// maxIDs caps service_request_id: each one is a lookup of its own.
	maxIDs = 100
)

// listQuery holds the arguments of GET requests.
type listQuery struct {
	ids      []int64  // service_request_id; when set, every other argument is ignored
	codes    []string // service_code; empty means every service
	open     *bool    // status; nil means both
	from, to time.Time
}

// listValues returns every value of a parameter that the spec lets be "declared multiple
// times, comma delimited", trimmed, without empty or repeated ones.
func listValues(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// parseListQuery reads the arguments of GET requests: service_request_id (comma list of
// IDs), service_code (comma list), status (open, closed or both), start_date and end_date
// (W3C/RFC 3339 times with a zone). Without dates the window is the 90 days before now;
// with one date it is the 90 days after start_date or before end_date; with both it may
// span at most 90 days. jurisdiction_id is ignored: we serve one jurisdiction. Errors
// have code invalid.
func parseListQuery(q url.Values, now time.Time) (listQuery, error) {
	var lq listQuery
	ids := listValues(q, "service_request_id")
	if len(ids) > maxIDs {
		return lq, apperr.Invalidf("service_request_id lists %d IDs; at most %d are allowed", len(ids), maxIDs)
	}
	for _, s := range ids {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return lq, apperr.Invalidf("service_request_id %q is not a request ID (a positive whole number)", s)
		}
		lq.ids = append(lq.ids, id)
	}
	lq.codes = listValues(q, "service_code")

	var open, closed bool
	for _, s := range listValues(q, "status") {
		switch strings.ToLower(s) {
		case "open":
			open = true
		case "closed":
			closed = true
		default:
			return lq, apperr.Invalidf("status %q must be open or closed", s)
		}
	}
	if open != closed {
		lq.open = &open
	}

	start, err := queryTime(q, "start_date")
	if err != nil {
		return lq, err
	}
	end, err := queryTime(q, "end_date")
	if err != nil {
		return lq, err
	}
	switch {
	case start.IsZero() && end.IsZero():
		start, end = now.Add(-maxWindow), now
	case start.IsZero():
		start = end.Add(-maxWindow)
	case end.IsZero():
		end = start.Add(maxWindow)
	}
	if end.Before(start) {
		return lq, apperr.Invalidf("start_date (%s) is after end_date (%s)",
			start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	if end.Sub(start) > maxWindow {
		return lq, apperr.Invalidf("start_date %s to end_date %s spans more than the 90 days allowed",
			start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	lq.from, lq.to = start, end
	return lq, nil
}

// queryTime reads an optional time parameter; the zero time when it is absent.
func queryTime(q url.Values, name string) (time.Time, error) {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return time.Time{}, nil
	}
	t, err := parseW3C(s)
	if err != nil {
		return time.Time{}, apperr.Invalidf("%s=%q must be a W3C date-time with a time zone, e.g. 2026-11-27T08:00:00+08:00 or 2026-11-27T00:00:00Z", name, s)
	}
	return t, nil
}

// parseW3C parses the spec's date-time: the W3C profile of ISO 8601 with seconds (and
// optional fractions) or minutes, and a zone. A "+" of the zone that arrived as a space,
// because the client did not escape it in the query string, is taken back.
func parseW3C(s string) (time.Time, error) {
	var err error
	for _, candidate := range []string{s, strings.Replace(s, " ", "+", 1)} {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
			var t time.Time
			if t, err = time.Parse(layout, candidate); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, err
}
