package alert

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/planning"
	"github.com/gridwatch/gridwatch/patrol/position"
	"github.com/gridwatch/gridwatch/patrol/track"
)

// Officers finds an officer's squadron and township (package officer's Store).
type Officers interface {
	Get(ctx context.Context, id string) (officer.Officer, error)
}

// Cells tells the cells of a squadron's grid areas and of a township (package grid's
// Store).
type Cells interface {
	SquadronCells(ctx context.Context, squadron string) ([]grid.Cell, error)
	CellTownships(ctx context.Context, townships []string) ([]grid.CellTownship, error)
}

// Latest serves every officer's newest fix (package position's Store).
type Latest interface {
	Latest(ctx context.Context, township string) ([]position.Stored, error)
}

// Deadlines lists the penalty cases whose procedure deadlines have passed, and the cases
// in dispatch (package cases' Store).
type Deadlines interface {
	Overdue(ctx context.Context, who auth.Identity, township string) ([]cases.OverdueStage, error)
	List(ctx context.Context, who auth.Identity, f cases.Filter) ([]cases.Case, error)
}

// Plans lists and reads patrol plans (package planning's Store).
type Plans interface {
	List(ctx context.Context, f planning.ListFilter) ([]planning.Summary, error)
	Get(ctx context.Context, who auth.Identity, id int64) (planning.Plan, error)
}

// Tracks reads an officer's fixes (package position's Store).
type Tracks interface {
	Points(ctx context.Context, officerID string, from, to time.Time) ([]track.Point, error)
}

// Sources are what the Watcher reads of other packages.
type Sources struct {
	Officers Officers
	Cells    Cells
	Latest   Latest
	Cases    Deadlines
	Plans    Plans
	Tracks   Tracks
	// HotSpots and Townships serve the hotspot rule; without them it is not evaluated.
	HotSpots  HotSpots
	Townships Townships
}

// Tick is how often the Watcher evaluates the absence rule and reloads settings.
const Tick = 30 * time.Second

// areaTTL is how long an officer's area is kept before it is read again, so that a
// squadron's new grid areas count within minutes.
const areaTTL = 10 * time.Minute

// maxQueue is the most fixes waiting for evaluation; beyond it fixes are dropped (and
// logged): evaluation runs far faster than ingest, so only a stalled database gets here.
const maxQueue = 1 << 20

// overdueEvery is how many ticks apart case deadlines and plans are checked: deadlines
// pass by the day, a planned cell's grace by the quarter hour, and the checks read every
// case in procedure and every active plan's tracks.
const overdueEvery = 10

// offlineHorizon is how long without a fix an officer is still taken as on shift.
const offlineHorizon = 12 * time.Hour

// Watcher evaluates the rules: the fixes ingest commits, handed over by Publish without
// waiting, in one goroutine (Run) that keeps each officer's state in memory and touches
// the database only when an alert is raised or cleared (and once per officer and
// squadron every areaTTL to know their area); the absence rule every Tick.
type Watcher struct {
	store *Store
	src   Sources
	now   func() time.Time

	mu      sync.Mutex
	queue   []Fix
	wake    chan struct{}
	dropped int

	setMu    sync.RWMutex
	settings map[string]Settings

	timing timing

	// Used by the Run goroutine alone.
	eval     *Evaluator
	areas    map[string]*area // by officer
	cells    map[string]*cellSet
	routes   map[string][]*planRoute // by officer
	routesAt time.Time               // when routes were read (time.Now)
	hotDay   map[string]string       // by township: the day (China time) hotspot last ran
}

type area struct {
	key    string // of cells: "s:" squadron or "t:" township
	loaded time.Time
}

type cellSet struct {
	cells  map[int64]struct{}
	loaded time.Time
}

// NewWatcher returns a Watcher over the store.
func NewWatcher(store *Store, src Sources) *Watcher {
	return &Watcher{store: store, src: src, now: time.Now, wake: make(chan struct{}, 1),
		settings: map[string]Settings{}, eval: NewEvaluator(), areas: map[string]*area{}, cells: map[string]*cellSet{},
		routes: map[string][]*planRoute{}, hotDay: map[string]string{}}
}

// SetClock replaces the clock of the absence rule (tests).
func (w *Watcher) SetClock(now func() time.Time) { w.now = now }

// Publish queues committed fixes for evaluation without blocking (position.Publisher).
func (w *Watcher) Publish(stored []position.Stored) {
	w.mu.Lock()
	for _, s := range stored {
		if len(w.queue) >= maxQueue {
			w.dropped++
			continue
		}
		f := s.Fix()
		w.queue = append(w.queue, Fix{Officer: s.Officer, Township: s.Township, Time: s.Time,
			Point: orb.Point{s.Lon, s.Lat}, Mock: f.Mock, Alarm: f.Alarm, cell: s.Cell()})
	}
	w.mu.Unlock()
	w.signal()
}

// PublishAlarms queues the alarms of fixes the plausibility filter refused, for the sos
// rule alone, without blocking (position.AlarmPublisher).
func (w *Watcher) PublishAlarms(alarms []position.Alarm) {
	w.mu.Lock()
	for _, a := range alarms {
		if len(w.queue) >= maxQueue {
			w.dropped++
			continue
		}
		w.queue = append(w.queue, Fix{Officer: a.Officer, Township: a.Township, Time: a.Time, Point: a.Point,
			Alarm: a.Alarm, Refused: true})
	}
	w.mu.Unlock()
	w.signal()
}

// signal wakes Run.
func (w *Watcher) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run evaluates queued fixes and, every Tick, the absence rule, until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	if err := w.Reload(ctx); err != nil && ctx.Err() == nil {
		slog.Warn("alert settings", "err", err)
	}
	tick := time.NewTicker(Tick)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
			w.Drain(ctx)
		case <-tick.C:
			if err := w.Reload(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("alert settings", "err", err)
			}
			if err := w.CheckAbsence(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("offline alerts", "err", err)
			}
			if n%overdueEvery == 0 {
				if err := w.CheckOverdue(ctx); err != nil && ctx.Err() == nil {
					slog.Warn("case_overdue alerts", "err", err)
				}
				if err := w.CheckPlans(ctx); err != nil && ctx.Err() == nil {
					slog.Warn("off_plan alerts", "err", err)
				}
				if err := w.CheckHotspots(ctx); err != nil && ctx.Err() == nil {
					slog.Warn("hotspot alerts", "err", err)
				}
			}
		}
	}
}

// Drain evaluates the fixes queued so far. Run calls it; a test may call it instead of
// running Run, but never both at once.
func (w *Watcher) Drain(ctx context.Context) {
	w.mu.Lock()
	fixes, dropped := w.queue, w.dropped
	w.queue, w.dropped = nil, 0
	w.mu.Unlock()
	if dropped > 0 {
		slog.Warn("alert evaluation fell behind: fixes not evaluated", "dropped", dropped)
	}
	if len(fixes) == 0 {
		return
	}
	defer w.timing.add(CheckFixes, time.Now())
	w.timing.fixes.Add(int64(len(fixes)))
	if err := w.loadRoutes(ctx); err != nil && ctx.Err() == nil {
		slog.Warn("planned routes for off_plan", "err", err)
	}
	var changes []Change
	for _, f := range fixes {
		set := w.settingsOf(f.Township)
		if !f.Refused {
			f.Inside = w.inside(ctx, f)
			w.judgeRoute(&f, set.OffPlan)
		}
		changes = w.eval.Observe(f, set, changes)
	}
	if len(changes) == 0 {
		return
	}
	// Most clears find nothing to resolve: an officer's first fix clears each rule in
	// case an alert was left open before this process started. Which of them have an
	// open alert is asked once for all, and only those are written; a clear after a
	// raise of the same alert in this pass is written whatever the answer.
	open, err := w.store.openOf(ctx, changes)
	for _, c := range changes {
		k := alertKey{c.Township, c.Rule, c.subject()}
		if c.Raise {
			if open != nil {
				open[k] = true
			}
		} else if err == nil && !open[k] {
			continue
		}
		w.apply(ctx, c)
	}
}

// apply writes a change, trying again a few times while the database fails.
func (w *Watcher) apply(ctx context.Context, c Change) {
	for attempt := 0; ; attempt++ {
		var err error
		if c.Raise {
			_, _, err = w.store.Raise(ctx, c)
		} else {
			_, err = w.store.Clear(ctx, c.Township, c.Rule, c.subject())
		}
		if err == nil || ctx.Err() != nil {
			return
		}
		if attempt == 2 {
			slog.Error("alert not stored", "rule", c.Rule, "officer", c.Officer, "raise", c.Raise, "err", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second << attempt):
		}
	}
}

// inside tells whether a fix lies in its officer's area. An officer or area that cannot
// be read counts as inside: a database hiccup must not raise left_area.
func (w *Watcher) inside(ctx context.Context, f Fix) bool {
	if f.cell == 0 {
		return true
	}
	now := time.Now()
	a := w.areas[f.Officer]
	if a == nil || now.Sub(a.loaded) > areaTTL {
		o, err := w.src.Officers.Get(ctx, f.Officer)
		if err != nil {
			return true
		}
		a = &area{key: "s:" + o.Squadron, loaded: now}
		if set, err := w.cellsOf(ctx, a.key, now); err != nil {
			return true
		} else if len(set.cells) == 0 {
			a.key = "t:" + o.Township
		}
		w.areas[f.Officer] = a
	}
	set, err := w.cellsOf(ctx, a.key, now)
	if err != nil {
		return true
	}
	_, ok := set.cells[f.cell]
	return ok
}

// cellsOf returns the cells of a squadron ("s:" code) or township ("t:" code).
func (w *Watcher) cellsOf(ctx context.Context, key string, now time.Time) (*cellSet, error) {
	if set := w.cells[key]; set != nil && now.Sub(set.loaded) <= areaTTL {
		return set, nil
	}
	set := &cellSet{cells: map[int64]struct{}{}, loaded: now}
	if code := key[2:]; key[0] == 's' {
		cells, err := w.src.Cells.SquadronCells(ctx, code)
		if err != nil {
			return nil, err
		}
		for _, c := range cells {
			set.cells[int64(c)] = struct{}{}
		}
	} else {
		cells, err := w.src.Cells.CellTownships(ctx, []string{code})
		if err != nil {
			return nil, err
		}
		for _, c := range cells {
			set.cells[int64(c.H3)] = struct{}{}
		}
	}
	w.cells[key] = set
	return set, nil
}

// settingsOf returns a township's settings.
func (w *Watcher) settingsOf(township string) Settings {
	w.setMu.RLock()
	defer w.setMu.RUnlock()
	if s, ok := w.settings[township]; ok {
		return s
	}
	return DefaultSettings()
}

// Reload reads every township's settings again.
func (w *Watcher) Reload(ctx context.Context) error {
	all, err := w.store.Settings(ctx)
	if err != nil {
		return err
	}
	w.setMu.Lock()
	w.settings = all
	w.setMu.Unlock()
	return nil
}

// CheckAbsence raises offline for every officer on duty whose newest fix is older than
// the township's Offline.Minutes (and newer than offlineHorizon), and resolves the
// offline alerts whose officer is no longer so. Every instance runs it; the unique index
// keeps one alert.
func (w *Watcher) CheckAbsence(ctx context.Context) error {
	defer w.timing.add(CheckOffline, time.Now())
	latest, err := w.src.Latest.Latest(ctx, "")
	if err != nil {
		return err
	}
	open, err := w.store.Unresolved(ctx, Offline)
	if err != nil {
		return err
	}
	isOpen := map[string]bool{}
	for _, a := range open {
		isOpen[a.Township+"\x00"+a.Subject] = true
	}
	now := w.now()
	for _, l := range latest {
		set := w.settingsOf(l.Township).Offline
		gap := now.Sub(l.Time)
		silent := set.Enabled && set.OnDuty(now) && gap >= time.Duration(set.Minutes)*time.Minute && gap < offlineHorizon
		key := l.Township + "\x00" + l.Officer
		switch {
		case silent && !isOpen[key]:
			w.apply(ctx, Change{Raise: true, Rule: Offline, Officer: l.Officer, Township: l.Township, Time: l.Time,
				Point: orb.Point{l.Lon, l.Lat}, Detail: map[string]any{"minutes": set.Minutes, "last_fix": l.Time}})
		case !silent && isOpen[key]:
			w.apply(ctx, Change{Rule: Offline, Officer: l.Officer, Township: l.Township})
		}
	}
	return nil
}

// CheckOverdue raises case_overdue for every case with a deadline passed — a penalty
// case's procedure deadline, or the dispatch SLA of a case in dispatch — one alert per
// case naming the deadlines in detail ("stages" for the procedure's, "dispatch" for the
// SLA's), and resolves the alerts of cases no longer so. A case outside every township
// has no township to alert in and is left to GET /api/v1/cases/overdue.
func (w *Watcher) CheckOverdue(ctx context.Context) error {
	if w.src.Cases == nil {
		return nil
	}
	defer w.timing.add(CheckCases, time.Now())
	admin := auth.Identity{Role: auth.Admin}
	stages, err := w.src.Cases.Overdue(ctx, admin, "")
	if err != nil {
		return err
	}
	dispatching, err := w.src.Cases.List(ctx, admin, cases.Filter{Statuses: dispatchStatuses, Limit: maxDispatch})
	if err != nil {
		return err
	}
	open, err := w.store.Unresolved(ctx, CaseOverdue)
	if err != nil {
		return err
	}
	type overdue struct {
		township, officer string
		stages, dispatch  []map[string]any
	}
	byCase := map[string]*overdue{}
	var order []string
	of := func(id int64, township, officer *string) *overdue {
		key := strconv.FormatInt(id, 10)
		o := byCase[key]
		if o == nil {
			o = &overdue{township: *township}
			if officer != nil {
				o.officer = *officer
			}
			byCase[key] = o
			order = append(order, key)
		}
		return o
	}
	for _, st := range stages {
		if st.Township == nil || !w.settingsOf(*st.Township).CaseOverdue.Enabled {
			continue
		}
		o := of(st.Case, st.Township, st.Officer)
		o.stages = append(o.stages, map[string]any{"stage": st.Stage, "due": st.Due, "days_overdue": st.DaysOverdue, "basis": st.Basis})
	}
	now := w.now()
	for _, c := range dispatching {
		if c.Township == nil {
			continue
		}
		set := w.settingsOf(*c.Township).CaseOverdue
		if !set.Enabled {
			continue
		}
		if late := dispatchLate(c, set, now); len(late) > 0 {
			of(c.ID, c.Township, c.Officer).dispatch = late
		}
	}
	isOpen := map[string]bool{}
	for _, a := range open {
		isOpen[a.Subject] = true
		if byCase[a.Subject] == nil {
			w.apply(ctx, Change{Rule: CaseOverdue, Subject: a.Subject, Township: a.Township})
		}
	}
	for _, id := range order {
		if o := byCase[id]; !isOpen[id] {
			detail := map[string]any{"case": id}
			if len(o.stages) > 0 {
				detail["stages"] = o.stages
			}
			if len(o.dispatch) > 0 {
				detail["dispatch"] = o.dispatch
			}
			w.apply(ctx, Change{Raise: true, Rule: CaseOverdue, Subject: id, Officer: o.officer, Township: o.township,
				Time: now, Detail: detail})
		}
	}
	return nil
}

// maxPlans bounds how many of the latest plans CheckPlans looks at for active ones.
const maxPlans = 500

// CheckPlans raises off_plan for every officer of an active plan (its shift started and
// has not ended more than the grace ago) with a planned cell not entered since the
// shift's start though its planned leave time plus the township's OffPlan.Minutes has
// passed; and resolves the off_plan alerts of officers no longer so (the cell entered
// late, the shift over).
func (w *Watcher) CheckPlans(ctx context.Context) error {
	if w.src.Plans == nil || w.src.Tracks == nil {
		return nil
	}
	defer w.timing.add(CheckPlanned, time.Now())
	now := w.now()
	plans, err := w.activePlans(ctx, func(sum planning.Summary) bool {
		set := w.settingsOf(sum.Township).OffPlan
		return set.Enabled && !now.Before(sum.Start) && !now.After(sum.End.Add(time.Duration(set.Minutes)*time.Minute))
	})
	if err != nil {
		return err
	}
	type missed struct {
		township string
		plan     int64
		cells    []string
	}
	found := map[string]*missed{} // by township and officer
	for _, plan := range plans {
		grace := time.Duration(w.settingsOf(plan.Township).OffPlan.Minutes) * time.Minute
		for _, r := range plan.Routes {
			points, err := w.src.Tracks.Points(ctx, r.Officer, plan.Start, now)
			if err != nil {
				return err
			}
			entered := map[string]bool{}
			for _, p := range points {
				entered[grid.CellString(p.H3)] = true
			}
			var cells []string
			for _, wp := range r.Waypoints {
				if !entered[wp.H3] && now.After(wp.Leave.Add(grace)) {
					cells = append(cells, wp.H3)
				}
			}
			if len(cells) > 0 {
				found[plan.Township+"\x00"+r.Officer] = &missed{township: plan.Township, plan: plan.ID, cells: cells}
			}
		}
	}
	open, err := w.store.Unresolved(ctx, OffPlan)
	if err != nil {
		return err
	}
	isOpen := map[string]bool{}
	for _, a := range open {
		if a.Subject != a.Officer {
			continue // the distance half's, evaluated on fixes
		}
		key := a.Township + "\x00" + a.Subject
		isOpen[key] = true
		if found[key] == nil {
			w.apply(ctx, Change{Rule: OffPlan, Officer: a.Subject, Township: a.Township})
		}
	}
	for key, m := range found {
		if !isOpen[key] {
			officer := key[len(m.township)+1:]
			w.apply(ctx, Change{Raise: true, Rule: OffPlan, Officer: officer, Township: m.township, Time: now,
				Detail: map[string]any{"plan": m.plan, "missed": m.cells}})
		}
	}
	return nil
}
