package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// Key identifies one encoded tile in a [Cache].
type Key struct {
	// Layer is the tile layer, as in the URL.
	Layer string
	// Tile is the tile.
	Tile mvt.Tile
	// Params is everything else that shapes the tile, in one canonical form (sorted,
	// normalised query parameters and the caller's township scope, for instance):
	// requests that must see different tiles must have different Params.
	Params string
	// Version is the data version of the tile, from [Versions.Version] or any counter
	// that changes whenever the tile's data does.
	Version uint64
}

// Entry is a cached tile. Its byte slices are shared by every reader: never modify them.
type Entry struct {
	// Raw is the uncompressed MVT; empty for a tile with no features (answer 204).
	Raw []byte
	// Gzip is Raw gzip-compressed, made once when the entry was created; empty when
	// Raw is.
	Gzip []byte
	// ETag is a strong entity tag for Raw, quotes included: a hash of Raw and the key's
	// version.
	ETag string
	// GzipETag is the strong entity tag of the gzip-encoded representation. It differs
	// from ETag because the two representations differ byte for byte.
	GzipETag string
	// Created is when the entry was made.
	Created time.Time
}

// size is what an entry counts against the cache's budget, in bytes.
func (e Entry) size(k Key) int64 {
	// entryOverhead approximates the list node, map slot and headers of one entry.
	const entryOverhead = 256
	return int64(len(e.Raw) + len(e.Gzip) + len(e.ETag) + len(e.GzipETag) + len(k.Layer) + len(k.Params) + entryOverhead)
}

// CacheStats are counters of a [Cache] since it was made.
type CacheStats struct {
	Hits      int64 // lookups answered from the cache
	Misses    int64 // lookups not answered from the cache (GetOrBuild calls that waited on another's build included)
	Builds    int64 // build functions GetOrBuild ran
	Evictions int64 // entries dropped to stay within the byte budget
	Entries   int64 // entries held now
	Bytes     int64 // bytes held now, as entries count them: both encodings plus overhead
}

// Cache is an in-memory cache of encoded tiles bounded by total size, evicting the least
// recently used entries first. It is safe for concurrent use; the zero value is not
// usable: make one with [NewCache].
type Cache struct {
	// Now returns the current time for Entry.Created; time.Now when nil. Set it before
	// first use.
	Now func() time.Time

	maxBytes int64
	gzips    sync.Pool // *gzip.Writer

	mu       sync.Mutex
	entries  map[Key]*node
	head     node // sentinel: head.next is the most recently used entry, head.prev the least
	inflight map[Key]*call
	stats    CacheStats
}

// node is one entry in the cache's recency list.
type node struct {
	key        Key
	entry      Entry
	size       int64
	prev, next *node
}

// call is one running build of GetOrBuild, shared by every caller waiting for its key.
type call struct {
	done    chan struct{}
	entry   Entry
	err     error
	waiters int                // callers still waiting; the build is cancelled when none is
	cancel  context.CancelFunc // cancels the build's context
}

// NewCache returns an empty cache holding at most maxBytes bytes of entries, both
// encodings and a small per-entry overhead counted. An entry larger than maxBytes on
// its own is returned by Put and GetOrBuild but not kept.
func NewCache(maxBytes int64) *Cache {
	c := &Cache{
		maxBytes: maxBytes,
		entries:  make(map[Key]*node),
		inflight: make(map[Key]*call),
	}
	c.head.next, c.head.prev = &c.head, &c.head
	return c
}

// Get returns the entry for key and marks it as recently used, or reports false.
func (c *Cache) Get(key Key) (Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.entries[key]
	if !ok {
		c.stats.Misses++
		return Entry{}, false
	}
	c.stats.Hits++
	c.moveToFront(n)
	return n.entry, true
}

// Put stores raw, an uncompressed MVT (nil or empty for a tile with no features), under
// key, replacing any entry there, and returns the new entry. It compresses raw and
// computes the ETags before taking the cache's lock. The cache keeps raw: the caller
// must not modify it afterwards.
func (c *Cache) Put(key Key, raw []byte) Entry {
	e := c.newEntry(key, raw)
	c.mu.Lock()
	c.insert(key, e)
	c.mu.Unlock()
	return e
}

// GetOrBuild returns the entry for key, building it with build on a miss and storing
// the result. Concurrent calls for one key share one build: the first starts it, the
// others wait for it. The build runs in its own goroutine with a context that carries
// ctx's values but not its cancellation; that context is cancelled once every caller
// waiting for it has given up, so one impatient client neither fails nor wastes the
// build of the others. A caller whose ctx ends returns ctx.Err().
//
// Errors of build are returned to every caller waiting for that build and are not
// cached: the next call builds again. A panic in build becomes an error.
func (c *Cache) GetOrBuild(ctx context.Context, key Key, build func(ctx context.Context) ([]byte, error)) (Entry, error) {
	c.mu.Lock()
	if n, ok := c.entries[key]; ok {
		c.stats.Hits++
		c.moveToFront(n)
		c.mu.Unlock()
		return n.entry, nil
	}
	c.stats.Misses++
	cl, ok := c.inflight[key]
	if ok {
		cl.waiters++
	} else {
		bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		cl = &call{done: make(chan struct{}), waiters: 1, cancel: cancel}
		c.inflight[key] = cl
		c.stats.Builds++
		go c.run(bctx, key, cl, build)
	}
	c.mu.Unlock()

	select {
	case <-cl.done:
		return cl.entry, cl.err
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-cl.done: // finished while we were giving up: take the result after all
		return cl.entry, cl.err
	default:
	}
	cl.waiters--
	if cl.waiters == 0 {
		cl.cancel()
		// A caller arriving from now on must start afresh, not join a cancelled build.
		if c.inflight[key] == cl {
			delete(c.inflight, key)
		}
	}
	return Entry{}, ctx.Err()
}

// run builds the entry of cl, stores it and wakes cl's waiters.
func (c *Cache) run(ctx context.Context, key Key, cl *call, build func(context.Context) ([]byte, error)) {
	defer cl.cancel()
	raw, err := safeBuild(ctx, key, build)
	var e Entry
	if err == nil {
		e = c.newEntry(key, raw)
	}
	c.mu.Lock()
	if err == nil {
		c.insert(key, e)
	}
	if c.inflight[key] == cl {
		delete(c.inflight, key)
	}
	cl.entry, cl.err = e, err
	c.mu.Unlock()
	close(cl.done)
}

// safeBuild runs build, turning a panic into an error: the build runs on a goroutine of
// its own, where a panic would otherwise take the whole server down.
func safeBuild(ctx context.Context, key Key, build func(context.Context) ([]byte, error)) (raw []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("build tile %s %v: panic: %v\n%s", key.Layer, key.Tile, r, debug.Stack())
		}
	}()
	return build(ctx)
}

// Stats returns the cache's counters.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// newEntry compresses raw and computes its ETags.
func (c *Cache) newEntry(key Key, raw []byte) Entry {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	e := Entry{Created: now()}
	if len(raw) > 0 {
		e.Raw = raw
		e.Gzip = c.compress(raw)
	}
	h := sha256.New()
	h.Write(raw)
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], key.Version)
	h.Write(v[:])
	sum := h.Sum(nil)
	tag := base64.RawURLEncoding.EncodeToString(sum[:18]) // 144 bits, 24 characters
	e.ETag = `"` + tag + `"`
	e.GzipETag = `"` + tag + `-gz"`
	return e
}

// gzipLevel is the compression level of cached tiles. Compressing was a third of a cold
// cells tile's CPU at the default level (6); on a 48 KB zoom 12 cells tile level 4 took
// a third of the time for 5 % more bytes (level 1: a fifth of the time, 17 % more).
const gzipLevel = 4

func (c *Cache) compress(raw []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(raw)/2 + 64)
	zw, _ := c.gzips.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(&buf, gzipLevel) // a valid level: no error
	} else {
		zw.Reset(&buf)
	}
	// Writing to a bytes.Buffer cannot fail.
	_, _ = zw.Write(raw)
	_ = zw.Close()
	c.gzips.Put(zw)
	return buf.Bytes()
}

// insert adds e under key and evicts from the least recently used end until the cache
// fits its budget. c.mu must be held.
func (c *Cache) insert(key Key, e Entry) {
	size := e.size(key)
	if old, ok := c.entries[key]; ok {
		c.unlink(old)
	}
	if size > c.maxBytes {
		return
	}
	n := &node{key: key, entry: e, size: size}
	c.entries[key] = n
	c.stats.Entries++
	c.stats.Bytes += size
	n.prev, n.next = &c.head, c.head.next
	n.prev.next, n.next.prev = n, n
	for c.stats.Bytes > c.maxBytes {
		c.unlink(c.head.prev)
		c.stats.Evictions++
	}
}

// unlink removes n from the cache. c.mu must be held.
func (c *Cache) unlink(n *node) {
	n.prev.next, n.next.prev = n.next, n.prev
	n.prev, n.next = nil, nil
	delete(c.entries, n.key)
	c.stats.Entries--
	c.stats.Bytes -= n.size
}

// moveToFront marks n as the most recently used entry. c.mu must be held.
func (c *Cache) moveToFront(n *node) {
	if c.head.next == n {
		return
	}
	n.prev.next, n.next.prev = n.next, n.prev
	n.prev, n.next = &c.head, c.head.next
	n.prev.next, n.next.prev = n, n
}
