package ingest

import (
	"strconv"
	"strings"
	"time"
)

// epochSecondsLimit separates the two epoch forms of an OsmAnd timestamp:
// an integer whose magnitude is below it is seconds (up to the year 5138),
// any other is milliseconds (from March 1973 on). No real device clock is
// near either boundary, and a value on the wrong side lands decades away,
// where Check refuses it.
const epochSecondsLimit = 100_000_000_000

// parseTimestamp parses an OsmAnd or Traccar timestamp: an integer count of
// seconds or milliseconds since 1970-01-01 UTC, told apart by magnitude, or
// an ISO-8601 date-time as [parseDateTime] accepts it.
func parseTimestamp(s string) (time.Time, *Rejection) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, reject(CodeUntimed, "timestamp is missing")
	}
	if isInteger(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, reject(CodeBadTime, "timestamp %q is out of range", truncate(s))
		}
		if n > -epochSecondsLimit && n < epochSecondsLimit {
			return time.Unix(n, 0).UTC(), nil
		}
		return time.UnixMilli(n).UTC(), nil
	}
	t, ok := parseDateTime(s)
	if !ok {
		return time.Time{}, reject(CodeBadTime,
			"timestamp %q is neither epoch seconds or milliseconds nor an ISO-8601 date-time", truncate(s))
	}
	return t, nil
}

// isInteger reports whether s is an optional sign followed by ASCII digits.
func isInteger(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// The ISO-8601 forms parseDateTime tries, after it has put a "T" between
// date and time: with an extended or basic zone offset, or without a zone
// (then the time is UTC, as GPX and OsmAnd intend). Fractional seconds are
// optional in each.
const (
	layoutZoneExtended = "2006-01-02T15:04:05.999999999Z07:00"
	layoutZoneBasic    = "2006-01-02T15:04:05.999999999Z0700"
	layoutNoZone       = "2006-01-02T15:04:05.999999999"
)

// parseDateTime parses an ISO-8601 / RFC 3339 date-time and returns it in
// UTC. It also takes a space instead of the "T", and no zone, meaning UTC.
// A zone offset whose "+" became a space (what an unencoded "+" in a query
// string decodes to: "08:00:00 08:00") is read as "+".
func parseDateTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	if i := strings.LastIndexByte(s, ' '); i > 10 {
		s = s[:i] + "+" + s[i+1:]
	}
	for _, layout := range [...]string{layoutZoneExtended, layoutZoneBasic, layoutNoZone} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
