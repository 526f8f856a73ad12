package analytics

import (
	"testing"
	"time"
)

// checkSteps fails t unless steps cut [from, to) as NewSteps promises: between 2 and max
// steps, contiguous, the last ending at to, the first starting at from or after it
// exactly where the left-out remainder (shorter than half a step) ends, every case time
// in the steps found by Index, and every step but a partial first one whole.
func checkSteps(t *testing.T, name string, steps Steps, from, to time.Time, max int) {
	t.Helper()
	s := steps.Steps
	n := len(s)
	if n < 2 || n > max || !s[n-1].To.Equal(to) {
		t.Fatalf("%s: %d steps, last ending %v, want 2..%d ending %v", name, n, s[n-1].To, max, to)
	}
	half := steps.whole / 2 // the longest remainder left out: under half a step
	if steps.Unit == "month" {
		half = 31.0 / 2
	}
	switch lo := steps.LeftOut; {
	case lo == nil && !s[0].From.Equal(from):
		t.Fatalf("%s: first step from %v, want %v", name, s[0].From, from)
	case lo != nil && (!lo.From.Equal(from) || !lo.To.Equal(s[0].From) || lo.days() >= half):
		t.Fatalf("%s: left out %v .. %v before a first step from %v", name, lo.From, lo.To, s[0].From)
	}
	for i, st := range s {
		if i > 0 && !st.From.Equal(s[i-1].To) {
			t.Fatalf("%s: step %d from %v, step %d to %v", name, i, st.From, i-1, s[i-1].To)
		}
		if !st.From.Before(st.To) {
			t.Fatalf("%s: step %d is empty: %v .. %v", name, i, st.From, st.To)
		}
		if got := steps.Index(st.From); got != i {
			t.Fatalf("%s: Index(%v) = %d, want %d", name, st.From, got, i)
		}
		if got := steps.Index(st.To.Add(-time.Nanosecond)); got != i {
			t.Fatalf("%s: Index(just before %v) = %d, want %d", name, st.To, got, i)
		}
		whole := steps.Unit != "month" && st.days() == steps.whole ||
			steps.Unit == "month" && st.days() >= 28 && st.days() <= 31
		if !whole && i > 0 {
			t.Fatalf("%s: step %d (%v .. %v) is not whole", name, i, st.From, st.To)
		}
	}
	if steps.Index(to) != -1 || steps.Index(s[0].From.Add(-time.Nanosecond)) != -1 {
		t.Fatalf("%s: Index finds a time outside the steps", name)
	}
}

func TestNewSteps(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	to := at("2026-12-06T00:00:00+08:00")
	for _, tc := range []struct {
		name      string
		unit      string
		days      int
		steps     int
		firstDays float64 // length of the first step
		leftOut   float64 // days left out, 0 for none
	}{
		{"5 whole weeks", "week", 35, 5, 7, 0},
		{"30 days: 4 weeks, 2 days left out", "week", 30, 4, 7, 2},
		{"45 days: 6 weeks, 3 days left out", "week", 45, 6, 7, 3},
		{"90 days: 12 weeks and a first step of 6 days", "week", 90, 13, 6, 0},
		{"default step is the week", "", 28, 4, 7, 0},
		{"90 days in months: the first 29 days", "month", 90, 3, 29, 0},
		{"100 days in months: 9 days left out", "month", 100, 3, 30, 9},
		{"10 days", "day", 10, 10, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from := to.AddDate(0, 0, -tc.days)
			s, err := NewSteps(tc.unit, from, to, 120)
			if err != nil {
				t.Fatalf("NewSteps error %v", err)
			}
			checkSteps(t, tc.name, s, from, to, 120)
			left := 0.0
			if s.LeftOut != nil {
				left = s.LeftOut.days()
			}
			if len(s.Steps) != tc.steps || s.Steps[0].days() != tc.firstDays || left != tc.leftOut {
				t.Errorf("NewSteps(%s, %d days) = %d steps, first %v days, %v left out; want %d, %v, %v",
					tc.unit, tc.days, len(s.Steps), s.Steps[0].days(), left, tc.steps, tc.firstDays, tc.leftOut)
			}
		})
	}
	for _, tc := range []struct {
		name     string
		unit     string
		from, to string
	}{
		{"unknown unit", "fortnight", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"},
		{"one week and 3 days", "week", "2026-11-21T00:00:00Z", "2026-12-01T00:00:00Z"},
		{"too many days", "day", "2026-01-01T00:00:00Z", "2026-12-01T00:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewSteps(tc.unit, at(tc.from), at(tc.to), 120); err == nil {
				t.Errorf("NewSteps(%s, %s, %s) succeeded, want an error", tc.unit, tc.from, tc.to)
			}
		})
	}
}

func TestMonthsBefore(t *testing.T) {
	for _, tc := range []struct{ t, want string }{
		{"2026-03-31T10:00:00+08:00", "2026-02-28T10:00:00+08:00"},
		{"2024-03-31T10:00:00+08:00", "2024-02-29T10:00:00+08:00"},
		{"2026-12-06T00:00:00Z", "2026-11-06T00:00:00Z"},
		{"2026-01-15T00:00:00Z", "2025-12-15T00:00:00Z"},
	} {
		in, _ := time.Parse(time.RFC3339, tc.t)
		want, _ := time.Parse(time.RFC3339, tc.want)
		if got := monthsBefore(in, 1); !got.Equal(want) {
			t.Errorf("monthsBefore(%s, 1) = %v, want %s", tc.t, got, tc.want)
		}
	}
}
