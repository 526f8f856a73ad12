package httpx

import (
	"net/http/httptest"
	"testing"
)

func TestLogPathHidesDeviceTokens(t *testing.T) {
	for path, want := range map[string]string{
		"/osmand/gw_secret":       "/osmand/[redacted]",
		"/osmand/gw_secret/extra": "/osmand/[redacted]/extra",
		"/api/v1/me":              "/api/v1/me",
	} {
		if got := LogPath(httptest.NewRequest("GET", path, nil)); got != want {
			t.Errorf("LogPath(%s) = %s, want %s", path, got, want)
		}
	}
}
