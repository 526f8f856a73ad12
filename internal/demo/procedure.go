package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/demo/casegen"
	"github.com/gridwatch/gridwatch/patrol/calendar"
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
	pub   *rand.Rand // the publications' draws, apart so that the cases stay as they were
	now   time.Time
	items map[string]powers.Item
	cal   calendar.Calendar // the shipped arrangements, as the migrated database holds them
}

func newPenalties(items []powers.Item, seed int64, now time.Time) (*penalties, error) {
	years, err := calendar.Shipped()
	if err != nil {
		return nil, err
	}
	p := &penalties{r: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)), pub: rand.New(rand.NewPCG(uint64(seed), 0x5851f42d4c957f2d)),
		now: now, items: map[string]powers.Item{},
		cal: calendar.New(years...)}
	for _, it := range items {
		p.items[it.Code] = it
	}
	return p, nil
}

// earliestDecision is the first moment a decision may be made on a notice given at
// notice that the party does not answer: the day after its period to state a defence
// and request a hearing (5 working days).
func (p *penalties) earliestDecision(notice time.Time) time.Time {
	due, _ := p.cal.AddWorkdays(calendar.DateOf(notice), cases.DefaultPeriods().HearingRequestWorkdays)
	next := due.AddDays(1)
	return time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, chinaZone)
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
	// The notice of the latest round, and whether the party answered it (waived, or had
	// the hearing it asked for held): a decision on an unanswered notice waits for the
	// party's period to run out. notify reports false when the case stops there: the
	// notice itself is after now, or a hearing was requested and is not held yet.
	var notice time.Time
	answered := false
	party, partyName := p.party()
	notify := func() bool {
		if !add(importer, cases.NewEvent{Type: cases.EventNotify, Procedure: cases.Procedure{Party: party, PartyName: partyName},
			Note: "送达行政处罚事先告知书，告知拟作出的处罚及陈述、申辩、听证权利"}, days(2, 10)) {
			return false
		}
		notice, answered = t, false
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
			if add(importer, cases.NewEvent{Type: cases.EventNotify, Note: note, Procedure: cases.Procedure{Hearing: hearing}}, days(0.5, 3)) {
				answered = hearing == cases.HearingWaived
			}
		}
		// A requested hearing is held some days later (听证笔录), or is still to come: then
		// nothing more happens to the case until it is held.
		if hearing == cases.HearingRequested {
			if !add(importer, cases.NewEvent{Type: cases.EventNotify,
				Note: "依法组织听证，制作听证笔录", Procedure: cases.Procedure{Hearing: cases.HearingHeld}}, days(4, 12)) {
				return false
			}
			answered = true
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
	if !answered && t.Before(p.earliestDecision(notice)) {
		t = p.earliestDecision(notice)
	}
	if !add(importer, cases.NewEvent{Type: cases.EventDecide, Note: "作出行政处罚决定", Procedure: p.decision(item, party)}, days(1, 5)) {
		return out
	}
	out[len(out)-1].ev.Procedure.PublishedAt = p.publication(t)
	if reached(cases.StatusDecided) {
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

// LatePublicationShare is the share of the demo's decisions published (执法公示) after the
// 7 working days of the guidance: 8 to 15 working days after the decision.
const LatePublicationShare = 0.15

// publication draws when a decision made at was published: most within 1 to 5 working
// days, LatePublicationShare of them 8 to 15 working days after, in office hours. It is
// nil when that moment is not yet past: the decision is then published as it is recorded.
func (p *penalties) publication(at time.Time) *time.Time {
	r := p.pub
	n := 1 + r.IntN(5)
	if r.Float64() < LatePublicationShare {
		n = 8 + r.IntN(8)
	}
	day, _ := p.cal.AddWorkdays(calendar.DateOf(at), n)
	t := officeTime(r, time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, chinaZone).Add(time.Duration(r.Int64N(int64(8*time.Hour)))))
	if !t.Before(p.now.Add(-time.Hour)) {
		return nil
	}
	return &t
}

// Made-up parties of the demo's penalty cases: a surname and a given name for a person, a
// trade name and a business for an organization.
var (
	demoSurnames   = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "朱", "马", "胡"}
	demoGivenNames = []string{"建国", "秀英", "志强", "桂兰", "海峰", "丽娟", "国平", "晓东", "春梅", "永明", "文华", "玉珍"}
	demoTradeNames = []string{"顺发", "鑫源", "华宇", "恒泰", "永盛", "金茂", "兴隆", "宏达", "福临", "锦程"}
	demoBusinesses = []string{"餐饮店", "建材经营部", "物流有限公司", "五金店", "农资经营部", "装饰工程有限公司", "超市", "汽车修理厂"}
)

// party draws the party of a penalty case, named in its notice: an organization about a
// third of the time, else a person.
func (p *penalties) party() (kind, name string) {
	r := p.r
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	if r.Float64() < 0.35 {
		return cases.PartyOrg, "江阴市" + pick(demoTradeNames) + pick(demoBusinesses)
	}
	return cases.PartyIndividual, pick(demoSurnames) + pick(demoGivenNames)
}

// decision draws the facts of a decision on a party of the given kind: a level and an
// amount inside the item's band for that level when the item has bands, else a plausible
// fine for the level.
func (p *penalties) decision(item, party string) cases.Procedure {
	r := p.r
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

// lateDecisionLead is how long before the demo's window the case whose decision is
// overdue was reported: filed a day later, its 90 days (art. 60) ran out two weeks ago.
const lateDecisionLead = 15 * 24 * time.Hour

// loadLateDecision stores one penalty case reported before the window, at the place and
// with the item and officer of the first generated case whose township held an item of
// its sector on that day: filed, investigated, the party notified and asking for a
// hearing that has not been held, so no decision could be made and its decision is past
// the 90 days of filing (行政处罚法 第六十条) — an overdue decide stage. It returns whether
// it stored one (none when no case fits).
func loadLateDecision(ctx context.Context, store *cases.Store, list []casegen.Case, cite citations, now time.Time) (bool, error) {
	day := now.Add(-CaseWindow - lateDecisionLead).In(chinaZone)
	for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		day = day.AddDate(0, 0, 1)
	}
	reported := time.Date(day.Year(), day.Month(), day.Day(), 9, 40, 0, 0, chinaZone).UTC()
	for i, gc := range list {
		item, held := cite.item(gc.Sector, gc.Township, reported, i)
		if item == "" || !held || len(gc.Events) == 0 || gc.Events[0].Officer == "" {
			continue
		}
		officer := gc.Events[0].Officer
		at := func(d time.Duration) time.Time { return reported.Add(d) }
		const calendarDay = 24 * time.Hour
		nc := cases.NewCase{Sector: gc.Sector, Item: item, Title: gc.Title, Description: gc.Description, Lat: gc.Lat, Lon: gc.Lon,
			Source: cases.SourcePatrol, ReportedAt: reported}
		events := []cases.NewEvent{
			{Type: cases.EventAssign, Officer: officer, At: at(10 * time.Minute)},
			{Type: cases.EventAccept, At: at(15 * time.Minute)},
			{Type: cases.EventArrive, At: at(40 * time.Minute)},
			{Type: cases.EventFile, Note: "立案审批：经现场核查，当事人涉嫌违法，符合立案条件，予以立案", At: at(calendarDay)},
		}
		c, err := store.CreateWithHistory(ctx, importer, nc, events)
		if err != nil {
			return false, fmt.Errorf("demo late decision: %w", err)
		}
		for _, s := range []step{
			{auth.Identity{Name: officer, Role: auth.Officer, Officer: officer}, cases.NewEvent{Type: cases.EventInvestigate,
				Note: "调查取证：现场检查并制作现场检查笔录，拍照取证，询问当事人并制作询问笔录", At: at(6 * calendarDay)}},
			{importer, cases.NewEvent{Type: cases.EventNotify, Note: "送达行政处罚事先告知书，告知拟作出的处罚及陈述、申辩、听证权利",
				At: at(13 * calendarDay)}},
			{importer, cases.NewEvent{Type: cases.EventNotify, Note: "当事人申请听证；听证尚未组织",
				Procedure: cases.Procedure{Hearing: cases.HearingRequested}, At: at(14 * calendarDay)}},
		} {
			if _, _, err := store.AppendEvent(ctx, s.who, c.ID, s.ev); err != nil {
				return false, fmt.Errorf("demo late decision: %s by %s: %w", s.ev.Type, s.who.Name, err)
			}
		}
		return true, nil
	}
	return false, nil
}
