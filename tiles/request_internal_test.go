package tiles

import (
	"context"
	"net/url"
	"testing"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
)

// anySector is a Cases that knows every sector: all that parsing asks of it.
type anySector struct{ Cases }

func (anySector) KnownSector(context.Context, string) (bool, error) { return true, nil }

// TestCaseQueryCanonical checks that the cases layer keys the cache by the parsed
// filters: one instant written two ways is one key, a scope or an officer is another,
// and a bad time is refused before any key is made.
func TestCaseQueryCanonical(t *testing.T) {
	parse := func(raw string, r Request) (string, error) {
		q, _ := url.ParseQuery(raw)
		p, _, err := bind(caseLayer{cases: anySector{}}).parse(context.Background(), q, r)
		if err != nil {
			return "", err
		}
		return p.String(), nil
	}
	for _, tc := range []struct {
		name  string
		a, b  string
		ra    Request
		rb    Request
		equal bool
	}{
		{"one instant in two zones", "from=2026-11-27T08:00:00%2B08:00&sector=water", "sector=water&from=2026-11-27T00:00:00Z", Request{}, Request{}, true},
		{"other status", "status=closed", "status=reported", Request{}, Request{}, false},
		{"other township", "", "", Request{Caller: auth.Identity{Township: "A"}}, Request{Caller: auth.Identity{Township: "B"}}, false},
		{"officer confined", "", "", Request{}, Request{Officer: "o1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, errA := parse(tc.a, tc.ra)
			b, errB := parse(tc.b, tc.rb)
			if errA != nil || errB != nil || (a == b) != tc.equal {
				t.Errorf("keys %q, %q (%v, %v); want equal %v", a, b, errA, errB, tc.equal)
			}
		})
	}
	if _, err := parse("to=tomorrow", Request{}); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("to=tomorrow: error %v, want invalid", err)
	}
}
