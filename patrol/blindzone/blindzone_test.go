package blindzone

import (
	"errors"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwatch/gridwatch/patrol/hotspot"
)

// testSectors returns the twelve sectors of the domain, core first.
func testSectors() []Sector {
	s := []Sector{{Code: "urban_management", Core: true}, {Code: "work_safety", Core: true}}
	for _, code := range otherSectorCodes() {
		s = append(s, Sector{Code: code})
	}
	return s
}

// otherSectorCodes returns the ten non-core sectors, sorted.
func otherSectorCodes() []string {
	return []string{"agriculture", "eco_environment", "fire", "health", "housing_construction",
		"labor", "market_regulation", "natural_resources", "transport", "water"}
}

// townshipCodes returns the 17 townships and sub-districts of Jiangyin.
func townshipCodes() []string {
	return []string{"huangtu", "yuecheng", "qingyang", "xuxiake", "huashi", "zhouzhuang",
		"xinqiao", "changjing", "gushan", "zhutang", "chengjiang", "nanzha", "yunting", "chengdong",
		"xiagang", "shengang", "ligang"}
}

// city returns 17 townships patrolled 600 to 1400 hours each, with core cases
// at 0.25 per hour and non-core cases at 0.1 per hour spread over the ten
// other sectors (the smallest share, 7 %, still gives 4 to 10 cases). The townships listed
// in silent file no non-core case.
func city(silent ...string) []Unit {
	// Shares of the non-core cases by sector, summing to 1.
	shares := []float64{0.07, 0.18, 0.07, 0.07, 0.12, 0.08, 0.16, 0.10, 0.08, 0.07}
	codes := townshipCodes()
	units := make([]Unit, len(codes))
	for i, code := range codes {
		hours := 600 + 50*float64(i)
		cases := map[string]int{
			"urban_management": int(0.2 * hours),
			"work_safety":      int(0.05 * hours),
		}
		if !slices.Contains(silent, code) {
			for j, s := range otherSectorCodes() {
				cases[s] = int(math.Round(0.1 * hours * shares[j]))
			}
		}
		units[i] = Unit{Code: code, AreaKm2: 40 + 3*float64(i), PatrolVisits: int(hours / 3), PatrolHours: hours, CasesBySector: cases}
	}
	return units
}

// find returns the unit with code in units.
func find(units []Unit, code string) *Unit {
	for i := range units {
		if units[i].Code == code {
			return &units[i]
		}
	}
	panic("no unit " + code)
}

func kinds(res []Result) map[string]Kind {
	k := make(map[string]Kind)
	for _, r := range res {
		if r.Kind != None {
			k[r.Code] = r.Kind
		}
	}
	return k
}

func TestAnalyzeKinds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		units func() []Unit
		opt   Options
		want  map[string]Kind // every other unit is None
	}{
		{
			name:  "ordinary city",
			units: func() []Unit { return city() },
			want:  map[string]Kind{},
		},
		{
			name:  "three silent townships",
			units: func() []Unit { return city("yuecheng", "zhutang", "ligang") },
			want:  map[string]Kind{"yuecheng": SectorGap, "zhutang": SectorGap, "ligang": SectorGap},
		},
		{
			name: "no patrol but cases",
			units: func() []Unit {
				u := city()
				find(u, "gushan").PatrolVisits, find(u, "gushan").PatrolHours = 0, 0
				return u
			},
			want: map[string]Kind{"gushan": PatrolGap},
		},
		{
			// Silent outside the core sectors, but without patrol the silence
			// is not a sector gap: nobody was there to file a case.
			name: "no patrol and only core cases",
			units: func() []Unit {
				u := city("gushan")
				find(u, "gushan").PatrolVisits, find(u, "gushan").PatrolHours = 0, 0
				return u
			},
			want: map[string]Kind{"gushan": PatrolGap},
		},
		{
			name: "no patrol and no cases",
			units: func() []Unit {
				u := city()
				*find(u, "shengang") = Unit{Code: "shengang", AreaKm2: 50}
				return u
			},
			want: map[string]Kind{"shengang": DoubleBlank},
		},
		{
			name: "every kind at once",
			units: func() []Unit {
				u := city("yuecheng", "nanzha")
				*find(u, "shengang") = Unit{Code: "shengang", AreaKm2: 50}
				find(u, "nanzha").PatrolVisits, find(u, "nanzha").PatrolHours = 0, 0
				return u
			},
			want: map[string]Kind{"yuecheng": SectorGap, "nanzha": PatrolGap, "shengang": DoubleBlank},
		},
		{
			name: "hours without visits count as patrol",
			units: func() []Unit {
				u := city("xiagang")
				find(u, "xiagang").PatrolVisits = 0
				return u
			},
			want: map[string]Kind{"xiagang": SectorGap},
		},
		{
			name: "visits without hours count as patrol",
			units: func() []Unit {
				u := city("xiagang")
				find(u, "xiagang").PatrolHours = 0
				return u
			},
			want: map[string]Kind{"xiagang": SectorGap},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Analyze(tc.units(), testSectors(), tc.opt)
			if err != nil {
				t.Fatalf("Analyze: %v", err)
			}
			if got := kinds(res); !maps.Equal(got, tc.want) {
				t.Errorf("Analyze kinds = %v, want %v", got, tc.want)
			}
			for _, r := range res {
				if r.Reason == "" || !strings.HasSuffix(r.Reason, ".") {
					t.Errorf("unit %s: Reason = %q, want a sentence", r.Code, r.Reason)
				}
			}
		})
	}
}

func TestAnalyzeSilentTownships(t *testing.T) {
	silent := []string{"yuecheng", "zhutang", "ligang"}
	res, err := Analyze(city(silent...), testSectors(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if slices.Contains(silent, r.Code) {
			// Zero observed: p is e^(−expected), and the expectation is
			// large, so BH cannot save it.
			if r.CasesOther != 0 || r.ExpectedOther < 50 {
				t.Errorf("%s: CasesOther = %d, ExpectedOther = %.1f, want 0 against more than 50", r.Code, r.CasesOther, r.ExpectedOther)
			}
			if want := math.Exp(-r.ExpectedOther); !closeRel(r.PAbsence, want, 1e-12) {
				t.Errorf("%s: PAbsence = %g, want e^−%.3f = %g", r.Code, r.PAbsence, r.ExpectedOther, want)
			}
			if !slices.Equal(r.SectorsMissing, otherSectorCodes()) {
				t.Errorf("%s: SectorsMissing = %v, want all ten non-core sectors", r.Code, r.SectorsMissing)
			}
			for _, part := range []string{"0 non-core cases", num(r.ExpectedOther) + " non-core cases expected", "< 0.05", "no case in agriculture ("} {
				if !strings.Contains(r.Reason, part) {
					t.Errorf("%s: Reason = %q, want it to contain %q", r.Code, r.Reason, part)
				}
			}
			continue
		}
		if len(r.SectorsMissing) != 0 || r.PAdjusted < 0.5 {
			t.Errorf("%s: SectorsMissing = %v, PAdjusted = %g, want none and a large p", r.Code, r.SectorsMissing, r.PAdjusted)
		}
	}
}

func TestExposure(t *testing.T) {
	type want struct {
		exposure float64
		from     Source
	}
	for _, tc := range []struct {
		name  string
		units []Unit
		want  []want
	}{
		{
			// Hours per visit: (100+300)/(50+100) = 8/3, so 30 visits are 80
			// hours. Hours per km²: 400/30, so 15 km² are 200 hours.
			name: "hours basis",
			units: []Unit{
				{Code: "a", PatrolHours: 100, PatrolVisits: 50, AreaKm2: 10},
				{Code: "b", PatrolHours: 300, PatrolVisits: 100, AreaKm2: 20},
				{Code: "c", PatrolVisits: 30, AreaKm2: 5},
				{Code: "d", AreaKm2: 15},
				{Code: "e"},
			},
			want: []want{{100, FromHours}, {300, FromHours}, {80, FromVisits}, {200, FromArea}, {0, FromArea}},
		},
		{
			// No unit has both hours and visits: the visits-only unit falls
			// back to its area, at 10/4 hours per km².
			name: "visits not convertible",
			units: []Unit{
				{Code: "a", PatrolHours: 10, AreaKm2: 4},
				{Code: "b", PatrolVisits: 5, AreaKm2: 2},
			},
			want: []want{{10, FromHours}, {5, FromArea}},
		},
		{
			name: "nothing convertible",
			units: []Unit{
				{Code: "a", PatrolHours: 10},
				{Code: "b", PatrolVisits: 5, AreaKm2: 2},
			},
			want: []want{{10, FromHours}, {0, FromArea}},
		},
		{
			// No hours anywhere: visits are the basis, 40 visits over 20 km².
			name: "visits basis",
			units: []Unit{
				{Code: "a", PatrolVisits: 10, AreaKm2: 5},
				{Code: "b", PatrolVisits: 30, AreaKm2: 15},
				{Code: "c", AreaKm2: 10},
			},
			want: []want{{10, FromVisits}, {30, FromVisits}, {20, FromArea}},
		},
		{
			name:  "area basis",
			units: []Unit{{Code: "a", AreaKm2: 5}, {Code: "b", AreaKm2: 7}},
			want:  []want{{5, FromArea}, {7, FromArea}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.units[0].CasesBySector = map[string]int{"water": 1}
			res, err := Analyze(tc.units, testSectors(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := make([]want, len(res))
			for i, r := range res {
				got[i] = want{r.Exposure, r.ExposureFrom}
			}
			if !cmp.Equal(got, tc.want, cmp.AllowUnexported(want{}), cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })) {
				t.Errorf("Analyze exposures = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLeaveOneOut(t *testing.T) {
	t.Run("two units by hand", func(t *testing.T) {
		// With the city-wide rate 20/200 the silent unit would expect 10
		// cases; leaving it out, the rate is the other unit's 20/100, so it
		// expects 20. The busy unit is compared with the silent one: 0.
		units := []Unit{
			{Code: "silent", PatrolVisits: 40, PatrolHours: 100, CasesBySector: map[string]int{"urban_management": 30}},
			{Code: "busy", PatrolVisits: 40, PatrolHours: 100, CasesBySector: map[string]int{"water": 20}},
		}
		res, err := Analyze(units, testSectors(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r := res[0]; r.ExpectedOther != 20 || !closeRel(r.PAbsence, math.Exp(-20), 1e-12) || r.Kind != SectorGap {
			t.Errorf("silent: ExpectedOther = %v, PAbsence = %g, Kind = %s, want 20, e^−20, sector_gap", r.ExpectedOther, r.PAbsence, r.Kind)
		}
		if r := res[1]; r.ExpectedOther != 0 || r.PAbsence != 1 || r.Kind != None {
			t.Errorf("busy: ExpectedOther = %v, PAbsence = %g, Kind = %s, want 0, 1, none", r.ExpectedOther, r.PAbsence, r.Kind)
		}
	})
	t.Run("own count does not move own expectation", func(t *testing.T) {
		var expected []float64
		for _, n := range []int{0, 1, 50, 5000} {
			units := city()
			find(units, "huashi").CasesBySector = map[string]int{"water": n}
			res, err := Analyze(units, testSectors(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Code == "huashi" {
					expected = append(expected, r.ExpectedOther)
				}
			}
		}
		for i := range expected {
			if expected[i] != expected[0] {
				t.Errorf("huashi's ExpectedOther = %v for its own counts 0, 1, 50, 5000; want one value", expected)
				break
			}
		}
	})
	t.Run("single unit", func(t *testing.T) {
		res, err := Analyze([]Unit{{Code: "alone", PatrolVisits: 3, PatrolHours: 2}}, testSectors(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r := res[0]; r.ExpectedOther != 0 || r.PAbsence != 1 || r.PAdjusted != 1 || r.Kind != None || !strings.Contains(r.Reason, "no other unit") {
			t.Errorf("Analyze(one unit) = %+v, want nothing expected, p = 1, none, and a reason saying why", r)
		}
	})
}

func TestSectorsMissing(t *testing.T) {
	// Three units of 100 hours. For u1 the others have 30 agriculture
	// cases and 8 fire cases over 200 hours: 15 and 4 expected, both ≥ 3;
	// water has 1+3 = 4: 2 expected, not listed. The sector list is out of
	// order to check the result is sorted; core sectors are never listed.
	sectors := []Sector{{Code: "urban_management", Core: true}, {Code: "fire"}, {Code: "water"}, {Code: "agriculture"}}
	units := []Unit{
		{Code: "u1", PatrolVisits: 10, PatrolHours: 100, CasesBySector: map[string]int{"urban_management": 5}},
		{Code: "u2", PatrolVisits: 10, PatrolHours: 100, CasesBySector: map[string]int{"agriculture": 10, "fire": 3, "water": 1}},
		{Code: "u3", PatrolVisits: 10, PatrolHours: 100, CasesBySector: map[string]int{"agriculture": 20, "fire": 5, "water": 3}},
	}
	for _, tc := range []struct {
		name string
		opt  Options
		want [][]string
	}{
		{"default minimum", Options{}, [][]string{{"agriculture", "fire"}, {}, {}}},
		{"minimum 5", Options{MinExpected: 5}, [][]string{{"agriculture"}, {}, {}}},
		{"minimum 1", Options{MinExpected: 1}, [][]string{{"agriculture", "fire", "water"}, {}, {}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Analyze(units, sectors, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if !slices.Equal(r.SectorsMissing, tc.want[i]) || r.SectorsMissing == nil {
					t.Errorf("%s: SectorsMissing = %#v, want %#v", r.Code, r.SectorsMissing, tc.want[i])
				}
			}
			if tc.name == "default minimum" && !strings.Contains(res[0].Reason, "no case in agriculture (15.0 expected), fire (4.0 expected)") {
				t.Errorf("u1: Reason = %q, want the missing sectors with their expectations", res[0].Reason)
			}
		})
	}
}

func TestBenjaminiHochberg(t *testing.T) {
	// Ten units of 100 hours; nine file 10 non-core cases, the marginal one
	// 4. Its leave-one-out expectation is 90/900·100 = 10, so its raw
	// p = P(N ≤ 4 | 10) = 0.0293 is below 0.05. The others' p-values are
	// about 0.67, so BH over ten units gives it q = 0.0293·10/1 = 0.293.
	units := make([]Unit, 10)
	for i := range units {
		n := 10
		if i == 0 {
			n = 4
		}
		units[i] = Unit{Code: string(rune('a' + i)), PatrolVisits: 20, PatrolHours: 100, AreaKm2: 10,
			CasesBySector: map[string]int{"water": n, "urban_management": 30}}
	}
	const rawP = 0.029252688076961073 // mpmath: gammainc(5, 10, inf, regularized=True)
	for _, tc := range []struct {
		name string
		opt  Options
		want Kind
	}{
		{"significant raw, not after BH", Options{}, None},
		{"alpha above the adjusted p, but 4 of 10 is not far below", Options{Alpha: 0.3}, None},
		{"alpha above the adjusted p, far below at ratio 0.5", Options{Alpha: 0.3, MaxRatio: 0.5}, SectorGap},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Analyze(units, testSectors(), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			if r.ExpectedOther != 10 || !closeRel(r.PAbsence, rawP, 1e-12) || !closeRel(r.PAdjusted, rawP*10, 1e-12) || r.Kind != tc.want {
				t.Errorf("marginal unit: ExpectedOther = %v, PAbsence = %.6f, PAdjusted = %.6f, Kind = %s; want 10, %.6f, %.6f, %s",
					r.ExpectedOther, r.PAbsence, r.PAdjusted, r.Kind, rawP, rawP*10, tc.want)
			}
			if tc.opt.Alpha == 0 && !strings.Contains(r.Reason, "not significantly fewer") {
				t.Errorf("marginal unit: Reason = %q, want it to say the shortfall is not significant", r.Reason)
			}
		})
	}
}

func TestBenjaminiHochbergFamilies(t *testing.T) {
	// Patrolled units are adjusted among themselves; the units without
	// patrol among themselves.
	units := city("yuecheng", "zhutang")
	for _, code := range []string{"gushan", "nanzha", "ligang"} {
		find(units, code).PatrolVisits, find(units, code).PatrolHours = 0, 0
	}
	*find(units, "shengang") = Unit{Code: "shengang", AreaKm2: 50}
	res, err := Analyze(units, testSectors(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, patrolled := range []bool{true, false} {
		var p, q []float64
		for _, r := range res {
			if (r.PatrolVisits > 0 || r.PatrolHours > 0) == patrolled {
				p, q = append(p, r.PAbsence), append(q, r.PAdjusted)
			}
		}
		if want := hotspot.AdjustBH(p); !slices.Equal(q, want) {
			t.Errorf("patrolled = %v: PAdjusted = %v, want AdjustBH(PAbsence) = %v", patrolled, q, want)
		}
	}
}

func TestAnalyzeErrors(t *testing.T) {
	ok := func() []Unit {
		return []Unit{
			{Code: "a", PatrolVisits: 3, PatrolHours: 2, AreaKm2: 1, CasesBySector: map[string]int{"water": 1}},
			{Code: "b", PatrolVisits: 3, PatrolHours: 2, AreaKm2: 1},
		}
	}
	for _, tc := range []struct {
		name    string
		units   func() []Unit
		sectors []Sector
		opt     Options
		want    error
		says    string // part of the message that tells why
	}{
		{name: "no units", units: func() []Unit { return nil }, want: ErrInvalidInput, says: "no units"},
		{name: "no sectors", units: ok, sectors: []Sector{}, want: ErrInvalidInput, says: "no sectors"},
		{name: "empty sector code", units: ok, sectors: []Sector{{Code: "water"}, {}}, want: ErrInvalidInput, says: "empty code"},
		{name: "sector twice", units: ok, sectors: []Sector{{Code: "water"}, {Code: "water", Core: true}}, want: ErrInvalidInput, says: `"water" is listed twice`},
		{name: "empty unit code", units: func() []Unit { u := ok(); u[1].Code = ""; return u }, want: ErrInvalidInput, says: "empty code"},
		{name: "unit twice", units: func() []Unit { u := ok(); u[1].Code = "a"; return u }, want: ErrInvalidInput, says: `"a" is listed twice`},
		{name: "negative area", units: func() []Unit { u := ok(); u[1].AreaKm2 = -1; return u }, want: ErrInvalidInput, says: `"b" has area -1`},
		{name: "NaN area", units: func() []Unit { u := ok(); u[1].AreaKm2 = math.NaN(); return u }, want: ErrInvalidInput, says: "area NaN"},
		{name: "negative hours", units: func() []Unit { u := ok(); u[0].PatrolHours = -0.5; return u }, want: ErrInvalidInput, says: "-0.5 patrol hours"},
		{name: "NaN hours", units: func() []Unit { u := ok(); u[0].PatrolHours = math.NaN(); return u }, want: ErrInvalidInput, says: "NaN patrol hours"},
		{name: "infinite hours", units: func() []Unit { u := ok(); u[0].PatrolHours = math.Inf(1); return u }, want: ErrInvalidInput, says: "+Inf patrol hours"},
		{name: "negative visits", units: func() []Unit { u := ok(); u[0].PatrolVisits = -2; return u }, want: ErrInvalidInput, says: "-2 patrol visits"},
		{name: "negative cases", units: func() []Unit { u := ok(); u[0].CasesBySector["water"] = -1; return u }, want: ErrInvalidInput, says: `-1 cases in sector "water"`},
		{name: "unknown sector", units: func() []Unit { u := ok(); u[0].CasesBySector["piracy"] = 1; return u }, want: ErrInvalidInput, says: `"piracy", which is not in the sector list`},
		{name: "negative alpha", units: ok, opt: Options{Alpha: -0.05}, want: ErrInvalidInput, says: "Alpha"},
		{name: "alpha above 1", units: ok, opt: Options{Alpha: 1.5}, want: ErrInvalidInput, says: "Alpha"},
		{name: "NaN alpha", units: ok, opt: Options{Alpha: math.NaN()}, want: ErrInvalidInput, says: "Alpha"},
		{name: "negative minimum", units: ok, opt: Options{MinExpected: -3}, want: ErrInvalidInput, says: "MinExpected"},
		{name: "infinite minimum", units: ok, opt: Options{MinExpected: math.Inf(1)}, want: ErrInvalidInput, says: "MinExpected"},
		{
			name: "zero total exposure",
			units: func() []Unit {
				return []Unit{{Code: "a", CasesBySector: map[string]int{"water": 4}}, {Code: "b"}}
			},
			want: ErrNoExposure, says: "zero patrol hours, zero patrol visits and zero area",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sectors := tc.sectors
			if sectors == nil {
				sectors = testSectors()
			}
			res, err := Analyze(tc.units(), sectors, tc.opt)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Analyze = %v, %v; want an error wrapping %v that says %q", res, err, tc.want, tc.says)
			}
		})
	}
}

func TestAnalyzeDoesNotModifyInput(t *testing.T) {
	units := city("yuecheng")
	before := city("yuecheng")
	if _, err := Analyze(units, testSectors(), Options{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, units); diff != "" {
		t.Errorf("Analyze changed its input (-before +after):\n%s", diff)
	}
}
