package cluster

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestSplitKeepsEveryPositionUnderTheLimit(t *testing.T) {
	m := Message{Origin: "0123456789abcdef", Kind: KindPositions}
	for i := range 1000 {
		m.Positions = append(m.Positions, Position{Officer: fmt.Sprintf("officer-%04d", i), Township: "320281001",
			Lon: 120.123456789, Lat: 31.987654321, TimeMs: 1_800_000_000_000 + int64(i), H3: "89309a4a4a3ffff"})
	}
	parts := split(m)
	if len(parts) < 2 {
		t.Fatalf("1,000 positions in %d part(s)", len(parts))
	}
	n := 0
	for i, p := range parts {
		b, _ := json.Marshal(p)
		if len(b) > MaxPayload {
			t.Errorf("part %d is %d bytes, over %d", i, len(b), MaxPayload)
		}
		if p.Origin != m.Origin || p.Kind != m.Kind {
			t.Errorf("part %d lost its origin or kind: %q %q", i, p.Origin, p.Kind)
		}
		for _, pos := range p.Positions {
			if pos != m.Positions[n] {
				t.Fatalf("position %d is %+v, want %+v", n, pos, m.Positions[n])
			}
			n++
		}
	}
	if n != len(m.Positions) {
		t.Errorf("%d positions after splitting, want %d", n, len(m.Positions))
	}
	small := Message{Origin: "x", Kind: KindCase, Lon: 120, Lat: 31}
	if got := split(small); len(got) != 1 || got[0].Lon != 120 || got[0].Kind != KindCase {
		t.Errorf("a small message was changed: %+v", got)
	}
}

func TestSendNeverBlocks(t *testing.T) {
	b := New(nil)
	for range queueLength + 10 {
		b.Send(Message{Kind: KindGrid})
	}
	if !b.dropped.Load() {
		t.Error("a full queue did not mark messages as dropped (no resync would follow)")
	}
}

func TestDrainPacksWhatQueuedUp(t *testing.T) {
	b := New(nil)
	for i := range 300 {
		b.Send(Message{Kind: KindPositions, Positions: []Position{{Officer: fmt.Sprint("o", i), H3: "89309a4a4a3ffff"}}})
		if i%100 == 0 {
			b.Send(Message{Kind: KindGrid})
			b.Send(Message{Kind: KindCase, Lon: float64(i)})
		}
	}
	out := b.drain(<-b.queue)
	if len(b.queue) != 0 {
		t.Errorf("%d messages left in the queue", len(b.queue))
	}
	kinds := map[string]int{}
	positions := 0
	for _, m := range out {
		kinds[m.Kind]++
		positions += len(m.Positions)
		if m.Origin != b.Origin() {
			t.Errorf("message without this instance's origin: %+v", m)
		}
		if raw, _ := json.Marshal(m); len(raw) > MaxPayload {
			t.Errorf("a %s message of %d bytes", m.Kind, len(raw))
		}
	}
	if kinds[KindGrid] != 1 || kinds[KindCase] != 3 || positions != 300 || kinds[KindPositions] > 5 {
		t.Errorf("packed into %v with %d positions; want 1 grid, 3 cases, 300 positions in a few messages", kinds, positions)
	}
}
