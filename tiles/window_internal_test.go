package tiles

import (
	"net/url"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/patrol/position"
)

func TestWindowOf(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 20, 0, 0, time.UTC)
	hourEnd := "2026-11-27T11:00:00Z"
	for _, tc := range []struct {
		query, key string // key "" = invalid
	}{
		{"", "from=2026-11-26T11:00:00Z&to=" + hourEnd},
		{"to=2026-11-20T00:00:00Z", "from=2026-11-19T00:00:00Z&to=2026-11-20T00:00:00Z"},
		{"from=2026-11-27T08:00:00%2B08:00", "from=2026-11-27T00:00:00Z&to=" + hourEnd},
		// Fractions of a second are cut in the key and in the query alike.
		{"from=2026-11-27T01:00:00.9Z&to=2026-11-27T02:00:00.1Z", "from=2026-11-27T01:00:00Z&to=2026-11-27T02:00:00Z"},
		// A single bound cannot stretch the window past its maximum.
		{"from=1970-01-01T00:00:00Z", ""},
		{"to=2026-11-27T00:00:00Z&from=2026-11-27T00:00:00Z", ""},
		{"from=yesterday", ""},
	} {
		q, _ := url.ParseQuery(tc.query)
		w, err := windowOf(q, tracksDefault, position.MaxTrackWindow, now)
		key := w.String()
		if tc.key == "" {
			if err == nil {
				t.Errorf("%s: accepted as %s", tc.query, key)
			}
			continue
		}
		if err != nil || key != tc.key {
			t.Errorf("%s: %q, %v; want %q", tc.query, key, err, tc.key)
		}
		if w.From.Nanosecond() != 0 || w.To.Nanosecond() != 0 {
			t.Errorf("%s: the query would read %v–%v, the key says %s", tc.query, w.From, w.To, key)
		}
	}
}
