package tiles_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/tiles"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

func key(layer string, x uint32, version uint64) tiles.Key {
	return tiles.Key{Layer: layer, Tile: mvt.Tile{Z: 14, X: x, Y: 6208}, Params: "scope=T01", Version: version}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCachePutGet(t *testing.T) {
	c := tiles.NewCache(1 << 20)
	now := time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)
	c.Now = func() time.Time { return now }
	raw := bytes.Repeat([]byte("tile bytes "), 100)
	put := c.Put(key("cases", 1, 1), raw)
	got, ok := c.Get(key("cases", 1, 1))
	if !ok {
		t.Fatal("Get after Put missed")
	}
	if !bytes.Equal(got.Raw, raw) || !bytes.Equal(gunzip(t, got.Gzip), raw) {
		t.Error("entry does not hold the raw tile and its gzip")
	}
	if len(got.Gzip) >= len(raw) {
		t.Errorf("gzip is %d bytes for %d raw", len(got.Gzip), len(raw))
	}
	if got.ETag != put.ETag || !got.Created.Equal(now) {
		t.Errorf("Get = %+v, want what Put returned %+v", got, put)
	}
	for _, tag := range []string{got.ETag, got.GzipETag} {
		if !strings.HasPrefix(tag, `"`) || !strings.HasSuffix(tag, `"`) || strings.HasPrefix(tag, "W/") {
			t.Errorf("ETag %s is not a strong entity tag", tag)
		}
	}
	if got.ETag == got.GzipETag {
		t.Error("both encodings share an ETag")
	}
	for _, k := range []tiles.Key{key("cases", 2, 1), key("tracks", 1, 1), key("cases", 1, 2), {Layer: "cases", Tile: key("", 1, 1).Tile, Version: 1}} {
		if _, ok := c.Get(k); ok {
			t.Errorf("Get(%+v) hit, want a miss", k)
		}
	}
	if s := c.Stats(); s.Hits != 1 || s.Misses != 4 || s.Entries != 1 {
		t.Errorf("Stats() = %+v, want 1 hit, 4 misses, 1 entry", s)
	}
}

func TestCacheETag(t *testing.T) {
	c := tiles.NewCache(1 << 20)
	a := c.Put(key("l", 1, 1), []byte("abc"))
	tests := []struct {
		name string
		e    tiles.Entry
		same bool
	}{
		{"same bytes and version, other tile", c.Put(key("l", 2, 1), []byte("abc")), true},
		{"same bytes, new version", c.Put(key("l", 1, 2), []byte("abc")), false},
		{"other bytes", c.Put(key("l", 3, 1), []byte("abd")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.ETag == a.ETag; got != tt.same {
				t.Errorf("ETag %s vs %s: equal = %v, want %v", tt.e.ETag, a.ETag, got, tt.same)
			}
		})
	}
}

func TestCacheEmptyTile(t *testing.T) {
	c := tiles.NewCache(1 << 20)
	e := c.Put(key("l", 1, 1), nil)
	if e.Raw != nil || e.Gzip != nil || e.ETag == "" {
		t.Errorf("empty entry = %+v, want no bytes and an ETag", e)
	}
	if _, ok := c.Get(key("l", 1, 1)); !ok {
		t.Error("empty tiles are not cached")
	}
}

func TestCacheEviction(t *testing.T) {
	raw := make([]byte, 1000) // about 1.3 kB an entry with its gzip and overhead
	c := tiles.NewCache(5000)
	for x := range uint32(3) {
		c.Put(key("l", x, 0), raw)
	}
	c.Get(key("l", 0, 0)) // 0 is now the most recently used, 1 the least
	c.Put(key("l", 3, 0), raw)
	c.Put(key("l", 4, 0), raw)
	var held []uint32
	for x := range uint32(5) {
		if _, ok := c.Get(key("l", x, 0)); ok {
			held = append(held, x)
		}
	}
	if fmt.Sprint(held) != "[0 3 4]" {
		t.Errorf("held %v after eviction, want [0 3 4]", held)
	}
	s := c.Stats()
	if s.Evictions != 2 || s.Entries != 3 || s.Bytes > 5000 {
		t.Errorf("Stats() = %+v, want 2 evictions, 3 entries, at most 5000 bytes", s)
	}
	// An entry too big for the whole cache is returned but not kept, and evicts nothing.
	big := c.Put(key("l", 9, 0), make([]byte, 10000))
	if len(big.Raw) != 10000 {
		t.Error("Put of a big entry did not return it")
	}
	if _, ok := c.Get(key("l", 9, 0)); ok {
		t.Error("an entry larger than the cache was kept")
	}
	if s := c.Stats(); s.Entries != 3 {
		t.Errorf("Entries = %d after a too-big Put, want 3", s.Entries)
	}
	// Replacing an entry does not count it twice.
	c.Put(key("l", 0, 0), raw)
	if s2 := c.Stats(); s2.Entries != 3 || s2.Bytes != s.Bytes {
		t.Errorf("after replacing: %+v, want %+v", s2, s)
	}
}

// TestCacheGetOrBuildSingleFlight starts many concurrent misses of one key and checks
// that the tile was built once and every caller got it.
func TestCacheGetOrBuildSingleFlight(t *testing.T) {
	c := tiles.NewCache(1 << 20)
	const callers = 50
	var builds atomic.Int32
	release := make(chan struct{})
	build := func(ctx context.Context) ([]byte, error) {
		builds.Add(1)
		<-release
		return []byte("built"), nil
	}
	var wg sync.WaitGroup
	entries := make([]tiles.Entry, callers)
	for i := range callers {
		wg.Go(func() {
			e, err := c.GetOrBuild(context.Background(), key("l", 1, 1), build)
			if err != nil {
				t.Error(err)
			}
			entries[i] = e
		})
	}
	// Release the build only when every caller has joined it.
	for c.Stats().Misses < callers {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Errorf("built %d times, want 1", n)
	}
	for i, e := range entries {
		if string(e.Raw) != "built" || e.ETag != entries[0].ETag {
			t.Errorf("caller %d got %+v", i, e)
		}
	}
	if _, err := c.GetOrBuild(context.Background(), key("l", 1, 1), build); err != nil || builds.Load() != 1 {
		t.Errorf("a later call built again (%d builds, %v)", builds.Load(), err)
	}
	if s := c.Stats(); s.Builds != 1 || s.Hits != 1 {
		t.Errorf("Stats() = %+v, want 1 build, 1 hit", s)
	}
}

func TestCacheGetOrBuildErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(context.Context) ([]byte, error)
		want  string
	}{
		{"error", func(context.Context) ([]byte, error) { return nil, errors.New("db down") }, "db down"},
		{"panic", func(context.Context) ([]byte, error) { panic("boom") }, "panic: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tiles.NewCache(1 << 20)
			_, err := c.GetOrBuild(context.Background(), key("l", 1, 1), tt.build)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("GetOrBuild error = %v, want one containing %q", err, tt.want)
			}
			// Failures are not cached: the next call builds again.
			e, err := c.GetOrBuild(context.Background(), key("l", 1, 1), func(context.Context) ([]byte, error) {
				return []byte("ok"), nil
			})
			if err != nil || string(e.Raw) != "ok" {
				t.Errorf("retry = %q, %v; want ok", e.Raw, err)
			}
		})
	}
}

// TestCacheGetOrBuildCancel checks that a caller who gives up returns at once without
// cancelling the build others wait for, and that the build is cancelled when all have.
func TestCacheGetOrBuildCancel(t *testing.T) {
	t.Run("one of two gives up", func(t *testing.T) {
		c := tiles.NewCache(1 << 20)
		release := make(chan struct{})
		var buildErr atomic.Value
		build := func(ctx context.Context) ([]byte, error) {
			select {
			case <-release:
				return []byte("done"), nil
			case <-ctx.Done():
				buildErr.Store(ctx.Err())
				return nil, ctx.Err()
			}
		}
		impatient, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := c.GetOrBuild(impatient, key("l", 1, 1), build)
			errc <- err
		}()
		done := make(chan tiles.Entry, 1)
		go func() {
			for c.Stats().Misses < 1 {
				time.Sleep(time.Millisecond)
			}
			e, _ := c.GetOrBuild(context.Background(), key("l", 1, 1), build)
			done <- e
		}()
		for c.Stats().Misses < 2 {
			time.Sleep(time.Millisecond)
		}
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("impatient caller got %v, want context.Canceled", err)
		}
		close(release)
		if e := <-done; string(e.Raw) != "done" {
			t.Errorf("patient caller got %q, want done", e.Raw)
		}
		if err := buildErr.Load(); err != nil {
			t.Errorf("build was cancelled: %v", err)
		}
	})
	t.Run("all give up", func(t *testing.T) {
		c := tiles.NewCache(1 << 20)
		cancelled := make(chan struct{})
		build := func(ctx context.Context) ([]byte, error) {
			<-ctx.Done()
			close(cancelled)
			return nil, ctx.Err()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, err := c.GetOrBuild(ctx, key("l", 1, 1), build); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("GetOrBuild error = %v, want DeadlineExceeded", err)
		}
		select {
		case <-cancelled:
		case <-time.After(5 * time.Second):
			t.Fatal("the build was not cancelled when its only caller gave up")
		}
		// A new caller starts a new build rather than joining the cancelled one.
		e, err := c.GetOrBuild(context.Background(), key("l", 1, 1), func(context.Context) ([]byte, error) {
			return []byte("fresh"), nil
		})
		if err != nil || string(e.Raw) != "fresh" {
			t.Errorf("next call = %q, %v; want fresh", e.Raw, err)
		}
	})
}

// TestCacheConcurrent mixes Get, Put and GetOrBuild over a small cache (for -race) and
// checks the byte budget holds.
func TestCacheConcurrent(t *testing.T) {
	c := tiles.NewCache(50_000)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				k := key("l", uint32((g*31+i)%40), uint64(i%3))
				switch i % 3 {
				case 0:
					c.Get(k)
				case 1:
					c.Put(k, make([]byte, 500+i))
				default:
					if _, err := c.GetOrBuild(context.Background(), k, func(context.Context) ([]byte, error) {
						return make([]byte, 700), nil
					}); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if s := c.Stats(); s.Bytes > 50_000 || s.Bytes < 0 || s.Entries < 1 {
		t.Errorf("Stats() = %+v", s)
	}
}
