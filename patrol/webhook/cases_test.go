package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/webhook"
)

// newCaseCity is a city of two townships, A and B, with item U1 (held by both) and its
// bands, for cases that go as far as a decision.
func newCaseCity(t *testing.T) *apptest.City {
	t.Helper()
	c := apptest.NewCity(t, apptest.Spec{
		// The procedure below happened in 2025: let tokens date events that far back.
		Configure: func(cfg *app.Config) { cfg.ClaimWindow = 20 * 365 * 24 * time.Hour },
		Townships: []grid.TownshipInput{
			{Code: "A", Name: "甲镇", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)},
			{Code: "B", Name: "乙镇", Geom: apptest.Box(120.30, 31.80, 120.40, 31.88)},
		},
		Squadrons: []grid.Squadron{{Code: "A1", Name: "甲一", Township: "A"}, {Code: "B1", Name: "乙一", Township: "B"}},
		Officers:  []officer.Officer{{ID: "a-1", Squadron: "A1"}, {ID: "b-1", Squadron: "B1"}},
		Tokens:    map[string]auth.TokenSpec{"admin": {Role: auth.Admin}},
	})
	c.PenaltyItem(t)
	return c
}

// subscribeTo subscribes target to events of township ("" for every township's) and
// returns the subscription's id.
func subscribeTo(t *testing.T, c *apptest.City, target, township string, events ...string) int64 {
	t.Helper()
	var sub webhook.Subscription
	if st, body := c.Do("POST", "/api/v1/webhooks", "admin", map[string]any{"url": target,
		"events": events, "township": township, "secret": secret}, &sub); st != http.StatusCreated {
		t.Fatalf("POST /webhooks = %d %s", st, body)
	}
	return sub.ID
}

// report creates a case at lon, lat citing U1 and returns its id.
func report(t *testing.T, c *apptest.City, lon, lat float64) int64 {
	t.Helper()
	var cs cases.Case
	if st, body := c.Do("POST", "/api/v1/cases", "admin", map[string]any{"item": "U1", "title": "占道经营",
		"lon": lon, "lat": lat, "reported_at": "2025-09-01T09:00:00+08:00"}, &cs); st != http.StatusCreated {
		t.Fatalf("POST /cases = %d %s", st, body)
	}
	return cs.ID
}

// envelope is a delivery's body as a receiver reads it.
type envelope struct {
	Type     string          `json:"type"`
	Township string          `json:"township"`
	Data     json.RawMessage `json:"data"`
}

// verified checks every request's signature as docs/api.md tells a receiver to, without
// package webhook's help, and returns their bodies, in order.
func verified(t *testing.T, got []received) []envelope {
	t.Helper()
	var out []envelope
	for i, r := range got {
		ts := r.header.Get(webhook.HeaderTimestamp)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(ts + "."))
		mac.Write(r.body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if sig := r.header.Get(webhook.HeaderSignature); !hmac.Equal([]byte(sig), []byte(want)) {
			t.Errorf("request %d: signature %q, want %q", i, sig, want)
		}
		if sec, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
			t.Errorf("request %d: timestamp %q is not within 5 minutes of now", i, ts)
		}
		var env envelope
		if err := json.Unmarshal(r.body, &env); err != nil {
			t.Fatalf("request %d: %v: %s", i, err, r.body)
		}
		if h := r.header.Get(webhook.HeaderEvent); h != env.Type {
			t.Errorf("request %d: event header %q, body type %q", i, h, env.Type)
		}
		out = append(out, env)
	}
	return out
}

// flush delivers what is due now, and then what would be due two hours later: a delivery
// acknowledged once is never sent again.
func flush(t *testing.T, c *apptest.City) {
	t.Helper()
	d := c.Server.Deliverer
	for _, at := range []time.Time{time.Now(), time.Now().Add(2 * time.Hour)} {
		d.SetClock(func() time.Time { return at })
		if err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCaseEventsAndDecisionDeliveredOnceSigned: every event of a case taken to a penalty
// decision, then revoked, arrives once, signed, in order; the decision arrives once with
// what 执法公示 shows of it (the person's name masked, here and in the case events), and
// its revocation once.
func TestCaseEventsAndDecisionDeliveredOnceSigned(t *testing.T) {
	c := newCaseCity(t)
	rc := &receiver{statuses: []int{200}}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	id := subscribeTo(t, c, hook.URL, "", webhook.EventCase, webhook.EventDecisionMade, webhook.EventDecisionRevoked)

	cs := report(t, c, 120.35, 31.84)
	steps := []map[string]any{
		{"type": "file", "at": "2025-09-02T10:00:00+08:00"},
		{"type": "investigate", "at": "2025-09-10T10:00:00+08:00"},
		{"type": "notify", "party": "individual", "party_name": "张三丰", "at": "2025-09-26T10:00:00+08:00"},
		{"type": "notify", "hearing": "waived", "at": "2025-09-28T10:00:00+08:00"},
		{"type": "decide", "amount_yuan": 800, "level": "一般", "at": "2025-09-30T10:00:00+08:00"},
		{"type": "revoke", "note": "复议决定撤销", "at": "2025-10-20T11:00:00+08:00"},
	}
	for _, ev := range steps {
		if st, body := c.Do("POST", fmt.Sprintf("/api/v1/cases/%d/events", cs), "admin", ev, nil); st != http.StatusCreated {
			t.Fatalf("%s = %d %s", ev["type"], st, body)
		}
	}
	flush(t, c)

	got := rc.requests()
	envs := verified(t, got)
	wantTypes := []string{"report", "file", "investigate", "notify", "notify", "decide", "revoke"}
	if len(envs) != len(wantTypes)+2 {
		t.Fatalf("%d requests, want %d case events, a decision and its revocation: %v", len(envs), len(wantTypes), envs)
	}
	ids := map[string]bool{}
	for i, r := range got {
		ids[r.header.Get(webhook.HeaderDelivery)] = true
		if strings.Contains(string(r.body), "三丰") {
			t.Errorf("request %d carries the party's name: %s", i, r.body)
		}
	}
	if len(ids) != len(got) {
		t.Errorf("%d delivery ids for %d deliveries", len(ids), len(got))
	}
	var seqs []string
	var decision *webhook.Decision
	var revoked []webhook.Revocation
	for _, env := range envs {
		if env.Township != "B" {
			t.Errorf("%s: township %q, want B", env.Type, env.Township)
		}
		switch env.Type {
		case webhook.EventCase:
			var ce webhook.CaseEvent
			if err := json.Unmarshal(env.Data, &ce); err != nil {
				t.Fatal(err)
			}
			if ce.Case.ID != cs || ce.Case.Number != fmt.Sprintf("B-2025-%05d", cs) || ce.Case.Township == nil || *ce.Case.Township != "B" {
				t.Errorf("case.event of %+v, want case %d of B", ce.Case, cs)
			}
			seqs = append(seqs, fmt.Sprintf("%d:%s", ce.Event.Seq, ce.Event.Type))
			if ce.Event.Type == cases.EventDecide {
				var d cases.Detail
				if err := json.Unmarshal(ce.Event.Detail, &d); err != nil || d.PartyName != "张**" || d.Party != cases.PartyIndividual {
					t.Errorf("decide case.event detail %s (%v), want the individual 张**", ce.Event.Detail, err)
				}
			}
		case webhook.EventDecisionMade:
			if decision != nil {
				t.Fatalf("a second decision: %s", env.Data)
			}
			decision = new(webhook.Decision)
			if err := json.Unmarshal(env.Data, decision); err != nil {
				t.Fatal(err)
			}
		case webhook.EventDecisionRevoked:
			var r webhook.Revocation
			if err := json.Unmarshal(env.Data, &r); err != nil {
				t.Fatal(err)
			}
			revoked = append(revoked, r)
		default:
			t.Errorf("unexpected event %s", env.Type)
		}
	}
	var want []string
	for i, ty := range wantTypes {
		want = append(want, fmt.Sprintf("%d:%s", i+1, ty))
	}
	if fmt.Sprint(seqs) != fmt.Sprint(want) {
		t.Errorf("case events %v, want %v in order", seqs, want)
	}
	decided, _ := time.Parse(time.RFC3339, "2025-09-30T10:00:00+08:00")
	if decision == nil || decision.Case != cs || decision.Number != fmt.Sprintf("B-2025-%05d", cs) || decision.Item != "U1" ||
		decision.PartyKind != cases.PartyIndividual || decision.Party != "张**" || decision.Level != "一般" ||
		decision.AmountYuan != 800 || !decision.DecidedAt.Equal(decided) || len(decision.Hash) != 64 {
		t.Errorf("decision = %+v, want case %d, U1, individual 张**, 一般, 800 yuan, decided %s", decision, cs, decided)
	}
	revokedAt, _ := time.Parse(time.RFC3339, "2025-10-20T11:00:00+08:00")
	if len(revoked) != 1 || revoked[0].Case != cs || revoked[0].Number != fmt.Sprintf("B-2025-%05d", cs) ||
		!revoked[0].RevokedAt.Equal(revokedAt) || len(revoked[0].Hash) != 64 || (decision != nil && revoked[0].Hash == decision.Hash) {
		t.Errorf("revocations = %+v, want one of case %d at %s with the revoke event's hash", revoked, cs, revokedAt)
	}

	var res struct {
		Deliveries []webhook.Delivery `json:"deliveries"`
	}
	c.Do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", id), "admin", nil, &res)
	for _, d := range res.Deliveries {
		if d.Attempts != 1 || d.DeliveredAt == nil {
			t.Errorf("delivery %s: %d attempts, delivered %v; want 1, delivered", d.ID, d.Attempts, d.DeliveredAt)
		}
	}
	if len(res.Deliveries) != len(got) {
		t.Errorf("%d deliveries listed, want %d", len(res.Deliveries), len(got))
	}

	// The metrics count them (this server made every attempt) and the outbox is empty.
	st, body := c.Do("GET", "/metrics", "admin", nil, nil)
	if st != http.StatusOK {
		t.Fatalf("GET /metrics = %d", st)
	}
	n := len(got)
	for _, line := range []string{
		fmt.Sprintf("gridwatch_webhook_deliveries_queued_total %d", n),
		fmt.Sprintf("gridwatch_webhook_deliveries_succeeded_total %d", n),
		fmt.Sprintf("gridwatch_webhook_attempts_total %d", n),
		"gridwatch_webhook_attempts_failed_total 0",
		"gridwatch_webhook_outbox_depth 0",
		"gridwatch_webhook_outbox_oldest_seconds 0",
	} {
		if !strings.Contains(string(body), "\n"+line+"\n") {
			t.Errorf("metrics lack %q", line)
		}
	}
}

// TestRolledBackEventDeliversNothing: a case whose creation rolls back after its report
// event was written leaves no delivery; the next one committed is delivered.
func TestRolledBackEventDeliversNothing(t *testing.T) {
	c := newCaseCity(t)
	rc := &receiver{statuses: []int{204}}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	id := subscribeTo(t, c, hook.URL, "", webhook.EventCase)

	ctx := context.Background()
	admin := auth.Identity{Name: "admin", Role: auth.Admin}
	nc := cases.NewCase{Item: "U1", Title: "占道经营", Lon: 120.25, Lat: 31.84}
	failed := errors.New("the caller's record could not be written")
	var linked cases.Case
	_, err := c.Server.Cases.CreateLinked(ctx, admin, nc, nil, func(_ context.Context, _ pgx.Tx, cs cases.Case) error {
		linked = cs
		return failed
	})
	if !errors.Is(err, failed) || linked.ID == 0 {
		t.Fatalf("CreateLinked = %v (case %d), want the link's error after the case was written", err, linked.ID)
	}
	flush(t, c)
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("a rolled-back case event was delivered: %d requests", n)
	}
	var res struct {
		Deliveries []webhook.Delivery `json:"deliveries"`
	}
	if c.Do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", id), "admin", nil, &res); len(res.Deliveries) != 0 {
		t.Fatalf("deliveries of a rolled-back event: %+v", res.Deliveries)
	}

	committed, err := c.Server.Cases.Create(ctx, admin, nc)
	if err != nil {
		t.Fatal(err)
	}
	flush(t, c)
	envs := verified(t, rc.requests())
	if len(envs) != 1 {
		t.Fatalf("%d requests after a committed case, want 1", len(envs))
	}
	var ce webhook.CaseEvent
	if err := json.Unmarshal(envs[0].Data, &ce); err != nil || ce.Case.ID != committed.ID || ce.Event.Type != cases.EventReport {
		t.Errorf("delivered %s (%v), want case %d's report", envs[0].Data, err, committed.ID)
	}
}

// TestScopedSubscriptionReceivesOnlyItsTownship: a subscription of township A gets A's
// case events only, B's B's, and one of every township all of them, the case outside
// every township included.
func TestScopedSubscriptionReceivesOnlyItsTownship(t *testing.T) {
	c := newCaseCity(t)
	recv := map[string]*receiver{}
	for _, scope := range []string{"A", "B", ""} {
		rc := &receiver{statuses: []int{200}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		recv[scope] = rc
		subscribeTo(t, c, srv.URL, scope, webhook.EventCase, webhook.EventDecisionMade)
	}
	inA := report(t, c, 120.25, 31.84)
	inB := report(t, c, 120.35, 31.84)
	outside := report(t, c, 121.00, 31.00)
	flush(t, c)

	of := func(rc *receiver) []int64 {
		var ids []int64
		for _, env := range verified(t, rc.requests()) {
			var ce webhook.CaseEvent
			if err := json.Unmarshal(env.Data, &ce); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, ce.Case.ID)
		}
		return ids
	}
	for _, tt := range []struct {
		scope string
		want  []int64
	}{
		{"A", []int64{inA}},
		{"B", []int64{inB}},
		{"", []int64{inA, inB, outside, outside}}, // the outside case: its report, and its referral by intake
	} {
		if got := of(recv[tt.scope]); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("subscription of %q got the report events of cases %v, want %v", tt.scope, got, tt.want)
		}
	}
}
