package calendar

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// Date is a calendar day. Its Time is midnight UTC of that day; days are China's.
type Date struct{ time.Time }

// ParseDate reads a day written 2006-01-02. Errors: a plain error naming the text.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date written YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// chinaTime is UTC+8, the time of the arrangement and of the bureaus' day.
var chinaTime = time.FixedZone("CST", 8*60*60)

// DateOf is the day, in China time, of the instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(chinaTime).Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// String writes the day as 2006-01-02.
func (d Date) String() string { return d.Format(time.DateOnly) }

// AddDays is the day n calendar days later.
func (d Date) AddDays(n int) Date { return Date{d.AddDate(0, 0, n)} }

// MarshalJSON writes the day as "2006-01-02".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a day written "2006-01-02".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date is a string written YYYY-MM-DD")
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

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
