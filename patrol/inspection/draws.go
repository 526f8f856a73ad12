package inspection

import (
	"context"
	"encoding/hex"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/calendar"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/draw"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// The kinds of draw.
const (
	KindInspection = "inspection"  // targets and inspectors (双随机)
	KindCaseReview = "case_review" // closed penalty case files (案卷评查)
)

// The statuses of a draw.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusDrawn     = "drawn"
)

// PublishWorkdays is how many working days after the draw an inspection's result is to
// be public (双随机一公开: results published within 20 working days).
const PublishWorkdays = 20

// Plan is what a draw draws from and how. An inspection plan's pool is the targets in
// its townships (all when none) in one of its sectors or its items' sectors (all when
// none) whose risk level one of its quotas names; its inspector pool the officers of
// its inspector townships (the plan's townships when none, all when neither). A case
// review's pool is the penalty cases closed in [ClosedFrom, ClosedTo) in the townships
// its quotas name, one quota a township.
type Plan struct {
	Sectors            []string   `json:"sectors"`
	Items              []string   `json:"items"`
	Townships          []string   `json:"townships"`
	InspectorTownships []string   `json:"inspector_townships"`
	ClosedFrom         *time.Time `json:"closed_from,omitempty"`
	ClosedTo           *time.Time `json:"closed_to,omitempty"`
	Rules              draw.Rules `json:"rules"`
}

// Draw is a draw as its planners see it; Seed is set once drawn.
type Draw struct {
	ID          int64       `json:"id"`
	Kind        string      `json:"kind"`
	Title       string      `json:"title"`
	Status      string      `json:"status"`
	Plan        Plan        `json:"plan"`
	Rules       draw.Rules  `json:"rules"`
	Pools       *draw.Pools `json:"pools"`
	Commitment  *string     `json:"commitment"`
	Seed        *string     `json:"seed"`
	Result      []draw.Pick `json:"result"`
	Township    *string     `json:"township"`
	CreatedBy   string      `json:"created_by"`
	CreatedAt   time.Time   `json:"created_at"`
	PublishedAt *time.Time  `json:"published_at"`
	DrawnAt     *time.Time  `json:"drawn_at"`
}

// NewDraw is a draw to plan.
type NewDraw struct {
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Plan  Plan   `json:"plan"`
}

// validate checks a plan on its own, confining a scoped planner to its township.
// Errors: invalid, forbidden.
func (nd *NewDraw) validate(ctx context.Context, s *Store, who auth.Identity) error {
	switch {
	case nd.Kind != KindInspection && nd.Kind != KindCaseReview:
		return apperr.Invalidf("kind %q is not inspection or case_review", nd.Kind)
	case nd.Title == "" || len(nd.Title) > 200:
		return apperr.Invalidf("a draw needs a title of 1 to 200 bytes")
	case len(nd.Plan.Sectors)+len(nd.Plan.Items)+len(nd.Plan.Townships)+len(nd.Plan.InspectorTownships) > 1000:
		return apperr.Invalidf("a plan names at most 1,000 sectors, items and townships")
	}
	p := &nd.Plan
	if err := p.Rules.Validate(); err != nil {
		return err
	}
	if who.Scoped() {
		for _, t := range append(append([]string{}, p.Townships...), p.InspectorTownships...) {
			if t != who.Township {
				return apperr.Forbiddenf("this token plans draws of township %s only", who.Township)
			}
		}
		p.Townships, p.InspectorTownships = []string{who.Township}, []string{who.Township}
	}
	switch nd.Kind {
	case KindInspection:
		for _, q := range p.Rules.Quotas {
			if _, err := ParseRisk(q.Stratum); err != nil || string(Risk(q.Stratum)) != q.Stratum {
				return apperr.Invalidf("an inspection quota names a risk level (low, medium, high), not %q", q.Stratum)
			}
		}
		if p.Rules.PerUnit < 1 {
			return apperr.Invalidf("an inspection plan needs inspectors_per_unit of at least 1")
		}
		for _, code := range p.Items {
			if _, err := s.src.Powers.Item(ctx, code); err != nil {
				if apperr.CodeOf(err) == apperr.NotFound {
					return apperr.Invalidf("unknown item %q", code)
				}
				return err
			}
		}
	case KindCaseReview:
		if p.ClosedFrom == nil || p.ClosedTo == nil || !p.ClosedFrom.Before(*p.ClosedTo) {
			return apperr.Invalidf("a case review plan needs closed_from before closed_to (RFC 3339)")
		}
		if p.Rules.PerUnit != 0 || p.Rules.ExcludeOwnArea || p.Rules.DistinctSquadrons {
			return apperr.Invalidf("a case review draws case files only: no inspectors or exclusions")
		}
		for _, q := range p.Rules.Quotas {
			if who.Scoped() && q.Stratum != who.Township {
				return apperr.Forbiddenf("this token plans draws of township %s only", who.Township)
			}
		}
	}
	return nil
}

// CreateDraw stores a draft plan. Errors: invalid, forbidden.
func (s *Store) CreateDraw(ctx context.Context, who auth.Identity, nd NewDraw) (Draw, error) {
	if err := nd.validate(ctx, s, who); err != nil {
		return Draw{}, err
	}
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO draws (kind, title, plan, township, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		nd.Kind, nd.Title, nd.Plan, nullable(who.Township), who.Name).Scan(&id)
	if err != nil {
		return Draw{}, pgdb.Translate(err, "draw")
	}
	return s.Draw(ctx, who, id)
}

// UpdateDraw replaces a draft's title and plan. Errors: not_found, forbidden, conflict
// once published (a published plan is frozen), invalid.
func (s *Store) UpdateDraw(ctx context.Context, who auth.Identity, id int64, nd NewDraw) (Draw, error) {
	if err := nd.validate(ctx, s, who); err != nil {
		return Draw{}, err
	}
	err := s.inDraw(ctx, who, id, func(tx pgx.Tx, d Draw) error {
		if d.Status != StatusDraft {
			return apperr.New(apperr.Conflict, "draw %d is %s: a published plan cannot change", id, d.Status)
		}
		if d.Kind != nd.Kind {
			return apperr.Invalidf("draw %d is of kind %s", id, d.Kind)
		}
		_, err := tx.Exec(ctx, `UPDATE draws SET title = $2, plan = $3 WHERE id = $1`, id, nd.Title, nd.Plan)
		return err
	})
	if err != nil {
		return Draw{}, err
	}
	return s.Draw(ctx, who, id)
}

const drawColumns = `id, kind, title, status, plan, pools, commitment, CASE WHEN status = 'drawn' THEN seed END, result,
	township, created_by, created_at, published_at, drawn_at`

func scanDraw(row pgx.Row) (Draw, error) {
	var d Draw
	var seed []byte
	err := row.Scan(&d.ID, &d.Kind, &d.Title, &d.Status, &d.Plan, &d.Pools, &d.Commitment, &seed, &d.Result, &d.Township,
		&d.CreatedBy, &d.CreatedAt, &d.PublishedAt, &d.DrawnAt)
	if seed != nil {
		h := hex.EncodeToString(seed)
		d.Seed = &h
	}
	d.Rules = d.Plan.Rules
	return d, err
}

// mayPlan refuses a draw of another township to a scoped token.
func mayPlan(who auth.Identity, d Draw) error {
	if who.Scoped() && (d.Township == nil || *d.Township != who.Township) {
		return apperr.Forbiddenf("draw %d is not of township %s", d.ID, who.Township)
	}
	return nil
}

// Draw returns a draw; the seed only once drawn. Errors: not_found, forbidden.
func (s *Store) Draw(ctx context.Context, who auth.Identity, id int64) (Draw, error) {
	d, err := scanDraw(s.db.QueryRow(ctx, `SELECT `+drawColumns+` FROM draws WHERE id = $1`, id))
	if err != nil {
		return Draw{}, pgdb.Translate(err, "draw "+strconv.FormatInt(id, 10))
	}
	return d, mayPlan(who, d)
}

// Draws lists draws, newest first: a scoped token's of its township; kind "" is any.
func (s *Store) Draws(ctx context.Context, who auth.Identity, kind string) ([]Draw, error) {
	rows, err := s.db.Query(ctx, `SELECT `+drawColumns+` FROM draws
		WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR township = $2) ORDER BY id DESC LIMIT 1000`, kind, who.Township)
	if err != nil {
		return nil, pgdb.Translate(err, "draws")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Draw, error) { return scanDraw(r) })
	return list, pgdb.Translate(err, "draws")
}

// inDraw runs f on a draw locked for update, in a transaction.
func (s *Store) inDraw(ctx context.Context, who auth.Identity, id int64, f func(tx pgx.Tx, d Draw) error) error {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		d, err := scanDraw(tx.QueryRow(ctx, `SELECT `+drawColumns+` FROM draws WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if err := mayPlan(who, d); err != nil {
			return err
		}
		return f(tx, d)
	})
	return pgdb.Translate(err, "draw "+strconv.FormatInt(id, 10))
}

// Publish freezes a draft's pools, checks that its rules can be drawn from them whatever
// the seed, and commits to a new seed from crypto/rand by its SHA-256. Errors: not_found,
// forbidden; conflict when not a draft; unprocessable when a quota asks for more than its
// pool holds or the inspector pool is too small for the exclusions (nothing written).
func (s *Store) Publish(ctx context.Context, who auth.Identity, id int64) (Draw, error) {
	err := s.inDraw(ctx, who, id, func(tx pgx.Tx, d Draw) error {
		if d.Status != StatusDraft {
			return apperr.New(apperr.Conflict, "draw %d is already %s", id, d.Status)
		}
		pools, err := s.pools(ctx, who, d)
		if err != nil {
			return err
		}
		if err := draw.Check(d.Plan.Rules, pools); err != nil {
			return err
		}
		seed, err := draw.NewSeed()
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE draws SET status = 'published', pools = $2, seed = $3, commitment = $4, published_at = $5
			WHERE id = $1`, id, pools, seed, draw.Commitment(seed), s.now())
		return err
	})
	if err != nil {
		return Draw{}, err
	}
	return s.Draw(ctx, who, id)
}

// pools gathers a draw's pools from the owners' stores, sorted by ID.
func (s *Store) pools(ctx context.Context, who auth.Identity, d Draw) (draw.Pools, error) {
	var p draw.Pools
	var err error
	if d.Kind == KindCaseReview {
		p.Units, err = s.casePool(ctx, who, d.Plan)
	} else {
		p, err = s.inspectionPools(ctx, who, d.Plan)
	}
	draw.SortPools(&p)
	return p, err
}

func (s *Store) inspectionPools(ctx context.Context, who auth.Identity, plan Plan) (draw.Pools, error) {
	p := draw.Pools{Units: []draw.Unit{}, Inspectors: []draw.Inspector{}}
	sectors := slices.Clone(plan.Sectors)
	for _, code := range plan.Items {
		it, err := s.src.Powers.Item(ctx, code)
		if err != nil {
			return p, err
		}
		sectors = append(sectors, it.Sector)
	}
	var risks []Risk
	for _, q := range plan.Rules.Quotas {
		risks = append(risks, Risk(q.Stratum))
	}
	towns := plan.Townships
	if len(towns) == 0 {
		towns = []string{""}
	}
	for _, t := range towns {
		list, err := s.Targets(ctx, who, TargetFilter{Township: t, Sectors: sectors, Risks: risks})
		if err != nil {
			return p, err
		}
		for _, tg := range list {
			area := ""
			if tg.Grid != nil {
				area = *tg.Grid
			}
			p.Units = append(p.Units, draw.Unit{ID: strconv.FormatInt(tg.ID, 10), Stratum: string(tg.Risk), Area: area})
		}
	}
	inspTowns := plan.InspectorTownships
	if len(inspTowns) == 0 {
		inspTowns = towns
	}
	areas, err := s.src.Grid.GridAreas(ctx, "")
	if err != nil {
		return p, err
	}
	bySquadron := map[string][]string{}
	for _, a := range areas {
		if a.Squadron != "" {
			bySquadron[a.Squadron] = append(bySquadron[a.Squadron], a.Code)
		}
	}
	for _, t := range inspTowns {
		list, err := s.src.Officers.List(ctx, officer.Filter{Township: t})
		if err != nil {
			return p, err
		}
		for _, o := range list {
			p.Inspectors = append(p.Inspectors, draw.Inspector{ID: o.ID, Squadron: o.Squadron, Areas: nonNil(bySquadron[o.Squadron])})
		}
	}
	return p, nil
}

// casePool lists the penalty cases (those with a 立案) closed in the plan's window in the
// townships its quotas name.
func (s *Store) casePool(ctx context.Context, who auth.Identity, plan Plan) ([]draw.Unit, error) {
	units := []draw.Unit{}
	for _, q := range plan.Rules.Quotas {
		list, err := s.src.Cases.List(ctx, who, cases.Filter{Townships: []string{q.Stratum}, Statuses: []cases.Status{cases.StatusClosed},
			Limit: 10_000})
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			if c.ClosedAt == nil || c.ClosedAt.Before(*plan.ClosedFrom) || !c.ClosedAt.Before(*plan.ClosedTo) {
				continue
			}
			events, err := s.src.Cases.Events(ctx, who, c.ID)
			if err != nil {
				return nil, err
			}
			if !slices.ContainsFunc(events, func(e cases.Event) bool { return e.Type == cases.EventFile }) {
				continue
			}
			area := ""
			if c.Grid != nil {
				area = *c.Grid
			}
			units = append(units, draw.Unit{ID: strconv.FormatInt(c.ID, 10), Stratum: q.Stratum, Area: area})
		}
	}
	return units, nil
}

// Run draws a published draw: reveals its seed, computes the result from the seed, the
// frozen pools and the rules (draw.Draw), and makes its inspection tasks — each due to
// be public PublishWorkdays working days after the draw day — or its case reviews, in
// one transaction. Errors: not_found, forbidden; conflict when drafted only or already
// drawn (nothing written).
func (s *Store) Run(ctx context.Context, who auth.Identity, id int64) (Draw, error) {
	err := s.inDraw(ctx, who, id, func(tx pgx.Tx, d Draw) error {
		switch d.Status {
		case StatusDraft:
			return apperr.New(apperr.Conflict, "draw %d is not published: publish it (and its commitment) first", id)
		case StatusDrawn:
			return apperr.New(apperr.Conflict, "draw %d is already drawn", id)
		}
		var seed []byte
		if err := tx.QueryRow(ctx, `SELECT seed FROM draws WHERE id = $1`, id).Scan(&seed); err != nil {
			return err
		}
		picks, err := draw.Draw(seed, d.Plan.Rules, *d.Pools)
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE draws SET status = 'drawn', result = $2, drawn_at = $3 WHERE id = $1`, id, picks, now); err != nil {
			return err
		}
		if d.Kind == KindCaseReview {
			return s.makeReviews(ctx, tx, d, picks)
		}
		due, weekdaysOnly, err := s.publishBy(ctx, now)
		if err != nil {
			return err
		}
		return s.makeTasks(ctx, tx, d, picks, due, weekdaysOnly)
	})
	if err != nil {
		return Draw{}, err
	}
	return s.Draw(ctx, who, id)
}

// publishBy is the last day on which a result of an inspection drawn at t is to be
// public: PublishWorkdays working days after the draw day, on the calendar. It also
// reports whether a year the period crossed had no calendar, so that weekdays alone were
// counted there.
func (s *Store) publishBy(ctx context.Context, t time.Time) (due calendar.Date, weekdaysOnly bool, err error) {
	day := calendar.DateOf(t)
	cal, err := s.src.Calendar.Between(ctx, day.Year(), day.Year()+1)
	if err != nil {
		return calendar.Date{}, false, err
	}
	due, weekdaysOnly = cal.AddWorkdays(day, PublishWorkdays)
	return due, weekdaysOnly, nil
}

func (s *Store) makeTasks(ctx context.Context, tx pgx.Tx, d Draw, picks []draw.Pick, due calendar.Date, weekdaysOnly bool) error {
	for _, pk := range picks {
		id, err := strconv.ParseInt(pk.Unit, 10, 64)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO inspection_tasks (draw, target, township, items, inspectors, publish_by, publish_by_weekdays_only)
			SELECT $1, id, township, $3, $4, $5, $6 FROM inspection_targets WHERE id = $2`,
			d.ID, id, nonNil(d.Plan.Items), pk.Inspectors, due.Time, weekdaysOnly); err != nil {
			return err
		}
	}
	return nil
}
