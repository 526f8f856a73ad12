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

// TestEventsReachTheTownshipsThatMaySeeThem sends an alert event of one township: the
// unscoped subscriber and that township's get it, another township's does not.
func TestEventsReachTheTownshipsThatMaySeeThem(t *testing.T) {
	b := NewBroker(nil)
	all, own, other := b.subscribe(""), b.subscribe("320281001"), b.subscribe("320281004")
	b.PublishEvent("alert", "320281001", []byte(`{"id":1}`))
	for name, s := range map[string]*subscriber{"unscoped": all, "same township": own} {
		select {
		case m := <-s.queue:
			if m.name != "alert" || string(m.data) != `{"id":1}` {
				t.Errorf("%s got %+v, want the alert", name, m)
			}
		default:
			t.Errorf("%s got nothing", name)
		}
	}
	if len(other.queue) != 0 {
		t.Errorf("another township's subscriber got %d events", len(other.queue))
	}
}
