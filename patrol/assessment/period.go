package assessment

import (
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/civil"
)

// The periods an assessment covers.
const (
	Month   = "month"
	Quarter = "quarter"
	Year    = "year"
)

// The levels of unit assessed.
const (
	Township = "township"
	Squadron = "squadron"
	Officer  = "officer"
)

// Levels are the levels in the order of the tables.
var Levels = []string{Township, Squadron, Officer}

// Window is the period assessed: its first day and the day after its last, China time,
// and the instants between which data counts. A period not yet over ends now (Partial).
type Window struct {
	Period  string     `json:"period"`
	First   civil.Date `json:"first"`
	End     civil.Date `json:"end"` // the day after the period's last
	From    time.Time  `json:"from"`
	To      time.Time  `json:"to"`
	Partial bool       `json:"partial"`
}

// ParseWindow reads period (month, quarter or year; "" is month) and from (a day
// YYYY-MM-DD within the period, "" for the last whole period before now): the period
// that holds from, in China time. Errors: invalid naming period or from, also for a
// period that has not begun.
func ParseWindow(period, from string, now time.Time) (Window, error) {
	if period == "" {
		period = Month
	}
	step := map[string][2]int{Month: {0, 1}, Quarter: {0, 3}, Year: {1, 0}}
	s, ok := step[period]
	if !ok {
		return Window{}, apperr.Invalidf("period %q: must be month, quarter or year", period)
	}
	first := func(d civil.Date) civil.Date {
		y, m, _ := d.Date()
		switch period {
		case Year:
			m = time.January
		case Quarter:
			m = time.Month((int(m)-1)/3*3 + 1)
		}
		return civil.Date{Time: time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)}
	}
	today := civil.DateOf(now)
	var w Window
	if from == "" {
		w.First = first(civil.Date{Time: first(today).AddDate(0, 0, -1)})
	} else {
		d, err := civil.ParseDate(from)
		if err != nil {
			return Window{}, apperr.Invalidf("from: %v", err)
		}
		w.First = first(d)
	}
	w.Period = period
	w.End = civil.Date{Time: w.First.AddDate(s[0], s[1], 0)}
	w.From = instant(w.First)
	w.To = instant(w.End)
	if !w.From.Before(now) {
		return Window{}, apperr.Invalidf("from: the %s from %s has not begun", period, w.First)
	}
	if w.To.After(now) {
		w.To, w.Partial = now, true
	}
	return w, nil
}

// instant is the start of day d in China time.
func instant(d civil.Date) time.Time {
	y, m, dd := d.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, civil.ChinaTime)
}

// Weeks is the number of 7-day steps from From that reach into the window, the last
// possibly short.
func (w Window) Weeks() int {
	const week = 7 * 24 * time.Hour
	return int((w.To.Sub(w.From) + week - 1) / week)
}
