// Package cases holds enforcement cases: intake located to cell, township, grid area and
// squadron; the lifecycle reported → assigned → accepted → on_site → resolved → closed (or
// referred to a department, which takes it up or returns it); the full-process record (执法全过程记录), an append-only history
// the database refuses to alter, chained by hashes; dispatch to the nearest on-duty
// officers; and SLA figures.
package cases

import (
	"encoding/json"
	"time"

	"github.com/gridwatch/gridwatch/geo"
)

// Sector is an enforcement domain. Core sectors (urban management, work safety) are the
// two every township bureau already handles; blind-zone analysis is about the others.
type Sector struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	Core   bool   `json:"core"`
}

// Source is where a case came from.
type Source string

// The sources.
const (
	SourcePatrol     Source = "patrol"        // found by an officer on patrol
	SourceHotline    Source = "hotline_12345" // the 12345 government hotline
	SourceCitizenApp Source = "citizen_app"   // the citizen platform ("城市啄木鸟")
	SourceReferral   Source = "referral"      // referred by another department
)

// Sources lists the valid sources.
var Sources = []Source{SourcePatrol, SourceHotline, SourceCitizenApp, SourceReferral}

// PublicSources are the sources of the cases the public may read (Open311): what
// citizens reported themselves, by the app or the hotline. Cases found on patrol or
// referred by a department are internal work.
var PublicSources = []Source{SourceHotline, SourceCitizenApp}

// Status is where a case is in its lifecycle.
type Status string

// The statuses.
const (
	StatusReported Status = "reported"
	StatusAssigned Status = "assigned"
	StatusAccepted Status = "accepted"
	StatusOnSite   Status = "on_site"
	StatusResolved Status = "resolved"
	StatusReferred Status = "referred" // 流转: handed to the responsible department
	StatusClosed   Status = "closed"

	// The stages of a penalty case (一般程序), after it is filed.
	StatusFiled         Status = "filed"         // 立案
	StatusInvestigating Status = "investigating" // 调查取证
	StatusNotified      Status = "notified"      // 告知: the party told of the proposed decision and its rights
	StatusReviewed      Status = "reviewed"      // 法制审核 approved
	StatusDecided       Status = "decided"       // 决定
	StatusDelivered     Status = "delivered"     // 送达
	StatusExecuted      Status = "executed"      // 执行
)

// ProcedureStatuses are the statuses of a penalty case not yet closed.
var ProcedureStatuses = []Status{StatusFiled, StatusInvestigating, StatusNotified, StatusReviewed, StatusDecided,
	StatusDelivered, StatusExecuted}

// Open reports whether a case in this status still needs work (Open311 "open").
func (s Status) Open() bool { return s != StatusClosed && s != StatusResolved && s != StatusReferred }

// Case is an enforcement case.
type Case struct {
	ID          int64   `json:"id"`
	Sector      string  `json:"sector"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Lat         float64 `json:"lat"` // WGS-84
	Lon         float64 `json:"lon"`
	H3          string  `json:"h3"`
	Township    *string `json:"township"` // nil when outside every township
	Grid        *string `json:"grid"`
	Squadron    *string `json:"squadron"`
	Outside     bool    `json:"outside"` // located in no township: accepted and flagged
	Source      Source  `json:"source"`
	Status      Status  `json:"status"`
	Officer     *string `json:"officer"`    // assigned officer
	Department  *string `json:"department"` // department it was referred to
	// Item is the enforcement power (事项) the case cites; nil when it cites none.
	Item *string `json:"item"`
	// Jurisdiction is what intake found for the item: nil when the case cites none.
	Jurisdiction *Jurisdiction `json:"jurisdiction"`
	ReportedAt   time.Time     `json:"reported_at"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	Reporter     string        `json:"reporter"` // the name of the token that created it
	// Backdated is true when some event of the case claims a time more than
	// BackdateTolerance from when it was received; such an event has ReceivedAt.
	Backdated bool `json:"backdated"`
	// Times of the lifecycle milestones; nil until reached.
	AssignedAt *time.Time `json:"assigned_at"`
	AcceptedAt *time.Time `json:"accepted_at"`
	ArrivedAt  *time.Time `json:"arrived_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	ClosedAt   *time.Time `json:"closed_at"`
	// Deadlines of a penalty case's stages (GET /cases/{id} only; absent elsewhere and on
	// cases never filed). Calendar is "weekdays only" when a working-day period (of the
	// procedure or the referral) crossed a year with no calendar.
	Deadlines []Deadline `json:"deadlines,omitempty"`
	Calendar  string     `json:"calendar,omitempty"`
	// Referral is the case's latest referral and the department's answer (GET
	// /cases/{id} only; absent on cases never referred).
	Referral *Referral `json:"referral,omitempty"`
}

// TownshipKey is the township the case's rows are kept under: its township, or "" when
// it is outside every township. Statements on one case name it, so that a Citus cluster,
// which distributes cases, their history and evidence by it, reads one shard.
func (c Case) TownshipKey() string {
	if c.Township == nil {
		return ""
	}
	return *c.Township
}

// NewCase is a case to create.
type NewCase struct {
	Sector      string // "" takes the item's sector
	Item        string // the item cited (optional); its sector is the case's
	Title       string
	Description string
	Lat, Lon    float64   // in Datum
	Datum       geo.Datum // "" means WGS-84
	Source      Source    // "" means patrol for officers' tokens, citizen_app otherwise
	ReportedAt  time.Time // zero means now
}

// Jurisdiction says whether the case's township held the case's item on the report day
// (China time) and, when it did not, the department that holds it, to which intake
// routed the case.
type Jurisdiction struct {
	Held   bool   `json:"held"`
	Holder string `json:"holder,omitempty"` // a department code; only when not held
}

// EventType is what happened to a case.
type EventType string

// The event types. "report" is written by intake; the others come through the API.
const (
	EventReport  EventType = "report"
	EventAssign  EventType = "assign"
	EventAccept  EventType = "accept"
	EventArrive  EventType = "arrive"
	EventResolve EventType = "resolve"
	EventRefer   EventType = "refer"
	EventClose   EventType = "close"
	// The answer of the department a case was referred to, recorded by the bureau on
	// its word (the department has no identity here): EventTakeUp (受理) keeps the case
	// referred; EventReturn (退回, with the reasons in the note) puts it back in the
	// bureau's queue, reported, referred to nobody.
	EventTakeUp EventType = "take_up"
	EventReturn EventType = "return"
	// EventEvidence records a file (or a link) kept as evidence; it leaves the status as
	// it is. Only AppendEvidence and CreateWithEvidence write it.
	EventEvidence EventType = "evidence"

	// The penalty procedure (一般程序).
	EventFile        EventType = "file"        // 立案: needs the case to cite an item
	EventInvestigate EventType = "investigate" // 调查取证
	EventNotify      EventType = "notify"      // 告知 (陈述申辩, 听证); again to record the party's answer
	EventReview      EventType = "review"      // 法制审核: approve or reject, legal tokens only
	EventDecide      EventType = "decide"      // 决定: amount and band level
	EventDeliver     EventType = "deliver"     // 送达
	EventExecute     EventType = "execute"     // 执行
	// EventRevoke records a decision revoked (撤销), with the reasons in the note; the case
	// is closed and 执法公示 withdraws the decision.
	EventRevoke EventType = "revoke"
)

// Event is one entry of a case's full-process record.
type Event struct {
	CaseID     int64     `json:"case"`
	Seq        int       `json:"seq"` // 1, 2, … within the case
	Type       EventType `json:"type"`
	Status     Status    `json:"status"` // the case's status after the event
	Actor      string    `json:"actor"`  // the token's name
	ActorRole  string    `json:"actor_role"`
	Officer    *string   `json:"officer"`
	Department *string   `json:"department"`
	Note       string    `json:"note"`
	At         time.Time `json:"at"`
	// Where the officer was (their latest position), for events on site.
	Lat *float64 `json:"lat"`
	Lon *float64 `json:"lon"`
	// Evidence is the SHA-256 (hex) of the file or link an evidence event records; nil
	// for other events. The event's hash covers it, so the chain proves the file.
	Evidence *string `json:"evidence,omitempty"`
	// PrevHash and Hash chain the record: Hash = SHA-256 over PrevHash and the event's
	// fields (see Digest).
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
	// Detail holds the procedural facts of a penalty event (see Detail) as canonical JSON;
	// absent on other events. The hash covers it when present.
	Detail json.RawMessage `json:"detail,omitempty"`
	// ReceivedAt is when the server received an event whose claimed time (At) differs
	// from it by more than BackdateTolerance; nil otherwise. The hash covers it.
	ReceivedAt *time.Time `json:"received_at,omitempty"`
	// TownshipKey is its case's (Case.TownshipKey): where the event is kept, not part of
	// the record or its hash.
	TownshipKey string `json:"-"`
}

// NewEvent is an event to append through the API.
type NewEvent struct {
	Type       EventType
	Officer    string
	Department string
	Note       string
	At         time.Time // zero means now
	// Procedure carries the facts of a penalty event; ignored by other events.
	Procedure Procedure
}
