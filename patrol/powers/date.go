package powers

import (
	"time"

	"github.com/gridwatch/gridwatch/internal/civil"
)

// Date is a calendar day (a delegation's bounds, an adjustment's effective date), in
// China time; see package civil.
type Date = civil.Date

// ParseDate reads a day written 2006-01-02. Errors: a plain error naming the text.
func ParseDate(s string) (Date, error) { return civil.ParseDate(s) }

// DateOf is the day, in China time, of the instant t.
func DateOf(t time.Time) Date { return civil.DateOf(t) }
