package casegen

import (
	"fmt"
	"math"
	"time"
)

// Month is the month of [Options.PerMonth]: a twelfth of the mean Gregorian
// year, 30.436875 days.
const Month = 2629746 * time.Second

// The defaults of [Options].
const (
	DefaultPerMonth     = 700.0 // cases a month in the whole city
	DefaultCoreShare    = 0.7   // share of core-sector cases outside blind townships
	DefaultHotspots     = 4     // clusters of raised rates
	DefaultHotspotShare = 0.2   // share of all cases that fall in the clusters
	DefaultTrend        = 0.8   // rise of the intensifying cluster's rate over the window
	DefaultReferShare   = 0.12  // share of non-core cases referred to a department
)

// MaxCases bounds the expected number of cases of one call to [Generate].
const MaxCases = 5_000_000

// Options tunes [Generate]. The zero value asks for the defaults: a zero
// field means its default. A negative Hotspots, HotspotShare, Trend or
// ReferShare switches that feature off.
type Options struct {
	// PerMonth is the expected number of cases a [Month] in the whole city;
	// the number generated is Poisson with mean PerMonth × (to − from) /
	// Month. Default 700 (the seed's 8,693 cases of 2019, over 12 months).
	PerMonth float64
	// CoreShare is the chance that a case outside a blind township is in a
	// core sector (urban_management or work_safety), in (0, 1]. Cases of
	// blind townships are all core, so the share over the whole city is a
	// little higher. Default 0.7.
	CoreShare float64
	// Hotspots is the number of compact clusters of strongly raised rates,
	// each a k-ring of radius 2 or 3 in a township that is not blind; fewer
	// are placed only when the city has no room left. Default 4.
	Hotspots int
	// HotspotShare is the share of all cases that fall in the clusters,
	// split equally among them, in [0, 1). Default 0.2.
	HotspotShare float64
	// Trend is how much the rate of the first cluster (the intensifying
	// one) changes over the window: it grows linearly from (1 − Trend) to
	// (1 + Trend) times its mean, in [0, 1]. Default 0.8.
	Trend float64
	// ReferShare is the chance that a non-core case is referred (流转) to
	// the sector's department instead of being resolved in the township,
	// in [0, 1]. Default 0.12.
	ReferShare float64
}

// withDefaults returns o with every zero field set to its default and the
// switched-off features set to zero, or an error when o is out of range.
func (o Options) withDefaults() (Options, error) {
	floats := []struct {
		v   *float64
		def float64
	}{
		{&o.PerMonth, DefaultPerMonth}, {&o.CoreShare, DefaultCoreShare},
		{&o.HotspotShare, DefaultHotspotShare}, {&o.Trend, DefaultTrend},
		{&o.ReferShare, DefaultReferShare},
	}
	for _, f := range floats {
		if math.IsNaN(*f.v) || math.IsInf(*f.v, 0) {
			return o, fmt.Errorf("casegen: options must be finite numbers, got %g", *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if o.Hotspots == 0 {
		o.Hotspots = DefaultHotspots
	}
	o.Hotspots = max(o.Hotspots, 0)
	o.HotspotShare = max(o.HotspotShare, 0)
	o.Trend = max(o.Trend, 0)
	o.ReferShare = max(o.ReferShare, 0)
	if o.Hotspots == 0 {
		o.HotspotShare = 0
	}
	switch {
	case o.PerMonth < 0:
		return o, fmt.Errorf("casegen: %g cases a month: want a positive number", o.PerMonth)
	case !(o.CoreShare > 0 && o.CoreShare <= 1):
		return o, fmt.Errorf("casegen: core share %g: want a value in (0, 1]", o.CoreShare)
	case o.HotspotShare >= 1:
		return o, fmt.Errorf("casegen: hotspot share %g: want a value in [0, 1)", o.HotspotShare)
	case o.Trend > 1:
		return o, fmt.Errorf("casegen: trend %g: want a value in [0, 1]", o.Trend)
	case o.ReferShare > 1:
		return o, fmt.Errorf("casegen: refer share %g: want a value in [0, 1]", o.ReferShare)
	}
	return o, nil
}
