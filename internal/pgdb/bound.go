package pgdb

import "github.com/paulmach/orb"

// BoundArgs returns a bound's west, south, east and north edges, in that order: the
// arguments of ST_MakeEnvelope($n, $n+1, $n+2, $n+3, srid).
func BoundArgs(b orb.Bound) []any { return []any{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} }
