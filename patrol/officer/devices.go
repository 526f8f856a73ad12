package officer

import (
	"sync"
	"time"

	"github.com/gridwatch/gridwatch/internal/ttlmap"
)

// Defaults of the device cache.
const (
	// DeviceTTL is how long the officer of a device is answered from memory by
	// Store.ByDevice: the longest a change made to officers outside this program (the
	// API creates officers and never changes or deletes one) takes to hold here.
	DeviceTTL = 30 * time.Second
	// maxDevices bounds the devices remembered (about 150 bytes each).
	maxDevices = 100_000
)

// deviceCache remembers the officers of devices found in the last DeviceTTL, so that a
// phone reporting every few seconds (OsmAnd names its device in every request) costs a
// lookup once per TTL instead of once per fix. Only found devices are kept: an unknown
// device is looked up every time, so an officer created since is found at once and
// guessed identifiers cannot fill the memory.
type deviceCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu      sync.Mutex
	entries map[string]deviceEntry
}

type deviceEntry struct {
	officer Officer
	until   time.Time
}

func (e deviceEntry) validUntil() time.Time { return e.until }

func newDeviceCache(ttl time.Duration, maxEntries int) *deviceCache {
	return &deviceCache{ttl: ttl, max: maxEntries, now: time.Now, entries: map[string]deviceEntry{}}
}

// get returns the officer of device when it was found within the TTL.
func (c *deviceCache) get(device string) (Officer, bool) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[device]
	if !ok || !now.Before(e.until) {
		return Officer{}, false
	}
	return e.officer, true
}

// put remembers o as the officer of its device, making room when the cache is full:
// the expired entries go, or else one at random (map order).
func (c *deviceCache) put(o Officer) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, present := c.entries[o.DeviceID]; !present {
		ttlmap.MakeRoom(c.entries, c.max, now, deviceEntry.validUntil)
	}
	c.entries[o.DeviceID] = deviceEntry{officer: o, until: now.Add(c.ttl)}
}
