package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
)

// TestRevokedTokenRefusedOnEveryInstance runs two servers on one database with token
// caches that would trust a token for an hour, and revokes a token both have just
// accepted the way `gridwatch token revoke` does, behind their backs: the database's
// announcement makes both refuse it.
func TestRevokedTokenRefusedOnEveryInstance(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	servers, clients := twoInstances(ctx, t, app.Config{TokenCacheTTL: time.Hour})
	deadline := time.Now().Add(10 * time.Second)
	for !servers[0].Bus.Listening() || !servers[1].Bus.Listening() {
		if time.Now().After(deadline) {
			t.Fatal("the instances never started listening")
		}
		time.Sleep(20 * time.Millisecond)
	}
	token, id, err := servers[0].Tokens.Create(ctx, auth.TokenSpec{Name: "wall", Role: auth.Analyst})
	if err != nil {
		t.Fatal(err)
	}
	for i := range clients {
		clients[i].Tokens["analyst"] = token
		for range 2 {
			if code, body := clients[i].Do("GET", "/api/v1/townships", "analyst", nil, nil); code != http.StatusOK {
				t.Fatalf("instance %d before the revocation: %d %s, want 200", i, code, body)
			}
		}
		if st := servers[i].TokenCache.Stats(); st.Hits < 1 || st.Entries != 1 {
			t.Fatalf("instance %d: token cache %+v, want the token remembered and used", i, st)
		}
	}

	if err := auth.NewStore(servers[0].DB).Revoke(ctx, id.TokenID); err != nil {
		t.Fatal(err)
	}
	for i := range clients {
		// The announcement travels through PostgreSQL: wait for it, far less than the
		// cache's hour.
		deadline := time.Now().Add(10 * time.Second)
		for {
			code, _ := clients[i].Do("GET", "/api/v1/townships", "analyst", nil, nil)
			if code == http.StatusUnauthorized {
				break
			}
			if code != http.StatusOK || time.Now().After(deadline) {
				t.Fatalf("instance %d after the revocation: %d, want 401", i, code)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if st := servers[i].TokenCache.Stats(); st.Entries != 0 {
			t.Errorf("instance %d: token cache %+v after the revocation, want it forgotten", i, st)
		}
	}
}
