package alert

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// Rule names a kind of alert.
type Rule string

// The rules.
const (
	SOS          Rule = "sos"           // the device raised an alarm (Traccar Client's SOS button)
	Offline      Rule = "offline"       // an officer on duty sent no fix for Offline.Minutes
	LeftArea     Rule = "left_area"     // an officer outside their squadron's grid areas for LeftArea.Minutes
	OffPlan      Rule = "off_plan"      // a planned cell missed, or the officer away from the planned route
	MockLocation Rule = "mock_location" // the device reported a mocked position
	CaseOverdue  Rule = "case_overdue"  // a case's procedure or dispatch deadline passed (subject: the case's id)
	Hotspot      Rule = "hotspot"       // a cell became a new or intensifying hot spot (subject: the cell)
)

// Rules lists the rules that are evaluated, in the order of Settings.
var Rules = []Rule{SOS, Offline, LeftArea, OffPlan, MockLocation, CaseOverdue, Hotspot}

// Status is where an alert is in its lifecycle.
type Status string

// The statuses, in lifecycle order.
const (
	Open         Status = "open"
	Acknowledged Status = "acknowledged"
	Resolved     Status = "resolved"
)

// Alert is one alert. Subject is what it is about: the officer's ID, or for case_overdue
// the case's ID (Officer is then the case's officer, if any). Lon and Lat are WGS-84, the fix that raised it (the last fix for
// offline). ResolvedBy is "" when the system resolved it.
type Alert struct {
	ID          int64          `json:"id"`
	Township    string         `json:"township"`
	Rule        Rule           `json:"rule"`
	Subject     string         `json:"subject"`
	Officer     string         `json:"officer,omitempty"`
	Status      Status         `json:"status"`
	RaisedAt    time.Time      `json:"raised_at"`
	ObservedAt  time.Time      `json:"observed_at"`
	Lon         *float64       `json:"lon,omitempty"`
	Lat         *float64       `json:"lat,omitempty"`
	Detail      map[string]any `json:"detail"`
	AckedBy     *string        `json:"acked_by,omitempty"`
	AckedAt     *time.Time     `json:"acked_at,omitempty"`
	AckNote     string         `json:"ack_note,omitempty"`
	ResolvedBy  *string        `json:"resolved_by,omitempty"`
	ResolvedAt  *time.Time     `json:"resolved_at,omitempty"`
	ResolveNote string         `json:"resolve_note,omitempty"`
}

// Switch is the settings of a rule that has only an on/off switch.
type Switch struct {
	Enabled bool `json:"enabled"`
}

// Lasting is the settings of a rule whose condition must last Minutes before it alerts.
type Lasting struct {
	Enabled bool `json:"enabled"`
	Minutes int  `json:"minutes"`
}

// Duty is the settings of the offline rule: an officer is on duty from DutyFrom to
// DutyTo, China time ("HH:MM", 24 h; a span that wraps midnight is a night shift, equal
// times are all day), and
// alerts after Minutes without a fix. Officers who sent no fix for 12 hours are taken as
// not on shift and never alert.
type Duty struct {
	Enabled  bool   `json:"enabled"`
	Minutes  int    `json:"minutes"`
	DutyFrom string `json:"duty_from"`
	DutyTo   string `json:"duty_to"`
}

// Adherence is the settings of the off_plan rule. A planned cell not entered by its
// planned leave time plus Minutes alerts; so does an officer whose fixes have been more
// than DistanceM metres from their current plan's route for AwayMinutes.
type Adherence struct {
	Enabled     bool `json:"enabled"`
	Minutes     int  `json:"minutes"`
	DistanceM   int  `json:"distance_m"`
	AwayMinutes int  `json:"away_minutes"`
}

// SLA is the settings of the case_overdue rule. A penalty case alerts when a procedure
// deadline passed. A case of one of Sources in dispatch (reported, assigned, accepted,
// on site) alerts when a stage it has not reached was due: assignment AssignMinutes
// after the report, acceptance AcceptMinutes after it, arrival ArriveMinutes,
// resolution ResolveMinutes; 0 sets no deadline for the stage.
type SLA struct {
	Enabled        bool     `json:"enabled"`
	AssignMinutes  int      `json:"assign_minutes"`
	AcceptMinutes  int      `json:"accept_minutes"`
	ArriveMinutes  int      `json:"arrive_minutes"`
	ResolveMinutes int      `json:"resolve_minutes"`
	Sources        []string `json:"sources"`
}

// Daily is the settings of the hotspot rule: the township's emerging hot spots are
// analysed once a day, at the first tick after Hour o'clock China time, and at most
// MaxCells cells are raised that day, the hottest at the last step first.
type Daily struct {
	Enabled  bool `json:"enabled"`
	Hour     int  `json:"hour"`
	MaxCells int  `json:"max_cells"`
}

// Settings are a township's rule parameters.
type Settings struct {
	SOS          Switch    `json:"sos"`
	Offline      Duty      `json:"offline"`
	LeftArea     Lasting   `json:"left_area"`
	OffPlan      Adherence `json:"off_plan"`
	MockLocation Switch    `json:"mock_location"`
	CaseOverdue  SLA       `json:"case_overdue"`
	Hotspot      Daily     `json:"hotspot"`
}

// Limits of the parameters.
const (
	MaxMinutes    = 240      // the longest a condition may be required to last
	MinDistanceM  = 50       // off_plan.distance_m: below it GPS noise alone alerts
	MaxDistanceM  = 5000     // off_plan.distance_m
	MaxSLAMinutes = 7 * 1440 // the latest a dispatch stage may be due: a week
	MaxHotCells   = 100      // hotspot.max_cells
)

// DefaultSettings are the settings of a township that has none stored.
func DefaultSettings() Settings {
	return Settings{
		SOS:          Switch{Enabled: true},
		Offline:      Duty{Enabled: true, Minutes: 15, DutyFrom: "08:00", DutyTo: "20:00"},
		LeftArea:     Lasting{Enabled: true, Minutes: 10},
		OffPlan:      Adherence{Enabled: true, Minutes: 30, DistanceM: 300, AwayMinutes: 10},
		MockLocation: Switch{Enabled: true},
		CaseOverdue: SLA{Enabled: true, AssignMinutes: 30, AcceptMinutes: 60, ArriveMinutes: 120,
			Sources: []string{"hotline_12345", "citizen_app", "referral"}},
		Hotspot: Daily{Enabled: true, Hour: 6, MaxCells: 3},
	}
}

// Merge reads a JSON object of rules' settings over s: each rule present replaces that
// rule's settings whole, the others stay. Errors: invalid naming the field (an unknown
// or reserved rule, an unknown parameter, a value out of range).
func (s Settings) Merge(rules map[string]json.RawMessage) (Settings, error) {
	for _, name := range slices.Sorted(maps.Keys(rules)) {
		raw := rules[name]
		var err error
		switch Rule(name) {
		case SOS:
			err = strict(name, raw, &s.SOS)
		case MockLocation:
			err = strict(name, raw, &s.MockLocation)
		case CaseOverdue:
			if err = strict(name, raw, &s.CaseOverdue); err == nil {
				err = s.CaseOverdue.check(name)
			}
		case LeftArea:
			if err = strict(name, raw, &s.LeftArea); err == nil {
				err = s.LeftArea.check(name)
			}
		case OffPlan:
			if err = strict(name, raw, &s.OffPlan); err == nil {
				err = s.OffPlan.check(name)
			}
		case Offline:
			if err = strict(name, raw, &s.Offline); err == nil {
				err = s.Offline.check(name)
			}
		case Hotspot:
			if err = strict(name, raw, &s.Hotspot); err == nil {
				err = s.Hotspot.check(name)
			}
		default:
			err = apperr.Fieldf(name, "unknown rule %q (rules: sos, offline, left_area, off_plan, mock_location, case_overdue, hotspot)", truncate(name))
		}
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// strict decodes one rule's settings, refusing unknown parameters by name.
func strict(rule string, raw json.RawMessage, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return apperr.Fieldf(rule+"."+strings.Trim(name, `"`), "unknown parameter")
		}
		return apperr.Fieldf(rule, "must be an object of the rule's parameters")
	}
	return nil
}

func (l Lasting) check(rule string) error {
	if l.Minutes < 0 || l.Minutes > MaxMinutes {
		return apperr.Fieldf(rule+".minutes", "must be 0 to %d, not %d", MaxMinutes, l.Minutes)
	}
	return nil
}

func (a Adherence) check(rule string) error {
	if a.Minutes < 0 || a.Minutes > MaxMinutes {
		return apperr.Fieldf(rule+".minutes", "must be 0 to %d, not %d", MaxMinutes, a.Minutes)
	}
	if a.DistanceM < MinDistanceM || a.DistanceM > MaxDistanceM {
		return apperr.Fieldf(rule+".distance_m", "must be %d to %d metres, not %d", MinDistanceM, MaxDistanceM, a.DistanceM)
	}
	if a.AwayMinutes < 1 || a.AwayMinutes > MaxMinutes {
		return apperr.Fieldf(rule+".away_minutes", "must be 1 to %d, not %d", MaxMinutes, a.AwayMinutes)
	}
	return nil
}

func (s SLA) check(rule string) error {
	for _, p := range []struct {
		name    string
		minutes int
	}{{"assign_minutes", s.AssignMinutes}, {"accept_minutes", s.AcceptMinutes}, {"arrive_minutes", s.ArriveMinutes},
		{"resolve_minutes", s.ResolveMinutes}} {
		if p.minutes < 0 || p.minutes > MaxSLAMinutes {
			return apperr.Fieldf(rule+"."+p.name, "must be 0 (no deadline) to %d, not %d", MaxSLAMinutes, p.minutes)
		}
	}
	for _, src := range s.Sources {
		if !slices.Contains(caseSources, src) {
			return apperr.Fieldf(rule+".sources", "unknown case source %q (sources: %s)", truncate(src), strings.Join(caseSources, ", "))
		}
	}
	return nil
}

// caseSources are the names of the case sources (cases.Sources).
var caseSources = func() []string {
	var out []string
	for _, src := range cases.Sources {
		out = append(out, string(src))
	}
	return out
}()

func (d Daily) check(rule string) error {
	if d.Hour < 0 || d.Hour > 23 {
		return apperr.Fieldf(rule+".hour", "must be 0 to 23, not %d", d.Hour)
	}
	if d.MaxCells < 1 || d.MaxCells > MaxHotCells {
		return apperr.Fieldf(rule+".max_cells", "must be 1 to %d, not %d", MaxHotCells, d.MaxCells)
	}
	return nil
}

func (d Duty) check(rule string) error {
	if d.Minutes < 1 || d.Minutes > MaxMinutes {
		return apperr.Fieldf(rule+".minutes", "must be 1 to %d, not %d", MaxMinutes, d.Minutes)
	}
	if _, ok := clock(d.DutyFrom); !ok {
		return apperr.Fieldf(rule+".duty_from", "must be a time of day HH:MM, not %q", truncate(d.DutyFrom))
	}
	if _, ok := clock(d.DutyTo); !ok {
		return apperr.Fieldf(rule+".duty_to", "must be a time of day HH:MM, not %q", truncate(d.DutyTo))
	}
	return nil
}

// clock parses "HH:MM" into minutes after midnight.
func clock(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// china is the time zone duty hours are read in (UTC+8, no daylight saving).
var china = time.FixedZone("CST", 8*3600)

// OnDuty reports whether t falls in the duty hours.
func (d Duty) OnDuty(t time.Time) bool {
	from, ok1 := clock(d.DutyFrom)
	to, ok2 := clock(d.DutyTo)
	if !ok1 || !ok2 {
		return false
	}
	lt := t.In(china)
	m := lt.Hour()*60 + lt.Minute()
	if from == to {
		return true
	}
	if from < to {
		return m >= from && m < to
	}
	return m >= from || m < to // a night shift
}

// truncate shortens s for a message.
func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
