package casegen

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/uber/h3-go/v4"
)

func TestGenerateDeterministic(t *testing.T) {
	city := demoCity()
	a := generate(t, city, quarterFrom, quarterTo, 7, Options{})
	b := generate(t, city, quarterFrom, quarterTo, 7, Options{})
	// reflect first: cmp.Diff is slow on thousands of cases.
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("Generate twice with seed 7 differs (-first +second):\n%s", cmp.Diff(a, b))
	}
	c := generate(t, city, quarterFrom, quarterTo, 8, Options{})
	if reflect.DeepEqual(a.Cases, c.Cases) {
		t.Fatal("Generate with seeds 7 and 8 gave the same cases")
	}
}

func TestGenerateCount(t *testing.T) {
	city := demoCity()
	for _, tc := range []struct {
		name     string
		from, to time.Time
		opt      Options
	}{
		{name: "90 days", from: quarterFrom, to: quarterTo},
		{name: "30 days", from: quarterFrom, to: quarterFrom.AddDate(0, 0, 30)},
		{name: "1 year at 1500", from: quarterFrom, to: quarterFrom.AddDate(1, 0, 0), opt: Options{PerMonth: 1500}},
		{name: "no hotspots", from: quarterFrom, to: quarterTo, opt: Options{Hotspots: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			perMonth := tc.opt.PerMonth
			if perMonth == 0 {
				perMonth = DefaultPerMonth
			}
			want := perMonth * float64(tc.to.Sub(tc.from)) / float64(Month)
			for seed := range int64(3) {
				got := len(generate(t, city, tc.from, tc.to, seed, tc.opt).Cases)
				if math.Abs(float64(got)-want) > 0.15*want {
					t.Errorf("seed %d: %d cases, want %.0f ± 15 %%", seed, got, want)
				}
			}
		})
	}
}

func TestGenerateSectors(t *testing.T) {
	if n := len(Sectors()); n != 12 {
		t.Fatalf("len(Sectors()) = %d, want 12", n)
	}
	known := make(map[string]bool)
	var core []string
	for _, s := range Sectors() {
		known[s.Code] = true
		if s.Core {
			core = append(core, s.Code)
		}
		if Departments()[s.Code] == "" {
			t.Errorf("Departments()[%q] is empty", s.Code)
		}
	}
	if want := []string{"urban_management", "work_safety"}; !slices.Equal(core, want) {
		t.Errorf("core sectors %v, want %v", core, want)
	}
	if !known[EmptySector] {
		t.Errorf("EmptySector %q is not in Sectors()", EmptySector)
	}

	res := generate(t, demoCity(), quarterFrom, quarterTo, 1, Options{})
	used := make(map[string]int)
	for _, c := range res.Cases {
		if !known[c.Sector] {
			t.Fatalf("case in unknown sector %q", c.Sector)
		}
		used[c.Sector]++
	}
	if len(used) != 11 {
		t.Errorf("%d sectors used, want 11: %v", len(used), used)
	}
	if used[EmptySector] != 0 {
		t.Errorf("%d cases in EmptySector %q, want 0", used[EmptySector], EmptySector)
	}
}

func TestGenerateCoreShare(t *testing.T) {
	city := demoCity()
	for _, share := range []float64{0, 0.5, 0.9, 1} {
		want := share
		if want == 0 {
			want = DefaultCoreShare
		}
		res := generate(t, city, quarterFrom, quarterTo, 2, Options{CoreShare: share})
		blind := blindCodes(city)
		var core, n int
		for _, c := range res.Cases {
			if blind[c.Township] {
				continue
			}
			n++
			if isCore(c.Sector) {
				core++
			}
		}
		if got := float64(core) / float64(n); math.Abs(got-want) > 0.04 {
			t.Errorf("CoreShare %g: share of core cases outside blind townships = %.3f, want %.2f ± 0.04", share, got, want)
		}
	}
}

func TestGenerateBlind(t *testing.T) {
	city := demoCity()
	res := generate(t, city, quarterFrom, quarterTo, 3, Options{})
	blind := blindCodes(city)
	perTown := make(map[string]int)
	for _, c := range res.Cases {
		perTown[c.Township]++
		if blind[c.Township] && !isCore(c.Sector) {
			t.Errorf("blind township %s has a %s case", c.Township, c.Sector)
		}
	}
	mean := float64(len(res.Cases)) / float64(len(city.Townships))
	for code := range blind {
		// Same cells, so about the same volume: the background share
		// (80 %) of a mean township, ±25 % for the township's activity.
		if got := float64(perTown[code]); got < 0.5*mean || got > 1.3*mean {
			t.Errorf("blind township %s has %v cases, want about the %0.f of a mean township", code, got, mean)
		}
	}
	for _, centre := range res.HotspotCenters {
		if code := townOf(city, centre); blind[code] {
			t.Errorf("hotspot centre %v is in blind township %s", centre, code)
		}
	}
}

func TestGenerateLifecycle(t *testing.T) {
	city := demoCity()
	res := generate(t, city, quarterFrom, quarterTo, 4, Options{})
	officers := make(map[string]map[string]bool)
	for _, tw := range city.Townships {
		officers[tw.Code] = make(map[string]bool)
		for _, o := range tw.Officers {
			officers[tw.Code][o] = true
		}
	}
	depts := Departments()
	valid := [][]cases.EventType{
		{cases.EventAssign, cases.EventAccept, cases.EventArrive, cases.EventResolve, cases.EventClose},
		{cases.EventAssign, cases.EventAccept, cases.EventArrive, cases.EventRefer, cases.EventClose},
		{cases.EventAssign, cases.EventAccept, cases.EventRefer, cases.EventClose},
	}
	var (
		nonCore, referred, unresolved, unclosed int
		dispatch, travel                        []time.Duration
	)
	for i, c := range res.Cases {
		if c.ReportedAt.Before(quarterFrom) || !c.ReportedAt.Before(quarterTo) {
			t.Fatalf("case %d reported at %v, outside [%v, %v)", i, c.ReportedAt, quarterFrom, quarterTo)
		}
		if i > 0 && c.ReportedAt.Before(res.Cases[i-1].ReportedAt) {
			t.Fatalf("case %d reported at %v, before case %d at %v", i, c.ReportedAt, i-1, res.Cases[i-1].ReportedAt)
		}
		types := make([]cases.EventType, len(c.Events))
		prev := c.ReportedAt
		var handler string
		for j, e := range c.Events {
			types[j] = e.Type
			if !e.At.After(prev) || !e.At.Before(quarterTo) {
				t.Fatalf("case %d event %d (%s) at %v: want after %v and before %v", i, j, e.Type, e.At, prev, quarterTo)
			}
			if e.At.Location() != time.UTC || e.At.Nanosecond() != 0 {
				t.Fatalf("case %d event %d at %v: want UTC whole seconds", i, j, e.At)
			}
			prev = e.At
			switch {
			case e.Type == cases.EventClose:
				if e.Officer != "" || e.Department != "" {
					t.Errorf("case %d close by %q, %q: want no officer and no department", i, e.Officer, e.Department)
				}
			case !officers[c.Township][e.Officer]:
				t.Errorf("case %d %s by %q, not an officer of township %s", i, e.Type, e.Officer, c.Township)
			case handler != "" && e.Officer != handler:
				t.Errorf("case %d %s by %q, want %q who handled it before", i, e.Type, e.Officer, handler)
			default:
				handler = e.Officer
			}
			if e.Type == cases.EventRefer {
				if want := depts[c.Sector]; e.Department != want {
					t.Errorf("case %d (%s) referred to %q, want %q", i, c.Sector, e.Department, want)
				}
			} else if e.Department != "" {
				t.Errorf("case %d %s has department %q, want none", i, e.Type, e.Department)
			}
		}
		if !slices.ContainsFunc(valid, func(v []cases.EventType) bool { return slices.Equal(v[:min(len(types), len(v))], types) }) {
			t.Fatalf("case %d events %v: not a prefix of a lifecycle", i, types)
		}
		referredHere := slices.Contains(types, cases.EventRefer)
		if !isCore(c.Sector) {
			nonCore++
			if referredHere {
				referred++
			}
		} else if referredHere {
			t.Errorf("core case %d (%s) referred", i, c.Sector)
		}
		if !slices.Contains(types, cases.EventResolve) && !referredHere {
			unresolved++
		}
		if !slices.Contains(types, cases.EventClose) {
			unclosed++
			if age := quarterTo.Sub(c.ReportedAt); age > 35*24*time.Hour {
				t.Errorf("case %d reported %v before the end is still open", i, age)
			}
		}
		if len(c.Events) >= 3 && c.Source != cases.SourcePatrol && types[2] == cases.EventArrive {
			dispatch = append(dispatch, c.Events[0].At.Sub(c.ReportedAt))
			travel = append(travel, c.Events[2].At.Sub(c.Events[1].At))
		}
	}
	n := float64(len(res.Cases))
	if got := float64(referred) / float64(nonCore); got < 0.08 || got > 0.16 {
		t.Errorf("%.3f of non-core cases referred, want 0.12 ± 0.04", got)
	}
	if got := float64(unresolved) / n; got < 0.002 || got > 0.04 {
		t.Errorf("%.4f of cases unresolved at the end, want a few in a hundred at most", got)
	}
	if got := float64(unclosed) / n; got < 0.01 || got > 0.08 {
		t.Errorf("%.4f of cases not closed at the end, want a few percent", got)
	}
	if got := median(dispatch); got < 5*time.Minute || got > 2*time.Hour {
		t.Errorf("median time to assign a reported case = %v, want minutes to hours", got)
	}
	if got := median(travel); got < 45*time.Minute || got > 75*time.Minute {
		t.Errorf("median time from accept to arrival = %v, want about an hour", got)
	}
}

func TestGeneratePoints(t *testing.T) {
	city := demoCity()
	res := generate(t, city, quarterFrom, quarterTo, 5, Options{})
	in := make(map[h3.Cell]string)
	for _, tw := range city.Townships {
		for _, c := range tw.Cells {
			in[c] = tw.Code
		}
	}
	for i, c := range res.Cases {
		if got := h3.LatLngToCell(h3.LatLng{Lat: c.Lat, Lng: c.Lon}, c.Cell.Resolution()); got != c.Cell {
			t.Fatalf("case %d at (%v, %v): LatLngToCell = %v, want %v", i, c.Lat, c.Lon, got, c.Cell)
		}
		if in[c.Cell] != c.Township {
			t.Fatalf("case %d in cell %v of township %q, want township %q", i, c.Cell, in[c.Cell], c.Township)
		}
		if centre := h3.CellToLatLng(c.Cell); c.Lat == centre.Lat && c.Lon == centre.Lng {
			t.Errorf("case %d at its cell's centre: want a jittered point", i)
		}
	}
}

func TestPointIn(t *testing.T) {
	cells := []h3.Cell{
		h3.LatLngToCell(h3.LatLng{Lat: 31.84, Lng: 120.28}, 9),
		h3.LatLngToCell(h3.LatLng{Lat: 31.84, Lng: 120.28}, 12),
		h3.LatLngToCell(h3.LatLng{Lat: 89.99, Lng: 0}, 9),
		h3.LatLngToCell(h3.LatLng{Lat: 10, Lng: 179.9999}, 7),
		h3.Pentagons(9)[0],
		h3.Pentagons(3)[5],
	}
	r := rand.New(rand.NewPCG(6, 6))
	for _, c := range cells {
		if got, want := resolution(c), c.Resolution(); got != want {
			t.Errorf("resolution(%v) = %d, want %d", c, got, want)
		}
		for range 200 {
			lat, lon := pointIn(r, c, c.Resolution())
			if got := h3.LatLngToCell(h3.LatLng{Lat: lat, Lng: lon}, c.Resolution()); got != c {
				t.Fatalf("pointIn(%v) = (%v, %v) in cell %v", c, lat, lon, got)
			}
		}
	}
}

func TestGenerateHotspots(t *testing.T) {
	city := demoCity()
	for seed := range int64(4) {
		res := generate(t, city, quarterFrom, quarterTo, seed, Options{})
		if len(res.HotspotCenters) != DefaultHotspots {
			t.Fatalf("seed %d: %d hotspot centres, want %d", seed, len(res.HotspotCenters), DefaultHotspots)
		}
		count := make(map[h3.Cell]int)
		for _, c := range res.Cases {
			count[c.Cell]++
		}
		cityMean := float64(len(res.Cases)) / float64(cellCount(city))
		towns := make(map[string]bool)
		for i, centre := range res.HotspotCenters {
			towns[townOf(city, centre)] = true
			ring := h3.GridDisk(centre, 2)
			sum := 0
			for _, c := range ring {
				sum += count[c]
			}
			if mean := float64(sum) / float64(len(ring)); mean < 5*cityMean {
				t.Errorf("seed %d: hotspot %d at %v: %.2f cases a cell within 2 rings, want at least 5 × the city's %.3f", seed, i, centre, mean, cityMean)
			}
			for _, other := range res.HotspotCenters[:i] {
				if d := h3.GridDistance(centre, other); d < 2*2+hotspotGap+1 {
					t.Errorf("seed %d: hotspot centres %v and %v %d cells apart", seed, centre, other, d)
				}
			}
		}
		if len(towns) != len(res.HotspotCenters) {
			t.Errorf("seed %d: hotspots in %d townships, want %d", seed, len(towns), len(res.HotspotCenters))
		}
	}
}

func TestGenerateTrend(t *testing.T) {
	city := demoCity()
	mid := quarterFrom.Add(quarterTo.Sub(quarterFrom) / 2)
	for _, tc := range []struct {
		name    string
		trend   float64
		hotspot int
		lo, hi  float64 // bounds of the ratio of the second half to the first
	}{
		// With the default trend 0.8 the ratio is 0.7 / 0.3 = 2.3.
		{name: "intensifying", hotspot: 0, lo: 1.6, hi: 3.5},
		{name: "steady", hotspot: 1, lo: 0.7, hi: 1.4},
		{name: "trend off", trend: -1, hotspot: 0, lo: 0.7, hi: 1.4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Four seeds together, for about 400 cases.
			var first, second float64
			for seed := range int64(4) {
				res := generate(t, city, quarterFrom, quarterTo, seed, Options{Trend: tc.trend})
				in := make(map[h3.Cell]bool)
				for _, c := range h3.GridDisk(res.HotspotCenters[tc.hotspot], 3) {
					in[c] = true
				}
				for _, c := range res.Cases {
					switch {
					case !in[c.Cell]:
					case c.ReportedAt.Before(mid):
						first++
					default:
						second++
					}
				}
			}
			if got := second / first; got < tc.lo || got > tc.hi {
				t.Errorf("hotspot %d: %v cases in the second half, %v in the first: ratio %.2f, want %.1f to %.1f", tc.hotspot, second, first, got, tc.lo, tc.hi)
			}
		})
	}
}

func TestGenerateSources(t *testing.T) {
	res := generate(t, demoCity(), quarterFrom, quarterTo, 10, Options{})
	count := map[bool]map[cases.Source]float64{true: {}, false: {}}
	total := map[bool]float64{}
	for _, c := range res.Cases {
		count[isCore(c.Sector)][c.Source]++
		total[isCore(c.Sector)]++
	}
	for _, core := range []bool{true, false} {
		for _, s := range cases.Sources {
			if count[core][s] == 0 {
				t.Errorf("core=%v: no case from %s", core, s)
			}
		}
	}
	corePatrol := count[true][cases.SourcePatrol] / total[true]
	otherPatrol := count[false][cases.SourcePatrol] / total[false]
	if corePatrol < 0.5 || corePatrol <= otherPatrol {
		t.Errorf("patrol share %.2f of core cases, %.2f of others: want patrols to dominate core cases", corePatrol, otherPatrol)
	}
	for _, c := range res.Cases {
		if c.Title == "" || c.Description == "" {
			t.Fatalf("case %+v has no title or description", c)
		}
	}
}

func TestGenerateShortWindow(t *testing.T) {
	// A window of one night hour: few cases, none of them from a patrol's
	// rhythm, but no hang and every time inside.
	from := time.Date(2024, 6, 1, 19, 0, 0, 0, time.UTC) // 03:00 CST
	to := from.Add(time.Hour)
	res := generate(t, demoCity(), from, to, 11, Options{PerMonth: 100_000})
	if len(res.Cases) == 0 {
		t.Fatal("no case in an hour at 100,000 a month")
	}
	for _, c := range res.Cases {
		if c.ReportedAt.Before(from) || !c.ReportedAt.Before(to) {
			t.Fatalf("case reported at %v, outside [%v, %v)", c.ReportedAt, from, to)
		}
	}
}

func TestGenerateOptionsOff(t *testing.T) {
	city := demoCity()
	res := generate(t, city, quarterFrom, quarterTo, 12, Options{Hotspots: -1, ReferShare: -1})
	if len(res.HotspotCenters) != 0 {
		t.Errorf("Hotspots -1: %d hotspot centres, want none", len(res.HotspotCenters))
	}
	for _, c := range res.Cases {
		for _, e := range c.Events {
			if e.Type == cases.EventRefer {
				t.Fatalf("ReferShare -1: a case was referred")
			}
		}
	}
	all := demoCity()
	for i := range all.Townships {
		all.Townships[i].Blind = true
	}
	res = generate(t, all, quarterFrom, quarterTo, 12, Options{Hotspots: -1})
	for _, c := range res.Cases {
		if !isCore(c.Sector) {
			t.Fatalf("all townships blind: a %s case", c.Sector)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	ok := func() City { return testCity(2, 2) }
	for _, tc := range []struct {
		name     string
		city     func() City
		from, to time.Time
		opt      Options
	}{
		{name: "no township", city: func() City { return City{} }},
		{name: "empty window", city: ok, to: quarterFrom},
		{name: "reversed window", city: ok, from: quarterTo, to: quarterFrom},
		{name: "no code", city: func() City { c := ok(); c.Townships[1].Code = ""; return c }},
		{name: "repeated code", city: func() City { c := ok(); c.Townships[1].Code = c.Townships[0].Code; return c }},
		{name: "no cell", city: func() City { c := ok(); c.Townships[1].Cells = nil; return c }},
		{name: "no officer", city: func() City { c := ok(); c.Townships[1].Officers = nil; return c }},
		{name: "empty officer", city: func() City { c := ok(); c.Townships[1].Officers[3] = ""; return c }},
		{name: "invalid cell", city: func() City { c := ok(); c.Townships[1].Cells[4] = 12345; return c }},
		{name: "cell in two townships", city: func() City {
			c := ok()
			c.Townships[1].Cells = append(c.Townships[1].Cells, c.Townships[0].Cells[0])
			return c
		}},
		{name: "mixed resolutions", city: func() City {
			c := ok()
			c.Townships[1].Cells[0] = c.Townships[1].Cells[0].Parent(8)
			return c
		}},
		{name: "every township blind", city: func() City {
			c := ok()
			c.Townships[0].Blind, c.Townships[1].Blind = true, true
			return c
		}},
		{name: "negative per month", city: ok, opt: Options{PerMonth: -1}},
		{name: "NaN per month", city: ok, opt: Options{PerMonth: math.NaN()}},
		{name: "core share above 1", city: ok, opt: Options{CoreShare: 1.5}},
		{name: "core share negative", city: ok, opt: Options{CoreShare: -0.1}},
		{name: "hotspot share 1", city: ok, opt: Options{HotspotShare: 1}},
		{name: "trend above 1", city: ok, opt: Options{Trend: 1.1}},
		{name: "refer share above 1", city: ok, opt: Options{ReferShare: 2}},
		{name: "too many cases", city: ok, to: quarterFrom.AddDate(100, 0, 0), opt: Options{PerMonth: 1e5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from, to := tc.from, tc.to
			if from.IsZero() {
				from = quarterFrom
			}
			if to.IsZero() {
				to = quarterTo
			}
			if _, err := Generate(tc.city(), from, to, 1, tc.opt); err == nil {
				t.Errorf("Generate = nil error, want an error")
			}
		})
	}
}

func TestRampQuantile(t *testing.T) {
	for _, tc := range []struct {
		v, a, want float64
	}{
		{0, 0.8, 0}, {1, 0.8, 1}, {0.3, 0, 0.3}, {0.25, 1, 0.5},
		// CDF 0.2u + 0.8u² at u = 0.5 is 0.3.
		{0.3, 0.8, 0.5},
	} {
		if got := rampQuantile(tc.v, tc.a); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("rampQuantile(%v, %v) = %v, want %v", tc.v, tc.a, got, tc.want)
		}
	}
}

func blindCodes(city City) map[string]bool {
	out := make(map[string]bool)
	for _, tw := range city.Townships {
		if tw.Blind {
			out[tw.Code] = true
		}
	}
	return out
}

func isCore(code string) bool { return code == "urban_management" || code == "work_safety" }

func townOf(city City, c h3.Cell) string {
	for _, tw := range city.Townships {
		if slices.Contains(tw.Cells, c) {
			return tw.Code
		}
	}
	return ""
}

func cellCount(city City) int {
	n := 0
	for _, tw := range city.Townships {
		n += len(tw.Cells)
	}
	return n
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
