package alert

import (
	"context"
	"math"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/planning"
)

// routeTTL is how long the planned routes are kept before they are read again: a new
// plan counts for off_plan's distance half within it.
const routeTTL = 2 * time.Minute

// routeWindow is how far from now a plan's shift may lie for its routes to be kept:
// fixes arrive a little late, and a plan may start soon.
const routeWindow = time.Hour

// planRoute is an officer's planned route for one shift, kept in memory.
type planRoute struct {
	plan       int64
	start, end time.Time
	line       orb.LineString // WGS-84 [lon, lat], at least 2 points
	near       int            // the segment last found near a fix: the next search starts there
}

// metresPerDegree is the length of a degree of latitude (and of longitude at the
// equator) on the WGS-84 mean sphere, in metres.
const metresPerDegree = 6371008.8 * math.Pi / 180

// within tells whether p lies within limitM metres of the route's line and, when it does
// not, how far it is (metres; when it does, some distance within limitM). The search starts
// at the segment last found near: an officer on their route is found in a segment or
// two, and only a fix away from it reads the whole line. Distances are planar in a local
// equirectangular projection around p, well within a metre over a city.
func (r *planRoute) within(p orb.Point, limitM float64) (float64, bool) {
	kx := metresPerDegree * math.Cos(p[1]*math.Pi/180)
	local := func(q orb.Point) (float64, float64) { return (q[0] - p[0]) * kx, (q[1] - p[1]) * metresPerDegree }
	segment := func(i int) float64 {
		ax, ay := local(r.line[i])
		bx, by := local(r.line[i+1])
		return originToSegment(ax, ay, bx, by)
	}
	n := len(r.line) - 1
	best := math.Inf(1)
	// Outwards from near: near, near+1, near-1, near+2, …
	for k := 0; k < 2*n; k++ {
		i := r.near - k/2
		if k%2 == 1 {
			i = r.near + (k+1)/2
		}
		if i < 0 || i >= n {
			continue
		}
		d := segment(i)
		if d <= limitM {
			r.near = i
			return d, true
		}
		best = min(best, d)
	}
	return best, false
}

// originToSegment is the distance from (0, 0) to the segment from a to b.
func originToSegment(ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = min(max(-(ax*dx+ay*dy)/l2, 0), 1)
	}
	return math.Hypot(ax+t*dx, ay+t*dy)
}

// routeAt returns the route an officer follows at t: of the kept plans whose shift holds
// t, the one that starts last (then the latest plan). Nil when none.
func (w *Watcher) routeAt(officer string, t time.Time) *planRoute {
	var best *planRoute
	for _, r := range w.routes[officer] {
		if t.Before(r.start) || t.After(r.end) {
			continue
		}
		if best == nil || r.start.After(best.start) || (r.start.Equal(best.start) && r.plan > best.plan) {
			best = r
		}
	}
	return best
}

// loadRoutes reads the routes of the plans whose shift is within routeWindow of now, if
// they are older than routeTTL. On failure the routes kept so far stay, and are tried again
// after routeTTL.
func (w *Watcher) loadRoutes(ctx context.Context) error {
	if w.src.Plans == nil || time.Since(w.routesAt) < routeTTL {
		return nil
	}
	w.routesAt = time.Now()
	now := w.now()
	plans, err := w.activePlans(ctx, func(sum planning.Summary) bool {
		return !sum.Start.After(now.Add(routeWindow)) && !sum.End.Before(now.Add(-routeWindow))
	})
	if err != nil {
		return err
	}
	routes := map[string][]*planRoute{}
	for _, p := range plans {
		for _, r := range p.Routes {
			if r.Line == nil {
				continue
			}
			line, ok := r.Line.Coordinates.(orb.LineString)
			if !ok || len(line) < 2 {
				continue
			}
			routes[r.Officer] = append(routes[r.Officer], &planRoute{plan: p.ID, start: p.Start, end: p.End, line: line})
		}
	}
	w.routes = routes
	return nil
}

// activePlans reads the plans, among the latest maxPlans, whose summary keep accepts.
func (w *Watcher) activePlans(ctx context.Context, keep func(planning.Summary) bool) ([]planning.Plan, error) {
	summaries, err := w.src.Plans.List(ctx, planning.ListFilter{Limit: maxPlans})
	if err != nil {
		return nil, err
	}
	var out []planning.Plan
	for _, sum := range summaries {
		if !keep(sum) {
			continue
		}
		plan, err := w.src.Plans.Get(ctx, auth.Identity{Role: auth.Admin}, sum.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, plan)
	}
	return out, nil
}

// judgeRoute sets f.Plan, f.Away and f.RouteM from the route the officer follows at the
// fix's time, when off_plan is on.
func (w *Watcher) judgeRoute(f *Fix, set Adherence) {
	if !set.Enabled {
		return
	}
	r := w.routeAt(f.Officer, f.Time)
	if r == nil {
		return
	}
	d, ok := r.within(f.Point, float64(set.DistanceM))
	f.Plan, f.Away, f.RouteM = r.plan, !ok, d
}
