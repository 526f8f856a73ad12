package httpx

import (
	"net/http"
	"strings"
)

// secretPathPrefixes are paths whose next segment is a credential: OsmAnd devices send
// their token as the path (Traccar Client has no header to put it in).
var secretPathPrefixes = []string{"/osmand/"}

// LogPath is the request's path as logs may show it: credentials in it are replaced by
// "[redacted]".
func LogPath(r *http.Request) string {
	p := r.URL.Path
	for _, prefix := range secretPathPrefixes {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			if _, tail, found := strings.Cut(rest, "/"); found {
				return prefix + "[redacted]/" + tail
			}
			return prefix + "[redacted]"
		}
	}
	return p
}
