package cases

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// String returns the filter in one canonical form, a sorted query string: townships and
// statuses sorted and without repeats, times in UTC. Filters that select the same cases
// the same way have equal strings, and the string of a filter that selects otherwise
// differs, so that it can key a cache (the map tiles' cases layer does).
func (f Filter) String() string {
	v := url.Values{}
	set := func(name string, list []string) {
		if len(list) > 0 {
			v.Set(name, strings.Join(slices.Compact(slices.Sorted(slices.Values(list))), ","))
		}
	}
	set("township", f.Townships)
	statuses := make([]string, len(f.Statuses))
	for i, s := range f.Statuses {
		statuses[i] = string(s)
	}
	set("status", statuses)
	for name, s := range map[string]string{"sector": f.Sector, "officer": f.Officer} {
		if s != "" {
			v.Set(name, s)
		}
	}
	if f.Open != nil {
		v.Set("open", strconv.FormatBool(*f.Open))
	}
	for name, t := range map[string]time.Time{"from": f.From, "to": f.To} {
		if !t.IsZero() {
			v.Set(name, t.UTC().Format(time.RFC3339Nano))
		}
	}
	if f.Limit != 0 {
		v.Set("limit", strconv.Itoa(f.Limit))
	}
	return v.Encode()
}
