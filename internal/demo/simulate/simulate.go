package simulate

import (
	"errors"
	"fmt"
	"time"

	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/paulmach/orb"
)

// Day simulates one shift of every officer and returns their fixes: the
// fixes of officers[0] in time order, then those of officers[1], and so
// on. Officer and DeviceID come from the officer, Datum is WGS-84 and
// Point is WGS-84 [lon, lat]; times are UTC, whole milliseconds.
//
// The result depends only on the officers, shift, seed and opt. Each
// officer's fixes depend only on that officer, shift, seed and opt, so
// they are what [OfficerDay] returns for the officer; and the part of the
// area an officer patrols does not depend on seed at all (see the package
// documentation).
//
// Day returns an error when opt is out of range, shift.Duration is not
// positive, an officer's ID is empty or repeated, an officer's Mode is
// unknown, Base is not a position (NaN, or lon or lat out of range), or
// Area is empty, holds an invalid cell or cells of several resolutions.
func Day(officers []Officer, shift Shift, seed int64, opt Options) ([]ingest.Fix, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkShift(shift); err != nil {
		return nil, err
	}
	ids := make(map[string]bool, len(officers))
	for i := range officers {
		if err := checkOfficer(&officers[i]); err != nil {
			return nil, err
		}
		if ids[officers[i].ID] {
			return nil, fmt.Errorf("simulate: officer %q appears twice", officers[i].ID)
		}
		ids[officers[i].ID] = true
	}
	out := make([]ingest.Fix, 0, len(officers)*capacity(shift, &opt))
	var mem floats
	for i := range officers {
		if out, err = officerDay(&officers[i], shift, seed, &opt, out, &mem, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OfficerDay simulates one shift of officer o; its fixes are exactly those
// of o in the result of [Day] for the same shift, seed and opt, whoever the
// other officers are. It returns the errors of Day.
func OfficerDay(o Officer, shift Shift, seed int64, opt Options) ([]ingest.Fix, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkShift(shift); err != nil {
		return nil, err
	}
	if err := checkOfficer(&o); err != nil {
		return nil, err
	}
	var mem floats
	return officerDay(&o, shift, seed, &opt, make([]ingest.Fix, 0, capacity(shift, &opt)), &mem, nil)
}

// officerDay appends the fixes of o's shift to out; opt has its defaults.
// When rec is not nil it is filled in for tests.
func officerDay(o *Officer, shift Shift, seed int64, opt *Options, out []ingest.Fix, mem *floats, rec *record) ([]ingest.Fix, error) {
	a, err := newArea(o, opt.CoverageFraction)
	if err != nil {
		return nil, fmt.Errorf("simulate: officer %q: %w", o.ID, err)
	}
	w := newWalker(a, o, shift, seed, opt, mem)
	if rec != nil {
		rec.area, rec.patrol = a, a.patrol
		rec.bad = make(map[time.Time]ingest.Code)
		rec.truth = make(map[time.Time]orb.Point)
		if w.hasLunch {
			rec.lunchStart, rec.lunchEnd = w.start.Add(w.lunchStart), w.start.Add(w.lunchEnd)
		}
		w.rec = rec
	}
	return w.run(out), nil
}

// capacity is a little more than the number of fixes of one officer's
// shift, without the lunch break.
func capacity(shift Shift, opt *Options) int {
	return int(shift.Duration/((opt.IntervalMin+opt.IntervalMax)/2)) + 16
}

func checkShift(s Shift) error {
	if s.Duration <= 0 {
		return fmt.Errorf("simulate: shift of %v: want a positive duration", s.Duration)
	}
	return nil
}

func checkOfficer(o *Officer) error {
	switch {
	case o.ID == "":
		return errors.New("simulate: an officer has no ID")
	case o.Mode != Walk && o.Mode != EBike:
		return fmt.Errorf("simulate: officer %q: unknown mode %v", o.ID, o.Mode)
	case !(o.Base[0] >= -180 && o.Base[0] <= 180 && o.Base[1] >= -90 && o.Base[1] <= 90):
		return fmt.Errorf("simulate: officer %q: base %v is not a position on Earth", o.ID, o.Base)
	}
	return nil
}
