package demo

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// PenaltyShare is the share of the demo's cases that, citing an item their township holds
// and visited on site, are filed as penalty cases (一般程序) instead of being resolved.
const PenaltyShare = 0.12

// chinaZone is the city's clock, for office hours.
var chinaZone = time.FixedZone("CST", 8*3600)

// penaltyStages are the statuses a demo penalty case may stop at, the last (closed)
// drawn more often: most of the older cases are done.
var penaltyStages = []cases.Status{cases.StatusFiled, cases.StatusInvestigating, cases.StatusNotified, cases.StatusReviewed,
	cases.StatusDecided, cases.StatusDelivered, cases.StatusExecuted, cases.StatusClosed, cases.StatusClosed, cases.StatusClosed}

// step is one event of a demo penalty case and who appends it.
type step struct {
	who auth.Identity
	ev  cases.NewEvent
}

// penalties plans the demo's penalty cases.
type penalties struct {
	r     *rand.Rand
	now   time.Time
	items map[string]powers.Item
}

func newPenalties(items []powers.Item, seed int64, now time.Time) *penalties {
	p := &penalties{r: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)), now: now, items: map[string]powers.Item{}}
	for _, it := range items {
		p.items[it.Code] = it
	}
	return p
}

// choose says whether a case is filed as a penalty case: it cites an item its township
// holds, and an officer arrived on site (the investigation starts there).
func (p *penalties) choose(item string, held bool, events []cases.NewEvent) (arrived int, ok bool) {
	if item == "" || !held {
		return 0, false
	}
	for i, e := range events {
		if e.Type == cases.EventArrive {
			return i, p.r.Float64() < PenaltyShare
		}
	}
	return 0, false
}

// steps plans a penalty case after the officer arrived at `from`: filing, investigation,
// notice (and the party's answer), legal review by the township's reviewer (a rejection
// now and then sends it back to investigation), decision, delivery, execution and
// closing — each in office hours, in order, and only those before now, stopping at a
// stage drawn from penaltyStages. Some deliveries are late (past the 7 working days of
// art. 61), and the cases left decided or delivered long enough ago are overdue.
func (p *penalties) steps(item, township, officer string, from time.Time) []step {
	r := p.r
	stop := penaltyStages[r.IntN(len(penaltyStages))]
	investigator := auth.Identity{Name: officer, Role: auth.Officer, Officer: officer}
	reviewer := legalReviewer(township)
	var out []step
	t := from
	add := func(who auth.Identity, ev cases.NewEvent, afterDays float64) bool {
		at := officeTime(r, t.Add(time.Duration(afterDays*24*float64(time.Hour))))
		if !at.Before(p.now.Add(-time.Hour)) {
			return false
		}
		t, ev.At = at, at
		out = append(out, step{who: who, ev: ev})
		return true
	}
	days := func(lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }
	reached := func(s cases.Status) bool { return len(out) > 0 && stop == s }

	if !add(importer, cases.NewEvent{Type: cases.EventFile, Note: "立案审批：经现场核查，当事人涉嫌违法，符合立案条件，予以立案"}, days(0.2, 3)) || reached(cases.StatusFiled) {
		return out
	}
	investigate := func() bool {
		return add(investigator, cases.NewEvent{Type: cases.EventInvestigate,
			Note: "调查取证：现场检查并制作现场检查笔录，拍照取证，询问当事人并制作询问笔录"}, days(1, 6))
	}
	notify := func() bool {
		if !add(importer, cases.NewEvent{Type: cases.EventNotify,
			Note: "送达行政处罚事先告知书，告知拟作出的处罚及陈述、申辩、听证权利"}, days(2, 10)) {
			return false
		}
		// The party's answer within its 5 working days, or none.
		hearing := ""
		switch x := r.Float64(); {
		case x < 0.12:
			hearing = cases.HearingRequested
		case x < 0.65:
			hearing = cases.HearingWaived
		}
		if hearing != "" {
			note := map[string]string{cases.HearingRequested: "当事人申请听证", cases.HearingWaived: "当事人放弃陈述、申辩和听证"}[hearing]
			add(importer, cases.NewEvent{Type: cases.EventNotify, Note: note, Procedure: cases.Procedure{Hearing: hearing}}, days(0.5, 3))
		}
		return true
	}
	if !investigate() || reached(cases.StatusInvestigating) || !notify() || reached(cases.StatusNotified) {
		return out
	}
	if r.Float64() < 0.1 {
		if !add(reviewer, cases.NewEvent{Type: cases.EventReview, Note: "退回补充调查：违法行为持续时间的证据不足，请补充询问笔录",
			Procedure: cases.Procedure{Outcome: cases.ReviewReject}}, days(1, 4)) || !investigate() || !notify() {
			return out
		}
	}
	if !add(reviewer, cases.NewEvent{Type: cases.EventReview, Note: "法制审核通过：事实清楚，证据确凿，适用依据正确，程序合法，裁量适当",
		Procedure: cases.Procedure{Outcome: cases.ReviewApprove}}, days(1, 4)) || reached(cases.StatusReviewed) {
		return out
	}
	if !add(importer, cases.NewEvent{Type: cases.EventDecide, Note: "作出行政处罚决定", Procedure: p.decision(item)}, days(1, 5)) ||
		reached(cases.StatusDecided) {
		return out
	}
	// Most deliveries are prompt; some miss the 7 working days (art. 61).
	late := days(0.5, 5)
	if r.Float64() < 0.15 {
		late = days(12, 20)
	}
	if !add(investigator, cases.NewEvent{Type: cases.EventDeliver, Note: "直接送达行政处罚决定书，当事人在送达回证上签收"}, late) ||
		reached(cases.StatusDelivered) {
		return out
	}
	if !add(importer, cases.NewEvent{Type: cases.EventExecute, Note: "当事人已按期缴纳罚款"}, days(2, 14)) || reached(cases.StatusExecuted) {
		return out
	}
	add(importer, cases.NewEvent{Type: cases.EventClose, Note: "结案：处罚决定已执行完毕，案卷归档"}, days(1, 5))
	return out
}

// decision draws the facts of a decision: a party (organizations more often under the
// regulators' items), a level and an amount inside the item's band for that level when
// the item has bands, else a plausible fine for the level.
func (p *penalties) decision(item string) cases.Procedure {
	r := p.r
	party := cases.PartyIndividual
	if r.Float64() < 0.35 {
		party = cases.PartyOrg
	}
	level, lo, hi := powers.Minor, 200.0, 1000.0
	switch x := r.Float64(); {
	case x < 0.55:
		level, lo, hi = powers.Ordinary, 1000, 5000
	case x < 0.7:
		level, lo, hi = powers.Serious, 5000, 30000
	}
	if it, ok := p.items[item]; ok && len(it.Bands) > 0 {
		b := it.Bands[r.IntN(len(it.Bands))]
		level, lo, hi = b.Level, b.MinYuan, b.MaxYuan
	}
	// Whole hundreds inside [lo, hi] when the band allows, else its lower end.
	amount := math.Floor((lo+r.Float64()*(hi-lo))/100) * 100
	if amount < lo || amount > hi {
		amount = lo
	}
	return cases.Procedure{AmountYuan: &amount, Level: string(level), Party: party}
}

// legalReviewer is the township's legal reviewer (法制审核员), who investigates nothing:
// the demo's reviews are apart from the investigations (查审分离).
func legalReviewer(township string) auth.Identity {
	return auth.Identity{Name: "legal-" + township, Role: auth.Legal, Township: township, Qualification: "A2019" + township}
}

// officeTime returns a moment of office hours (8:30 to 17:30 China time, Monday to
// Friday) at or after t.
func officeTime(r *rand.Rand, t time.Time) time.Time {
	local := t.In(chinaZone)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, chinaZone)
	open, closes := day.Add(8*time.Hour+30*time.Minute), day.Add(17*time.Hour+30*time.Minute)
	if local.After(closes) {
		day = day.AddDate(0, 0, 1)
		local = day.Add(8*time.Hour + 30*time.Minute + time.Duration(r.Int64N(int64(2*time.Hour))))
	} else if local.Before(open) {
		local = open.Add(time.Duration(r.Int64N(int64(2 * time.Hour))))
	}
	for local.Weekday() == time.Saturday || local.Weekday() == time.Sunday {
		local = local.AddDate(0, 0, 1)
	}
	return local.UTC().Truncate(time.Second)
}
