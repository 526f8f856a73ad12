package ingest

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
)

// The defaults of [FilterConfig].
const (
	// DefaultMaxAccuracyM keeps fixes whose accuracy radius is at most
	// 100 m: GNSS fixes outdoors, most Wi-Fi fixes, not cell-tower ones.
	DefaultMaxAccuracyM = 100.0
	// DefaultMaxSpeedMS is 60 m/s, 216 km/h: officers drive, but not
	// faster than that, so a jump that needs more is a bad fix.
	DefaultMaxSpeedMS = 60.0
	// DefaultFutureTolerance allows a device clock 5 minutes fast.
	DefaultFutureTolerance = 5 * time.Minute
	// DefaultMaxAge accepts fixes up to 7 days old, the time a phone may
	// buffer positions while offline.
	DefaultMaxAge = 7 * 24 * time.Hour
)

// FilterConfig holds the limits of [Check]. A zero (or negative) field
// means its default (so FilterConfig{} is the default configuration); to switch a
// check off, set a limit no fix can break, such as math.Inf(1) or a
// Duration of a hundred years.
type FilterConfig struct {
	// MaxAccuracyM is the largest accuracy radius accepted, in metres.
	// Fixes of unknown accuracy pass. Default [DefaultMaxAccuracyM].
	MaxAccuracyM float64
	// MaxSpeedMS is the largest speed, in metres per second, that a fix
	// may imply from the previous accepted one. Default [DefaultMaxSpeedMS].
	MaxSpeedMS float64
	// FutureTolerance is how far past now a fix's time may be, for device
	// clocks that run fast. Default [DefaultFutureTolerance].
	FutureTolerance time.Duration
	// MaxAge is how far before now a fix's time may be. Default
	// [DefaultMaxAge].
	MaxAge time.Duration
}

// WithDefaults returns c with every zero (or negative) field set to its
// default.
func (c FilterConfig) WithDefaults() FilterConfig {
	if !(c.MaxAccuracyM > 0) {
		c.MaxAccuracyM = DefaultMaxAccuracyM
	}
	if !(c.MaxSpeedMS > 0) {
		c.MaxSpeedMS = DefaultMaxSpeedMS
	}
	if c.FutureTolerance <= 0 {
		c.FutureTolerance = DefaultFutureTolerance
	}
	if c.MaxAge <= 0 {
		c.MaxAge = DefaultMaxAge
	}
	return c
}

// validCoordinates reports whether p is finite and within lon [-180, 180],
// lat [-90, 90]. The comparisons are false for NaN.
// ValidCoordinates reports whether p is a [lon, lat] position at all: finite, lon in
// [-180, 180], lat in [-90, 90].
func ValidCoordinates(p orb.Point) bool {
	lon, lat := p[0], p[1]
	return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

// Check decides whether f, a fix already converted to WGS-84, is plausible
// enough to store, and returns nil when it is or a Rejection (with Index 0)
// saying why not. The checks run in this order, and the first that fails
// gives the code:
//
//   - [CodeInvalidCoordinates]: a NaN or infinite coordinate, lat outside
//     [-90, 90] or lon outside [-180, 180];
//   - [CodeZeroCoordinates]: exactly (0, 0), what devices send for "no fix";
//   - [CodeFutureTime]: f.Time after now + cfg.FutureTolerance;
//   - [CodeTooOld]: f.Time before now − cfg.MaxAge;
//   - [CodeLowAccuracy]: a known accuracy above cfg.MaxAccuracyM;
//   - [CodeImpliedSpeed]: when prev, the previous accepted fix of the same
//     officer, is given, the great-circle distance between the two divided
//     by the time between them (in either order) exceeds cfg.MaxSpeedMS.
//     Two fixes at the same instant in different places are impossible
//     and refused; at the same instant and the same place f is a duplicate,
//     which Check lets through for the caller to recognise (same officer
//     and time).
func Check(f Fix, prev *Fix, now time.Time, cfg FilterConfig) *Rejection {
	cfg = cfg.WithDefaults()
	lon, lat := f.Point[0], f.Point[1]
	switch {
	case !ValidCoordinates(f.Point):
		return reject(CodeInvalidCoordinates, "lat %g, lon %g is not a position on Earth", lat, lon)
	case lon == 0 && lat == 0:
		return reject(CodeZeroCoordinates, "lat 0, lon 0 is a placeholder, not a fix")
	case f.Time.After(now.Add(cfg.FutureTolerance)):
		return reject(CodeFutureTime, "time %s is more than %s ahead of the server clock",
			f.Time.Format(time.RFC3339), cfg.FutureTolerance)
	case f.Time.Before(now.Add(-cfg.MaxAge)):
		return reject(CodeTooOld, "time %s is more than %s old",
			f.Time.Format(time.RFC3339), cfg.MaxAge)
	case f.AccuracyM != nil && *f.AccuracyM > cfg.MaxAccuracyM:
		return reject(CodeLowAccuracy, "accuracy %.0f m is worse than the %.0f m accepted",
			*f.AccuracyM, cfg.MaxAccuracyM)
	}
	if prev == nil {
		return nil
	}
	distM := geo.DistanceMeters(prev.Point, f.Point)
	dt := f.Time.Sub(prev.Time).Abs().Seconds()
	if dt == 0 {
		if distM == 0 {
			return nil // a duplicate: the caller's to count
		}
		return reject(CodeImpliedSpeed, "%.0f m from the previous fix at the same time", distM)
	}
	// The NaN case cannot arise: both points passed validCoordinates (prev
	// when it was accepted) and dt is positive.
	if speed := distM / dt; speed > cfg.MaxSpeedMS {
		return reject(CodeImpliedSpeed, "%.0f m in %.0f s from the previous fix is %.0f m/s, above the %.0f m/s accepted",
			distM, dt, speed, cfg.MaxSpeedMS)
	}
	return nil
}

// Filter runs [Check] over the items of one upload that all belong to one
// officer (or device), in time order, carrying the last accepted fix as
// the previous one: it starts from prev, the officer's latest stored fix
// or nil, and moves on to each fix it accepts.
//
// Items the parser already refused pass through as rejections. Items are
// checked by ascending Time, ties in upload order. accepted is in time
// order; rejected is sorted by Index, the items' original positions in the
// upload. Duplicates (same time and place as the previous accepted fix)
// are accepted, for the store to count.
//
// A bad fix that happens to be accepted first makes later good ones look
// like jumps; starting from a trusted prev avoids that for all but an
// officer's first upload.
func Filter(items []RawFix, prev *Fix, now time.Time, cfg FilterConfig) (accepted []Fix, rejected []Rejection) {
	cfg = cfg.WithDefaults()
	order := make([]int, 0, len(items))
	for i := range items {
		if r := items[i].Reject; r != nil {
			rejected = append(rejected, *r)
			rejected[len(rejected)-1].Index = items[i].Index
			continue
		}
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return items[a].Fix.Time.Compare(items[b].Fix.Time)
	})
	accepted = make([]Fix, 0, len(order))
	var last Fix // the last accepted fix, which prev points to once there is one
	for _, i := range order {
		f := items[i].Fix
		if r := Check(f, prev, now, cfg); r != nil {
			r.Index = items[i].Index
			rejected = append(rejected, *r)
			continue
		}
		accepted = append(accepted, f)
		last = f
		prev = &last
	}
	slices.SortFunc(rejected, func(a, b Rejection) int { return cmp.Compare(a.Index, b.Index) })
	return accepted, rejected
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
