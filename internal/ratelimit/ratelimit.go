// Package ratelimit keeps token buckets by key (a token ID, a client address) and
// answers whether one more request may go now, or after how long.
package ratelimit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate is a sustained rate with a burst: Burst requests may go at once, then one every
// 1/PerSecond seconds. The zero Rate means no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Unlimited reports whether r lets everything through.
func (r Rate) Unlimited() bool { return r.PerSecond <= 0 }

// String writes r the way ParseRate reads it.
func (r Rate) String() string {
	if r.Unlimited() {
		return "off"
	}
	n, unit := r.PerSecond, "s"
	for _, u := range []struct {
		name string
		secs float64
	}{{"min", 60}, {"h", 3600}} {
		if n >= 1 || math.Abs(n-math.Round(n)) < 1e-9 {
			break
		}
		n, unit = r.PerSecond*u.secs, u.name
	}
	return strconv.FormatFloat(math.Round(n*1e6)/1e6, 'g', -1, 64) + "/" + unit + ":" + strconv.Itoa(r.Burst)
}

// ParseRate reads "N/s", "N/min" or "N/h", optionally followed by ":BURST" (default: the
// number of requests in one second, at least 1), or "off".
func ParseRate(s string) (Rate, error) {
	if s == "off" || s == "0" {
		return Rate{}, nil
	}
	spec, burstText, hasBurst := strings.Cut(s, ":")
	num, unit, ok := strings.Cut(spec, "/")
	n, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || !(n > 0) || math.IsInf(n, 0) {
		return Rate{}, fmt.Errorf("rate %q: want N/s, N/min or N/h, optionally :BURST, or off", s)
	}
	per := map[string]float64{"s": 1, "min": 60, "h": 3600}[unit]
	if per == 0 {
		return Rate{}, fmt.Errorf("rate %q: unit must be s, min or h", s)
	}
	r := Rate{PerSecond: n / per, Burst: max(1, int(math.Ceil(n/per)))}
	if hasBurst {
		if r.Burst, err = strconv.Atoi(burstText); err != nil || r.Burst < 1 {
			return Rate{}, fmt.Errorf("rate %q: burst must be a whole number >= 1", s)
		}
	}
	return r, nil
}

// Limiter is a set of token buckets, one per key, all with the same rate. It is safe for
// concurrent use. Full buckets are forgotten now and then, so memory follows the number
// of recently active keys.
type Limiter struct {
	rate Rate
	now  func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// sweepEvery is how often full buckets are dropped.
const sweepEvery = time.Minute

// New returns a Limiter with rate r.
func New(r Rate) *Limiter {
	return &Limiter{rate: r, now: time.Now, buckets: map[string]*bucket{}}
}

// SetClock replaces the clock (tests).
func (l *Limiter) SetClock(now func() time.Time) { l.now = now }

// Rate returns the limiter's rate.
func (l *Limiter) Rate() Rate { return l.rate }

// Allow takes one token from key's bucket. When the bucket is empty it returns false and
// how long until a token is there.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil || l.rate.Unlimited() {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.refill(key, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, l.untilToken(b)
}

// Spent reports whether key's bucket is empty now, without taking from it.
func (l *Limiter) Spent(key string) (bool, time.Duration) {
	if l == nil || l.rate.Unlimited() {
		return false, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, now)
	if b.tokens >= 1 {
		return false, 0
	}
	return true, l.untilToken(b)
}

// untilToken is how long until an empty bucket holds one token.
func (l *Limiter) untilToken(b *bucket) time.Duration {
	return time.Duration((1 - b.tokens) / l.rate.PerSecond * float64(time.Second))
}

// refill returns key's bucket with the tokens earned since it was last seen.
func (l *Limiter) refill(key string, now time.Time) *bucket {
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: float64(l.rate.Burst), at: now}
		l.buckets[key] = b
		return b
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = min(float64(l.rate.Burst), b.tokens+elapsed*l.rate.PerSecond)
		b.at = now
	}
	return b
}

// sweep forgets buckets that have refilled completely: they behave like new ones.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < sweepEvery {
		return
	}
	l.lastSweep = now
	full := float64(l.rate.Burst) / l.rate.PerSecond
	for k, b := range l.buckets {
		if now.Sub(b.at).Seconds() >= full {
			delete(l.buckets, k)
		}
	}
}

// Len returns how many keys the limiter remembers.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
