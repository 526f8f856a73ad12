package assessment

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/analytics"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/coverage"
	"github.com/gridwatch/gridwatch/patrol/evidence"
	"github.com/gridwatch/gridwatch/patrol/inspection"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/planning"
)

// Cases is what the assessment reads of cases (package cases' Store).
type Cases interface {
	UnitCounts(ctx context.Context, level string, from, to time.Time, targets cases.UnitTargets) ([]cases.UnitCounts, error)
	DeadlineCounts(ctx context.Context, level string, from, to time.Time) ([]cases.UnitDeadlines, error)
	SectorCounts(ctx context.Context, level string, from, to time.Time) ([]cases.UnitSector, error)
	Sectors(ctx context.Context) ([]cases.Sector, error)
	PublicationCounts(ctx context.Context, level string, from, to time.Time) ([]cases.UnitPublished, error)
	ReferralCounts(ctx context.Context, level string, from, to time.Time) ([]cases.UnitReferrals, error)
}

// Coverage is what the assessment reads of patrol (package coverage's Store).
type Coverage interface {
	ByUnit(ctx context.Context, level string, from, to time.Time) ([]coverage.UnitPatrol, error)
}

// Grid lists the townships and squadrons (package grid's Store).
type Grid interface {
	Townships(ctx context.Context, township string) ([]grid.TownshipSummary, error)
	Squadrons(ctx context.Context, township string) ([]grid.Squadron, error)
}

// Officers lists the officers (package officer's Store).
type Officers interface {
	List(ctx context.Context, f officer.Filter) ([]officer.Officer, error)
}

// Inspections is what the assessment reads of 双随机 inspections and 案卷评查 (package
// inspection's Store): per township only.
type Inspections interface {
	Summary(ctx context.Context, who auth.Identity, from, to time.Time) ([]inspection.TownshipSummary, error)
}

// Evidence is what the assessment reads of evidence (package evidence's Store).
type Evidence interface {
	PositionChecks(ctx context.Context, from, to time.Time) ([]evidence.OfficerChecks, error)
}

// Plans is what the assessment reads of patrol plans (package planning's Store).
type Plans interface {
	UnitCompliance(ctx context.Context, level string, from, to time.Time) ([]planning.UnitPlanned, error)
}

// Usage is what the assessment reads of the use of delegated powers (package analytics'
// Store): per township only.
type Usage interface {
	Usage(ctx context.Context, q analytics.Query) (analytics.Usage, error)
}

// Sources are the owners' stores the assessment reads.
type Sources struct {
	Cases       Cases
	Coverage    Coverage
	Grid        Grid
	Officers    Officers
	Inspections Inspections
	Evidence    Evidence
	Plans       Plans
	Usage       Usage
}

// DefaultTargets are the service levels counted against: on site within 30 minutes of
// dispatch, resolved within 24 hours of it, and a repeat complaint within 30 days.
var DefaultTargets = cases.UnitTargets{ArriveWithin: 30 * time.Minute, ResolveWithin: 24 * time.Hour,
	RepeatWithin: 30 * 24 * time.Hour}

// Unit is one assessed township, squadron or officer: its indicators, the weighted
// composite score with its interval, and its rank as a range (best to worst) over the
// units whose intervals it cannot be told apart from.
type Unit struct {
	Code       string      `json:"code"`
	Name       string      `json:"name"`
	Township   string      `json:"township"`
	Score      *float64    `json:"score"` // null when no indicator has data
	ScoreLo    *float64    `json:"score_lo"`
	ScoreHi    *float64    `json:"score_hi"`
	RankBest   int         `json:"rank_best"`
	RankWorst  int         `json:"rank_worst"`
	Indicators []Indicator `json:"indicators"`
}

// LevelReport is the assessment of every unit of one level, best first.
type LevelReport struct {
	Level string `json:"level"`
	// City is each indicator's city-wide pooled value by key.
	City  map[string]float64 `json:"city"`
	Units []Unit             `json:"units"`
}

// Report is an assessment for one window.
type Report struct {
	Window
	Weights Weights        `json:"weights"`
	Targets map[string]int `json:"targets_minutes"`
	// Sectors are the sectors of the volume's breakdown (each volume indicator's
	// sectors), in the order of the tables' columns.
	Sectors []SectorName  `json:"sectors"`
	Levels  []LevelReport `json:"levels"`
}

// Store computes assessments from the owners' stores and keeps the weights.
type Store struct {
	db      *pgxpool.Pool
	src     Sources
	targets cases.UnitTargets
}

// NewStore returns a Store on db (the weights) reading src, counting against
// DefaultTargets.
func NewStore(db *pgxpool.Pool, src Sources) *Store {
	return &Store{db: db, src: src, targets: DefaultTargets}
}

// Assess computes the assessment of the levels for window w. Shrinkage is fitted on every
// unit of the city; the answer then holds the units of township only ("" for all; a
// township-scoped caller gets its own). Errors: forbidden for another township than the
// caller's.
func (s *Store) Assess(ctx context.Context, who auth.Identity, township string, w Window, levels []string) (Report, error) {
	township, err := who.TownshipFilter(township)
	if err != nil {
		return Report{}, err
	}
	weights, err := s.Weights(ctx)
	if err != nil {
		return Report{}, err
	}
	r := Report{Window: w, Weights: weights, Targets: map[string]int{
		"arrive": int(s.targets.ArriveWithin.Minutes()), "resolve": int(s.targets.ResolveWithin.Minutes()),
		"repeat": int(s.targets.RepeatWithin.Minutes())}}
	sectors, err := s.src.Cases.Sectors(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("sectors: %w", err)
	}
	for _, sec := range sectors {
		r.Sectors = append(r.Sectors, SectorName{Code: sec.Code, Name: sec.NameZH})
	}
	for _, level := range levels {
		lr, err := s.level(ctx, level, w, weights, sectors)
		if err != nil {
			return Report{}, err
		}
		if township != "" {
			lr.Units = slices.DeleteFunc(lr.Units, func(u Unit) bool { return u.Township != township })
		}
		r.Levels = append(r.Levels, lr)
	}
	return r, nil
}

type unitInfo struct{ name, township string }

func (s *Store) units(ctx context.Context, level string) ([]string, map[string]unitInfo, error) {
	info := map[string]unitInfo{}
	var codes []string
	switch level {
	case Township:
		list, err := s.src.Grid.Townships(ctx, "")
		if err != nil {
			return nil, nil, fmt.Errorf("townships: %w", err)
		}
		for _, t := range list {
			codes, info[t.Code] = append(codes, t.Code), unitInfo{t.Name, t.Code}
		}
	case Squadron:
		list, err := s.src.Grid.Squadrons(ctx, "")
		if err != nil {
			return nil, nil, fmt.Errorf("squadrons: %w", err)
		}
		for _, q := range list {
			codes, info[q.Code] = append(codes, q.Code), unitInfo{q.Name, q.Township}
		}
	default:
		list, err := s.src.Officers.List(ctx, officer.Filter{})
		if err != nil {
			return nil, nil, fmt.Errorf("officers: %w", err)
		}
		for _, o := range list {
			codes, info[o.ID] = append(codes, o.ID), unitInfo{o.Name, o.Township}
		}
	}
	return codes, info, nil
}

// level assesses every unit of one level.
func (s *Store) level(ctx context.Context, level string, w Window, weights Weights, sectors []cases.Sector) (LevelReport, error) {
	codes, info, err := s.units(ctx, level)
	if err != nil {
		return LevelReport{}, err
	}
	counted, err := s.src.Cases.UnitCounts(ctx, level, w.From, w.To, s.targets)
	if err != nil {
		return LevelReport{}, fmt.Errorf("case counts: %w", err)
	}
	patrol, err := s.src.Coverage.ByUnit(ctx, level, w.From, w.To)
	if err != nil {
		return LevelReport{}, fmt.Errorf("patrol: %w", err)
	}
	deadlines, err := s.src.Cases.DeadlineCounts(ctx, level, w.From, w.To)
	if err != nil {
		return LevelReport{}, fmt.Errorf("penalty deadlines: %w", err)
	}
	byDeadlines := keyed(deadlines, func(d cases.UnitDeadlines) string { return d.Unit })
	checks, err := s.positionChecks(ctx, level, w)
	if err != nil {
		return LevelReport{}, err
	}
	planned, err := s.src.Plans.UnitCompliance(ctx, level, w.From, w.To)
	if err != nil {
		return LevelReport{}, fmt.Errorf("plan compliance: %w", err)
	}
	published, err := s.src.Cases.PublicationCounts(ctx, level, w.From, w.To)
	if err != nil {
		return LevelReport{}, fmt.Errorf("decisions published: %w", err)
	}
	byPublished := keyed(published, func(p cases.UnitPublished) string { return p.Unit })
	referrals, err := s.src.Cases.ReferralCounts(ctx, level, w.From, w.To)
	if err != nil {
		return LevelReport{}, fmt.Errorf("referrals answered: %w", err)
	}
	byReferrals := keyed(referrals, func(r cases.UnitReferrals) string { return r.Unit })
	bySector, err := s.sectorCounts(ctx, level, w)
	if err != nil {
		return LevelReport{}, err
	}
	byPlan := keyed(planned, func(p planning.UnitPlanned) string { return p.Unit })
	byCases := keyed(counted, func(c cases.UnitCounts) string { return c.Unit })
	byPatrol := keyed(patrol, func(p coverage.UnitPatrol) string { return p.Unit })
	byTownship := map[string]inspection.TownshipSummary{}
	unused := map[string]Count{}
	if level == Township {
		// the whole city's, for the prior; the answer is scoped later
		list, err := s.src.Inspections.Summary(ctx, auth.Identity{}, w.From, w.To)
		if err != nil {
			return LevelReport{}, fmt.Errorf("inspections: %w", err)
		}
		for _, t := range list {
			byTownship[t.Township] = t
		}
		if unused, err = s.unusedItems(ctx, w); err != nil {
			return LevelReport{}, err
		}
	}
	weeks := float64(w.Weeks())
	// counts[i][j]: indicator i of unit j, in the order of Definitions.
	counts := make([][]Count, len(Definitions))
	for _, code := range codes {
		c, p, q, dl, pl, pub := byCases[code], byPatrol[code], byTownship[code], byDeadlines[code], byPlan[code], byPublished[code]
		ref := byReferrals[code]
		hours := p.DwellS / 3600
		var reviewed float64 // the scores of the scored files as a share of 100 each
		if q.MeanScore != nil {
			reviewed = *q.MeanScore * float64(q.Scored) / 100
		}
		fixups := q.FixupsOpen + q.FixupsClosed
		// counts[i] is indicator i of Definitions: this row is in their order.
		row := []Count{
			{float64(p.CellWeeks), float64(p.Cells) * weeks},
			{float64(pl.OnTime), float64(pl.Planned)},
			{float64(c.ArrivedInTime), float64(c.Dispatched)},
			{float64(c.ResolvedInTime), float64(c.Resolvable)},
			{float64(c.Repeated), float64(c.Resolved)},
			{float64(dl.Met), float64(dl.Due)},
			checks[code],
			{float64(c.Reported), hours},
			{float64(pub.OnTime), float64(pub.Decided)},
			{float64(ref.TakenUp), float64(ref.Answered)},
			{reviewed, float64(q.Scored)},
			{float64(fixups - q.FixupsOverdue), float64(fixups)},
			{float64(q.Inspections - q.InspectionsLate), float64(q.Inspections)},
			unused[code],
		}
		for i := range Definitions {
			counts[i] = append(counts[i], row[i])
		}
	}
	lr := LevelReport{Level: level, City: map[string]float64{}}
	units := make([]Unit, len(codes))
	for j, code := range codes {
		units[j] = Unit{Code: code, Name: info[code].name, Township: info[code].township}
	}
	for i, d := range Definitions {
		shrink, city, ref := fit(d.Kind, counts[i])
		lr.City[d.Key] = round(city, 4)
		for j := range codes {
			c := counts[i][j]
			var post Posterior
			if c.N > 0 {
				post = shrink(c)
			}
			units[j].Indicators = append(units[j].Indicators, assess(d, level, c, city, ref, post))
		}
	}
	volume := slices.IndexFunc(Definitions, func(d Definition) bool { return d.Key == "volume" })
	hours := make([]float64, len(codes))
	for j := range codes {
		hours[j] = counts[volume][j].N
	}
	breakdown := sectorVolumes(sectors, bySector, codes, hours)
	referral := slices.IndexFunc(Definitions, func(d Definition) bool { return d.Key == "referral" })
	for j := range units {
		in := &units[j].Indicators[volume]
		in.Sectors = breakdown[j]
		if !in.NoData {
			in.Reason += sectorReason(in.Sectors)
		}
		if r := &units[j].Indicators[referral]; !r.NoData {
			r.Reason += returnedReason(r.N - r.X)
		}
		composite(&units[j], weights)
	}
	rank(units)
	lr.Units = units
	return lr, nil
}

// keyed maps the per-unit counts of list by their unit.
func keyed[T any](list []T, unit func(T) string) map[string]T {
	out := make(map[string]T, len(list))
	for _, v := range list {
		out[unit(v)] = v
	}
	return out
}

// sectorCounts reads the cases reported in the window by unit of level and sector:
// sector → unit → cases.
func (s *Store) sectorCounts(ctx context.Context, level string, w Window) (map[string]map[string]int, error) {
	list, err := s.src.Cases.SectorCounts(ctx, level, w.From, w.To)
	if err != nil {
		return nil, fmt.Errorf("case counts by sector: %w", err)
	}
	out := map[string]map[string]int{}
	for _, c := range list {
		if out[c.Sector] == nil {
			out[c.Sector] = map[string]int{}
		}
		out[c.Sector][c.Unit] = c.Reported
	}
	return out, nil
}

// positionChecks counts the evidence position checks of each unit of level: an officer's
// own, a squadron's or township's those of its officers (the uploader's unit).
func (s *Store) positionChecks(ctx context.Context, level string, w Window) (map[string]Count, error) {
	list, err := s.src.Evidence.PositionChecks(ctx, w.From, w.To)
	if err != nil {
		return nil, fmt.Errorf("evidence position checks: %w", err)
	}
	officers, err := s.src.Officers.List(ctx, officer.Filter{})
	if err != nil {
		return nil, fmt.Errorf("officers: %w", err)
	}
	home := map[string]officer.Officer{}
	for _, o := range officers {
		home[o.ID] = o
	}
	out := map[string]Count{}
	for _, c := range list {
		o, known := home[c.Officer]
		unit := o.ID
		switch level {
		case Township:
			unit = o.Township
		case Squadron:
			unit = o.Squadron
		}
		if !known || unit == "" {
			continue
		}
		n := out[unit]
		n.X, n.N = n.X+float64(c.OK), n.N+float64(c.Checked)
		out[unit] = n
	}
	return out, nil
}

// unusedItems counts, per township, the items of delegated powers it held on every day of
// the window and of those the ones neither enforced (no case citing it) nor inspected in
// it (双空白), as the usage report of analytics counts them.
func (s *Store) unusedItems(ctx context.Context, w Window) (map[string]Count, error) {
	u, err := s.src.Usage.Usage(ctx, analytics.Query{Filter: cases.Filter{From: w.From, To: w.To, Sector: cases.AllSectors}})
	if err != nil {
		return nil, fmt.Errorf("powers usage: %w", err)
	}
	out := map[string]Count{}
	for _, it := range u.Items {
		if it.DelegatedDays < u.WindowDays {
			continue
		}
		n := out[it.Township]
		n.N++
		if it.DoubleBlank {
			n.X++
		}
		out[it.Township] = n
	}
	return out, nil
}

// fit estimates the prior of one indicator over the units and returns its shrinkage, the
// city's pooled value and the prior's mean, which scores 50: the two differ only where
// the pooled value is 0 or 1 and the prior keeps a little mass off the edge.
func fit(kind Kind, units []Count) (shrink func(Count) Posterior, city, ref float64) {
	if kind == Proportion {
		prior, ok := FitBeta(units)
		if !ok {
			return nil, 0, 0
		}
		return prior.Shrink, prior.P, prior.A / (prior.A + prior.B)
	}
	prior, ok := FitGamma(units)
	if !ok {
		return nil, 0, 0
	}
	return prior.Shrink, prior.Lambda, prior.Shape / prior.Rate
}

// z90 is the standard normal quantile of 95 %: a 90 % interval is ±z90 standard
// deviations.
const z90 = 1.6448536269514722

// composite sets a unit's score: the weighted mean of its indicators' scores over those
// with data (weights renormalised), with an interval from the indicators' intervals read
// as normal ones and taken as independent.
func composite(u *Unit, weights Weights) {
	var sw, sum, variance float64
	for _, in := range u.Indicators {
		w := weights[in.Key]
		if in.Score == nil || w == 0 {
			continue
		}
		sd := (*in.ScoreHi - *in.ScoreLo) / (2 * z90)
		sw += w
		sum += w * *in.Score
		variance += w * w * sd * sd
	}
	if sw == 0 {
		return
	}
	mean, sd := sum/sw, math.Sqrt(variance)/sw
	u.Score = ptr(round(mean, 1))
	u.ScoreLo = ptr(round(math.Max(0, mean-z90*sd), 1))
	u.ScoreHi = ptr(round(math.Min(100, mean+z90*sd), 1))
}

// rank sorts units best first and gives each the range of ranks its interval allows:
// best = 1 + the units whose interval lies wholly above it, worst = the units scored
// minus those wholly below. Units without a score come last, unranked.
func rank(units []Unit) {
	slices.SortStableFunc(units, func(a, b Unit) int {
		switch {
		case a.Score == nil && b.Score == nil:
			return cmp.Compare(a.Code, b.Code)
		case a.Score == nil:
			return 1
		case b.Score == nil:
			return -1
		}
		if c := cmp.Compare(*b.Score, *a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
	scored := 0
	for _, u := range units {
		if u.Score != nil {
			scored++
		}
	}
	for i := range units[:scored] {
		u := &units[i]
		above, below := 0, 0
		for j, v := range units[:scored] {
			if j == i {
				continue
			}
			if *v.ScoreLo > *u.ScoreHi {
				above++
			}
			if *v.ScoreHi < *u.ScoreLo {
				below++
			}
		}
		u.RankBest, u.RankWorst = 1+above, scored-below
	}
}
