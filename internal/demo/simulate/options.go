package simulate

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// Mode is how an officer gets around on patrol.
type Mode int

const (
	// Walk is patrolling on foot, at Options.WalkSpeedMinMS to
	// WalkSpeedMaxMS.
	Walk Mode = iota
	// EBike is patrolling on an electric bicycle or scooter, at
	// Options.EBikeSpeedMinMS to EBikeSpeedMaxMS.
	EBike
)

// String returns "walk" or "ebike".
func (m Mode) String() string {
	switch m {
	case Walk:
		return "walk"
	case EBike:
		return "ebike"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Officer is one patrolling officer and the ground they cover.
type Officer struct {
	// ID is the officer ID, copied to every fix's Officer; required and
	// unique within a [Day]. It also seeds the officer's random streams,
	// so an officer's day does not change when others are added.
	ID string
	// DeviceID is copied to every fix's DeviceID; it may be empty.
	DeviceID string
	// Area is the set of H3 cells of the officer's grid area or areas, all
	// of one resolution; the order does not matter and duplicates are
	// ignored. It must not be empty.
	Area []h3.Cell
	// Base is where the officer's patrol starts, WGS-84 [lon, lat]: the
	// bureau or the squadron's post. The patrolled part of Area grows from
	// the cell holding Base, or from the Area cell whose centre is nearest
	// to Base when Base lies outside Area (the ride from the post is not
	// simulated). The zero point stands for the centre of Area.
	Base orb.Point
	// Mode is Walk or EBike.
	Mode Mode
}

// Shift is the working time simulated for every officer of a [Day].
type Shift struct {
	Start    time.Time     // the first fix of every officer is taken at Start
	Duration time.Duration // no fix is taken at or after Start + Duration
}

// The defaults of [Options].
const (
	DefaultIntervalMin       = 5 * time.Second  // shortest time between two fixes
	DefaultIntervalMax       = 10 * time.Second // longest time between two fixes
	DefaultNoiseSigmaM       = 4.0              // GPS error per axis in the open, metres (1σ)
	DefaultDegradedProb      = 0.002            // chance per fix that a spell of poor reception starts
	DefaultDegradedSigmaMinM = 20.0             // smallest GPS error per axis in such a spell, metres
	DefaultDegradedSigmaMaxM = 40.0             // largest GPS error per axis in such a spell, metres
	DefaultBadFixProb        = 0.002            // chance per fix that it is a bad fix (0.2 %)
	DefaultWalkSpeedMinMS    = 1.1              // slowest walking pace, m/s
	DefaultWalkSpeedMaxMS    = 1.5              // fastest walking pace, m/s
	DefaultEBikeSpeedMinMS   = 4.0              // slowest e-bike speed, m/s (14 km/h)
	DefaultEBikeSpeedMaxMS   = 6.0              // fastest e-bike speed, m/s (22 km/h)
	DefaultStopsMin          = 2                // fewest stops planned per shift
	DefaultStopsMax          = 6                // most stops planned per shift
	DefaultStopMin           = 5 * time.Minute  // shortest stop
	DefaultStopMax           = 25 * time.Minute // longest stop
	DefaultLunchMin          = 30 * time.Minute // shortest lunch break
	DefaultLunchMax          = 60 * time.Minute // longest lunch break
	DefaultCoverageFraction  = 0.75             // share of its area an officer patrols
)

// MinLunchShift is the shortest shift with a lunch break.
const MinLunchShift = 4 * time.Hour

// The limits that keep every good fix acceptable to [ingest.Check] with its
// default configuration.
const (
	// MaxSigmaM is the largest GPS error per axis allowed, in metres: the
	// accuracy reported is at most 1.2 × 1.51 × σ, which must stay under
	// ingest.DefaultMaxAccuracyM.
	MaxSigmaM = 55.0
	// MaxSpeedMS is the largest travel speed allowed, in metres per second,
	// half of ingest.DefaultMaxSpeedMS so that GPS error on top of it never
	// implies an impossible speed.
	MaxSpeedMS = ingest.DefaultMaxSpeedMS / 2
)

// Options tunes the simulation. The zero value asks for the defaults: a
// zero field means its default. A negative DegradedProb or BadFixProb
// switches that kind of error off, a negative StopsMax means no stops, and
// a negative LunchMax means no lunch break.
type Options struct {
	// IntervalMin and IntervalMax bound the time between two fixes of a
	// device, drawn uniformly in whole milliseconds. Defaults 5 s and 10 s.
	IntervalMin, IntervalMax time.Duration
	// NoiseSigmaM is the standard deviation per axis, in metres, of the
	// GPS error in good reception. Default 4 m.
	NoiseSigmaM float64
	// DegradedProb is the chance, per fix, that a spell of poor reception
	// (among buildings, under trees) of 1 to 4 minutes starts, in which the
	// error grows to a standard deviation drawn from DegradedSigmaMinM to
	// DegradedSigmaMaxM. Defaults 0.002, 20 m and 40 m.
	DegradedProb                         float64
	DegradedSigmaMinM, DegradedSigmaMaxM float64
	// BadFixProb is the chance, per fix, that the device sends a bad fix
	// instead, one that ingest.Check refuses. Default 0.002.
	BadFixProb float64
	// Speeds of the two modes, metres per second; each trip to a target
	// cell draws its speed uniformly between the bounds. Defaults 1.1–1.5
	// on foot and 4–6 on an e-bike.
	WalkSpeedMinMS, WalkSpeedMaxMS   float64
	EBikeSpeedMinMS, EBikeSpeedMaxMS float64
	// StopsMin and StopsMax bound the number of stops planned per shift,
	// and StopMin and StopMax the length of each. Defaults 2–6 stops of 5
	// to 25 minutes.
	StopsMin, StopsMax int
	StopMin, StopMax   time.Duration
	// LunchMin and LunchMax bound the lunch break, during which the phone
	// is off. Defaults 30 and 60 minutes.
	LunchMin, LunchMax time.Duration
	// CoverageFraction is the share of an officer's area cells that the
	// officer patrols at all, in (0, 1]; the rest is never entered. Default
	// 0.75.
	CoverageFraction float64
}

// withDefaults returns o with every zero field set to its default and the
// switched-off features normalised, or an error when o is out of range.
func (o Options) withDefaults() (Options, error) {
	durations := []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&o.IntervalMin, DefaultIntervalMin}, {&o.IntervalMax, DefaultIntervalMax},
		{&o.StopMin, DefaultStopMin}, {&o.StopMax, DefaultStopMax},
		{&o.LunchMin, DefaultLunchMin}, {&o.LunchMax, DefaultLunchMax},
	}
	for _, d := range durations {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	floats := []struct {
		v   *float64
		def float64
	}{
		{&o.NoiseSigmaM, DefaultNoiseSigmaM}, {&o.DegradedProb, DefaultDegradedProb},
		{&o.DegradedSigmaMinM, DefaultDegradedSigmaMinM}, {&o.DegradedSigmaMaxM, DefaultDegradedSigmaMaxM},
		{&o.BadFixProb, DefaultBadFixProb},
		{&o.WalkSpeedMinMS, DefaultWalkSpeedMinMS}, {&o.WalkSpeedMaxMS, DefaultWalkSpeedMaxMS},
		{&o.EBikeSpeedMinMS, DefaultEBikeSpeedMinMS}, {&o.EBikeSpeedMaxMS, DefaultEBikeSpeedMaxMS},
		{&o.CoverageFraction, DefaultCoverageFraction},
	}
	for _, f := range floats {
		if *f.v == 0 {
			*f.v = f.def
		}
		if math.IsNaN(*f.v) || math.IsInf(*f.v, 0) {
			return o, errors.New("simulate: options must be finite numbers")
		}
	}
	if o.StopsMin == 0 {
		o.StopsMin = DefaultStopsMin
	}
	if o.StopsMax == 0 {
		o.StopsMax = DefaultStopsMax
	}
	o.DegradedProb = max(o.DegradedProb, 0)
	o.BadFixProb = max(o.BadFixProb, 0)
	if o.StopsMax < 0 {
		o.StopsMin, o.StopsMax = 0, 0
	}
	if o.LunchMax < 0 {
		o.LunchMin, o.LunchMax = 0, 0
	}
	return o, o.validate()
}

// validate checks the options after defaults.
func (o Options) validate() error {
	switch {
	case o.IntervalMin < time.Millisecond || o.IntervalMax < o.IntervalMin:
		return fmt.Errorf("simulate: fix interval %v to %v: want 1 ms <= min <= max", o.IntervalMin, o.IntervalMax)
	case !(o.NoiseSigmaM > 0) || o.DegradedSigmaMinM <= 0 || o.DegradedSigmaMaxM < o.DegradedSigmaMinM ||
		max(o.NoiseSigmaM, o.DegradedSigmaMaxM) > MaxSigmaM:
		return fmt.Errorf("simulate: GPS error %g m, degraded %g to %g m: want 0 < min <= max <= %g m",
			o.NoiseSigmaM, o.DegradedSigmaMinM, o.DegradedSigmaMaxM, MaxSigmaM)
	case o.DegradedProb > 1 || o.BadFixProb > 1:
		return fmt.Errorf("simulate: probabilities %g and %g: want at most 1", o.DegradedProb, o.BadFixProb)
	case !speedsOK(o.WalkSpeedMinMS, o.WalkSpeedMaxMS) || !speedsOK(o.EBikeSpeedMinMS, o.EBikeSpeedMaxMS):
		return fmt.Errorf("simulate: speeds %g–%g and %g–%g m/s: want 0 < min <= max <= %g m/s",
			o.WalkSpeedMinMS, o.WalkSpeedMaxMS, o.EBikeSpeedMinMS, o.EBikeSpeedMaxMS, MaxSpeedMS)
	case o.StopsMin < 0 || o.StopsMax < o.StopsMin || o.StopMin <= 0 || o.StopMax < o.StopMin:
		return fmt.Errorf("simulate: %d to %d stops of %v to %v: want 0 <= min <= max", o.StopsMin, o.StopsMax, o.StopMin, o.StopMax)
	case o.LunchMin < 0 || o.LunchMax < o.LunchMin:
		return fmt.Errorf("simulate: lunch break %v to %v: want 0 <= min <= max", o.LunchMin, o.LunchMax)
	case !(o.CoverageFraction > 0 && o.CoverageFraction <= 1):
		return fmt.Errorf("simulate: coverage fraction %g: want a value in (0, 1]", o.CoverageFraction)
	}
	return nil
}

func speedsOK(lo, hi float64) bool { return lo > 0 && hi >= lo && hi <= MaxSpeedMS }

// speeds returns the speed bounds of mode m.
func (o Options) speeds(m Mode) (lo, hi float64) {
	if m == EBike {
		return o.EBikeSpeedMinMS, o.EBikeSpeedMaxMS
	}
	return o.WalkSpeedMinMS, o.WalkSpeedMaxMS
}
