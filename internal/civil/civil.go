// Package civil holds the calendar day the bureaus' documents speak in: a date without a
// time, in China time (UTC+8), written 2006-01-02 in JSON, queries and files.
package civil

import (
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar day. Its Time is midnight UTC of that day; the day is China's.
type Date struct{ time.Time }

// ChinaTime is UTC+8, the time of the documents, the holiday arrangements and the
// townships' day.
var ChinaTime = time.FixedZone("CST", 8*60*60)

// ParseDate reads a day written 2006-01-02. Errors: a plain error naming the text.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date written YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// DateOf is the day, in China time, of the instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(ChinaTime).Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// String writes the day as 2006-01-02.
func (d Date) String() string { return d.Format(time.DateOnly) }

// AddDays is the day n calendar days later (earlier for a negative n).
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
