package cases

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"
)

// transitions says, for each event type, from which statuses it may happen and to which
// status it leads.
var transitions = map[EventType]struct {
	from []Status
	to   Status
}{
	EventAssign:  {from: []Status{StatusReported, StatusAssigned, StatusAccepted}, to: StatusAssigned},
	EventAccept:  {from: []Status{StatusAssigned}, to: StatusAccepted},
	EventArrive:  {from: []Status{StatusAccepted}, to: StatusOnSite},
	EventResolve: {from: []Status{StatusOnSite}, to: StatusResolved},
	EventRefer:   {from: []Status{StatusReported, StatusAssigned, StatusAccepted, StatusOnSite}, to: StatusReferred},
	EventClose:   {from: []Status{StatusResolved, StatusReferred, StatusExecuted}, to: StatusClosed},
	// The department's answer to a referral: taken up, the case stays referred (the
	// bureau closes it); returned, it is back in the queue as reported, to be assigned,
	// filed or referred again. checkAnswer allows one answer a referral.
	EventTakeUp: {from: []Status{StatusReferred}, to: StatusReferred},
	EventReturn: {from: []Status{StatusReferred}, to: StatusReported},

	EventFile:        {from: []Status{StatusReported, StatusAssigned, StatusAccepted, StatusOnSite}, to: StatusFiled},
	EventInvestigate: {from: []Status{StatusFiled, StatusInvestigating}, to: StatusInvestigating},
	// A notify while notified or reviewed records the party's answer (a waiver, a hearing
	// requested or held); after a review it needs the review again (the record changed).
	EventNotify: {from: []Status{StatusInvestigating, StatusNotified, StatusReviewed}, to: StatusNotified},
	// A rejected review sends the case back to investigation (see reviewStatus).
	EventReview:  {from: []Status{StatusNotified}, to: StatusReviewed},
	EventDecide:  {from: []Status{StatusNotified, StatusReviewed}, to: StatusDecided},
	EventDeliver: {from: []Status{StatusDecided}, to: StatusDelivered},
	EventExecute: {from: []Status{StatusDelivered}, to: StatusExecuted},
	// A decision may be revoked until and after the case is closed (reconsideration and
	// litigation outlast execution); checkStage refuses a case with no decision.
	EventRevoke: {from: []Status{StatusDecided, StatusDelivered, StatusExecuted, StatusClosed}, to: StatusClosed},
}

// eventOrder lists event types in lifecycle order, for messages.
var eventOrder = []EventType{EventAssign, EventAccept, EventArrive, EventResolve, EventRefer, EventTakeUp, EventReturn, EventFile, EventInvestigate,
	EventNotify, EventReview, EventDecide, EventDeliver, EventExecute, EventClose, EventRevoke}

// Next returns the status an event of type t leads to from status s, and false when the
// event is not allowed then.
func Next(s Status, t EventType) (Status, bool) {
	tr, ok := transitions[t]
	if !ok {
		return "", false
	}
	for _, f := range tr.from {
		if f == s {
			return tr.to, true
		}
	}
	return "", false
}

// Allowed lists the event types allowed in status s, in lifecycle order.
func Allowed(s Status) []EventType {
	var out []EventType
	for _, t := range eventOrder {
		if _, ok := Next(s, t); ok {
			out = append(out, t)
		}
	}
	return out
}

// ParseEventType returns the API event type named s (not "report", which only intake
// writes).
func ParseEventType(s string) (EventType, bool) {
	t := EventType(s)
	_, ok := transitions[t]
	return t, ok
}

// Digest returns the hash of an event chained to the previous one: SHA-256 over the
// previous hash and the event's fields, each length-prefixed so that no two different
// events share an input. Times count to the microsecond (what PostgreSQL keeps),
// coordinates to their exact float64 bits. The evidence hash of an evidence event is a
// last field, present only on such events, so that the hashes of earlier events — which
// have none — are unchanged; the detail of a penalty event and the time of receipt of a
// back-dated event follow the same rule.
func Digest(prev []byte, e Event) []byte {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	opt := func(s *string) string {
		if s == nil {
			return "\x00null"
		}
		return *s
	}
	num := func(f *float64) string {
		if f == nil {
			return "\x00null"
		}
		return fmt.Sprintf("%016x", math.Float64bits(*f))
	}
	field(hex.EncodeToString(prev))
	field(fmt.Sprint(e.CaseID))
	field(fmt.Sprint(e.Seq))
	field(string(e.Type))
	field(string(e.Status))
	field(e.Actor)
	field(e.ActorRole)
	field(opt(e.Officer))
	field(opt(e.Department))
	field(e.Note)
	field(e.At.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano))
	field(num(e.Lat))
	field(num(e.Lon))
	if e.Evidence != nil {
		field("evidence:" + *e.Evidence)
	}
	// Events before the procedure have no detail and hash as they always did.
	if len(e.Detail) > 0 {
		field(string(e.Detail))
	}
	// Likewise only a back-dated event has a time of receipt.
	if e.ReceivedAt != nil {
		field("received:" + e.ReceivedAt.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano))
	}
	return h.Sum(nil)
}

// Verification is the result of checking a case's hash chain.
type Verification struct {
	Case   int64  `json:"case"`
	Events int    `json:"events"`
	OK     bool   `json:"ok"`
	Broken int    `json:"broken_at,omitempty"` // the first event whose hash does not match
	Reason string `json:"reason,omitempty"`
}

// Verify recomputes the chain of a case's events (in seq order) and reports the first
// break: a hash that does not match, a previous-hash link that does not match, or a gap
// in the sequence.
func Verify(caseID int64, events []Event) Verification {
	v := Verification{Case: caseID, Events: len(events), OK: true}
	prev := []byte{}
	for i, e := range events {
		var reason string
		switch {
		case e.Seq != i+1:
			reason = fmt.Sprintf("sequence gap: event %d where %d was expected", e.Seq, i+1)
		case e.PrevHash != hex.EncodeToString(prev):
			reason = "previous-hash link does not match"
		case hex.EncodeToString(Digest(prev, e)) != e.Hash:
			reason = "hash does not match the event's contents"
		}
		if reason != "" {
			v.OK, v.Broken, v.Reason = false, e.Seq, reason
			return v
		}
		prev, _ = hex.DecodeString(e.Hash)
	}
	return v
}

// eventNames joins event types for a message.
func eventNames(list []EventType) string {
	names := make([]string, len(list))
	for i, t := range list {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// allowedList formats the allowed events for an error message.
func allowedList(s Status) string {
	a := Allowed(s)
	if len(a) == 0 {
		return "none: the case is closed"
	}
	names := make([]string, len(a))
	for i, t := range a {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}
