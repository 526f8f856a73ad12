package calendar

import (
	"slices"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/civil"
)

// Date is a calendar day in China time; see package civil.
type Date = civil.Date

// ParseDate reads a day written 2006-01-02. Errors: a plain error naming the text.
func ParseDate(s string) (Date, error) { return civil.ParseDate(s) }

// DateOf is the day, in China time, of the instant t.
func DateOf(t time.Time) Date { return civil.DateOf(t) }

// Year is one year's arrangement: the days off (every day of each holiday break,
// weekends within it included) and the weekend days worked instead (调休).
type Year struct {
	Year     int    `json:"year"`
	Source   string `json:"source,omitempty"` // the notice that published it
	Holidays []Date `json:"holidays"`
	Workdays []Date `json:"workdays"`
}

// MinYear and MaxYear bound the years a calendar may hold.
const (
	MinYear = 2000
	MaxYear = 2100
)

// Validate checks an arrangement: a year in range, every date within it, no date twice
// and none both a holiday and a working day, a source of at most 500 bytes. It sorts the
// dates. Errors: invalid, naming the first bad date.
func (y *Year) Validate() error {
	if y.Year < MinYear || y.Year > MaxYear {
		return apperr.Invalidf("year %d is outside %d..%d", y.Year, MinYear, MaxYear)
	}
	if len(y.Source) > 500 {
		return apperr.Invalidf("the source is longer than 500 bytes")
	}
	if len(y.Holidays)+len(y.Workdays) > 366 {
		return apperr.Invalidf("more dates than the year has days")
	}
	seen := map[Date]string{}
	for _, list := range []struct {
		kind  string
		dates []Date
	}{{"holiday", y.Holidays}, {"working day", y.Workdays}} {
		for _, d := range list.dates {
			if d.IsZero() {
				return apperr.Invalidf("a %s has no date", list.kind)
			}
			if d.Year() != y.Year {
				return apperr.Invalidf("%s %s is not in year %d", list.kind, d, y.Year)
			}
			if prev, dup := seen[d]; dup {
				if prev == list.kind {
					return apperr.Invalidf("%s %s is listed twice", list.kind, d)
				}
				return apperr.Invalidf("%s is both a holiday and a working day", d)
			}
			seen[d] = list.kind
		}
	}
	byTime := func(a, b Date) int { return a.Compare(b.Time) }
	slices.SortFunc(y.Holidays, byTime)
	slices.SortFunc(y.Workdays, byTime)
	return nil
}

// WeekdaysOnly is the note a period carries when a year it crosses has no arrangement.
const WeekdaysOnly = "weekdays only"

// Calendar answers which days are working days, from the arrangements of the years it
// holds; a day of another year is a working day from Monday to Friday.
type Calendar struct {
	years map[int]bool
	days  map[Date]bool // true: working day (调休), false: holiday
}

// New returns a Calendar of the years given.
func New(years ...Year) Calendar {
	c := Calendar{years: map[int]bool{}, days: map[Date]bool{}}
	for _, y := range years {
		c.years[y.Year] = true
		for _, d := range y.Holidays {
			c.days[d] = false
		}
		for _, d := range y.Workdays {
			c.days[d] = true
		}
	}
	return c
}

// Has reports whether the calendar holds the arrangement of year.
func (c Calendar) Has(year int) bool { return c.years[year] }

// IsWorkday reports whether d is a working day.
func (c Calendar) IsWorkday(d Date) bool {
	if w, ok := c.days[d]; ok {
		return w
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays returns the day on which a period of n working days that starts on from
// ends: the day of the event does not count (the law's periods start the next day), the
// nth working day after it is the last day. It also reports whether a year it crossed had
// no arrangement, so that weekdays alone were counted there. n ≤ 0 gives from.
func (c Calendar) AddWorkdays(from Date, n int) (due Date, weekdaysOnly bool) {
	d := from
	weekdaysOnly = !c.years[d.Year()]
	for n > 0 {
		d = d.AddDays(1)
		if !c.years[d.Year()] {
			weekdaysOnly = true
		}
		if c.IsWorkday(d) {
			n--
		}
	}
	return d, weekdaysOnly
}
