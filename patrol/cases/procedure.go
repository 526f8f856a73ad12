package cases

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/patrol/calendar"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// Procedure is what a penalty event states beyond its type and note.
type Procedure struct {
	Hearing        string   // notify: "" (not yet answered), "requested", "waived" or "held" (the requested hearing took place)
	Outcome        string   // review: "approve" or "reject" (a reject needs the reasons in the note)
	AmountYuan     *float64 // decide: the fine, in yuan (0 for none)
	Level          string   // decide: the discretion level (裁量阶次) of the item's band: 轻微, 一般, 严重
	Party          string   // notify, decide: "individual" or "organization" (a decision without one takes the notice's, else individual)
	PartyName      string   // notify, decide: the party's name (a decision without one takes the notice's)
	LicenceRevoked bool     // decide: a licence or permit is revoked (吊销许可证件)
	// PublishedAt (decide): when a decision entered after the fact was published (执法公示)
	// elsewhere; nil for a decision published here as it is recorded.
	PublishedAt *time.Time
}

// The answers of a notify and the outcomes of a review.
const (
	HearingRequested = "requested"
	HearingWaived    = "waived" // the party waived stating its defence and a hearing
	HearingHeld      = "held"   // the hearing the party requested took place
	ReviewApprove    = "approve"
	ReviewReject     = "reject"
	PartyIndividual  = "individual"
	PartyOrg         = "organization"
)

// Detail is the canonical JSON of a penalty event's facts, kept in the event and covered
// by its hash.
type Detail struct {
	Item           string   `json:"item,omitempty"`
	Hearing        string   `json:"hearing,omitempty"`
	Outcome        string   `json:"outcome,omitempty"`
	Qualification  string   `json:"qualification,omitempty"` // the reviewer's (法律职业资格)
	AmountYuan     *float64 `json:"amount_yuan,omitempty"`
	Level          string   `json:"level,omitempty"`
	Party          string   `json:"party,omitempty"`
	PartyName      string   `json:"party_name,omitempty"` // the party's name: a person's or an organization's
	LicenceRevoked bool     `json:"licence_revoked,omitempty"`
	Major          string   `json:"major,omitempty"` // why a decision is major, when it is
	// PublishedAt is when a decision entered after the fact was published, as claimed
	// by who entered it (see Procedure).
	PublishedAt *time.Time `json:"published_at,omitempty"`
}

func (d Detail) raw() json.RawMessage {
	b, err := json.Marshal(d)
	if err != nil || string(b) == "{}" {
		return nil
	}
	return b
}

// MajorRule says which decisions are major (重大执法决定) and need an approving legal
// review before they are made (Administrative Penalty Law art. 58). The thresholds are
// local policy, not the law's: configurable.
type MajorRule struct {
	FineIndividualYuan   float64 // a fine at or above this on a person (default 10,000)
	FineOrganizationYuan float64 // a fine at or above this on an organization (default 100,000)
	LicenceRevoked       bool    // revoking a licence (default true)
	Hearing              bool    // a hearing requested (default true)
}

// DefaultMajorRule returns the default rule.
func DefaultMajorRule() MajorRule {
	return MajorRule{FineIndividualYuan: 10_000, FineOrganizationYuan: 100_000, LicenceRevoked: true, Hearing: true}
}

// major says why a decision is major, or "" when it is not.
func (r MajorRule) major(p Procedure, hearing bool) string {
	var why []string
	limit := r.FineIndividualYuan
	if p.Party == PartyOrg {
		limit = r.FineOrganizationYuan
	}
	if p.AmountYuan != nil && limit > 0 && *p.AmountYuan >= limit {
		why = append(why, fmt.Sprintf("a fine of %s yuan on an %s (≥ %s)", yuan(*p.AmountYuan), p.Party, yuan(limit)))
	}
	if r.LicenceRevoked && p.LicenceRevoked {
		why = append(why, "a licence revoked")
	}
	if r.Hearing && hearing {
		why = append(why, "a hearing requested")
	}
	return strings.Join(why, ", ")
}

func yuan(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// checkProcedure checks the facts an event of type t states, and returns its detail.
// Errors: invalid.
func checkProcedure(t EventType, p *Procedure, note string) (Detail, error) {
	if p.PublishedAt != nil && t != EventDecide {
		return Detail{}, apperr.Invalidf("published_at: only a decision (decide) is published, not %s", t)
	}
	switch t {
	case EventNotify:
		switch p.Hearing {
		case "", HearingRequested, HearingWaived, HearingHeld:
		default:
			return Detail{}, apperr.Invalidf("hearing %q is not requested, waived, held or empty (not yet answered)", p.Hearing)
		}
		if err := checkParty(p); err != nil {
			return Detail{}, err
		}
		return Detail{Hearing: p.Hearing, Party: p.Party, PartyName: p.PartyName}, nil
	case EventReview:
		switch p.Outcome {
		case ReviewApprove:
		case ReviewReject:
			if strings.TrimSpace(note) == "" {
				return Detail{}, apperr.Invalidf("a rejecting review needs its reasons in the note")
			}
		default:
			return Detail{}, apperr.Invalidf("a review needs an outcome: approve or reject")
		}
		return Detail{Outcome: p.Outcome}, nil
	case EventDecide:
		if p.AmountYuan == nil || !(*p.AmountYuan >= 0 && *p.AmountYuan <= 1e10) {
			return Detail{}, apperr.Invalidf("a decision needs amount_yuan, 0 to 10,000,000,000")
		}
		if err := checkParty(p); err != nil {
			return Detail{}, err
		}
		switch powers.Level(p.Level) {
		case powers.Minor, powers.Ordinary, powers.Serious:
		default:
			return Detail{}, apperr.Invalidf("a decision needs the band level: 轻微, 一般 or 严重")
		}
		d := Detail{AmountYuan: p.AmountYuan, Level: p.Level, Party: p.Party, PartyName: p.PartyName,
			LicenceRevoked: p.LicenceRevoked}
		if p.PublishedAt != nil {
			at := p.PublishedAt.UTC().Truncate(time.Second)
			d.PublishedAt = &at
		}
		return d, nil
	}
	return Detail{}, nil
}

// checkParty checks the party a notice or decision names, trimming the name; both may be
// empty (a decision then takes the notice's). Errors: invalid.
func checkParty(p *Procedure) error {
	if p.Party != "" && p.Party != PartyIndividual && p.Party != PartyOrg {
		return apperr.Invalidf("party %q is not individual or organization", p.Party)
	}
	p.PartyName = strings.TrimSpace(p.PartyName)
	if len(p.PartyName) > 200 || strings.ContainsFunc(p.PartyName, unicode.IsControl) {
		return apperr.Invalidf("party_name is longer than 200 bytes or holds control characters")
	}
	return nil
}

// partyOf completes a decision's party from the latest notice that named one, and takes
// an individual when none did.
func partyOf(events []Event, p *Procedure) {
	for i := len(events) - 1; i >= 0 && (p.Party == "" || p.PartyName == ""); i-- {
		if events[i].Type != EventNotify {
			continue
		}
		d := detailOf(events[i])
		if p.Party == "" {
			p.Party = d.Party
		}
		if p.PartyName == "" {
			p.PartyName = d.PartyName
		}
	}
	if p.Party == "" {
		p.Party = PartyIndividual
	}
}

// detailOf returns the facts an event recorded (none when it has no detail).
func detailOf(e Event) Detail {
	var d Detail
	if len(e.Detail) > 0 {
		_ = json.Unmarshal(e.Detail, &d)
	}
	return d
}

// checkBand refuses an amount outside the item's band for the level. An item with no
// bands published has no discretion standard to hold the amount to. Errors: unprocessable
// naming the band.
func checkBand(it powers.Item, p Procedure) error {
	if len(it.Bands) == 0 {
		return nil
	}
	i := slices.IndexFunc(it.Bands, func(b powers.Band) bool { return string(b.Level) == p.Level })
	if i < 0 {
		levels := make([]string, len(it.Bands))
		for k, b := range it.Bands {
			levels[k] = string(b.Level)
		}
		return apperr.New(apperr.Unprocessable, "item %s has no band of level %s (its bands: %s)", it.Code, p.Level, strings.Join(levels, ", "))
	}
	b := it.Bands[i]
	if *p.AmountYuan < b.MinYuan || *p.AmountYuan > b.MaxYuan {
		return apperr.New(apperr.Unprocessable, "%s yuan is outside item %s's band %s: %s to %s yuan", yuan(*p.AmountYuan), it.Code,
			b.Level, yuan(b.MinYuan), yuan(b.MaxYuan))
	}
	return nil
}

// Periods are the procedure's deadlines. Working-day periods count on the calendar.
type Periods struct {
	DecideDays             int // decision within N calendar days of filing (art. 60: 90)
	HearingRequestWorkdays int // the party may ask for a hearing within N working days of the notice (art. 64, 85: 5)
	DeliverWorkdays        int // the decision delivered within N working days (art. 61, 85: 7)
	PayDays                int // the fine paid within N calendar days of delivery (art. 67: 15)
	// PublishWorkdays: a decision published (执法公示) within N working days of it (the
	// State Council's 2018 guidance on the three systems, 国办发〔2018〕118号: 7).
	PublishWorkdays int
	// TakeUpWorkdays: a referral answered (taken up or returned) by the department within
	// N working days of it — a setting, not the law's (DefaultTakeUpWorkdays).
	TakeUpWorkdays int
}

// DefaultPeriods returns the periods of the Administrative Penalty Law as revised in 2021.
func DefaultPeriods() Periods {
	return Periods{DecideDays: 90, HearingRequestWorkdays: 5, DeliverWorkdays: 7, PayDays: 15, PublishWorkdays: 7,
		TakeUpWorkdays: DefaultTakeUpWorkdays}
}

// withDefaults fills zero periods with the defaults.
func (p Periods) withDefaults() Periods {
	d := DefaultPeriods()
	if p.DecideDays <= 0 {
		p.DecideDays = d.DecideDays
	}
	if p.HearingRequestWorkdays <= 0 {
		p.HearingRequestWorkdays = d.HearingRequestWorkdays
	}
	if p.DeliverWorkdays <= 0 {
		p.DeliverWorkdays = d.DeliverWorkdays
	}
	if p.PayDays <= 0 {
		p.PayDays = d.PayDays
	}
	if p.PublishWorkdays <= 0 {
		p.PublishWorkdays = d.PublishWorkdays
	}
	if p.TakeUpWorkdays <= 0 {
		p.TakeUpWorkdays = d.TakeUpWorkdays
	}
	return p
}

// The stages that have deadlines.
const (
	StageDecide         = "decide"
	StageHearingRequest = "hearing_request"
	StageDeliver        = "deliver"
	StageExecute        = "execute"
)

// Deadline is one stage's deadline: the last day (China time) on which it is in time,
// when it was done, and whether in time — null while not done and not yet past due,
// false for a stage overdue. Party stages are the party's periods (a hearing request),
// never overdue for the bureau.
type Deadline struct {
	Stage  string        `json:"stage"`
	Due    calendar.Date `json:"due"`
	DoneAt *time.Time    `json:"done_at"`
	Met    *bool         `json:"met"`
	Basis  string        `json:"basis"`
	Party  bool          `json:"party,omitempty"`
}

// Overdue reports whether the stage is not done and past due.
func (d Deadline) Overdue() bool { return !d.Party && d.DoneAt == nil && d.Met != nil && !*d.Met }

// Deadlines computes the deadlines of a case's stages from its history (in seq order):
// each stage's period starts at the event that opens it — filing for the decision, the
// notice (the first notify of a round) for a hearing request, the decision for delivery,
// delivery for payment. today decides what is overdue. It also reports whether a
// working-day period crossed a year with no calendar.
func Deadlines(events []Event, cal calendar.Calendar, p Periods, today calendar.Date) ([]Deadline, bool) {
	p, law := p.withDefaults(), DefaultPeriods()
	var out []Deadline
	weekdaysOnly := false
	first := func(t EventType) *Event {
		for i := range events {
			if events[i].Type == t {
				return &events[i]
			}
		}
		return nil
	}
	add := func(stage, basis string, from time.Time, days, workdays int, done *time.Time, party bool) {
		start := calendar.DateOf(from)
		due := start.AddDays(days)
		if workdays > 0 {
			var wo bool
			due, wo = cal.AddWorkdays(start, workdays)
			weekdaysOnly = weekdaysOnly || wo
		}
		d := Deadline{Stage: stage, Due: due, DoneAt: done, Basis: basis, Party: party}
		switch {
		case done != nil:
			met := !calendar.DateOf(*done).After(due.Time)
			d.Met = &met
		case today.After(due.Time) && !party:
			met := false
			d.Met = &met
		}
		out = append(out, d)
	}
	at := func(e *Event) *time.Time {
		if e == nil {
			return nil
		}
		t := e.At
		return &t
	}
	file := first(EventFile)
	if file == nil {
		return nil, false
	}
	decide, deliver, execute := first(EventDecide), first(EventDeliver), first(EventExecute)
	add(StageDecide, basis("行政处罚法 第六十条", p.DecideDays, law.DecideDays, "days of filing"), file.At, p.DecideDays, 0, at(decide), false)
	if notice, answer := NoticeRound(events); notice != nil {
		add(StageHearingRequest, basis("行政处罚法 第六十四条, 第八十五条", p.HearingRequestWorkdays, law.HearingRequestWorkdays,
			"working days of the notice"), notice.At, 0,
			p.HearingRequestWorkdays, at(answer), true)
	}
	if decide != nil {
		add(StageDeliver, basis("行政处罚法 第六十一条, 第八十五条", p.DeliverWorkdays, law.DeliverWorkdays, "working days of the decision"), decide.At, 0,
			p.DeliverWorkdays, at(deliver), false)
	}
	if deliver != nil {
		add(StageExecute, basis("行政处罚法 第六十七条", p.PayDays, law.PayDays, "days of delivery"), deliver.At, p.PayDays, 0, at(execute), false)
	}
	return out, weekdaysOnly
}

// basis names the article behind a period and the period in force: "行政处罚法 第六十条
// (90 days of filing)", or, configured otherwise than the law's, "(60 days of filing;
// configured, the law's: 90)".
func basis(article string, n, law int, what string) string {
	if n == law {
		return fmt.Sprintf("%s (%d %s)", article, n, what)
	}
	return fmt.Sprintf("%s (%d %s; configured, the law's: %d)", article, n, what, law)
}

// hearingOf returns what a notify event recorded of the party's hearing request.
func hearingOf(e Event) string { return detailOf(e).Hearing }

// hearingRequested reports whether the party's latest answer asked for a hearing or
// recorded it held.
func hearingRequested(events []Event) bool {
	h := ""
	for _, e := range events {
		if e.Type == EventNotify {
			if v := hearingOf(e); v != "" {
				h = v
			}
		}
	}
	return h == HearingRequested || h == HearingHeld
}

// NoticeRound returns the latest round of notice in a case's history (in seq order): the
// notify that opened it — one entered from investigation — and the latest notify of the
// round that recorded the party's answer (nil when none has). A notify while the case is
// notified or reviewed records the party's answer in the same round.
func NoticeRound(events []Event) (notice, answer *Event) {
	prev := Status("")
	for i := range events {
		e := &events[i]
		if e.Type == EventNotify {
			if prev != StatusNotified && prev != StatusReviewed {
				notice, answer = e, nil
			}
			if hearingOf(*e) != "" {
				answer = e
			}
		}
		prev = e.Status
	}
	return notice, answer
}

// answerDue is the last day of the party's period to state its defence and request a
// hearing after a notice: Periods.HearingRequestWorkdays working days.
func answerDue(notice *Event, cal calendar.Calendar, p Periods) calendar.Date {
	due, _ := cal.AddWorkdays(calendar.DateOf(notice.At), p.withDefaults().HearingRequestWorkdays)
	return due
}

// checkHearingRequestDay refuses a hearing request recorded on day on after the party's
// period to ask for one ran out (行政处罚法 第六十四条: within five working days of the
// notice). Errors: conflict naming the period's last day.
func checkHearingRequestDay(id int64, events []Event, cal calendar.Calendar, p Periods, on calendar.Date) error {
	notice, _ := NoticeRound(events)
	if notice == nil {
		return nil
	}
	if due := answerDue(notice, cal, p); on.After(due.Time) {
		return apperr.Conflictf("case %d: the party could request a hearing until %s (%d working days of the notice of %s, "+
			"行政处罚法 第六十四条): a request on %s is too late", id, due, p.withDefaults().HearingRequestWorkdays,
			calendar.DateOf(notice.At), on)
	}
	return nil
}

// checkDecisionDay refuses a decision on day on while the party may still state its
// defence or ask for a hearing (行政处罚法 第四十四条, 第四十五条, 第六十四条: the periods of
// Periods.HearingRequestWorkdays working days from the notice), unless it waived them,
// and while a hearing it asked for has not been held. Errors: conflict naming the
// earliest day a decision may be made, or the hearing to hold.
func checkDecisionDay(id int64, events []Event, cal calendar.Calendar, p Periods, on calendar.Date) error {
	notice, answer := NoticeRound(events)
	if notice == nil {
		return nil
	}
	h := ""
	if answer != nil {
		h = hearingOf(*answer)
	}
	switch h {
	case HearingWaived, HearingHeld:
		return nil
	case HearingRequested:
		return apperr.Conflictf("case %d: the party requested a hearing (event %d): no decision before it is held "+
			"(行政处罚法 第六十四条); record it with a notify whose hearing is held", id, answer.Seq)
	}
	p = p.withDefaults()
	due := answerDue(notice, cal, p)
	if !on.After(due.Time) {
		return apperr.Conflictf("case %d: the party may state its defence and request a hearing until %s (%d working days of "+
			"the notice, 行政处罚法 第四十四条, 第四十五条, 第六十四条): the earliest decision is on %s, unless the party waives "+
			"(a notify whose hearing is waived)", id, due, p.HearingRequestWorkdays, due.AddDays(1))
	}
	return nil
}
