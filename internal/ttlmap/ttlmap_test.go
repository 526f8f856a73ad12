package ttlmap

import (
	"testing"
	"time"
)

func TestMakeRoom(t *testing.T) {
	now := time.Unix(1000, 0)
	until := func(v time.Time) time.Time { return v }
	m := map[int]time.Time{1: now.Add(-time.Second), 2: now.Add(time.Minute), 3: now}
	MakeRoom(m, 5, now, until)
	if len(m) != 3 {
		t.Fatalf("under the bound: %d entries left, want all 3", len(m))
	}
	MakeRoom(m, 3, now, until)
	if _, ok := m[2]; len(m) != 1 || !ok {
		t.Fatalf("at the bound with two expired: %v, want only the live entry 2", m)
	}
	m = map[int]time.Time{1: now.Add(time.Minute), 2: now.Add(time.Minute), 3: now.Add(time.Minute)}
	MakeRoom(m, 2, now, until)
	if len(m) != 1 {
		t.Fatalf("over the bound, none expired: %d entries left, want 1 (room for one more under 2)", len(m))
	}
}
