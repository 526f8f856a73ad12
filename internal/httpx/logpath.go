package httpx

import (
	"net/http"
	"path"
	"strings"
)

// secretPathPrefixes are the first segments of paths whose rest is a credential: OsmAnd
// devices send their token as the path (Traccar Client has no header to put it in).
var secretPathPrefixes = []string{"osmand"}

// LogPath is the request's path as logs may show it: credentials in it are replaced by
// "[redacted]". The path is judged as cleaned, whatever its spelling — repeated slashes,
// dot segments and letter case do not hide a key ("//osmand/KEY", "/OSMAND/KEY" and
// "/x/../osmand/KEY" all name one) — and everything after a secret prefix is redacted.
func LogPath(r *http.Request) string {
	p := r.URL.Path
	first, rest, _ := strings.Cut(strings.TrimPrefix(path.Clean("/"+p), "/"), "/")
	for _, prefix := range secretPathPrefixes {
		if strings.EqualFold(first, prefix) && rest != "" {
			return "/" + first + "/[redacted]"
		}
	}
	return p
}
