package live

import (
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/patrol/position"
)

// TestSlowSubscriberNeverBlocksPublish fills a subscriber that never reads: Publish must
// return at once every time, and the laggard must be dropped.
func TestSlowSubscriberNeverBlocksPublish(t *testing.T) {
	b := NewBroker(nil)
	slow := b.subscribe("")
	scoped := b.subscribe("320281004")
	batch := make([]position.Stored, 1000)
	for i := range batch {
		batch[i] = position.Stored{Officer: "o1", Township: "320281001", Time: time.Unix(int64(i), 0)}
	}
	done := make(chan struct{})
	go func() {
		for range 2 * QueueLength / len(batch) {
			b.Publish(batch)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked on a subscriber that does not read")
	}
	select {
	case <-slow.lagged:
	default:
		t.Error("the slow subscriber was not dropped")
	}
	if b.Subscribers() != 1 {
		t.Errorf("%d subscribers left, want the scoped one", b.Subscribers())
	}
	if len(scoped.queue) != 0 {
		t.Errorf("a subscriber of another township got %d positions", len(scoped.queue))
	}
}
