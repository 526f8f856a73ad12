package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Config tunes delivery; zero fields take the defaults.
type Config struct {
	Timeout time.Duration // one attempt, connection to last byte (default 10 s)
	Backoff time.Duration // the wait after the first failed attempt, doubled after each (default 10 s, at most 1 h)
	Poll    time.Duration // how often the outbox is looked at (default 1 s)
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Backoff <= 0 {
		c.Backoff = 10 * time.Second
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	return c
}

// maxResponse is how much of a receiver's answer is read (and thrown away).
const maxResponse = 64 << 10

// Deliverer posts the outbox's deliveries. Each subscription has at most one attempt in
// flight per instance (several instances share the outbox: a delivery is claimed by one
// at a time), so a receiver that hangs holds up its own deliveries only.
type Deliverer struct {
	store  *Store
	cfg    Config
	client *http.Client
	now    func() time.Time

	mu   sync.Mutex
	busy map[int64]bool
	wg   sync.WaitGroup
}

// NewDeliverer returns a Deliverer over the store's outbox.
func NewDeliverer(store *Store, cfg Config) *Deliverer {
	cfg = cfg.withDefaults()
	dialer := &net.Dialer{Timeout: cfg.Timeout, Control: refuseLinkLocal}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	return &Deliverer{store: store, cfg: cfg, now: time.Now, busy: map[int64]bool{},
		client: &http.Client{
			Transport: transport,
			Timeout:   cfg.Timeout,
			// A redirect is an answer that is not 2xx: it is not followed (it could lead
			// anywhere, and the signature was made for this receiver), and the delivery is
			// tried again later.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
}

// refuseLinkLocal refuses connections to link-local, multicast and unspecified addresses
// (169.254.169.254 is the metadata service of most clouds), after name resolution, so a
// name that resolves there is refused too. Private and loopback addresses are allowed:
// the city platform and the hotline's system are on the government network, and only an
// admin may subscribe (docs/operations.md).
func refuseLinkLocal(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() {
		return fmt.Errorf("webhook address %s is link-local, multicast or unspecified: refused", host)
	}
	return nil
}

// SetClock replaces the clock that decides which deliveries are due and stamps attempts
// (tests).
func (d *Deliverer) SetClock(now func() time.Time) { d.now = now }

// Run delivers what is due every Poll until ctx ends, then waits for the attempts in
// flight (which ctx cancels: they are tried again, by this or another instance, once
// their lease ends).
func (d *Deliverer) Run(ctx context.Context) {
	tick := time.NewTicker(d.cfg.Poll)
	defer tick.Stop()
	defer d.wg.Wait()
	for {
		if err := d.Pass(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("webhook outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Pass starts delivering, for every subscription with a delivery due that has none in
// flight here, its due deliveries one after another, and returns without waiting.
func (d *Deliverer) Pass(ctx context.Context) error {
	subs, err := d.store.due(ctx, d.now())
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, sub := range subs {
		if d.busy[sub.ID] {
			continue
		}
		d.busy[sub.ID] = true
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			defer func() {
				d.mu.Lock()
				delete(d.busy, sub.ID)
				d.mu.Unlock()
			}()
			d.drain(ctx, sub)
		}()
	}
	return nil
}

// Flush runs a Pass and waits for the deliveries it started (tests, shutdown).
func (d *Deliverer) Flush(ctx context.Context) error {
	err := d.Pass(ctx)
	d.wg.Wait()
	return err
}

// drain attempts a subscription's due deliveries, oldest first, until none is due.
func (d *Deliverer) drain(ctx context.Context, sub Subscription) {
	lease := d.cfg.Timeout + 30*time.Second
	for ctx.Err() == nil {
		now := d.now()
		c, ok, err := d.store.claim(ctx, sub.ID, now, lease)
		if err != nil {
			if ctx.Err() == nil {
				slog.Warn("webhook claim", "webhook", sub.ID, "err", err)
			}
			return
		}
		if !ok {
			return
		}
		a := d.send(ctx, sub, c, now)
		if ctx.Err() != nil {
			return // cancelled, not failed: the lease brings it back
		}
		retry := now.Add(Backoff(d.cfg.Backoff, c.Attempt))
		if err := d.store.record(context.WithoutCancel(ctx), sub.ID, c, a, retry); err != nil {
			slog.Warn("webhook attempt not recorded", "webhook", sub.ID, "delivery", c.ID, "err", err)
			return
		}
	}
}

// send makes one attempt.
func (d *Deliverer) send(ctx context.Context, sub Subscription, c claimed, now time.Time) attempt {
	a := attempt{Started: now}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(c.Payload))
	if err != nil {
		a.Err = err.Error()
		a.Duration = time.Since(start)
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "gridwatch-webhook/1")
	req.Header.Set(HeaderDelivery, c.ID)
	req.Header.Set(HeaderEvent, c.Event)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(sub.secret, now, c.Payload))
	resp, err := d.client.Do(req)
	if err != nil {
		// The url.Error's cause only: the URL is the subscription's, known to its reader.
		a.Err = err.Error()
		if cause := errors.Unwrap(err); cause != nil {
			a.Err = cause.Error()
		}
		a.Duration = time.Since(start)
		return a
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	resp.Body.Close()
	a.Status = resp.StatusCode
	if a.Status < 200 || a.Status >= 300 {
		a.Err = "answered " + resp.Status
	}
	a.Duration = time.Since(start)
	return a
}
