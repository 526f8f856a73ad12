package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgtest"
)

func TestStoreLifecycle(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := auth.NewStore(pool)
	if _, _, err := store.Create(ctx, auth.TokenSpec{Name: "wall", Role: auth.Supervisor, Township: "320281001"}); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("token for an unknown township: err = %v, want invalid", err)
	}
	apptest.AddTownship(t, pool, "320281001", "澄江")

	token, id, err := store.Create(ctx, auth.TokenSpec{Name: "wall", Role: auth.Supervisor, Township: "320281001"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	got, err := store.Authenticate(ctx, token)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if got != id || got.Township != "320281001" || got.Role != auth.Supervisor {
		t.Errorf("Authenticate = %+v, want %+v", got, id)
	}

	var stored []byte
	if err := pool.QueryRow(ctx, "SELECT token_hash FROM api_tokens WHERE id = $1", id.TokenID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if string(stored) == token || string(stored) != string(auth.HashToken(token)) {
		t.Error("the database must hold the token's hash, not the token")
	}

	list, err := store.List(ctx)
	if err != nil || len(list) != 1 || list[0].LastUsedAt == nil {
		t.Fatalf("List = %+v, %v; want one token with a last-used time", list, err)
	}

	if err := store.Revoke(ctx, id.TokenID); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if _, err := store.Authenticate(ctx, token); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Errorf("revoked token: err = %v, want unauthorized", err)
	}
	if err := store.Revoke(ctx, id.TokenID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("second Revoke: err = %v, want not_found", err)
	}
}

func TestStoreRejectsExpiredAndUnknown(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := auth.NewStore(pool)
	token, id, err := store.Create(ctx, auth.TokenSpec{Name: "short", Role: auth.Analyst, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Authenticate(ctx, token); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	if _, err := pool.Exec(ctx, "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", id.TokenID); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"expired": token, "unknown": auth.NewToken(), "garbage": "x'; DROP TABLE api_tokens; --"} {
		if _, err := store.Authenticate(ctx, tok); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Errorf("%s token: err = %v, want unauthorized", name, err)
		}
	}
}

func TestStoreCreateValidates(t *testing.T) {
	store := auth.NewStore(pgtest.NewPool(t))
	if _, _, err := store.Create(context.Background(), auth.TokenSpec{Name: "d", Role: auth.Device}); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("device token without officer: err = %v, want invalid", err)
	}
}
