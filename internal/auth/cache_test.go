package auth_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgtest"
)

func TestCacheRevocation(t *testing.T) {
	ctx := context.Background()
	store := auth.NewStore(pgtest.NewPool(t))
	cache := auth.NewCache(store, time.Hour, 0)
	token, id, err := store.Create(ctx, auth.TokenSpec{Name: "phone", Role: auth.Admin})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := cache.Authenticate(ctx, token); err != nil || got != id {
		t.Fatalf("Authenticate = %+v, %v; want %+v", got, err, id)
	}

	// Revoked behind the cache's back (as another process would): still answered from
	// memory until the announcement, here Forget, arrives.
	if err := store.Revoke(ctx, id.TokenID); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Authenticate(ctx, token); err != nil {
		t.Fatalf("before Forget: %v, want the remembered identity (else nothing is cached)", err)
	}
	if st := cache.Stats(); st.Hits != 1 || st.Misses != 1 || st.Entries != 1 {
		t.Errorf("Stats = %+v, want 1 hit, 1 miss, 1 entry", st)
	}
	cache.Forget(id.TokenID)
	if _, err := cache.Authenticate(ctx, token); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Fatalf("after Forget: err = %v, want unauthorized", err)
	}

	// Revoked through the cache: refused on the next request.
	token2, id2, err := store.Create(ctx, auth.TokenSpec{Name: "phone 2", Role: auth.Admin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Authenticate(ctx, token2); err != nil {
		t.Fatal(err)
	}
	if err := cache.Revoke(ctx, id2.TokenID); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Authenticate(ctx, token2); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Errorf("after Revoke: err = %v, want unauthorized", err)
	}
	if err := cache.Revoke(ctx, id2.TokenID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("Revoke twice: err = %v, want not_found", err)
	}

	// Clear forgets everything.
	token3, id3, err := store.Create(ctx, auth.TokenSpec{Name: "wall", Role: auth.Analyst})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Authenticate(ctx, token3); err != nil {
		t.Fatal(err)
	}
	if err := store.Revoke(ctx, id3.TokenID); err != nil {
		t.Fatal(err)
	}
	cache.Clear()
	if _, err := cache.Authenticate(ctx, token3); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Errorf("after Clear: err = %v, want unauthorized", err)
	}
}

// TestCacheOnlyWhileHearing checks that memory is not trusted while revocations cannot
// be heard.
func TestCacheOnlyWhileHearing(t *testing.T) {
	ctx := context.Background()
	store := auth.NewStore(pgtest.NewPool(t))
	cache := auth.NewCache(store, time.Hour, 0)
	hearing := true
	cache.OnlyWhile(func() bool { return hearing })
	token, id, err := store.Create(ctx, auth.TokenSpec{Name: "phone", Role: auth.Admin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Authenticate(ctx, token); err != nil {
		t.Fatal(err)
	}
	if err := store.Revoke(ctx, id.TokenID); err != nil {
		t.Fatal(err)
	}
	hearing = false
	if _, err := cache.Authenticate(ctx, token); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Errorf("not hearing: err = %v, want unauthorized (looked up)", err)
	}
}

func TestCacheHonoursExpiry(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := auth.NewStore(pool)
	cache := auth.NewCache(store, time.Hour, 0)
	now := time.Now()
	cache.SetClock(func() time.Time { return now })
	token, id, err := store.Create(ctx, auth.TokenSpec{Name: "visitor", Role: auth.Analyst, TTL: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Authenticate(ctx, token); err != nil {
		t.Fatal(err)
	}
	// The token is expired in the database from now on; the cache learns nothing of it.
	if _, err := pool.Exec(ctx, "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", id.TokenID); err != nil {
		t.Fatal(err)
	}
	now = now.Add(9 * time.Minute)
	if _, err := cache.Authenticate(ctx, token); err != nil {
		t.Fatalf("before the expiry it was read with: %v, want the remembered identity", err)
	}
	// Past the expiry read at the lookup the entry is not used, though the TTL is an hour.
	now = now.Add(2 * time.Minute)
	if _, err := cache.Authenticate(ctx, token); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Errorf("after the expiry: err = %v, want unauthorized", err)
	}
	// And past the TTL, a live token is looked up again.
	short := auth.NewCache(store, time.Minute, 0)
	short.SetClock(func() time.Time { return now })
	live, liveID, err := store.Create(ctx, auth.TokenSpec{Name: "wall", Role: auth.Analyst})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := short.Authenticate(ctx, live); err != nil {
		t.Fatal(err)
	}
	if err := store.Revoke(ctx, liveID.TokenID); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if _, err := short.Authenticate(ctx, live); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Errorf("after the TTL: err = %v, want unauthorized", err)
	}
}

func TestCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	store := auth.NewStore(pgtest.NewPool(t))
	const max = 3
	cache := auth.NewCache(store, time.Hour, max)
	for i := range 2 * max {
		token, _, err := store.Create(ctx, auth.TokenSpec{Name: fmt.Sprintf("phone %d", i), Role: auth.Admin})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cache.Authenticate(ctx, token); err != nil {
			t.Fatal(err)
		}
		if n := cache.Stats().Entries; n > max {
			t.Fatalf("after %d tokens the cache holds %d, want at most %d", i+1, n, max)
		}
	}
	// Bad tokens are never remembered, however many.
	cache.Clear()
	for range 50 {
		if _, err := cache.Authenticate(ctx, auth.NewToken()); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("unknown token: err = %v, want unauthorized", err)
		}
	}
	if n := cache.Stats().Entries; n != 0 {
		t.Errorf("after 50 unknown tokens the cache holds %d, want 0", n)
	}
}
