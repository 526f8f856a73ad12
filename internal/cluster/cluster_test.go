package cluster

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestPayloadsKeepEveryPositionUnderTheLimit(t *testing.T) {
	m := Message{Origin: "0123456789abcdef", Kind: KindPositions}
	for i := range 1000 {
		m.Positions = append(m.Positions, Position{Officer: fmt.Sprintf("officer-%04d", i), Township: "320281001",
			Lon: 120.123456789, Lat: 31.987654321, TimeMs: 1_800_000_000_000 + int64(i), H3: "89309a4a4a3ffff"})
	}
	parts := payloads(m)
	if len(parts) < 2 {
		t.Fatalf("1,000 positions in %d part(s)", len(parts))
	}
	n := 0
	for i, text := range parts {
		if len(text) > MaxPayload {
			t.Errorf("part %d is %d bytes, over %d", i, len(text), MaxPayload)
		}
		var p Message
		if err := json.Unmarshal([]byte(text), &p); err != nil {
			t.Fatalf("part %d does not decode: %v", i, err)
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
	var got Message
	if texts := payloads(small); len(texts) != 1 || json.Unmarshal([]byte(texts[0]), &got) != nil || got.Lon != 120 || got.Lat != 31 || got.Kind != KindCase || got.Origin != "x" {
		t.Errorf("a small message was changed: %q", texts)
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
		for _, text := range payloads(m) {
			if len(text) > MaxPayload {
				t.Errorf("a %s payload of %d bytes", m.Kind, len(text))
			}
		}
	}
	if kinds[KindGrid] != 1 || kinds[KindCase] != 3 || positions != 300 || kinds[KindPositions] != 1 {
		t.Errorf("packed into %v with %d positions; want 1 grid, 3 cases, 300 positions in one message", kinds, positions)
	}
}
