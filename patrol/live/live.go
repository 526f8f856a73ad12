// Package live fans stored positions out to map walls as Server-Sent Events. Ingest never
// waits for a client: each subscriber has a bounded queue, and one that falls behind is
// disconnected (its browser reconnects and starts again from the latest positions).
package live

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/position"
)

// QueueLength is how many positions may wait for one subscriber before it is dropped.
const QueueLength = 4096

// heartbeat keeps proxies from closing an idle stream.
const heartbeat = 15 * time.Second

// Positions serves the newest position of each officer, of one township when not ""
// (package position's Store).
type Positions interface {
	Latest(ctx context.Context, township string) ([]position.Stored, error)
}

// Broker distributes positions to subscribers.
type Broker struct {
	positions Positions

	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
}

type subscriber struct {
	township string // "" = all
	queue    chan message
	lagged   chan struct{}
	once     sync.Once
}

// message is what a subscriber is sent: a position, or an event of another type.
type message struct {
	pos  position.Stored
	name string // the event type; "" for a position
	data []byte // the event's JSON
}

// NewBroker returns a Broker; positions serves the latest positions on connect.
func NewBroker(positions Positions) *Broker {
	return &Broker{positions: positions, subs: map[*subscriber]struct{}{}}
}

// Publish hands stored positions to every subscriber allowed to see them, without
// blocking: a subscriber whose queue is full is marked lagging and dropped.
func (b *Broker) Publish(stored []position.Stored) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		for _, p := range stored {
			if s.township != "" && p.Township != s.township {
				continue
			}
			if !b.offer(s, message{pos: p}) {
				break
			}
		}
	}
}

// PublishEvent hands an event of its own type (an alert) to every subscriber allowed to
// see its township, without blocking, as Publish does. data is its JSON.
func (b *Broker) PublishEvent(name, township string, data []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		if s.township == "" || s.township == township {
			b.offer(s, message{name: name, data: data})
		}
	}
}

// offer queues m for s, or drops s when its queue is full; b.mu must be held. It
// reports whether s is still subscribed.
func (b *Broker) offer(s *subscriber, m message) bool {
	select {
	case s.queue <- m:
		return true
	default:
		s.once.Do(func() { close(s.lagged) })
		delete(b.subs, s)
		return false
	}
}

// Subscribers returns how many clients are connected.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

func (b *Broker) subscribe(township string) *subscriber {
	s := &subscriber{township: township, queue: make(chan message, QueueLength), lagged: make(chan struct{})}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

func (b *Broker) unsubscribe(s *subscriber) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
}

// Routes returns GET /live.
func (b *Broker) Routes() []api.Route {
	return []api.Route{{Method: http.MethodGet, Pattern: "/live", Roles: api.Readers, Handler: b.serve}}
}

// serve streams `position` events: first the latest position of every officer the
// caller may see, then each position as it is stored; and `alert` events (PublishEvent)
// as alerts are raised, acknowledged and resolved.
func (b *Broker) serve(w http.ResponseWriter, r *http.Request) error {
	township, err := auth.Caller(r).TownshipFilter(r.URL.Query().Get("township"))
	if err != nil {
		return err
	}
	// Subscribe before reading the snapshot so nothing stored in between is missed
	// (a position may come twice; clients keep the newest per officer).
	sub := b.subscribe(township)
	defer b.unsubscribe(sub)
	latest, err := b.positions.Latest(r.Context(), township)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	// The stream outlives the server's write timeout.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	for _, p := range latest {
		if err := writeEvent(w, message{pos: p}); err != nil {
			return nil
		}
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-sub.lagged:
			slog.InfoContext(r.Context(), "live client dropped: too slow")
			return nil
		case p := <-sub.queue:
			if err := writeEvent(w, p); err != nil {
				return nil
			}
			// Drain what else is queued before flushing once.
			for more := true; more; {
				select {
				case p := <-sub.queue:
					if err := writeEvent(w, p); err != nil {
						return nil
					}
				default:
					more = false
				}
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		}
	}
}

func writeEvent(w http.ResponseWriter, m message) error {
	if m.name != "" {
		_, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", m.name, m.data)
		return err
	}
	b, err := json.Marshal(m.pos)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "event: position\ndata: %s\n\n", b)
	return err
}
