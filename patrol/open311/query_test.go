package open311

import (
	"net/url"
	"testing"
	"time"
)

func TestParseListQueryWindow(t *testing.T) {
	day := 24 * time.Hour
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, query      string
		wantFrom, wantTo time.Time
	}{
		{"none: the 90 days before now", "", testNow.Add(-90 * day), testNow},
		{"start only: 90 days from it", "start_date=2026-10-01T00:00:00Z", t0, t0.Add(90 * day)},
		{"end only: 90 days before it", "end_date=2026-10-01T00:00:00Z", t0.Add(-90 * day), t0},
		{"both", "start_date=2026-10-01T00:00:00Z&end_date=2026-10-02T00:00:00Z", t0, t0.Add(day)},
		{"exactly 90 days", "start_date=2026-10-01T00:00:00Z&end_date=2026-12-30T00:00:00Z", t0, t0.Add(90 * day)},
		{"equal dates", "start_date=2026-10-01T00:00:00Z&end_date=2026-10-01T08:00:00%2B08:00", t0, t0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			lq, err := parseListQuery(q, testNow)
			if err != nil {
				t.Fatalf("parseListQuery(%q) error: %v", tt.query, err)
			}
			if !lq.from.Equal(tt.wantFrom) || !lq.to.Equal(tt.wantTo) {
				t.Errorf("parseListQuery(%q) window = %v .. %v, want %v .. %v", tt.query, lq.from, lq.to, tt.wantFrom, tt.wantTo)
			}
		})
	}
}

func TestParseW3C(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2010-01-01T00:00:00Z", time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"1994-11-05T08:15:30-05:00", time.Date(1994, 11, 5, 13, 15, 30, 0, time.UTC), true},
		{"1994-11-05T08:15:30.25+08:00", time.Date(1994, 11, 5, 0, 15, 30, 250e6, time.UTC), true},
		{"1994-11-05T08:15 08:00", time.Date(1994, 11, 5, 0, 15, 0, 0, time.UTC), true},
		{"1994-11-05", time.Time{}, false},
		{"1994-11-05T08:15:30", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseW3C(tt.in)
			if (err == nil) != tt.ok || !got.Equal(tt.want) {
				t.Errorf("parseW3C(%q) = %v, %v, want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}
