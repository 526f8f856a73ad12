package analytics

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
)

// FuzzParseQuery reads arbitrary query strings with ParseQuery, for an unscoped analyst
// and a supervisor scoped to one township, and cuts the window into emerging hot spot steps. Sector
// codes other than all and non_core need the database and are left out. Failures are
// invalid (or forbidden: a scoped caller naming another township). An accepted query
// has from before to within the maximum window, k of 1 to 5, permutations within the
// limit and, for a scoped caller, exactly its own township. Seeds: f.Add below.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"", "sector=all", "sector=non_core", "from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z", "k=5", "k=0", "k=6",
		"permutations=999", "permutations=10000", "permutations=-1", "township=320281001", "township=320281001,320281002",
		"township=,", "from=2026-11-01T00:00:00Z&to=2026-10-01T00:00:00Z", "from=2024-01-01T00:00:00Z",
		"to=0001-01-01T00:00:00Z", "from=2026-11-27T00:00:00.999999999+14:00&step=day", "step=month&from=2026-01-31T00:00:00Z",
		"step=week", "step=year", "k=1e1", "k=%zz",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	limits := Limits{}
	limits.defaults()
	var s *Store // no sector lookups reach the database below
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if sec := q.Get("sector"); sec != "" && sec != "all" && sec != "non_core" {
			return
		}
		for _, who := range []auth.Identity{{Role: auth.Analyst}, {Role: auth.Supervisor, Township: "320281001"}} {
			p, err := s.ParseQuery(context.Background(), q, who, now, 30*24*time.Hour, Limits{})
			if err != nil {
				c := apperr.CodeOf(err)
				if c != apperr.Invalid && !(c == apperr.Forbidden && who.Scoped()) {
					t.Fatalf("ParseQuery(%q) for %+v: error %v", raw, who, err)
				}
				continue
			}
			switch {
			case !p.From.Before(p.To) || p.To.Sub(p.From) > limits.MaxWindow:
				t.Fatalf("ParseQuery(%q): window %v .. %v", raw, p.From, p.To)
			case p.K < 1 || p.K > 5 || p.Permutations < 0 || p.Permutations > limits.MaxPermutations:
				t.Fatalf("ParseQuery(%q): k %d, permutations %d", raw, p.K, p.Permutations)
			case p.Sector != "" && p.Sector != "non_core":
				t.Fatalf("ParseQuery(%q): sector %q", raw, p.Sector)
			case who.Scoped() && !slices.Equal(p.Townships, []string{who.Township}):
				t.Fatalf("ParseQuery(%q) for a scoped caller: townships %q", raw, p.Townships)
			case !who.Scoped() && q.Get("township") != "" && strings.Join(p.Townships, ",") != q.Get("township"):
				t.Fatalf("ParseQuery(%q): townships %q", raw, p.Townships)
			}
			steps, err := NewSteps(q.Get("step"), p.From, p.To, limits.MaxSteps)
			if err != nil {
				if apperr.CodeOf(err) != apperr.Invalid {
					t.Fatalf("NewSteps(%q): error %v", raw, err)
				}
				continue
			}
			checkSteps(t, raw, steps, p.From, p.To, limits.MaxSteps)
		}
	})
}
