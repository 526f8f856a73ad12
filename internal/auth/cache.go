package auth

import (
	"context"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridwatch/gridwatch/internal/ttlmap"
)

// Defaults of a Cache.
const (
	// DefaultCacheTTL is how long a live token's identity is answered from memory
	// before the database is asked again: the longest a revocation can go unnoticed by
	// an instance that missed the database's notification of it.
	DefaultCacheTTL = 30 * time.Second
	// DefaultCacheEntries bounds the tokens remembered (about 200 bytes each).
	DefaultCacheEntries = 100_000
)

// Cache answers Authenticate from memory for tokens found live within the last TTL, so
// that a phone sending a fix every few seconds costs a token lookup in the database
// once per TTL instead of once per request. Only live tokens are remembered: an unknown,
// expired or revoked token is looked up every time (and slowed down by the Guard's
// Failures limiter), so bad tokens cannot fill the memory; live ones are bounded by
// maxEntries.
//
// Revocation and expiry still hold: an entry never outlives its token's expiry; Revoke
// forgets the token at once on this instance; Forget is called when the database
// announces a change of a token (a trigger on api_tokens notifies every instance, see
// package cluster), and Clear when this instance may have missed such announcements;
// with OnlyWhile, memory is not used while announcements cannot arrive. A revoked token
// is therefore refused at once where it was revoked through the Cache, within the
// notification's delay (milliseconds) elsewhere, and after TTL at the latest.
//
// The time of last use is noted at most once per TTL and minute (the lookup notes it).
type Cache struct {
	store *Store
	ttl   time.Duration
	max   int
	now   func() time.Time
	hears func() bool // whether announcements of changed tokens reach this instance now

	mu      sync.Mutex
	gen     uint64 // counts Forget and Clear calls: a lookup that spans one stores nothing
	entries map[[sha256.Size]byte]cacheEntry

	hits, misses atomic.Int64
}

type cacheEntry struct {
	id    Identity
	until time.Time // the entry is not used from then on
}

func (e cacheEntry) validUntil() time.Time { return e.until }

// NewCache returns a Cache in front of store keeping identities for ttl (0:
// DefaultCacheTTL), at most maxEntries of them (0: DefaultCacheEntries).
func NewCache(store *Store, ttl time.Duration, maxEntries int) *Cache {
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	if maxEntries <= 0 {
		maxEntries = DefaultCacheEntries
	}
	return &Cache{store: store, ttl: ttl, max: maxEntries, now: time.Now, entries: map[[sha256.Size]byte]cacheEntry{}}
}

// OnlyWhile makes the Cache answer from memory only while hears reports true: while this
// instance receives the database's announcements of changed tokens (cluster.Bus's
// Listening). Otherwise every request is looked up. Without it the Cache always answers
// from memory, and revocations made elsewhere take up to the TTL to hold.
func (c *Cache) OnlyWhile(hears func() bool) { c.hears = hears }

// SetClock replaces the clock that ages the entries (tests).
func (c *Cache) SetClock(now func() time.Time) { c.now = now }

// Authenticate returns the identity of a live token, from memory when it was found live
// within the TTL and has not expired since. Errors as [Store.Authenticate].
func (c *Cache) Authenticate(ctx context.Context, token string) (Identity, error) {
	if !plausibleToken(token) {
		return Identity{}, errBadToken
	}
	key := sha256.Sum256([]byte(token))
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(e.until) && (c.hears == nil || c.hears()) {
		c.hits.Add(1)
		return e.id, nil
	}
	c.misses.Add(1)
	id, expires, err := c.store.authenticate(ctx, token)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		delete(c.entries, key)
		return Identity{}, err
	}
	until := now.Add(c.ttl)
	if !expires.IsZero() && expires.Before(until) {
		until = expires
	}
	// A revocation announced while the lookup ran may have been read before it: keep
	// nothing then, the next request looks again.
	if c.gen == gen {
		if _, present := c.entries[key]; !present {
			ttlmap.MakeRoom(c.entries, c.max, now, cacheEntry.validUntil)
		}
		c.entries[key] = cacheEntry{id: id, until: until}
	}
	return id, nil
}

// Forget drops the identity of the token with this ID: it was revoked or changed.
func (c *Cache) Forget(tokenID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if e.id.TokenID == tokenID {
			delete(c.entries, k)
		}
	}
}

// Clear drops every identity: changes to tokens may have been missed.
func (c *Cache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// Revoke ends the token with the given ID and forgets it at once. Errors as
// [Store.Revoke].
func (c *Cache) Revoke(ctx context.Context, tokenID int64) error {
	err := c.store.Revoke(ctx, tokenID)
	c.Forget(tokenID)
	return err
}

// CacheStats counts a Cache's answers.
type CacheStats struct {
	Hits    int64 // answered from memory
	Misses  int64 // looked up in the database
	Entries int   // identities held now
}

// Stats returns the counts so far.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	n := len(c.entries)
	c.mu.Unlock()
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Entries: n}
}
