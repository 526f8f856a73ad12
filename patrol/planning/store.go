package planning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/analytics"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/plan"
	"github.com/gridwatch/gridwatch/patrol/position"
	"github.com/gridwatch/gridwatch/patrol/roads"
	"github.com/gridwatch/gridwatch/patrol/track"
)

// Limits and defaults of planning.
const (
	MaxSites        = 400              // the highest-priority cells a plan chooses from
	DefaultDwellMin = 5.0              // minutes spent in each planned cell
	LateTolerance   = 30 * time.Minute // compliance: a visit this long after the planned leave is late
	liveStartWithin = time.Hour        // an officer's latest fix this recent is the start point
	// SolveIterations bounds the solver's local search: on the demo city's biggest squadron
	// (400 cells, 6 officers, 8 h) 50 iterations come within 0.2 % of 1,000 in a
	// fifteenth of the time (docs/benchmarks.md).
	SolveIterations = 60
)

// Request is the body of POST /plans.
type Request struct {
	Squadron    string    `json:"squadron"`
	Start       time.Time `json:"start"`
	DurationMin float64   `json:"duration_min"`
	SpeedKmh    float64   `json:"speed_kmh"`
	Officers    []string  `json:"officers"`
	DwellMin    *float64  `json:"dwell_min,omitempty"`
	// DetourFactor stretches straight-line distances into street distances (default 1.3).
	DetourFactor *float64 `json:"detour_factor,omitempty"`
	Weights      *Weights `json:"weights,omitempty"`
}

// Waypoint is a planned stop.
type Waypoint struct {
	H3       string    `json:"h3"`
	Lat      float64   `json:"lat"`
	Lon      float64   `json:"lon"`
	ETA      time.Time `json:"eta"`
	Leave    time.Time `json:"leave"`
	Priority float64   `json:"priority"`
	Reasons  []string  `json:"reasons"`
}

// Route is one officer's plan.
type Route struct {
	Officer   string            `json:"officer"`
	Start     [2]float64        `json:"start"` // [lon, lat]
	StartFrom string            `json:"start_from"`
	Line      *geojson.Geometry `json:"line"`
	Waypoints []Waypoint        `json:"waypoints"`
	TravelS   float64           `json:"travel_s"`
	DwellS    float64           `json:"dwell_s"`
	Priority  float64           `json:"priority"`
}

// Header is what identifies a stored plan: its squadron, shift and author.
type Header struct {
	ID        int64     `json:"id"`
	Squadron  string    `json:"squadron"`
	Township  string    `json:"township"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	CreatedBy string    `json:"created_by"`
}

// Plan is a stored plan.
type Plan struct {
	Header
	Routes   []Route `json:"routes"`
	Priority float64 `json:"priority"`
	Cells    int     `json:"cells_considered"`
	// Travel says how travel times were measured: "roads" (along the imported network,
	// with pgRouting) or "straight" (great-circle distance times the detour factor).
	Travel string `json:"travel"`
}

// How a plan measured travel (Plan.Travel).
const (
	TravelRoads    = "roads"
	TravelStraight = "straight"
)

// Sources are the stores planning reads the other domains through.
type Sources struct {
	Grid interface {
		// Squadron returns one squadron. Errors: not_found.
		Squadron(ctx context.Context, code string) (grid.Squadron, error)
		SquadronCells(ctx context.Context, squadron string) ([]grid.Cell, error)
	}
	Officers interface {
		// Get returns one officer. Errors: not_found.
		Get(ctx context.Context, id string) (officer.Officer, error)
	}
	Positions interface {
		// LatestOf returns an officer's newest position. Errors: not_found.
		LatestOf(ctx context.Context, officerID string) (position.Stored, error)
		Points(ctx context.Context, officerID string, from, to time.Time) ([]track.Point, error)
	}
	Coverage interface {
		LastVisits(ctx context.Context, cells []int64, since time.Time) (map[grid.Cell]time.Time, error)
	}
	Cases interface {
		CountsByCell(ctx context.Context, f cases.Filter, cells []int64) ([]cases.CellCount, error)
	}
}

// Store plans and checks plans.
type Store struct {
	db        *pgxpool.Pool
	analytics *analytics.Store
	roads     *roads.Store
	src       Sources
	now       func() time.Time
}

// NewStore returns a Store. Plans route along the road network when one is loaded and
// pgRouting is installed.
func NewStore(db *pgxpool.Pool, a *analytics.Store, src Sources) *Store {
	return &Store{db: db, analytics: a, roads: roads.NewStore(db), src: src, now: time.Now}
}

// validate checks a request's numbers. Errors: invalid.
func (r *Request) validate() error {
	switch {
	case r.Squadron == "":
		return apperr.Invalidf("a plan needs a squadron")
	case r.Start.IsZero():
		return apperr.Invalidf("a plan needs the shift's start")
	case !(r.DurationMin > 0 && r.DurationMin <= 24*60):
		return apperr.Invalidf("duration_min %v must be more than 0 and at most 1440 (24 h)", r.DurationMin)
	case !(r.SpeedKmh >= 1 && r.SpeedKmh <= 60):
		return apperr.Invalidf("speed_kmh %v must be from 1 (walking slowly) to 60", r.SpeedKmh)
	case len(r.Officers) == 0 || len(r.Officers) > 50:
		return apperr.Invalidf("a plan needs 1 to 50 officers")
	case r.DwellMin != nil && !(*r.DwellMin >= 0 && *r.DwellMin <= 120):
		return apperr.Invalidf("dwell_min %v must be from 0 to 120", *r.DwellMin)
	case r.DetourFactor != nil && !(*r.DetourFactor >= 1 && *r.DetourFactor <= 3):
		return apperr.Invalidf("detour_factor %v must be from 1 to 3", *r.DetourFactor)
	}
	if w := r.Weights; w != nil && (w.Hotspot < 0 || w.Staleness < 0 || w.Blind < 0 || w.Cases < 0) {
		return apperr.Invalidf("weights cannot be negative")
	}
	return nil
}

// Prepared is a planning problem built from a request: the solver's input and what is
// needed to turn its answer into a plan.
type Prepared struct {
	Problem plan.Problem
	// Roads, when not nil, is the road network's travel; Problem.Travel uses it.
	Roads    *roads.Travel
	township string
	starts   []officerStart
	cells    map[string]CellPriority
}

// Prepare checks a request and builds its problem: the squadron's cells with their
// priorities (the MaxSites highest), the officers' start points, the budget. Errors:
// invalid (bad numbers, unknown squadron or officer, an officer of another township),
// forbidden (a scoped token planning another township).
func (s *Store) Prepare(ctx context.Context, who auth.Identity, req Request) (Prepared, error) {
	if err := req.validate(); err != nil {
		return Prepared{}, err
	}
	squadron, err := s.src.Grid.Squadron(ctx, req.Squadron)
	if apperr.CodeOf(err) == apperr.NotFound {
		return Prepared{}, apperr.Invalidf("unknown squadron %q", req.Squadron)
	}
	if err != nil {
		return Prepared{}, err
	}
	township := squadron.Township
	if err := who.CheckTownship(township); err != nil {
		return Prepared{}, err
	}
	officers, err := s.starts(ctx, who, req, township, squadron.Base)
	if err != nil {
		return Prepared{}, err
	}
	w := DefaultWeights
	if req.Weights != nil {
		w = *req.Weights
	}
	cells, err := s.priorities(ctx, req.Squadron, township, req.Start, w)
	if err != nil {
		return Prepared{}, err
	}
	slices.SortStableFunc(cells, func(a, b CellPriority) int {
		switch {
		case a.Priority > b.Priority:
			return -1
		case a.Priority < b.Priority:
			return 1
		}
		return 0
	})
	cells = cells[:min(len(cells), MaxSites)]
	dwell := DefaultDwellMin
	if req.DwellMin != nil {
		dwell = *req.DwellMin
	}
	prep := Prepared{Problem: plan.Problem{BudgetS: req.DurationMin * 60, SpeedMS: req.SpeedKmh / 3.6, DetourFactor: deref(req.DetourFactor)},
		township: township, starts: officers, cells: map[string]CellPriority{}}
	for _, o := range officers {
		prep.Problem.Officers = append(prep.Problem.Officers, plan.Officer{ID: o.id, Start: o.start})
	}
	for _, c := range cells {
		if c.Priority > 0 {
			prep.Problem.Sites = append(prep.Problem.Sites, plan.Site{ID: c.H3.String(), Pos: c.Center, Priority: c.Priority, DwellS: dwell * 60})
			prep.cells[c.H3.String()] = c
		}
	}
	if err := s.useRoads(ctx, &prep); err != nil {
		return Prepared{}, err
	}
	return prep, nil
}

// useRoads makes the problem travel along the road network when there is one.
func (s *Store) useRoads(ctx context.Context, prep *Prepared) error {
	p := &prep.Problem
	points := make([]orb.Point, 0, len(p.Sites)+len(p.Officers))
	for _, o := range p.Officers {
		points = append(points, o.Start)
	}
	for _, site := range p.Sites {
		points = append(points, site.Pos)
	}
	detour := p.DetourFactor
	if detour == 0 {
		detour = plan.DefaultDetourFactor
	}
	tr, err := s.roads.NewTravel(ctx, points, p.SpeedMS, detour)
	if errors.Is(err, roads.ErrNoNetwork) {
		return nil
	}
	if err != nil {
		return err
	}
	prep.Roads, p.Travel = tr, tr.Seconds
	return nil
}

// Create plans a shift and stores it with who made it. Errors: those of Prepare.
func (s *Store) Create(ctx context.Context, who auth.Identity, req Request) (Plan, error) {
	prep, err := s.Prepare(ctx, who, req)
	if err != nil {
		return Plan{}, err
	}
	sol, err := plan.Solve(prep.Problem, plan.Options{Seed: 1, Iterations: SolveIterations})
	if err != nil {
		return Plan{}, apperr.Wrap(err, apperr.Invalid, "%v", err)
	}
	out := Plan{Header: Header{Squadron: req.Squadron, Township: prep.township, Start: req.Start,
		End: req.Start.Add(time.Duration(req.DurationMin * float64(time.Minute))), CreatedBy: who.Name},
		Priority: round(sol.Priority), Cells: len(prep.Problem.Sites), Travel: TravelStraight}
	if prep.Roads != nil {
		out.Travel = TravelRoads
	}
	for i, r := range sol.Routes {
		st0 := prep.starts[i]
		route := Route{Officer: r.Officer, Start: st0.start, StartFrom: st0.from,
			TravelS: round(r.TravelS), DwellS: round(r.DwellS), Priority: round(r.Priority)}
		line := orb.LineString{st0.start}
		for _, st := range r.Stops {
			c := prep.cells[st.Site]
			route.Waypoints = append(route.Waypoints, Waypoint{H3: st.Site, Lat: c.Center[1], Lon: c.Center[0],
				ETA: at(req.Start, st.ArriveS), Leave: at(req.Start, st.LeaveS), Priority: round(c.Priority), Reasons: c.Reasons})
			line = append(line, c.Center)
		}
		if prep.Roads != nil && len(line) > 1 {
			if line, err = prep.Roads.Line(ctx, line); err != nil {
				return Plan{}, err
			}
		}
		if len(line) > 1 {
			route.Line = geojson.NewGeometry(line)
		}
		out.Routes = append(out.Routes, route)
	}
	return s.save(ctx, req, out)
}

func at(start time.Time, s float64) time.Time {
	return start.Add(time.Duration(s * float64(time.Second))).Truncate(time.Second)
}

func round(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

// officerStart is where an officer's route begins, and why there.
type officerStart struct {
	id    string
	start orb.Point
	from  string
}

// starts checks the officers and finds each one's start: the latest position when it is
// recent, else the squadron's base, else the squadron's first cell.
func (s *Store) starts(ctx context.Context, who auth.Identity, req Request, township string, base *orb.Point) ([]officerStart, error) {
	out := make([]officerStart, 0, len(req.Officers))
	seen := map[string]bool{}
	for _, id := range req.Officers {
		if seen[id] {
			return nil, apperr.Invalidf("officer %s is listed twice", id)
		}
		seen[id] = true
		o, err := s.src.Officers.Get(ctx, id)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, apperr.Invalidf("unknown officer %q", id)
		}
		if err != nil {
			return nil, err
		}
		otown := o.Township
		if otown != township {
			if who.Scoped() {
				return nil, apperr.Forbiddenf("officer %s is of another township", id)
			}
			return nil, apperr.Invalidf("officer %s is of township %s, not the squadron's %s", id, otown, township)
		}
		latest, err := s.src.Positions.LatestOf(ctx, id)
		fixed := err == nil
		if err != nil && apperr.CodeOf(err) != apperr.NotFound {
			return nil, err
		}
		st := officerStart{id: id}
		switch {
		case fixed && req.Start.Sub(latest.Time) < liveStartWithin && latest.Time.Sub(req.Start) < liveStartWithin:
			st.start, st.from = orb.Point{latest.Lon, latest.Lat}, "live_position"
		case base != nil:
			st.start, st.from = *base, "squadron_base"
		default:
			cells, err := s.src.Grid.SquadronCells(ctx, req.Squadron)
			if err != nil {
				return nil, err
			}
			if len(cells) == 0 {
				return nil, apperr.Invalidf("squadron %s has neither a base nor a grid area to start from", req.Squadron)
			}
			st.start, st.from = grid.Center(cells[0]), "squadron_area"
		}
		out = append(out, st)
	}
	return out, nil
}

// save stores a plan and its stops in one transaction.
func (s *Store) save(ctx context.Context, req Request, p Plan) (Plan, error) {
	reqJSON, _ := json.Marshal(req)
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
			INSERT INTO plans (squadron, township, shift_start, duration_s, created_by, request, result)
			VALUES ($1, $2, $3, $4, $5, $6, '{}') RETURNING id`,
			p.Squadron, p.Township, p.Start, int(p.End.Sub(p.Start).Seconds()), p.CreatedBy, reqJSON).Scan(&p.ID); err != nil {
			return err
		}
		result, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE plans SET result = $2 WHERE township = $3 AND id = $1`, p.ID, result, p.Township); err != nil {
			return err
		}
		for _, r := range p.Routes {
			for i, w := range r.Waypoints {
				c, err := grid.ParseCell(w.H3)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `
					INSERT INTO plan_stops (township, plan_id, officer, seq, h3, eta, leave_at, priority)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
					p.Township, p.ID, r.Officer, i+1, int64(c), w.ETA, w.Leave, w.Priority); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return p, pgdb.Translate(err, "plan")
}

// Get returns a stored plan. A plan is addressed by id alone, so on Citus this asks every
// shard of plans (an index lookup each). Errors: not_found, forbidden.
func (s *Store) Get(ctx context.Context, who auth.Identity, id int64) (Plan, error) {
	var raw []byte
	err := s.db.QueryRow(ctx, `SELECT result FROM plans WHERE id = $1`, id).Scan(&raw)
	if err != nil {
		return Plan{}, pgdb.Translate(err, fmt.Sprintf("plan %d", id))
	}
	var p Plan
	if err := json.Unmarshal(raw, &p); err != nil {
		return Plan{}, err
	}
	return p, who.CheckTownship(p.Township)
}

func deref(f *float64) float64 {
	if f == nil {
		return 0 // the solver's default
	}
	return *f
}
