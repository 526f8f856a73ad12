package httpx

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLogPathHidesDeviceTokens spells the OsmAnd path every way a router or a proxy may
// still take it to the key: none leaks the key.
func TestLogPathHidesDeviceTokens(t *testing.T) {
	for path, want := range map[string]string{
		"/osmand/gw_secret":         "/osmand/[redacted]",
		"/osmand/gw_secret/extra":   "/osmand/[redacted]",
		"//osmand/gw_secret":        "/osmand/[redacted]",
		"/OSMAND/gw_secret":         "/OSMAND/[redacted]",
		"/OsmAnd//gw_secret/":       "/OsmAnd/[redacted]",
		"/./osmand/gw_secret":       "/osmand/[redacted]",
		"/api/../osmand/gw_secret":  "/osmand/[redacted]",
		"/%6Fsmand/gw_secret":       "/osmand/[redacted]",
		"/api/v1/me":                "/api/v1/me",
		"/osmand":                   "/osmand",
		"/osmandx/gw_not_a_key_dir": "/osmandx/gw_not_a_key_dir",
	} {
		got := LogPath(httptest.NewRequest("GET", path, nil))
		if got != want {
			t.Errorf("LogPath(%s) = %s, want %s", path, got, want)
		}
		if strings.Contains(got, "gw_secret") {
			t.Errorf("LogPath(%s) = %s leaks the key", path, got)
		}
	}
}
