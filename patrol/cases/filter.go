package cases

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// Sector selections of a Filter besides a sector's code.
const (
	AllSectors = ""         // every sector ("all" in a query string)
	NonCore    = "non_core" // every sector that is not core
)

// Filter selects cases; zero fields select all. ParseFilter reads one from a query
// string and validates it; filterWhere is the one SQL that applies it.
type Filter struct {
	Townships []string // the townships the cases fall in; none: anywhere
	Sector    string   // AllSectors, NonCore or a sector code
	Statuses  []Status // none: every status
	Open      *bool    // true: not yet resolved/referred/closed; false: those
	From, To  time.Time
	Officer   string
	Limit     int // List: default 1,000, at most 10,000
}

// Window says how ParseFilter reads the from and to parameters (RFC 3339, see
// httpx.TimeRange): a missing to is Now, a missing from is Span before to, and the window
// may be at most Max long.
type Window struct {
	Now       time.Time
	Span, Max time.Duration
	// Always applies the window to a query that names neither end: Span before Now.
	// Without it such a query selects every report time.
	Always bool
	// AnyStatus leaves the status parameter unread: the caller counts cases of every
	// status.
	AnyStatus bool
	// Open leaves an end the query does not name open and checks neither the order nor
	// the length of the window; Now, Span, Max and Always are not read. The cases layer
	// of the map tiles reads its window so: its cache key must not depend on the clock.
	Open bool
}

// SectorChecker reports whether a code names a sector (the case Store does).
type SectorChecker interface {
	KnownSector(ctx context.Context, code string) (bool, error)
}

// ParseFilter reads the case filter of a query string — sector (a code, non_core, all or
// empty), status (a comma list), from/to (by w), township (a comma list) — and confines a
// scoped caller to its township. Sector codes are looked up with sectors, only when the
// query names one. Errors: invalid (unknown sector or status, a bad window), forbidden (a
// scoped caller naming another township), and the lookup's.
func ParseFilter(ctx context.Context, q url.Values, who auth.Identity, sectors SectorChecker, w Window) (Filter, error) {
	var f Filter
	switch sector := q.Get("sector"); sector {
	case AllSectors, "all":
	case NonCore:
		f.Sector = NonCore
	default:
		ok, err := sectors.KnownSector(ctx, sector)
		if err != nil {
			return f, err
		}
		if !ok {
			return f, apperr.Invalidf("unknown sector %q (see /api/v1/sectors; or all, non_core)", sector)
		}
		f.Sector = sector
	}
	if s := q.Get("status"); s != "" && !w.AnyStatus {
		for _, name := range strings.Split(s, ",") {
			if !validStatus(Status(name)) {
				return f, apperr.Invalidf("unknown status %q", name)
			}
			f.Statuses = append(f.Statuses, Status(name))
		}
	}
	var err error
	switch {
	case w.Open:
		if f.From, err = httpx.QueryTime(q, "from", time.Time{}); err != nil {
			return f, err
		}
		if f.To, err = httpx.QueryTime(q, "to", time.Time{}); err != nil {
			return f, err
		}
	case w.Always || q.Get("from") != "" || q.Get("to") != "":
		if f.From, f.To, err = httpx.TimeRange(q, w.Now, w.Span, w.Max); err != nil {
			return f, err
		}
	}
	if t := q.Get("township"); t != "" {
		f.Townships = strings.Split(t, ",")
	}
	return f.scoped(who)
}

// scoped confines the filter to a scoped caller's township. Errors: forbidden when the
// filter names another township.
func (f Filter) scoped(who auth.Identity) (Filter, error) {
	if !who.Scoped() {
		return f, nil
	}
	for _, t := range f.Townships {
		if err := who.CheckTownship(t); err != nil {
			return f, err
		}
	}
	f.Townships = []string{who.Township}
	return f, nil
}

func validStatus(s Status) bool {
	switch s {
	case StatusReported, StatusAssigned, StatusAccepted, StatusOnSite, StatusResolved, StatusReferred, StatusClosed,
		StatusFiled, StatusInvestigating, StatusNotified, StatusReviewed, StatusDecided, StatusDelivered, StatusExecuted:
		return true
	}
	return false
}

// filterWhere is the condition that applies a Filter, on the columns of cases; its
// arguments are filterArgs, $1 to $7, so that a query adds its own from $8. Townships are
// matched on township_key too (the same value for a case in a township), the
// distribution column on Citus, so that a township's cases are read on its shard alone.
const filterWhere = `(coalesce(cardinality($1::text[]), 0) = 0 OR (township_key = ANY($1) AND township = ANY($1)))
	AND ($2 = '' OR sector = $2 OR ($2 = 'non_core' AND sector IN (SELECT code FROM sectors WHERE NOT core)))
	AND (coalesce(cardinality($3::text[]), 0) = 0 OR status = ANY($3))
	AND ($4 = -1 OR (status NOT IN ('resolved', 'referred', 'closed')) = ($4 = 1))
	AND ($5::timestamptz IS NULL OR reported_at >= $5)
	AND ($6::timestamptz IS NULL OR reported_at < $6)
	AND ($7 = '' OR officer = $7)`

// filterArgs returns the arguments of filterWhere followed by more.
func (f Filter) filterArgs(more ...any) []any {
	statuses := make([]string, len(f.Statuses))
	for i, s := range f.Statuses {
		statuses[i] = string(s)
	}
	open := -1
	if f.Open != nil {
		open = map[bool]int{false: 0, true: 1}[*f.Open]
	}
	return append([]any{f.Townships, f.Sector, statuses, open, nullTime(f.From), nullTime(f.To), f.Officer}, more...)
}

// KnownSector reports whether code names a sector.
func (s *Store) KnownSector(ctx context.Context, code string) (bool, error) {
	list, err := s.Sectors(ctx)
	return slices.ContainsFunc(list, func(sec Sector) bool { return sec.Code == code }), err
}
