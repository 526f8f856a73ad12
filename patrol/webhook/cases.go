package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/documents"
)

// The event types of cases.
const (
	EventCase            = "case.event"       // every event appended to a case's history
	EventDecisionMade    = "decision.made"    // a penalty decision (行政处罚决定), as 执法公示 shows it
	EventDecisionRevoked = "decision.revoked" // a decision revoked (撤销): 执法公示 withdraws it
)

// CaseEvent is the data of a case.event delivery.
type CaseEvent struct {
	Case CaseRef `json:"case"`
	// Event is the event as GET /api/v1/cases/{id}/events gives it, but for a person's
	// name in its detail (party_name), masked as 执法公示 masks it.
	Event cases.Event `json:"event"`
}

// CaseRef is the case a case.event is of: what the event does not change.
type CaseRef struct {
	ID         int64        `json:"id"`
	Number     string       `json:"number"` // the case number of its documents (案号)
	Sector     string       `json:"sector"`
	Item       *string      `json:"item"`
	Source     cases.Source `json:"source"`
	Township   *string      `json:"township"` // null outside every township
	Grid       *string      `json:"grid"`
	Squadron   *string      `json:"squadron"`
	Lon        float64      `json:"lon"` // WGS-84
	Lat        float64      `json:"lat"`
	ReportedAt time.Time    `json:"reported_at"`
}

// Decision is the data of a decision.made delivery: what 执法公示 publishes of a decision
// (a person's name masked, an organization's in full), with its level and time.
type Decision struct {
	Case           int64     `json:"case"`
	Number         string    `json:"case_number"`
	Township       *string   `json:"township"`
	Item           string    `json:"item"`
	PartyKind      string    `json:"party_kind"` // individual or organization
	Party          string    `json:"party"`      // 张** for a person
	Level          string    `json:"level"`      // the discretion level (裁量阶次): 轻微, 一般, 严重
	AmountYuan     float64   `json:"amount_yuan"`
	LicenceRevoked bool      `json:"licence_revoked"`
	DecidedAt      time.Time `json:"decided_at"`
	Hash           string    `json:"event_hash"` // the decide event's, in the case's record
}

// Revocation is the data of a decision.revoked delivery.
type Revocation struct {
	Case      int64     `json:"case"`
	Number    string    `json:"case_number"`
	Township  *string   `json:"township"`
	RevokedAt time.Time `json:"revoked_at"`
	Hash      string    `json:"event_hash"` // the revoke event's
}

// CaseEvents writes the deliveries of case events and decisions in the transaction that
// appends the event (cases.EventHook): an event rolled back is never delivered.
type CaseEvents struct {
	store *Store
}

var _ cases.EventHook = CaseEvents{}

// CaseEvents returns the hook to give to cases.Store.UseEventHook.
func (s *Store) CaseEvents() CaseEvents { return CaseEvents{store: s} }

// Appended enqueues, in tx, a case.event delivery of e, and for a decide or revoke event
// a decision.made or decision.revoked one, for the subscriptions of the case's township
// (those of every township only, for a case outside them).
func (h CaseEvents) Appended(ctx context.Context, tx pgx.Tx, c cases.Case, e cases.Event) error {
	township := ""
	if c.Township != nil {
		township = *c.Township
	}
	var detail cases.Detail
	if len(e.Detail) > 0 {
		if err := json.Unmarshal(e.Detail, &detail); err != nil {
			return fmt.Errorf("detail of case %d event %d: %w", e.CaseID, e.Seq, err)
		}
		if detail.PartyName != "" {
			detail.PartyName = documents.Mask(detail.PartyName, detail.Party)
			masked, err := json.Marshal(detail)
			if err != nil {
				return err
			}
			e.Detail = masked
		}
	}
	number := documents.Number(c)
	ce := CaseEvent{Event: e, Case: CaseRef{ID: c.ID, Number: number, Sector: c.Sector, Item: c.Item, Source: c.Source,
		Township: c.Township, Grid: c.Grid, Squadron: c.Squadron, Lon: c.Lon, Lat: c.Lat, ReportedAt: c.ReportedAt}}
	if err := h.store.Enqueue(ctx, tx, EventCase, township, ce); err != nil {
		return err
	}
	switch e.Type {
	case cases.EventDecide:
		d := Decision{Case: c.ID, Number: number, Township: c.Township, PartyKind: detail.Party, Party: detail.PartyName,
			Level: detail.Level, LicenceRevoked: detail.LicenceRevoked, DecidedAt: e.At, Hash: e.Hash}
		if c.Item != nil {
			d.Item = *c.Item
		}
		if detail.AmountYuan != nil {
			d.AmountYuan = *detail.AmountYuan
		}
		return h.store.Enqueue(ctx, tx, EventDecisionMade, township, d)
	case cases.EventRevoke:
		return h.store.Enqueue(ctx, tx, EventDecisionRevoked, township,
			Revocation{Case: c.ID, Number: number, Township: c.Township, RevokedAt: e.At, Hash: e.Hash})
	}
	return nil
}
