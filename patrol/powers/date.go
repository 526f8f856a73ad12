package powers

import (
	"encoding/json"
	"fmt"
	"time"
)

// dateLayout is how a Date is written in JSON, queries and files.
const dateLayout = time.DateOnly

// Date is a calendar day (a delegation's bounds, an adjustment's effective date). Its
// Time is midnight UTC of that day; days are those of the documents, in China time.
type Date struct{ time.Time }

// ParseDate reads a day written 2006-01-02. Errors: a plain error naming the text.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date written YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// DateOf is the day, in China time, of the instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(chinaTime).Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// chinaTime is UTC+8, the time of the documents and of the township's day.
var chinaTime = time.FixedZone("CST", 8*60*60)

// String writes the day as 2006-01-02.
func (d Date) String() string { return d.Format(dateLayout) }

// AddDays is the day n days later (earlier for a negative n).
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
