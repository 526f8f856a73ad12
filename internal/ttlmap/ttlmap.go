// Package ttlmap holds what the in-memory caches of lookups (tokens, devices) share: a
// map of entries valid until a time, bounded in size.
package ttlmap

import "time"

// MakeRoom makes room in m for one more entry when it holds max or more: the entries
// expired at now go (until reports when an entry stops being valid), and if that is not
// enough, others at random (map order) until fewer than max are left. The caller holds
// whatever lock guards m.
func MakeRoom[K comparable, V any](m map[K]V, max int, now time.Time, until func(V) time.Time) {
	if len(m) < max {
		return
	}
	for k, e := range m {
		if !now.Before(until(e)) {
			delete(m, k)
		}
	}
	for k := range m {
		if len(m) < max {
			return
		}
		delete(m, k)
	}
}
