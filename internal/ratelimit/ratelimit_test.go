package ratelimit

import (
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]Rate{
		"50/s":     {PerSecond: 50, Burst: 50},
		"50/s:200": {PerSecond: 50, Burst: 200},
		"10/min":   {PerSecond: 10.0 / 60, Burst: 1},
		"7200/h:5": {PerSecond: 2, Burst: 5},
		"off":      {},
		"0":        {},
		"0.5/s:3":  {PerSecond: 0.5, Burst: 3},
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "50", "50/day", "-1/s", "x/s", "5/s:0", "5/s:x", "NaN/s", "Inf/s"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{"50/s:200": "50/s:200", "10/min:20": "10/min:20", "3/h:1": "3/h:1",
		"0.5/s:3": "30/min:3", "off": "off"} {
		if r, _ := ParseRate(in); r.String() != want {
			t.Errorf("ParseRate(%q).String() = %q, want %q", in, r.String(), want)
		}
	}
}

func TestBucketsRefillPerKey(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := New(Rate{PerSecond: 2, Burst: 3})
	l.SetClock(func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("fourth request: ok=%v wait=%v, want refused for 500ms", ok, wait)
	}
	if spent, _ := l.Spent("a"); !spent {
		t.Error("Spent says the empty bucket has tokens")
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("another key shares the bucket")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.Allow("a"); !ok {
		t.Error("no token after the wait Allow gave")
	}
	if ok, _ := l.Allow("a"); ok {
		t.Error("two tokens after half a second at 2/s")
	}
	// Buckets that refilled are forgotten at the next sweep.
	now = now.Add(time.Hour)
	l.Allow("c")
	if n := l.Len(); n != 1 {
		t.Errorf("%d buckets remembered after an idle hour, want 1", n)
	}
}

func TestUnlimited(t *testing.T) {
	var nilLimiter *Limiter
	for _, l := range []*Limiter{New(Rate{}), nilLimiter} {
		for range 1000 {
			if ok, _ := l.Allow("a"); !ok {
				t.Fatal("an unlimited limiter refused")
			}
		}
	}
}
