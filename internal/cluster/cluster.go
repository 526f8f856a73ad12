// Package cluster lets several Gridwatch instances on one database tell each other what
// changed, with PostgreSQL's LISTEN/NOTIFY: stored positions (for the live feed and the
// patrol tiles), changed cases and a changed grid (for the tile caches). Delivery is best
// effort, as NOTIFY is: when an instance may have missed messages (its listening
// connection dropped, or its own queue overflowed) its peers are told to resynchronise,
// that is to drop everything cached.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Channel is the NOTIFY channel of Gridwatch instances.
const Channel = "gridwatch_events"

// Limits.
const (
	// MaxPayload keeps a message under PostgreSQL's 8,000-byte NOTIFY limit.
	MaxPayload = 7500
	// queueLength is how many messages may wait to be sent before new ones are dropped
	// (and a resync is asked for instead).
	queueLength = 4096
	retryEvery  = 2 * time.Second
	// gather is how long the sender waits after a message for more to send with it:
	// one NOTIFY round trip then carries the positions of many ingest transactions,
	// and the other instances' live feeds see them that much later.
	gather = 20 * time.Millisecond
)

// Kinds of message.
const (
	KindPositions = "positions"
	KindCase      = "case"
	KindGrid      = "grid"
	KindResync    = "resync"
	// KindToken announces a revoked or changed API token. The database sends it (a
	// trigger on api_tokens, with origin "database"), so that every instance hears it.
	KindToken = "token"
	KindAlert = "alert" // an alert raised, acknowledged or resolved, for the live feeds
)

// Message is what instances tell each other. Only the members of its Kind are set.
type Message struct {
	Origin    string     `json:"o"`
	Kind      string     `json:"k"`
	Positions []Position `json:"p,omitempty"`
	Lon       float64    `json:"x,omitempty"` // where a case is
	Lat       float64    `json:"y,omitempty"`
	Token     int64      `json:"tk,omitempty"` // ID of a revoked or changed token
	Township  string     `json:"t,omitempty"`  // an alert's
	Alert     []byte     `json:"a,omitempty"`  // an alert's JSON
}

// Position is a stored fix, as the live feed shows it.
type Position struct {
	Officer  string  `json:"i"`
	Township string  `json:"t"`
	Lon      float64 `json:"x"`
	Lat      float64 `json:"y"`
	TimeMs   int64   `json:"m"`
	H3       string  `json:"h"`
}

// Handler receives the messages of other instances. Resync is called for KindResync
// messages and whenever this instance's listening connection was (re)established, since
// messages may have been missed while it was down.
type Handler interface {
	Receive(Message)
	Resync()
}

// Bus sends this instance's messages and hands the others' to a Handler.
type Bus struct {
	pool    *pgxpool.Pool
	origin  string
	queue   chan Message
	dropped atomic.Bool
	ready   atomic.Bool // the listening connection is up
	sent    atomic.Int64
	got     atomic.Int64
}

// New returns a Bus with a random instance ID. Nothing is sent or received until Run.
func New(pool *pgxpool.Pool) *Bus {
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	return &Bus{pool: pool, origin: hex.EncodeToString(id), queue: make(chan Message, queueLength)}
}

// Origin is this instance's ID.
func (b *Bus) Origin() string { return b.origin }

// Listening tells whether this instance currently hears the others.
func (b *Bus) Listening() bool { return b.ready.Load() }

// Counts returns how many messages were sent and received so far.
func (b *Bus) Counts() (sent, received int64) { return b.sent.Load(), b.got.Load() }

// Send queues m for the other instances. It never blocks: when the queue is full the
// message is dropped and a resync is sent later.
func (b *Bus) Send(m Message) {
	m.Origin = b.origin
	select {
	case b.queue <- m:
	default:
		b.dropped.Store(true)
	}
}

// payloads encodes m as NOTIFY payloads of at most MaxPayload bytes each: a positions
// message is cut into parts, each position encoded once.
func payloads(m Message) []string {
	if m.Kind != KindPositions || len(m.Positions) == 0 {
		b, err := json.Marshal(m)
		if err != nil {
			return nil
		}
		return []string{string(b)}
	}
	head, err := json.Marshal(Message{Origin: m.Origin, Kind: m.Kind})
	if err != nil {
		return nil
	}
	prefix := append(head[:len(head)-1:len(head)-1], `,"p":[`...) // {"o":…,"k":…,"p":[
	const suffix = "]}"
	var out []string
	buf := append([]byte(nil), prefix...)
	n := 0
	var b []byte
	for _, p := range m.Positions {
		var ok bool
		if b, ok = appendPosition(b[:0], p); !ok {
			continue
		}
		if n > 0 && len(buf)+1+len(b)+len(suffix) > MaxPayload {
			out = append(out, string(append(buf, suffix...)))
			buf, n = append(buf[:0], prefix...), 0
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, b...)
		n++
	}
	return append(out, string(append(buf, suffix...)))
}

// Run sends queued messages and listens for the other instances' until ctx ends,
// reconnecting after failures. h receives what others send.
func (b *Bus) Run(ctx context.Context, h Handler) {
	go b.sendLoop(ctx)
	for ctx.Err() == nil {
		err := b.listen(ctx, h)
		if ctx.Err() != nil {
			return
		}
		slog.Warn("cluster: listening connection lost; retrying", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(retryEvery):
		}
	}
}

// listen holds one connection in LISTEN and dispatches notifications until it fails.
func (b *Bus) listen(ctx context.Context, h Handler) error {
	conn, err := pgx.ConnectConfig(ctx, b.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	b.ready.Store(true)
	defer b.ready.Store(false)
	// Whatever was said while this instance was not listening is lost.
	h.Resync()
	// This instance's own messages come back too: tell them by their first bytes
	// (Origin is the first member json.Marshal writes) without decoding them.
	own := `{"o":"` + b.origin + `"`
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if strings.HasPrefix(n.Payload, own) {
			continue
		}
		var m Message
		if err := json.Unmarshal([]byte(n.Payload), &m); err != nil {
			slog.Warn("cluster: unreadable message", "err", err)
			continue
		}
		if m.Origin == b.origin {
			continue
		}
		b.got.Add(1)
		if m.Kind == KindResync {
			h.Resync()
			continue
		}
		h.Receive(m)
	}
}

// sendLoop sends queued messages with pg_notify, asking the others to resync after
// messages were dropped or could not be sent. What has queued up meanwhile goes in one
// round trip, positions merged into as few messages as fit.
func (b *Bus) sendLoop(ctx context.Context) {
	tick := time.NewTicker(retryEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-b.queue:
			select {
			case <-time.After(gather):
			case <-ctx.Done():
				return
			}
			b.resyncIfDropped(ctx)
			b.notify(ctx, b.drain(m))
		case <-tick.C:
			b.resyncIfDropped(ctx)
		}
	}
}

// maxBatch bounds how many queued messages one round trip takes.
const maxBatch = 1024

// drain takes first and whatever else is queued (up to maxBatch) and packs it: all
// positions together (cut to size when encoded: see payloads), one grid message for any
// number, cases as they are.
func (b *Bus) drain(first Message) []Message {
	var out []Message
	positions := Message{Origin: b.origin, Kind: KindPositions}
	grid := false
	add := func(m Message) {
		switch m.Kind {
		case KindPositions:
			positions.Positions = append(positions.Positions, m.Positions...)
		case KindGrid:
			grid = true
		default:
			out = append(out, m)
		}
	}
	add(first)
	for range maxBatch - 1 {
		select {
		case m := <-b.queue:
			add(m)
			continue
		default:
		}
		break
	}
	if grid {
		out = append(out, Message{Origin: b.origin, Kind: KindGrid})
	}
	if len(positions.Positions) > 0 {
		out = append(out, positions)
	}
	return out
}

func (b *Bus) resyncIfDropped(ctx context.Context) {
	if b.dropped.Swap(false) {
		b.notify(ctx, []Message{{Origin: b.origin, Kind: KindResync}})
	}
}

func (b *Bus) notify(ctx context.Context, msgs []Message) {
	var texts []string
	for _, m := range msgs {
		texts = append(texts, payloads(m)...)
	}
	if _, err := b.pool.Exec(ctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, Channel, texts); err != nil {
		if ctx.Err() == nil {
			slog.Warn("cluster: notify failed", "messages", len(texts), "err", err)
			b.dropped.Store(true)
		}
		return
	}
	b.sent.Add(int64(len(texts)))
}
