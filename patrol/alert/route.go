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
	kx         float64   // metres per degree of longitude at the route's latitude
	xy         []float64 // the line's vertices in metres (lon·kx, lat·metresPerDegree), x and y in turn
	boxes      []box     // the bounds of each chunk of segments
	near       int       // the segment last found near a fix: the next search starts there
}

// chunk is how many segments share a bounding box.
const chunk = 16

// box is a bounding box in metres.
type box struct{ minX, minY, maxX, maxY float64 }

// dist2 is the squared distance from (x, y) to the box, 0 inside.
func (b box) dist2(x, y float64) float64 {
	dx := max(b.minX-x, 0, x-b.maxX)
	dy := max(b.minY-y, 0, y-b.maxY)
	return dx*dx + dy*dy
}

// metresPerDegree is the length of a degree of latitude (and of longitude at the
// equator) on the WGS-84 mean sphere, in metres.
const metresPerDegree = 6371008.8 * math.Pi / 180

// newPlanRoute keeps a route's line (WGS-84, at least 2 points) in a local
// equirectangular projection at its first vertex's latitude (over a city's tens of
// kilometres north to south its scale errs by well under 1 %), with a bounding box per
// chunk of segments.
func newPlanRoute(plan int64, start, end time.Time, line orb.LineString) *planRoute {
	r := &planRoute{plan: plan, start: start, end: end, kx: metresPerDegree * math.Cos(line[0][1]*math.Pi/180)}
	r.xy = make([]float64, 0, 2*len(line))
	for _, p := range line {
		r.xy = append(r.xy, p[0]*r.kx, p[1]*metresPerDegree)
	}
	for first := 0; first < len(line)-1; first += chunk {
		b := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		for v := first; v <= min(first+chunk, len(line)-1); v++ {
			x, y := r.xy[2*v], r.xy[2*v+1]
			b = box{min(b.minX, x), min(b.minY, y), max(b.maxX, x), max(b.maxY, y)}
		}
		r.boxes = append(r.boxes, b)
	}
	return r
}

// within tells whether p lies within limitM metres of the route's line and, when it does
// not, how far it is (metres; when it does, some distance within limitM). An officer on
// their route is found at the segment last found near or a neighbour; otherwise the
// chunks are searched, skipping those whose box is farther than the nearest segment
// found so far.
func (r *planRoute) within(p orb.Point, limitM float64) (float64, bool) {
	px, py := p[0]*r.kx, p[1]*metresPerDegree
	n := len(r.xy)/2 - 1
	limit2, best2 := limitM*limitM, math.Inf(1)
	for _, i := range [3]int{r.near, r.near + 1, r.near - 1} {
		if i < 0 || i >= n {
			continue
		}
		d2 := r.segment2(i, px, py)
		if d2 <= limit2 {
			r.near = i
			return math.Sqrt(d2), true
		}
		best2 = min(best2, d2)
	}
	for c, b := range r.boxes {
		if b.dist2(px, py) >= best2 {
			continue
		}
		for i := c * chunk; i < min((c+1)*chunk, n); i++ {
			d2 := r.segment2(i, px, py)
			if d2 <= limit2 {
				r.near = i
				return math.Sqrt(d2), true
			}
			best2 = min(best2, d2)
		}
	}
	return math.Sqrt(best2), false
}

// segment2 is the squared distance in metres from (px, py) to segment i.
func (r *planRoute) segment2(i int, px, py float64) float64 {
	ax, ay, bx, by := r.xy[2*i]-px, r.xy[2*i+1]-py, r.xy[2*i+2]-px, r.xy[2*i+3]-py
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = min(max(-(ax*dx+ay*dy)/l2, 0), 1)
	}
	x, y := ax+t*dx, ay+t*dy
	return x*x + y*y
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
			routes[r.Officer] = append(routes[r.Officer], newPlanRoute(p.ID, p.Start, p.End, line))
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
