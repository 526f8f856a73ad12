package cases

import (
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
)

// Time claims: a client may say when a case was reported (reported_at) or when an event
// happened (at). Hot spots, SLA and plans read those times, so how far back they may go
// is bounded.
var (
	// ClaimFloor is the earliest time anybody may claim: nothing this system holds
	// happened before it, and an earlier time is a typo or an attack (1970-01-01).
	ClaimFloor = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
)

const (
	// DefaultClaimWindow is how far back a reporter, officer or device token may date a
	// case or an event.
	DefaultClaimWindow = 7 * 24 * time.Hour
	// BackdateTolerance is how far a claimed time may differ from the time it was
	// received (clocks of phones, a queue in a car with no signal) without the history
	// recording both and the case being marked back-dated.
	BackdateTolerance = 5 * time.Minute
)

// fieldRoles are the roles whose claims must lie within the claim window: they record
// what happens now, in the field; admins and supervisors may enter older paper cases.
var fieldRoles = []auth.Role{auth.Reporter, auth.Officer, auth.Device}

// CheckClaim checks a time claimed by who (name is the field, for the message) against
// received, the time the server got it: never before ClaimFloor, and for reporter,
// officer and device tokens never more than window before received (window ≤ 0 takes
// DefaultClaimWindow). The zero claim (none) passes. Errors: invalid.
func CheckClaim(who auth.Identity, name string, claimed, received time.Time, window time.Duration) error {
	if claimed.IsZero() {
		return nil
	}
	if claimed.Before(ClaimFloor) {
		return apperr.Invalidf("%s %s is before %s: no case of this system is that old",
			name, claimed.Format(time.RFC3339), ClaimFloor.Format("2006-01-02"))
	}
	if window <= 0 {
		window = DefaultClaimWindow
	}
	for _, r := range fieldRoles {
		if who.Role == r && received.Sub(claimed) > window {
			return apperr.Invalidf("%s %s is more than %s before now: a %s token may not date a record further back; a supervisor may enter an older one",
				name, claimed.Format(time.RFC3339), window, who.Role)
		}
	}
	return nil
}

// backdated reports whether a claimed time is back-dating: more than BackdateTolerance
// from the time received (either way; the future is refused elsewhere).
func backdated(claimed, received time.Time) bool {
	d := received.Sub(claimed)
	return d > BackdateTolerance || d < -BackdateTolerance
}
