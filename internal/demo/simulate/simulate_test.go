package simulate

import (
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/gridwatch/gridwatch/patrol/track"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

func TestDayDeterministic(t *testing.T) {
	officers := squad(4, 5)
	a, err := Day(officers, morning, 7, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Day(officers, morning, 7, Options{})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Day() twice with the same seed gave different fixes")
	}
	c, _ := Day(officers, morning, 8, Options{})
	if reflect.DeepEqual(a, c) {
		t.Fatal("Day() with seeds 7 and 8 gave the same fixes")
	}
	// An officer's fixes do not depend on the others.
	alone, err := OfficerDay(officers[2], morning, 7, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var inDay []ingest.Fix
	for _, f := range a {
		if f.Officer == officers[2].ID {
			inDay = append(inDay, f)
		}
	}
	if !reflect.DeepEqual(alone, inDay) {
		t.Fatalf("OfficerDay() = %d fixes, unlike the %d of the officer in Day()", len(alone), len(inDay))
	}
	// The patrolled patch does not depend on the seed.
	_, r7 := recorded(t, officers[0], morning, 7, Options{})
	_, r8 := recorded(t, officers[0], morning, 8, Options{})
	if !slices.Equal(r7.patrol, r8.patrol) {
		t.Fatal("the patrolled cells changed with the seed")
	}
}

func TestDayOrderAndFields(t *testing.T) {
	officers := squad(6, 5)
	fixes, err := Day(officers, morning, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	next := 0 // index into officers of the current run
	for i, f := range fixes {
		if f.Officer != officers[next].ID {
			next++
			if next == len(officers) || f.Officer != officers[next].ID {
				t.Fatalf("fix %d is of officer %q, want officers in order", i, f.Officer)
			}
		} else if i > 0 && !f.Time.After(fixes[i-1].Time) {
			t.Fatalf("fix %d at %v is not after fix %d at %v", i, f.Time, i-1, fixes[i-1].Time)
		}
		if f.DeviceID != officers[next].DeviceID || f.Datum != geo.WGS84 || f.Time.Location() != time.UTC ||
			f.Time.Sub(morning.Start)%time.Millisecond != 0 || f.BatteryPct == nil {
			t.Fatalf("fix %d = %+v: want the device ID, WGS-84, UTC in whole ms and a battery level", i, f)
		}
	}
	if next != len(officers)-1 {
		t.Fatalf("fixes of %d officers, want %d", next+1, len(officers))
	}
}

// TestDayCheck runs ingest.Check over each officer's fixes the way the
// server does, chaining the last accepted fix: every good fix must pass and
// every bad one fail with the code of its kind.
func TestDayCheck(t *testing.T) {
	now := morning.Start.Add(morning.Duration + time.Minute)
	var total, bad int
	kinds := make(map[ingest.Code]int)
	for _, o := range squad(20, 5) {
		fixes, rec := recorded(t, o, morning, 3, Options{})
		var prev *ingest.Fix
		for i := range fixes {
			f := &fixes[i]
			r := ingest.Check(*f, prev, now, ingest.FilterConfig{})
			want, isBad := rec.bad[f.Time]
			switch {
			case isBad && r == nil:
				t.Errorf("%s: bad fix %+v (%s) passed Check", o.ID, *f, want)
			case isBad && r.Code != want:
				t.Errorf("%s: bad fix %+v refused with %s, want %s", o.ID, *f, r.Code, want)
			case !isBad && r != nil:
				t.Errorf("%s: good fix %+v refused: %v", o.ID, *f, r)
			}
			if r == nil {
				prev = f
			}
		}
		total += len(fixes)
		bad += len(rec.bad)
		for _, c := range rec.bad {
			kinds[c]++
		}
	}
	// 0.2 % of about 70,000 fixes: 140, with a standard deviation of 12.
	if want := 0.002 * float64(total); math.Abs(float64(bad)-want) > 4*math.Sqrt(want) {
		t.Errorf("%d bad fixes of %d, want about %.0f", bad, total, want)
	}
	for _, c := range []ingest.Code{ingest.CodeZeroCoordinates, ingest.CodeImpliedSpeed, ingest.CodeFutureTime, ingest.CodeLowAccuracy} {
		if kinds[c] == 0 {
			t.Errorf("no bad fix refused with %s; counts %v", c, kinds)
		}
	}
}

func TestDayFixCount(t *testing.T) {
	tests := []struct {
		name  string
		shift Shift
		opt   Options
	}{
		{name: "8 hours", shift: morning},
		{name: "3 hours, no lunch", shift: Shift{Start: morning.Start, Duration: 3 * time.Hour}},
		{name: "fix every 1 to 3 s", shift: morning, opt: Options{IntervalMin: time.Second, IntervalMax: 3 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, _ := tt.opt.withDefaults()
			mean := (opt.IntervalMin + opt.IntervalMax).Seconds() / 2
			for _, o := range squad(5, 5) {
				fixes, rec := recorded(t, o, tt.shift, 5, tt.opt)
				on := tt.shift.Duration - rec.lunchEnd.Sub(rec.lunchStart)
				if tt.shift.Duration >= MinLunchShift {
					if d := rec.lunchEnd.Sub(rec.lunchStart); d < 30*time.Minute || d > time.Hour {
						t.Errorf("%s: lunch break of %v, want 30 to 60 minutes", o.ID, d)
					}
				} else if !rec.lunchStart.IsZero() {
					t.Errorf("%s: lunch break in a %v shift", o.ID, tt.shift.Duration)
				}
				want := on.Seconds() / mean
				// The count is a renewal process: sd about sqrt(n)·cv.
				if got := float64(len(fixes)); math.Abs(got-want) > 0.02*want {
					t.Errorf("%s: %d fixes, want about %.0f (%v at %.1f s)", o.ID, len(fixes), want, on, mean)
				}
				for _, f := range fixes {
					if f.Time.After(rec.lunchStart) && f.Time.Before(rec.lunchEnd) {
						t.Errorf("%s: fix at %v, in the lunch break %v–%v", o.ID, f.Time, rec.lunchStart, rec.lunchEnd)
					}
				}
			}
		})
	}
}

// TestDayPlace checks where fixes fall: the true positions in the
// patrolled cells, which are part of the area, and every good fix within
// its noise (2.9 times its accuracy) of the truth, so outside the area
// only by GPS error.
func TestDayPlace(t *testing.T) {
	officers := append(squad(5, 5), Officer{ID: "pacman", Area: pacman(cityCentre()), Base: cityCentre(), Mode: Walk},
		Officer{ID: "pacman-ebike", Area: pacman(cityCentre()), Base: cityCentre(), Mode: EBike})
	for _, o := range officers {
		t.Run(o.ID, func(t *testing.T) {
			fixes, rec := recorded(t, o, morning, 11, Options{CoverageFraction: 1})
			area := inArea(o.Area)
			patrol := make(map[h3.Cell]bool)
			for _, i := range rec.patrol {
				patrol[rec.area.cells[i]] = true
				if !area[rec.area.cells[i]] {
					t.Fatalf("patrolled cell %s is not in the area", rec.area.cells[i])
				}
			}
			var outside int
			for _, f := range good(fixes, rec) {
				tr := rec.truth[f.Time]
				if c := cellOf(tr); !patrol[c] {
					t.Fatalf("true position %v at %v is in cell %s, not patrolled", tr, f.Time, c)
				}
				if d := geo.DistanceMeters(f.Point, tr); d > 2.9*(*f.AccuracyM) {
					t.Errorf("fix %v is %.1f m from the truth, accuracy %.1f m", f.Point, d, *f.AccuracyM)
				}
				if !area[cellOf(f.Point)] {
					outside++
				}
			}
			if outside > len(fixes)/100 {
				t.Errorf("%d of %d good fixes outside the area, want under 1 %%", outside, len(fixes))
			}
		})
	}
}

// TestDayCoverage checks that officers patrol CoverageFraction of their
// area when the shift is long enough to pass every patrolled cell: an
// e-bike always, a walker on a small area.
func TestDayCoverage(t *testing.T) {
	tests := []struct {
		name     string
		mode     Mode
		k        int // area radius in cells
		coverage float64
	}{
		{name: "e-bike, default", mode: EBike, k: 6, coverage: 0},
		{name: "e-bike, half", mode: EBike, k: 6, coverage: 0.5},
		{name: "e-bike, all", mode: EBike, k: 6, coverage: 1},
		{name: "walker, small area", mode: Walk, k: 3, coverage: 0.6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.coverage
			if want == 0 {
				want = DefaultCoverageFraction
			}
			for _, o := range squad(4, tt.k) {
				o.Mode = tt.mode
				fixes, rec := recorded(t, o, morning, 13, Options{CoverageFraction: tt.coverage})
				area := inArea(o.Area)
				visited := make(map[h3.Cell]bool)
				for _, f := range good(fixes, rec) {
					// Fixes in good reception: the noise of a spell of
					// poor reception may reach into unpatrolled cells.
					if c := cellOf(f.Point); area[c] && *f.AccuracyM <= 10 {
						visited[c] = true
					}
				}
				got := float64(len(visited)) / float64(len(area))
				if math.Abs(got-want) > 0.05 {
					t.Errorf("%s: visited %d of %d cells (%.2f), want %.2f ± 0.05", o.ID, len(visited), len(area), got, want)
				}
			}
		})
	}
}

// TestDayStops finds the stops in the fixes with track.Stops: with clean
// reception every stop made is found and nothing else; with spells of poor
// reception some stops are cut in pieces too short to count.
func TestDayStops(t *testing.T) {
	tests := []struct {
		name     string
		opt      Options
		minFound float64 // share of the stops made that must be found
	}{
		{name: "good reception", opt: Options{DegradedProb: -1, BadFixProb: -1}, minFound: 1},
		{name: "defaults", opt: Options{}, minFound: 0.8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var made, found int
			for _, o := range squad(12, 5) {
				fixes, rec := recorded(t, o, morning, 17, tt.opt)
				if n := len(rec.stops); n > 6 {
					t.Errorf("%s: %d stops, want at most 6", o.ID, n)
				}
				var pts []track.Point
				for _, f := range good(fixes, rec) {
					pts = append(pts, track.Point{Time: f.Time, Pos: f.Point, H3: int64(cellOf(f.Point))})
				}
				got := track.Stops(pts, track.StopOptions{})
				hit := make([]bool, len(rec.stops))
				for _, s := range got {
					k := slices.IndexFunc(rec.stops, func(r stopRecord) bool {
						return s.Start.Before(r.end) && s.End.After(r.start)
					})
					if k < 0 {
						t.Errorf("%s: stop found at %v–%v, where none was made (made: %v)", o.ID, s.Start, s.End, rec.stops)
						continue
					}
					hit[k] = true
					if d := geo.DistanceMeters(s.Center, rec.stops[k].pos); d > 25 {
						t.Errorf("%s: stop found %.0f m from where it was made", o.ID, d)
					}
				}
				for k, r := range rec.stops {
					if r.end.Sub(r.start) < 5*time.Minute || r.end.Sub(r.start) > 25*time.Minute {
						t.Errorf("%s: stop of %v, want 5 to 25 minutes", o.ID, r.end.Sub(r.start))
					}
					if hit[k] {
						found++
					}
				}
				made += len(rec.stops)
			}
			if made < 12*2 {
				t.Errorf("%d stops made by 12 officers, want at least 2 each on average", made)
			}
			if share := float64(found) / float64(made); share < tt.minFound {
				t.Errorf("found %d of %d stops (%.2f), want at least %.2f", found, made, share, tt.minFound)
			}
		})
	}
}

// TestDayMotion checks that the readings agree with the motion: reported
// speeds in the mode's range, courses along the true path, the true path
// no faster than the fastest speed, battery falling.
func TestDayMotion(t *testing.T) {
	for _, o := range squad(5, 5) {
		lo, hi := DefaultWalkSpeedMinMS, DefaultWalkSpeedMaxMS
		if o.Mode == EBike {
			lo, hi = DefaultEBikeSpeedMinMS, DefaultEBikeSpeedMaxMS
		}
		fixes, rec := recorded(t, o, morning, 19, Options{})
		fixes = good(fixes, rec)
		var moving, offCourse int
		for i, f := range fixes {
			if f.HeadingDeg == nil {
				if *f.SpeedMS > 0.5 {
					t.Errorf("%s: still at %.2f m/s", o.ID, *f.SpeedMS)
				}
			} else if s := *f.SpeedMS; s < 0.75*lo || s > 1.25*hi {
				t.Errorf("%s: moving at %.2f m/s, want %.1f to %.1f ± 25 %%", o.ID, s, lo, hi)
			}
			if i == 0 {
				continue
			}
			p := fixes[i-1]
			a, b := rec.truth[p.Time], rec.truth[f.Time]
			d := geo.DistanceMeters(a, b)
			// Along the wander the pace varies by a percent or two
			// about the trip's speed.
			if v := d / f.Time.Sub(p.Time).Seconds(); v > hi*1.03 {
				t.Errorf("%s: true speed %.2f m/s from %v to %v, over %.1f", o.ID, v, p.Time, f.Time, hi)
			}
			if f.HeadingDeg != nil && p.HeadingDeg != nil && d > 3 {
				moving++
				diff := math.Abs(math.Mod(*f.HeadingDeg-geo.BearingDegrees(a, b)+540, 360) - 180)
				if diff > 30 {
					offCourse++
				}
			}
			if *f.BatteryPct > *p.BatteryPct {
				t.Errorf("%s: battery rose from %.0f to %.0f %%", o.ID, *p.BatteryPct, *f.BatteryPct)
			}
		}
		// Courses differ from the chord between fixes at corners.
		if moving == 0 || offCourse > moving/20 {
			t.Errorf("%s: %d of %d moving fixes more than 30° off the true course", o.ID, offCourse, moving)
		}
	}
}

func TestDayOddAreas(t *testing.T) {
	far := disk(geo.Destination(cityCentre(), 45, 4000), 2)
	tests := []struct {
		name string
		area []h3.Cell
	}{
		{name: "one cell", area: disk(cityCentre(), 0)},
		{name: "two pieces", area: append(disk(cityCentre(), 2), far...)},
		{name: "duplicates and order", area: append(slices.Clone(far), far...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Officer{ID: "x", Area: tt.area, Base: cityCentre(), Mode: EBike}
			fixes, rec := recorded(t, o, morning, 23, Options{CoverageFraction: 1})
			if len(fixes) < 3000 {
				t.Fatalf("%d fixes, want a full day", len(fixes))
			}
			if got, want := len(rec.patrol), len(inArea(tt.area)); got != want {
				t.Errorf("%d cells patrolled, want all %d", got, want)
			}
		})
	}
}

func TestDayErrors(t *testing.T) {
	ok := Officer{ID: "a", Area: disk(cityCentre(), 1)}
	tests := []struct {
		name     string
		officers []Officer
		shift    Shift
		opt      Options
	}{
		{name: "no duration", officers: []Officer{ok}, shift: Shift{Start: morning.Start}},
		{name: "no ID", officers: []Officer{{Area: ok.Area}}, shift: morning},
		{name: "same ID twice", officers: []Officer{ok, ok}, shift: morning},
		{name: "unknown mode", officers: []Officer{{ID: "a", Area: ok.Area, Mode: 7}}, shift: morning},
		{name: "empty area", officers: []Officer{{ID: "a"}}, shift: morning},
		{name: "invalid cell", officers: []Officer{{ID: "a", Area: []h3.Cell{12345}}}, shift: morning},
		{name: "mixed resolutions", officers: []Officer{{ID: "a", Area: append(disk(cityCentre(), 1), cellOf(cityCentre()).Parent(8))}}, shift: morning},
		{name: "intervals reversed", officers: []Officer{ok}, shift: morning, opt: Options{IntervalMin: 20 * time.Second}},
		{name: "GPS error too large", officers: []Officer{ok}, shift: morning, opt: Options{DegradedSigmaMaxM: 80}},
		{name: "too fast", officers: []Officer{ok}, shift: morning, opt: Options{EBikeSpeedMaxMS: 40}},
		{name: "coverage over 1", officers: []Officer{ok}, shift: morning, opt: Options{CoverageFraction: 1.5}},
		{name: "negative coverage", officers: []Officer{ok}, shift: morning, opt: Options{CoverageFraction: -0.5}},
		{name: "NaN", officers: []Officer{ok}, shift: morning, opt: Options{NoiseSigmaM: math.NaN()}},
		{name: "stops reversed", officers: []Officer{ok}, shift: morning, opt: Options{StopsMin: 8}},
		{name: "lunch reversed", officers: []Officer{ok}, shift: morning, opt: Options{LunchMin: 2 * time.Hour}},
		{name: "base not on Earth", officers: []Officer{{ID: "a", Area: ok.Area, Base: orb.Point{math.NaN(), 31}}}, shift: morning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fixes, err := Day(tt.officers, tt.shift, 1, tt.opt); err == nil {
				t.Fatalf("Day() = %d fixes, nil; want an error", len(fixes))
			}
		})
	}
}

func TestDaySwitchedOff(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
	}{
		{name: "switched off", opt: Options{BadFixProb: -1, StopsMax: -1, LunchMax: -1}},
		// A lunch break longer than half the shift is skipped, and stops
		// only fit in what the break leaves of half the shift.
		{name: "lunch too long", opt: Options{BadFixProb: -1, StopsMax: -1, LunchMin: 5 * time.Hour, LunchMax: 5 * time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fixes, rec := recorded(t, squad(1, 4)[0], morning, 29, tt.opt)
			if len(rec.bad) != 0 || len(rec.stops) != 0 || !rec.lunchStart.IsZero() {
				t.Fatalf("bad fixes %d, stops %d, lunch %v: want none", len(rec.bad), len(rec.stops), rec.lunchStart)
			}
			if want := morning.Duration.Seconds() / 7.5; math.Abs(float64(len(fixes))-want) > 0.02*want {
				t.Fatalf("%d fixes, want about %.0f", len(fixes), want)
			}
		})
	}
}

// TestDayBlindCells checks that the cells an officer does not patrol stay
// unvisited over many days, whatever the seed: the demo's blind zones.
func TestDayBlindCells(t *testing.T) {
	o := squad(1, 6)[0]
	o.Mode = EBike // passes every patrolled cell each day
	area := inArea(o.Area)
	visited := make(map[h3.Cell]bool)
	for seed := range int64(7) {
		fixes, rec := recorded(t, o, morning, seed, Options{})
		for _, f := range good(fixes, rec) {
			if c := cellOf(f.Point); area[c] && *f.AccuracyM <= 10 {
				visited[c] = true
			}
		}
	}
	if got := float64(len(visited)) / float64(len(area)); math.Abs(got-DefaultCoverageFraction) > 0.05 {
		t.Fatalf("7 days visited %d of %d cells (%.2f), want %.2f ± 0.05", len(visited), len(area), got, DefaultCoverageFraction)
	}
}
