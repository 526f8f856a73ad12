package cases_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/patrol/calendar"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

func TestReferralAnswers(t *testing.T) {
	c := newCity(t)
	inA := map[string]any{"sector": "urban_management", "title": "占道", "lat": 31.84, "lon": 120.22}
	referred := c.report("admin", inA)
	other := c.report("admin", inA)
	if code, raw := c.event("admin", referred.ID, map[string]any{"type": "refer", "department": "城管局"}); code != 201 {
		t.Fatalf("refer = %d %s", code, raw)
	}
	path := fmt.Sprintf("/api/v1/cases/%d", referred.ID)
	var got cases.Case
	c.do("GET", path, "admin", nil, &got)
	if r := got.Referral; r == nil || r.Department != "城管局" || r.Answer != "" || r.Met != nil || !r.Due.After(calendar.DateOf(r.ReferredAt).Time) {
		t.Fatalf("referral before an answer: %+v", r)
	}
	for _, tt := range []struct {
		name, who string
		id        int64
		body      map[string]any
		status    int
		names     string // what the problem must name
	}{
		{"take_up on a case not referred", "admin", other.ID, map[string]any{"type": "take_up"}, 409, "allowed"},
		{"another department", "admin", referred.ID, map[string]any{"type": "take_up", "department": "生态环境局"}, 400, `"field":"department"`},
		{"a return without reasons", "admin", referred.ID, map[string]any{"type": "return"}, 400, `"field":"note"`},
		{"a return with blank reasons", "admin", referred.ID, map[string]any{"type": "return", "note": "  "}, 400, `"field":"note"`},
		{"an officer", "officer11", referred.ID, map[string]any{"type": "take_up"}, 403, "officer"},
		{"another township's supervisor", "supB", referred.ID, map[string]any{"type": "take_up"}, 403, "township"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code, raw := c.event(tt.who, tt.id, tt.body); code != tt.status || !strings.Contains(raw, tt.names) {
				t.Errorf("%v = %d %s, want %d naming %s", tt.body, code, raw, tt.status, tt.names)
			}
		})
	}
	// Returned: back in the queue, referred to nobody; the event keeps the department.
	var answer struct {
		Case  cases.Case
		Event cases.Event
	}
	if code, raw := c.do("POST", path+"/events", "supA", map[string]any{"type": "return", "note": "不属本部门职责", "department": "城管局"},
		&answer); code != 201 {
		t.Fatalf("return = %d %s", code, raw)
	}
	if answer.Case.Status != cases.StatusReported || answer.Case.Department != nil || answer.Event.Status != cases.StatusReported ||
		answer.Event.Department == nil || *answer.Event.Department != "城管局" || answer.Event.Note != "不属本部门职责" {
		t.Fatalf("returned: case %s department %v; event %+v", answer.Case.Status, answer.Case.Department, answer.Event)
	}
	if code, raw := c.event("admin", referred.ID, map[string]any{"type": "return", "note": "again"}); code != 409 {
		t.Errorf("a second return = %d %s, want 409", code, raw)
	}
	// Assigned again and referred elsewhere: that department answers, once.
	for _, ev := range []map[string]any{{"type": "assign", "officer": "a1-2"}, {"type": "refer", "department": "市场监管局"}} {
		if code, raw := c.event("admin", referred.ID, ev); code != 201 {
			t.Fatalf("%v = %d %s", ev, code, raw)
		}
	}
	if code, raw := c.event("admin", referred.ID, map[string]any{"type": "take_up", "department": "城管局"}); code != 400 {
		t.Errorf("take_up by the department that returned it = %d %s, want 400", code, raw)
	}
	if code, raw := c.do("POST", path+"/events", "supA", map[string]any{"type": "take_up"}, &answer); code != 201 {
		t.Fatalf("take_up = %d %s", code, raw)
	}
	if answer.Case.Status != cases.StatusReferred || answer.Case.Department == nil || *answer.Case.Department != "市场监管局" ||
		answer.Event.Department == nil || *answer.Event.Department != "市场监管局" {
		t.Fatalf("taken up: case %s department %v; event %+v", answer.Case.Status, answer.Case.Department, answer.Event)
	}
	for _, ev := range []map[string]any{{"type": "take_up"}, {"type": "return", "note": "后悔"}} {
		if code, raw := c.event("admin", referred.ID, ev); code != 409 || !strings.Contains(raw, "answered") {
			t.Errorf("%v after the take-up = %d %s, want 409 answered already", ev, code, raw)
		}
	}
	c.do("GET", path, "admin", nil, &got)
	if r := got.Referral; r == nil || r.Department != "市场监管局" || r.Answer != cases.EventTakeUp || r.Met == nil || !*r.Met {
		t.Errorf("referral after the take-up: %+v", r)
	}
	if code, raw := c.event("admin", referred.ID, map[string]any{"type": "close"}); code != 201 {
		t.Fatalf("close = %d %s", code, raw)
	}
	var v cases.Verification
	c.do("GET", path+"/verify", "admin", nil, &v)
	// report, refer, return, assign, refer, take_up, close: one chain.
	if !v.OK || v.Events != 7 {
		t.Errorf("verification %+v, want 7 events chained", v)
	}
}

func TestReferralOf(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	dept := "城管局"
	// Referred on Friday 2024-03-01 (China time): 5 working days end on Friday 03-08.
	refer := cases.Event{Seq: 2, Type: cases.EventRefer, Department: &dept, At: at("2024-03-01T10:00:00+08:00")}
	day := func(s string) calendar.Date {
		d, err := calendar.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tt := range []struct {
		name   string
		answer *cases.Event
		today  string
		met    string // "", "true" or "false"
	}{
		{"unanswered, in time", nil, "2024-03-08", ""},
		{"unanswered, past due", nil, "2024-03-09", "false"},
		{"taken up on the last day", &cases.Event{Seq: 3, Type: cases.EventTakeUp, At: at("2024-03-08T17:00:00+08:00")}, "2024-04-01", "true"},
		{"returned late", &cases.Event{Seq: 3, Type: cases.EventReturn, At: at("2024-03-11T09:00:00+08:00")}, "2024-04-01", "false"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			events := []cases.Event{{Seq: 1, Type: cases.EventReport, At: refer.At}, refer}
			if tt.answer != nil {
				events = append(events, *tt.answer)
			}
			r, weekdaysOnly := cases.ReferralOf(events, calendar.New(), cases.DefaultPeriods(), day(tt.today))
			met := ""
			if r.Met != nil {
				met = fmt.Sprint(*r.Met)
			}
			if r.Due != day("2024-03-08") || met != tt.met || !weekdaysOnly || r.Department != dept {
				t.Errorf("ReferralOf = due %s met %q (weekdays only %v), want due 2024-03-08 met %q", r.Due, met, weekdaysOnly, tt.met)
			}
		})
	}
	if r, _ := cases.ReferralOf([]cases.Event{{Seq: 1, Type: cases.EventReport}}, calendar.New(), cases.DefaultPeriods(), day("2024-03-01")); r != nil {
		t.Errorf("ReferralOf a case never referred = %+v, want nil", r)
	}
}
