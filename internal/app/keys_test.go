package app_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/ratelimit"
)

// keyCity is a city with one township, a reporter, a device and an admin token, whose
// Open311 and bad-credential limits let two requests through and whose server trusts
// X-Forwarded-For, so that each test chooses its client's address.
func keyCity(t *testing.T) (*apptest.City, func(method, path, from, body string) (int, http.Header, string)) {
	t.Helper()
	two := ratelimit.Rate{PerSecond: 0.001, Burst: 2}
	tc := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{{Code: "320281001", Name: "澄江", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)}},
		Tokens: map[string]auth.TokenSpec{
			"hotline": {Role: auth.Reporter},
			"admin":   {Role: auth.Admin},
		},
		Configure: func(c *app.Config) {
			c.TrustProxy = true
			c.RateLimits = &app.RateLimits{Open311: two, BadTokens: two}
		},
	})
	send := func(method, path, from, body string) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest(method, tc.HTTP.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("X-Forwarded-For", from)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	return tc, send
}

func wantRetryAfter(t *testing.T, what string, status int, h http.Header, body string) {
	t.Helper()
	if secs, _ := strconv.Atoi(h.Get("Retry-After")); status != http.StatusTooManyRequests || secs < 1 {
		t.Errorf("%s: %d Retry-After %q %s, want 429 with Retry-After", what, status, h.Get("Retry-After"), body)
	}
}

// TestOpen311LimitKeysOnTheKeyTheHandlerReads replays the bypass of the issue: the key
// in the body (which the handler uses) with a different junk key in each query string
// (which the limiter used to count), and the same key spelt with spaces around it. One
// token is one bucket, however its key is sent.
func TestOpen311LimitKeysOnTheKeyTheHandlerReads(t *testing.T) {
	tc, send := keyCity(t)
	key := tc.Tokens["hotline"]
	post := func(i int, bodyKey string) (int, http.Header, string) {
		form := url.Values{"api_key": {bodyKey}, "service_code": {"eco_environment"},
			"lat": {"31.84"}, "long": {"120.25"}, "description": {"河边有人倾倒垃圾"}}
		// Each from another address, so that only the key can tie them together.
		return send("POST", "/open311/v2/requests.json?api_key=junk"+strconv.Itoa(i), "10.1.0."+strconv.Itoa(i+1), form.Encode())
	}
	for i, spelling := range []string{key, " " + key + " "} {
		if status, _, body := post(i, spelling); status != http.StatusCreated {
			t.Fatalf("POST %d: %d %s, want 201", i+1, status, body)
		}
	}
	status, h, body := post(2, key+"\t")
	wantRetryAfter(t, "third POST of one key with a junk query key", status, h, body)
}

// TestOpen311PublicReadsKeyedByAddress: a key that is only blanks (?api_key=+, ++, …) is
// no key; the reads count against the address all the same.
func TestOpen311PublicReadsKeyedByAddress(t *testing.T) {
	_, send := keyCity(t)
	for i, q := range []string{"+", "++"} {
		if status, _, body := send("GET", "/open311/v2/requests.json?api_key="+q, "10.2.0.1", ""); status != http.StatusOK {
			t.Fatalf("public read %d: %d %s", i+1, status, body)
		}
	}
	status, h, body := send("GET", "/open311/v2/requests.json?api_key=+++", "10.2.0.1", "")
	wantRetryAfter(t, "third public read with a blank key", status, h, body)
	if status, _, body := send("GET", "/open311/v2/requests.json", "10.2.0.2", ""); status != http.StatusOK {
		t.Errorf("another address: %d %s", status, body)
	}
}

// TestBadCredentialThrottleCoversEveryKind: guessed OsmAnd device keys and guessed
// Open311 keys spend the same per-address budget as bad bearer tokens; once it is spent
// the address gets 429 with Retry-After on every kind, without a lookup.
func TestBadCredentialThrottleCoversEveryKind(t *testing.T) {
	tc, send := keyCity(t)
	if status, _, body := send("GET", "/osmand/gw_guess1?id=x&lat=31.84&lon=120.25", "10.3.0.1", ""); status != http.StatusUnauthorized {
		t.Fatalf("first guessed device key: %d %s, want 401", status, body)
	}
	if status, _, body := send("GET", "/open311/v2/requests.json?api_key=gw_guess2", "10.3.0.1", ""); status != http.StatusForbidden {
		t.Fatalf("first guessed Open311 key: %d %s, want 403", status, body)
	}
	for _, path := range []string{"/osmand/gw_guess3?id=x&lat=31.84&lon=120.25", "/open311/v2/requests.json?api_key=gw_guess4",
		"/open311/v2/requests.json?api_key=" + tc.Tokens["hotline"]} {
		status, h, body := send("GET", path, "10.3.0.1", "")
		wantRetryAfter(t, "after two guesses: "+path[:12], status, h, body)
	}
	// Bearer tokens share the budget.
	req, _ := http.NewRequest("GET", tc.HTTP.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tc.Tokens["admin"])
	req.Header.Set("X-Forwarded-For", "10.3.0.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a bearer token from the guessing address: %d, want 429", resp.StatusCode)
	}
}

// TestOsmAndTakesDeviceKeysOnly: an admin token in an OsmAnd URL is refused, so that no
// one is invited to put one there.
func TestOsmAndTakesDeviceKeysOnly(t *testing.T) {
	tc, send := keyCity(t)
	status, _, body := send("GET", "/osmand/"+tc.Tokens["admin"]+"?id=x&lat=31.84&lon=120.25", "10.4.0.1", "")
	if status != http.StatusForbidden || !strings.Contains(body, "device token") {
		t.Errorf("admin key as an OsmAnd key: %d %s, want 403", status, body)
	}
}
