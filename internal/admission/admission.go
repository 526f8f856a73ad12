// Package admission decides whether an expensive computation (an analysis) may start and
// when: by its estimated cost, checked before any work, and by how many run at once —
// in the whole server and per token — with a bounded wait for a turn. What it refuses,
// it refuses with an apperr the HTTP layer turns into 422, 429 or 503 (the last two with
// Retry-After).
package admission

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// Config bounds the computations. Zero fields take the defaults of DefaultConfig.
type Config struct {
	// Global is how many computations run at once in the server.
	Global int
	// PerToken is how many computations of one token run at once.
	PerToken int
	// Queue is how many more computations of one token may wait for their turn; a
	// token with PerToken running and Queue waiting is refused at once (429).
	Queue int
	// Wait is the longest a computation waits for its turn: past it, 429 when the
	// token's own computations held it back, 503 when the server's did.
	Wait time.Duration
	// MaxCost is the budget of one computation, in cost units (see Cost): over it, 422
	// before any work.
	MaxCost float64
}

// DefaultConfig lets as many analyses run as there are processors (each uses one core),
// one per token with two more waiting, each waiting at most 10 s, and a budget of 2×10⁸
// units: a whole-city hot spot analysis with 999 permutations fits, one with 9,999
// permutations at k = 5 (the 15 s of the issue) does not.
func DefaultConfig() Config {
	return Config{Global: max(1, runtime.GOMAXPROCS(0)), PerToken: 1, Queue: 2, Wait: 10 * time.Second, MaxCost: 2e8}
}

func (c *Config) defaults() {
	d := DefaultConfig()
	if c.Global <= 0 {
		c.Global = d.Global
	}
	if c.PerToken <= 0 {
		c.PerToken = d.PerToken
	}
	if c.Queue < 0 {
		c.Queue = 0
	} else if c.Queue == 0 {
		c.Queue = d.Queue
	}
	if c.Wait <= 0 {
		c.Wait = d.Wait
	}
	if c.MaxCost <= 0 {
		c.MaxCost = d.MaxCost
	}
}

// Cost is the estimated work of an analysis: each cell of the study area, at each time
// step, sums its neighbourhood (the k-ring's cells, times the time window's steps in
// space-time), once plus once per permutation.
type Cost struct {
	Cells        int
	Steps        int // time steps (1 for a single window)
	Ring         int // cells of a neighbourhood: 3k(k+1)+1, times 2·time_k+1 in space-time
	Permutations int // 0 = analytic
}

// Units is the cost in units: cells × steps × ring × (permutations + 1).
func (c Cost) Units() float64 {
	return float64(max(c.Cells, 1)) * float64(max(c.Steps, 1)) * float64(max(c.Ring, 1)) * float64(c.Permutations+1)
}

// Ring returns the cells of a k-ring of hexagons: 3k(k+1)+1.
func Ring(k int) int { return 3*k*(k+1) + 1 }

// biggest names the parameter to reduce: the factor of c that the client chose and that
// weighs most.
func (c Cost) biggest() string {
	switch {
	case c.Permutations >= c.Ring && c.Permutations >= c.Steps:
		return "permutations"
	case c.Ring > 7 && c.Ring >= c.Steps:
		return "k"
	case c.Steps > 1:
		return "step"
	}
	return "township"
}

// Controller admits computations. It is safe for concurrent use.
type Controller struct {
	cfg   Config
	slots chan struct{}

	mu     sync.Mutex
	tokens map[string]*tokenSlots
}

// tokenSlots are one token's turns: sem holds its running computations, n counts them
// and its waiting ones.
type tokenSlots struct {
	sem chan struct{}
	n   int
}

// New returns a Controller with cfg (zero fields: DefaultConfig's).
func New(cfg Config) *Controller {
	cfg.defaults()
	return &Controller{cfg: cfg, slots: make(chan struct{}, cfg.Global), tokens: map[string]*tokenSlots{}}
}

// Config returns the controller's configuration, defaults filled in.
func (c *Controller) Config() Config { return c.cfg }

// Check refuses a computation over the budget: an unprocessable error naming the
// parameter to reduce (extra members "parameter", "cost", "budget"). A nil Controller
// admits everything.
func (c *Controller) Check(cost Cost) error {
	if c == nil || cost.Units() <= c.cfg.MaxCost {
		return nil
	}
	param := cost.biggest()
	e := apperr.New(apperr.Unprocessable,
		"this analysis would cost %.3g units (%d cells × %d steps × %d neighbours × %d permutation runs), over the budget of %.3g: reduce %s",
		cost.Units(), max(cost.Cells, 1), max(cost.Steps, 1), max(cost.Ring, 1), cost.Permutations+1, c.cfg.MaxCost, param)
	e.Extra = map[string]any{"parameter": param, "cost": cost.Units(), "budget": c.cfg.MaxCost}
	return e
}

// Admit waits for the turn of a computation of token ("" for one of the server itself,
// bound by the global limit only) and returns the function that ends it, to be called
// once. Errors: rate_limited when the token already has its computations running and
// waiting, or waited Wait behind its own; unavailable when the server's computations
// held it back Wait; ctx's error when ctx ends first. A nil Controller admits at once.
func (c *Controller) Admit(ctx context.Context, token string) (func(), error) {
	if c == nil {
		return func() {}, nil
	}
	var t *tokenSlots
	if token != "" {
		c.mu.Lock()
		t = c.tokens[token]
		if t == nil {
			t = &tokenSlots{sem: make(chan struct{}, c.cfg.PerToken)}
			c.tokens[token] = t
		}
		if t.n >= c.cfg.PerToken+c.cfg.Queue {
			c.mu.Unlock()
			return nil, c.tooMany()
		}
		t.n++
		c.mu.Unlock()
	}
	leave := func() {
		if t == nil {
			return
		}
		c.mu.Lock()
		t.n--
		if t.n == 0 {
			delete(c.tokens, token)
		}
		c.mu.Unlock()
	}
	timer := time.NewTimer(c.cfg.Wait)
	defer timer.Stop()
	if t != nil {
		select {
		case t.sem <- struct{}{}:
		case <-timer.C:
			leave()
			return nil, c.tooMany()
		case <-ctx.Done():
			leave()
			return nil, ctx.Err()
		}
	}
	free := func() {
		if t != nil {
			<-t.sem
		}
		leave()
	}
	select {
	case c.slots <- struct{}{}:
	case <-timer.C:
		free()
		e := apperr.New(apperr.Unavailable, "the server is busy with other analyses: retry after %s", c.cfg.Wait)
		e.RetryAfter = c.cfg.Wait
		return nil, e
	case <-ctx.Done():
		free()
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-c.slots
			free()
		})
	}, nil
}

func (c *Controller) tooMany() error {
	return apperr.TooMany(c.cfg.Wait, "this token has %d analyses running and %d waiting: retry after %s",
		c.cfg.PerToken, c.cfg.Queue, c.cfg.Wait)
}

// String describes the bounds, for logs.
func (c *Controller) String() string {
	return fmt.Sprintf("%d at once, %d per token (+%d waiting), wait %s, budget %.3g", c.cfg.Global, c.cfg.PerToken, c.cfg.Queue, c.cfg.Wait, c.cfg.MaxCost)
}
