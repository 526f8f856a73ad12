package analytics

import (
	"context"
	"net/url"
	"time"

	"github.com/gridwatch/gridwatch/internal/auth"
)

// ParseScopedQuery is [Store.ParseQuery] for a caller confined to township ("" = the
// whole city), for callers such as the tile layers that hold the caller's scope rather
// than its identity. Errors: invalid, forbidden.
func (s *Store) ParseScopedQuery(ctx context.Context, q url.Values, township string, now time.Time, span time.Duration, limits Limits) (Query, error) {
	// ParseQuery reads nothing of the identity but its township.
	return s.ParseQuery(ctx, q, auth.Identity{Township: township}, now, span, limits)
}
