package cases

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
)

// knownSectors is a SectorChecker over a fixed list.
type knownSectors []string

func (k knownSectors) KnownSector(_ context.Context, code string) (bool, error) {
	return slices.Contains(k, code), nil
}

func TestParseFilter(t *testing.T) {
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	w := Window{Now: now, Span: 24 * time.Hour, Max: 7 * 24 * time.Hour}
	analyst := auth.Identity{Role: auth.Analyst}
	scoped := auth.Identity{Role: auth.Supervisor, Township: "A"}
	for _, tc := range []struct {
		name  string
		query string
		who   auth.Identity
		w     Window
		want  Filter
		code  apperr.Code
	}{
		{name: "empty", query: "", who: analyst, w: w},
		{name: "all sectors", query: "sector=all", who: analyst, w: w},
		{name: "non-core", query: "sector=non_core", who: analyst, w: w, want: Filter{Sector: NonCore}},
		{name: "known sector", query: "sector=fire", who: analyst, w: w, want: Filter{Sector: "fire"}},
		{name: "unknown sector", query: "sector=astrology", who: analyst, w: w, code: apperr.Invalid},
		{name: "statuses", query: "status=reported,closed", who: analyst, w: w, want: Filter{Statuses: []Status{StatusReported, StatusClosed}}},
		{name: "unknown status", query: "status=open", who: analyst, w: w, code: apperr.Invalid},
		{name: "status not read", query: "status=open", who: analyst, w: Window{AnyStatus: true}},
		{name: "window", query: "to=2026-11-20T00:00:00Z", who: analyst, w: w,
			want: Filter{From: time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}},
		{name: "window always", query: "", who: analyst, w: Window{Now: now, Span: time.Hour, Max: time.Hour, Always: true},
			want: Filter{From: now.Add(-time.Hour), To: now}},
		{name: "window too long", query: "from=2026-01-01T00:00:00Z", who: analyst, w: w, code: apperr.Invalid},
		{name: "window open", query: "from=2026-01-01T00:00:00Z", who: analyst, w: Window{Open: true},
			want: Filter{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{name: "window open, bad time", query: "to=tomorrow", who: analyst, w: Window{Open: true}, code: apperr.Invalid},
		{name: "townships", query: "township=A,B", who: analyst, w: w, want: Filter{Townships: []string{"A", "B"}}},
		{name: "scoped", query: "", who: scoped, w: w, want: Filter{Townships: []string{"A"}}},
		{name: "scoped other township", query: "township=A,B", who: scoped, w: w, code: apperr.Forbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseFilter(context.Background(), q, tc.who, knownSectors{"fire"}, tc.w)
			if tc.code != "" {
				if apperr.CodeOf(err) != tc.code {
					t.Errorf("ParseFilter(%q) error = %v, want %s", tc.query, err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", tc.query, err)
			}
			if !slices.Equal(got.Townships, tc.want.Townships) || got.Sector != tc.want.Sector ||
				!slices.Equal(got.Statuses, tc.want.Statuses) || !got.From.Equal(tc.want.From) || !got.To.Equal(tc.want.To) {
				t.Errorf("ParseFilter(%q) = %+v, want %+v", tc.query, got, tc.want)
			}
		})
	}
}
