package position

import (
	"context"
	"sync"
	"time"
)

// GroupConfig tunes group commit: small ingest requests arriving together share one
// transaction, so that a fleet of phones each sending one fix at a time costs the
// database one commit per group rather than one per fix.
type GroupConfig struct {
	// Window is how long a group stays open for more requests after its first
	// (default 20 ms); negative turns group commit off: every request commits alone.
	Window time.Duration
	// MaxFixes closes a group when it holds this many fixes (default 1000).
	MaxFixes int
	// MaxRequestFixes is the largest request, in fixes, that joins a group (default
	// 100); larger ones commit alone at once.
	MaxRequestFixes int
	// Groups is how many group transactions may run at once (default 2); a group that
	// waits for its turn keeps taking requests up to MaxFixes.
	Groups int
}

// DefaultGroupConfig is the group commit of a Store made by NewStore.
func DefaultGroupConfig() GroupConfig {
	return GroupConfig{Window: 20 * time.Millisecond, MaxFixes: 1000, MaxRequestFixes: 100, Groups: 2}
}

func (c GroupConfig) withDefaults() GroupConfig {
	d := DefaultGroupConfig()
	if c.Window == 0 {
		c.Window = d.Window
	}
	if c.MaxFixes <= 0 {
		c.MaxFixes = d.MaxFixes
	}
	if c.MaxRequestFixes <= 0 {
		c.MaxRequestFixes = d.MaxRequestFixes
	}
	if c.Groups <= 0 {
		c.Groups = d.Groups
	}
	return c
}

// GroupRun describes one group transaction, for metrics.
type GroupRun struct {
	Requests int           // requests in the group
	Fixes    int           // their fixes, rejected ones included
	Wait     time.Duration // from the first request's arrival to the transaction's start
	Took     time.Duration // the transaction, retries of its requests alone included
	Retried  bool          // the shared transaction failed and each request ran alone
}

// SetGroupCommit sets the group commit of ingest (zero fields: defaults) and, when
// observe is not nil, a function told of every group transaction (it must not block).
// Call it before the Store is used.
func (s *Store) SetGroupCommit(c GroupConfig, observe ...func(GroupRun)) {
	c = c.withDefaults()
	if c.Window < 0 {
		s.group = nil
		return
	}
	s.group = &committer{cfg: c, run: s.runGroup, slots: make(chan struct{}, c.Groups)}
	if len(observe) > 0 {
		s.group.observe = observe[0]
	}
}

// committer gathers requests into groups and runs each group's transaction.
type committer struct {
	cfg     GroupConfig
	run     func(reqs []*request) bool // reports whether the requests were retried alone
	observe func(GroupRun)
	slots   chan struct{} // one per running group transaction

	mu   sync.Mutex
	open *group // the group taking requests; nil when none is
}

// group is requests that will share a transaction. Their officers are disjoint: two
// requests of one officer go to different groups, so that each officer's fixes are
// filtered and chained exactly as if its request had come alone.
type group struct {
	reqs     []*request
	officers map[string]bool
	fixes    int
	opened   time.Time
	closed   chan struct{} // closed when the group stops taking requests early
}

// submit adds r to the open group, opening one when needed; r.done is closed once its
// transaction has ended.
func (c *committer) submit(r *request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.open
	if g != nil {
		for _, id := range r.ids {
			if g.officers[id] {
				c.close(g)
				g = nil
				break
			}
		}
	}
	if g == nil {
		g = &group{officers: map[string]bool{}, opened: time.Now(), closed: make(chan struct{})}
		c.open = g
		go c.flush(g)
	}
	g.reqs = append(g.reqs, r)
	for _, id := range r.ids {
		g.officers[id] = true
	}
	g.fixes += r.fixes
	if g.fixes >= c.cfg.MaxFixes {
		c.close(g)
	}
}

// close stops g taking requests, if it still does. c.mu must be held.
func (c *committer) close(g *group) {
	if c.open == g {
		c.open = nil
		close(g.closed)
	}
}

// flush waits for g's window to pass (or for g to fill) and for a free slot, then runs
// its transaction.
func (c *committer) flush(g *group) {
	t := time.NewTimer(c.cfg.Window)
	select {
	case <-t.C:
	case <-g.closed:
		t.Stop()
	}
	c.slots <- struct{}{}
	defer func() { <-c.slots }()
	c.mu.Lock()
	c.close(g)
	c.mu.Unlock()
	start := time.Now()
	retried := c.run(g.reqs)
	if c.observe != nil {
		c.observe(GroupRun{Requests: len(g.reqs), Fixes: g.fixes, Wait: start.Sub(g.opened), Took: time.Since(start), Retried: retried})
	}
}

// runGroup commits the requests of a group together and answers each. The transaction
// belongs to no single request: it runs to its end even when the request that opened
// the group goes away. When it fails, each request runs again alone, so that a request
// is failed only by what it brought.
func (s *Store) runGroup(reqs []*request) bool {
	err := s.commit(context.WithoutCancel(reqs[0].ctx), reqs)
	if err == nil || len(reqs) == 1 {
		for _, r := range reqs {
			r.err = err
			close(r.done)
		}
		return false
	}
	for _, r := range reqs {
		r.err = s.commit(r.ctx, []*request{r})
		close(r.done)
	}
	return true
}
