package ingest

import (
	"math"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
)

// cityCentre returns a point in the centre of Jiangyin, WGS-84.
func cityCentre() orb.Point { return orb.Point{120.2853, 31.9108} }

func TestCheck(t *testing.T) {
	jiangyin := cityCentre()
	now := time.Date(2024, 6, 15, 14, 0, 0, 0, time.UTC)
	fix := func(p orb.Point, ago time.Duration, acc *float64) Fix {
		return Fix{Officer: "a", Time: now.Add(-ago), Point: p, Datum: geo.WGS84, AccuracyM: acc}
	}
	ok := fix(jiangyin, time.Minute, ptr(10))
	// prevAt is the previous fix, distM metres north of jiangyin, dt
	// before ok's time (after it, when dt is negative).
	prevAt := func(distM float64, dt time.Duration) *Fix {
		p := fix(geo.Destination(jiangyin, 0, distM), time.Minute+dt, ptr(10))
		return &p
	}
	tests := []struct {
		name string
		f    Fix
		prev *Fix
		cfg  FilterConfig
		want Code // "" for accepted
	}{
		{name: "plausible, no previous fix", f: ok},
		{name: "plausible walk", f: ok, prev: prevAt(100, time.Minute)},
		{name: "NaN latitude", f: fix(orb.Point{120, math.NaN()}, time.Minute, nil), want: CodeInvalidCoordinates},
		{name: "infinite longitude", f: fix(orb.Point{math.Inf(1), 31}, time.Minute, nil), want: CodeInvalidCoordinates},
		{name: "latitude over 90", f: fix(orb.Point{120, 90.0001}, time.Minute, nil), want: CodeInvalidCoordinates},
		{name: "longitude under -180", f: fix(orb.Point{-180.0001, 31}, time.Minute, nil), want: CodeInvalidCoordinates},
		{name: "pole and antimeridian are on Earth", f: fix(orb.Point{180, -90}, time.Minute, nil)},
		{name: "null island", f: fix(orb.Point{0, 0}, time.Minute, nil), want: CodeZeroCoordinates},
		{name: "on the equator is fine", f: fix(orb.Point{120, 0}, time.Minute, nil)},
		{name: "invalid before future", f: fix(orb.Point{200, 0}, -time.Hour, nil), want: CodeInvalidCoordinates},
		{name: "six minutes ahead", f: fix(jiangyin, -6*time.Minute, nil), want: CodeFutureTime},
		{name: "exactly the tolerance ahead", f: fix(jiangyin, -5*time.Minute, nil)},
		{name: "four minutes ahead", f: fix(jiangyin, -4*time.Minute, nil)},
		{name: "ahead within a wider tolerance", f: fix(jiangyin, -30*time.Minute, nil), cfg: FilterConfig{FutureTolerance: time.Hour}},
		{name: "eight days old", f: fix(jiangyin, 8*24*time.Hour, nil), want: CodeTooOld},
		{name: "six days old", f: fix(jiangyin, 6*24*time.Hour, nil)},
		{name: "old within a longer max age", f: fix(jiangyin, 8*24*time.Hour, nil), cfg: FilterConfig{MaxAge: 30 * 24 * time.Hour}},
		{name: "accuracy 150 m", f: fix(jiangyin, time.Minute, ptr(150)), want: CodeLowAccuracy},
		{name: "accuracy exactly 100 m", f: fix(jiangyin, time.Minute, ptr(100))},
		{name: "unknown accuracy passes", f: fix(jiangyin, time.Minute, nil)},
		{name: "accuracy check switched off", f: fix(jiangyin, time.Minute, ptr(5000)), cfg: FilterConfig{MaxAccuracyM: math.Inf(1)}},
		{name: "10 km in a minute", f: ok, prev: prevAt(10000, time.Minute), want: CodeImpliedSpeed},
		{name: "3 km in a minute is 50 m/s", f: ok, prev: prevAt(3000, time.Minute)},
		{name: "3 km in a minute over a 10 m/s limit", f: ok, prev: prevAt(3000, time.Minute), cfg: FilterConfig{MaxSpeedMS: 10}, want: CodeImpliedSpeed},
		{name: "previous fix later in time", f: ok, prev: prevAt(10000, -time.Minute), want: CodeImpliedSpeed},
		{name: "same time, another place", f: ok, prev: prevAt(5, 0), want: CodeImpliedSpeed},
		{name: "same time, same place is a duplicate", f: ok, prev: prevAt(0, 0)},
		{name: "low accuracy before implied speed", f: fix(jiangyin, time.Minute, ptr(500)), prev: prevAt(10000, time.Minute), want: CodeLowAccuracy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.f, tt.prev, now, tt.cfg)
			switch {
			case tt.want == "" && got != nil:
				t.Fatalf("Check(%v) = %v, want nil", tt.f.Point, got)
			case tt.want != "" && (got == nil || got.Code != tt.want || got.Message == ""):
				t.Fatalf("Check(%v) = %v, want code %s with a message", tt.f.Point, got, tt.want)
			}
		})
	}
}

func TestFilterConfigDefaults(t *testing.T) {
	got := FilterConfig{}.WithDefaults()
	want := FilterConfig{MaxAccuracyM: 100, MaxSpeedMS: 60, FutureTolerance: 5 * time.Minute, MaxAge: 7 * 24 * time.Hour}
	if got != want {
		t.Errorf("FilterConfig{}.WithDefaults() = %+v, want %+v", got, want)
	}
}

func TestFilter(t *testing.T) {
	jiangyin := cityCentre()
	now := time.Date(2024, 6, 15, 14, 0, 0, 0, time.UTC)
	at := func(minute int, northM float64) RawFix {
		return RawFix{Fix: Fix{Officer: "a", Time: now.Add(time.Duration(minute-60) * time.Minute),
			Point: geo.Destination(jiangyin, 0, northM), Datum: geo.WGS84}}
	}
	// items numbers the fixes in upload order.
	items := func(fs ...RawFix) []RawFix {
		for i := range fs {
			fs[i].Index = i
			if fs[i].Reject != nil {
				fs[i].Reject.Index = i
			}
		}
		return fs
	}
	bad := RawFix{Reject: &Rejection{Code: CodeUntimed, Message: "time is missing"}}
	stored := at(0, 0).Fix

	tests := []struct {
		name         string
		items        []RawFix
		prev         *Fix
		wantAccepted []int // upload indices, in the order accepted
		wantRejected []Rejection
	}{
		{name: "nothing", items: nil},
		{
			name:         "out of order upload is checked in time order",
			items:        items(at(3, 300), at(1, 100), at(2, 200)),
			wantAccepted: []int{1, 2, 0},
		},
		{
			name:         "a jump is rejected and the next fix compared with the last accepted",
			items:        items(at(1, 100), at(2, 50000), at(3, 200)),
			wantAccepted: []int{0, 2},
			wantRejected: []Rejection{{Index: 1, Code: CodeImpliedSpeed}},
		},
		{
			name:         "parse rejections pass through, sorted with the others",
			items:        items(at(2, 60000), bad, at(1, 100), at(3, 200)),
			wantAccepted: []int{2, 3},
			wantRejected: []Rejection{{Index: 0, Code: CodeImpliedSpeed}, {Index: 1, Code: CodeUntimed}},
		},
		{
			name:         "the stored fix is the first previous one",
			items:        items(at(1, 90000), at(2, 100)),
			prev:         &stored,
			wantAccepted: []int{1},
			wantRejected: []Rejection{{Index: 0, Code: CodeImpliedSpeed}},
		},
		{
			name:         "a duplicate is accepted for the store to count",
			items:        items(at(1, 100), at(1, 100)),
			wantAccepted: []int{0, 1},
		},
		{
			name:         "same time, other place",
			items:        items(at(1, 100), at(1, 900)),
			wantAccepted: []int{0},
			wantRejected: []Rejection{{Index: 1, Code: CodeImpliedSpeed}},
		},
		{
			name: "single-fix checks",
			items: items(at(1, 100), RawFix{Fix: Fix{Time: now, Point: orb.Point{0, 0}}},
				RawFix{Fix: Fix{Time: now.Add(time.Hour), Point: jiangyin}}),
			wantAccepted: []int{0},
			wantRejected: []Rejection{{Index: 1, Code: CodeZeroCoordinates}, {Index: 2, Code: CodeFutureTime}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accepted, rejected := Filter(tt.items, tt.prev, now, FilterConfig{})
			var want []Fix
			for _, i := range tt.wantAccepted {
				want = append(want, tt.items[i].Fix)
			}
			if d := fixDiff(want, accepted); d != "" {
				t.Errorf("Filter accepted mismatch (-want +got):\n%s", d)
			}
			for i := range rejected {
				rejected[i].Message = ""
			}
			if d := fixDiff(tt.wantRejected, rejected); d != "" {
				t.Errorf("Filter rejected mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestIndexed(t *testing.T) {
	f := func(n int) Fix { return Fix{Officer: string(rune('a' + n))} }
	r := func(i int) Rejection { return Rejection{Index: i, Code: CodeUntimed} }
	tests := []struct {
		name     string
		fixes    []Fix
		rejected []Rejection
		want     string // per index: the fix's officer, or "-" for a rejection
	}{
		{name: "empty", want: ""},
		{name: "fixes only", fixes: []Fix{f(0), f(1)}, want: "ab"},
		{name: "rejections only", rejected: []Rejection{r(0), r(1)}, want: "--"},
		{name: "rejections first, middle and last", fixes: []Fix{f(0), f(1)}, rejected: []Rejection{r(0), r(2), r(4)}, want: "-a-b-"},
		{name: "adjacent rejections", fixes: []Fix{f(0), f(1)}, rejected: []Rejection{r(1), r(2)}, want: "a--b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []byte
			for i, it := range Indexed(tt.fixes, tt.rejected) {
				if it.Index != i {
					t.Fatalf("Indexed item %d has Index %d", i, it.Index)
				}
				if it.Reject != nil {
					got = append(got, '-')
				} else {
					got = append(got, it.Fix.Officer...)
				}
			}
			if string(got) != tt.want {
				t.Errorf("Indexed = %q, want %q", got, tt.want)
			}
		})
	}
}
