package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// Events are the event types a subscription may ask for: those of alerts (package
// alert's), of cases and of decisions (CaseEvents).
var Events = []string{"alert.raised", "alert.acknowledged", "alert.resolved", EventCase, EventDecisionMade, EventDecisionRevoked}

// Limits of a subscription.
const (
	MinSecret = 16   // bytes of secret at least
	MaxSecret = 256  // bytes of secret at most
	MaxURL    = 2000 // bytes of URL at most
)

// Headers of a delivery.
const (
	HeaderDelivery  = "X-Gridwatch-Delivery"  // the delivery's id, the same on every attempt: receivers deduplicate on it
	HeaderEvent     = "X-Gridwatch-Event"     // the event type
	HeaderTimestamp = "X-Gridwatch-Timestamp" // the attempt's time, epoch seconds
	HeaderSignature = "X-Gridwatch-Signature" // "sha256=" hex HMAC-SHA256(secret, timestamp + "." + body)
)

// Subscription is a receiver of events. Township "" takes every township's.
type Subscription struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Township  string    `json:"township,omitempty"`
	Active    bool      `json:"active"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	secret    []byte
}

// New is a subscription to create.
type New struct {
	URL      string   `json:"url"`
	Events   []string `json:"events"`
	Township string   `json:"township"`
	Secret   string   `json:"secret"`
}

// Validate checks a subscription before it is stored. Errors: invalid naming the field.
func (n New) Validate() error {
	u, err := url.Parse(n.URL)
	switch {
	case len(n.URL) > MaxURL:
		return apperr.Fieldf("url", "is longer than %d bytes", MaxURL)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "":
		return apperr.Fieldf("url", "must be an absolute http or https URL")
	case u.User != nil:
		return apperr.Fieldf("url", "must not carry credentials: the signature authenticates deliveries")
	case u.Fragment != "":
		return apperr.Fieldf("url", "must not have a fragment")
	}
	if len(n.Events) == 0 {
		return apperr.Fieldf("events", "name at least one of %s", strings.Join(Events, ", "))
	}
	for _, e := range n.Events {
		if !slices.Contains(Events, e) {
			return apperr.Fieldf("events", "unknown event type %q (one of %s)", truncate(e), strings.Join(Events, ", "))
		}
	}
	if len(n.Secret) < MinSecret || len(n.Secret) > MaxSecret {
		return apperr.Fieldf("secret", "must be %d to %d bytes, not %d", MinSecret, MaxSecret, len(n.Secret))
	}
	return nil
}

// Sign returns the signature header of a body sent at a time with a secret.
func Sign(secret []byte, at time.Time, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(at.Unix(), 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether a delivery's signature and timestamp headers match its body,
// for receivers written in Go (and tests).
func Verify(secret []byte, timestamp, signature string, body []byte) bool {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, time.Unix(sec, 0), body)), []byte(signature))
}

// Backoff is how long after its n-th failed attempt (from 1) a delivery waits: base
// doubled each time, at most an hour.
func Backoff(base time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
