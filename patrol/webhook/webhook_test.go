package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/webhook"
)

var now = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

const secret = "0123456789abcdef-city-platform"

func newCity(t *testing.T) *apptest.City {
	t.Helper()
	c := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{{Code: "320281001", Name: "澄江", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)}},
		Squadrons: []grid.Squadron{{Code: "Q1", Name: "一中队", Township: "320281001"}},
		Officers:  []officer.Officer{{ID: "o1", Squadron: "Q1", DeviceID: "dev-o1"}},
		Tokens: map[string]auth.TokenSpec{"admin": {Role: auth.Admin}, "phone": {Role: auth.Device, Officer: "o1"},
			"supervisor": {Role: auth.Supervisor, Township: "320281001"}},
	})
	c.Server.Positions.SetClock(func() time.Time { return now })
	return c
}

// subscribe subscribes url to every event of every township and returns the
// subscription's id.
func subscribe(t *testing.T, c *apptest.City, target string) int64 {
	t.Helper()
	return subscribeTo(t, c, target, "", webhook.Events...)
}

// sos sends an SOS through the OsmAnd endpoint and lets the rules raise its alert.
func sos(t *testing.T, c *apptest.City, at time.Time) {
	t.Helper()
	q := url.Values{"id": {"dev-o1"}, "lat": {"31.84"}, "lon": {"120.25"}, "timestamp": {fmt.Sprint(at.Unix())}, "alarm": {"sos"}}
	resp, err := http.Get(c.URL + "/osmand/" + c.Tokens["phone"] + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c.Server.Watcher.Drain(context.Background())
}

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
}

// receiver answers with the statuses in turn (the last one for ever after) and keeps
// what it got.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []received
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, received{r.Header.Clone(), body})
	status := rc.statuses[min(len(rc.got), len(rc.statuses))-1]
	rc.mu.Unlock()
	w.WriteHeader(status)
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// TestDeliveredOnceAfterFailuresAndRestarts: a receiver answers 500 twice, then 200, and
// the server restarts between the attempts: the one delivery arrives three times with
// the same id and a valid signature, and is listed delivered with its three attempts.
func TestDeliveredOnceAfterFailuresAndRestarts(t *testing.T) {
	c := newCity(t)
	rc := &receiver{statuses: []int{500, 500, 200}}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	id := subscribe(t, c, hook.URL+"/gridwatch")
	sos(t, c, now.Add(-time.Minute))

	ctx := context.Background()
	// Attempt 1 by the first server; then a restart before each of the next two, each
	// after the backoff (10 s, then 20 s). The outbox's row was due when written, by the
	// database's clock.
	clock := time.Now()
	servers := []*app.Server{c.Server}
	for i, wait := range []time.Duration{0, 11 * time.Second, 21 * time.Second} {
		if i > 0 {
			srv, err := app.Open(ctx, app.Config{DatabaseURL: c.DatabaseURL, EvidenceDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			servers = append(servers, srv)
		}
		clock = clock.Add(wait)
		d := servers[i].Deliverer
		at := clock
		d.SetClock(func() time.Time { return at })
		// Before the backoff has passed, nothing is tried.
		if i > 0 {
			early := clock.Add(-2 * time.Second)
			d.SetClock(func() time.Time { return early })
			if err := d.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if n := len(rc.requests()); n != i {
				t.Fatalf("before the backoff: %d requests, want %d", n, i)
			}
			d.SetClock(func() time.Time { return at })
		}
		if err := d.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(rc.requests()); n != i+1 {
			t.Fatalf("after attempt %d: %d requests, want %d", i+1, n, i+1)
		}
	}
	// Delivered: nothing more, however late.
	late := clock.Add(2 * time.Hour)
	servers[2].Deliverer.SetClock(func() time.Time { return late })
	if err := servers[2].Deliverer.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := rc.requests()
	if len(got) != 3 {
		t.Fatalf("%d requests in all, want 3", len(got))
	}
	for i, r := range got {
		if !webhook.Verify([]byte(secret), r.header.Get(webhook.HeaderTimestamp), r.header.Get(webhook.HeaderSignature), r.body) {
			t.Errorf("request %d: signature %q does not verify", i, r.header.Get(webhook.HeaderSignature))
		}
		if webhook.Verify([]byte("another secret of 16+ bytes"), r.header.Get(webhook.HeaderTimestamp), r.header.Get(webhook.HeaderSignature), r.body) {
			t.Errorf("request %d verifies with another secret", i)
		}
		if r.header.Get(webhook.HeaderDelivery) == "" || r.header.Get(webhook.HeaderDelivery) != got[0].header.Get(webhook.HeaderDelivery) {
			t.Errorf("request %d: delivery id %q, want the first's %q", i, r.header.Get(webhook.HeaderDelivery), got[0].header.Get(webhook.HeaderDelivery))
		}
		var env struct {
			Type, Township string
			Data           struct {
				ID      int64  `json:"id"`
				Rule    string `json:"rule"`
				Officer string `json:"officer"`
			}
		}
		if err := json.Unmarshal(r.body, &env); err != nil || env.Type != "alert.raised" || env.Data.Rule != "sos" ||
			env.Data.Officer != "o1" || env.Township != "320281001" || r.header.Get(webhook.HeaderEvent) != "alert.raised" {
			t.Errorf("request %d: body %s (%v), want alert.raised of o1's sos", i, r.body, err)
		}
	}
	var res struct {
		Deliveries []webhook.Delivery `json:"deliveries"`
	}
	if st, body := c.Do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", id), "admin", nil, &res); st != 200 {
		t.Fatalf("GET deliveries = %d %s", st, body)
	}
	if len(res.Deliveries) != 1 {
		t.Fatalf("%d deliveries listed, want 1: %+v", len(res.Deliveries), res.Deliveries)
	}
	d := res.Deliveries[0]
	if d.ID != got[0].header.Get(webhook.HeaderDelivery) || d.Attempts != 3 || d.DeliveredAt == nil || d.NextAttemptAt != nil || len(d.Log) != 3 {
		t.Fatalf("delivery = %+v, want delivered after 3 attempts", d)
	}
	for i, want := range []int{500, 500, 200} {
		if d.Log[i].N != i+1 || d.Log[i].Status == nil || *d.Log[i].Status != want {
			t.Errorf("attempt %d = %+v, want status %d", i+1, d.Log[i], want)
		}
	}
}

// TestBadReceiversHoldUpOnlyThemselves: a receiver that hangs, one that redirects and a
// link-local address do not delay a good receiver's delivery, and each failure is
// recorded for a later attempt.
func TestBadReceiversHoldUpOnlyThemselves(t *testing.T) {
	c := newCity(t)
	good := &receiver{statuses: []int{204}}
	goodSrv := httptest.NewServer(good)
	defer goodSrv.Close()
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	redirect := httptest.NewServer(http.RedirectHandler(goodSrv.URL+"/elsewhere", http.StatusFound))
	defer redirect.Close()
	ids := map[string]int64{
		"hang":       subscribe(t, c, hang.URL),
		"redirect":   subscribe(t, c, redirect.URL),
		"link-local": subscribe(t, c, "http://169.254.169.254/latest"),
		"good":       subscribe(t, c, goodSrv.URL),
	}
	sos(t, c, now.Add(-time.Minute))

	d := webhook.NewDeliverer(c.Server.Webhooks, webhook.Config{Timeout: 2 * time.Second})
	ctx := context.Background()
	start := time.Now()
	if err := d.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	for len(good.requests()) == 0 {
		if time.Since(start) > time.Second {
			t.Fatal("the good receiver got nothing within 1 s while another hangs")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(good.requests()); n != 1 {
		t.Errorf("the good receiver got %d requests, want 1 (a redirect must not be followed)", n)
	}
	for name, id := range ids {
		var res struct {
			Deliveries []webhook.Delivery `json:"deliveries"`
		}
		c.Do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", id), "admin", nil, &res)
		if len(res.Deliveries) != 1 || len(res.Deliveries[0].Log) != 1 {
			t.Fatalf("%s: deliveries %+v, want one with one attempt", name, res.Deliveries)
		}
		dl, a := res.Deliveries[0], res.Deliveries[0].Log[0]
		switch name {
		case "good":
			if dl.DeliveredAt == nil {
				t.Errorf("good: not delivered: %+v", dl)
			}
		case "redirect":
			if a.Status == nil || *a.Status != http.StatusFound || dl.DeliveredAt != nil || dl.NextAttemptAt == nil {
				t.Errorf("redirect: %+v, want a 302 recorded and another attempt due", dl)
			}
		default:
			if a.Status != nil || a.Error == "" || dl.DeliveredAt != nil || dl.NextAttemptAt == nil {
				t.Errorf("%s: %+v, want no status, an error and another attempt due", name, dl)
			}
			if name == "link-local" && !strings.Contains(a.Error, "refused") {
				t.Errorf("link-local: error %q, want refused", a.Error)
			}
		}
	}
}

func TestSubscriptionsRefuseBadInputNamingTheField(t *testing.T) {
	c := newCity(t)
	ok := map[string]any{"url": "https://platform.example/hook", "events": []string{"alert.raised"}, "secret": secret}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range ok {
			m[a] = b
		}
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"ftp URL", with("url", "ftp://platform.example/"), "url"},
		{"javascript URL", with("url", "javascript:alert(1)"), "url"},
		{"relative URL", with("url", "/hook"), "url"},
		{"credentials in the URL", with("url", "https://u:p@platform.example/"), "url"},
		{"no events", with("events", []string{}), "events"},
		{"unknown event", with("events", []string{"alert.raised", "case.everything"}), "events"},
		{"a case event type misspelt", with("events", []string{"case_event"}), "events"},
		{"a decision without its verb", with("events", []string{"decision"}), "events"},
		{"short secret", with("secret", "fifteen bytes!!"), "secret"},
	} {
		st, body := c.Do("POST", "/api/v1/webhooks", "admin", tc.body, nil)
		var p struct {
			Field string `json:"field"`
		}
		_ = json.Unmarshal(body, &p)
		if st != http.StatusBadRequest || p.Field != tc.field {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.name, st, body, tc.field)
		}
	}
	if st, body := c.Do("POST", "/api/v1/webhooks", "supervisor", ok, nil); st != http.StatusForbidden {
		t.Errorf("a supervisor subscribing: %d %s, want 403", st, body)
	}
	var list struct {
		Webhooks []webhook.Subscription `json:"webhooks"`
	}
	if c.Do("GET", "/api/v1/webhooks", "admin", nil, &list); len(list.Webhooks) != 0 {
		t.Errorf("refused subscriptions were stored: %+v", list.Webhooks)
	}
	// Every event type is offered: alerts', cases', decisions'.
	for _, ev := range webhook.Events {
		if st, body := c.Do("POST", "/api/v1/webhooks", "admin", with("events", []string{ev}), nil); st != http.StatusCreated {
			t.Errorf("subscribing to %s = %d %s, want 201", ev, st, body)
		}
	}
	// The secret is never given back.
	st, body := c.Do("POST", "/api/v1/webhooks", "admin", ok, nil)
	if st != http.StatusCreated || strings.Contains(string(body), secret) || strings.Contains(string(body), "secret") {
		t.Errorf("create = %d %s, want 201 without the secret", st, body)
	}
}
