package admission

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

func TestCheckNamesTheParameterToReduce(t *testing.T) {
	c := New(Config{MaxCost: 1e6})
	tests := []struct {
		name string
		cost Cost
		want string // "" = admitted
	}{
		{"small", Cost{Cells: 1000, Steps: 1, Ring: Ring(1)}, ""},
		{"permutations", Cost{Cells: 10000, Steps: 1, Ring: Ring(5), Permutations: 9999}, "permutations"},
		{"k", Cost{Cells: 20000, Steps: 1, Ring: Ring(5)}, "k"},
		{"steps", Cost{Cells: 10000, Steps: 120, Ring: Ring(1)}, "step"},
		{"area", Cost{Cells: 2_000_000, Steps: 1, Ring: 1}, "township"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Check(tt.cost)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check(%+v) = %v, want nil", tt.cost, err)
				}
				return
			}
			if apperr.CodeOf(err) != apperr.Unprocessable || apperr.ExtraOf(err)["parameter"] != tt.want {
				t.Errorf("Check(%+v) = %v %v, want unprocessable naming %s", tt.cost, err, apperr.ExtraOf(err), tt.want)
			}
		})
	}
}

func TestRingCountsTheHexagons(t *testing.T) {
	for k, want := range map[int]int{0: 1, 1: 7, 2: 19, 5: 91} {
		if got := Ring(k); got != want {
			t.Errorf("Ring(%d) = %d, want %d", k, got, want)
		}
	}
}

// TestAdmitBoundsEachToken: one token runs one analysis with one waiting; a third is
// refused at once with Retry-After, and the waiting one runs when the first ends.
func TestAdmitBoundsEachToken(t *testing.T) {
	c := New(Config{Global: 4, PerToken: 1, Queue: 1, Wait: 5 * time.Second})
	ctx := context.Background()
	first, err := c.Admit(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() {
		release, err := c.Admit(ctx, "a")
		if err == nil {
			release()
		}
		second <- err
	}()
	waitFor(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.tokens["a"].n == 2 })
	_, err = c.Admit(ctx, "a")
	if apperr.CodeOf(err) != apperr.RateLimited || apperr.RetryAfterOf(err) <= 0 {
		t.Errorf("third analysis of a token: %v, want rate_limited with a retry time", err)
	}
	other, err := c.Admit(ctx, "b")
	if err != nil {
		t.Errorf("another token: %v", err)
	} else {
		other()
	}
	first()
	if err := <-second; err != nil {
		t.Errorf("the waiting analysis: %v", err)
	}
	first() // ending twice is harmless
	if len(c.tokens) != 0 || len(c.slots) != 0 {
		t.Errorf("after all ended: %d tokens, %d slots held", len(c.tokens), len(c.slots))
	}
}

// TestAdmitWaitsBoundedForTheServer: with every slot taken by others, a computation
// waits Wait and gets 503 with Retry-After; a cancelled one gives up at once.
func TestAdmitWaitsBoundedForTheServer(t *testing.T) {
	c := New(Config{Global: 1, PerToken: 1, Wait: 50 * time.Millisecond})
	release, err := c.Admit(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	start := time.Now()
	_, err = c.Admit(context.Background(), "b")
	if apperr.CodeOf(err) != apperr.Unavailable || apperr.RetryAfterOf(err) <= 0 || time.Since(start) < 50*time.Millisecond {
		t.Errorf("waiting behind the server: %v after %s, want unavailable after 50 ms", err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Admit(ctx, "b"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if len(c.tokens) != 1 {
		t.Errorf("tokens remembered: %d, want 1 (a)", len(c.tokens))
	}
}

func TestNilControllerAdmitsEverything(t *testing.T) {
	var c *Controller
	if err := c.Check(Cost{Cells: 1e9, Permutations: 9999}); err != nil {
		t.Error(err)
	}
	release, err := c.Admit(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	release()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}
