package coverage_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwatch/gridwatch/patrol/coverage"
)

// Two neighbouring cells; the rules never look inside an H3 index, so any two distinct
// values do.
const (
	cellA int64 = 0x8928308280fffff
	cellB int64 = 0x8928308280bffff
)

// t0 is 08:00 UTC; at(s) is s seconds after it.
var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func fix(cell int64, s int) coverage.Fix { return coverage.Fix{Time: at(s), H3: cell} }

func key(cell int64, hour int) coverage.Key {
	return coverage.Key{H3: cell, Hour: t0.Add(time.Duration(hour) * time.Hour)}
}

func TestContributions(t *testing.T) {
	gap := int(coverage.Gap / time.Second)
	cst := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct {
		name     string
		chain    []coverage.Fix
		anchored bool
		want     coverage.Tallies
	}{
		{"empty chain", nil, false, coverage.Tallies{}},
		{"one fix is one visit without dwell", []coverage.Fix{fix(cellA, 0)}, false,
			coverage.Tallies{key(cellA, 0): {Visits: 1, Last: at(0)}}},
		{"an anchor alone contributes nothing", []coverage.Fix{fix(cellA, 0)}, true,
			coverage.Tallies{}},
		{"a stay in one cell is one visit with its dwell",
			[]coverage.Fix{fix(cellA, 0), fix(cellA, 30), fix(cellA, 90)}, false,
			coverage.Tallies{key(cellA, 0): {Visits: 1, DwellS: 90, Last: at(90)}}},
		{"a gap of exactly Gap is still one stay",
			[]coverage.Fix{fix(cellA, 0), fix(cellA, gap)}, false,
			coverage.Tallies{key(cellA, 0): {Visits: 1, DwellS: float64(gap), Last: at(gap)}}},
		{"a longer gap starts a new visit and counts no dwell",
			[]coverage.Fix{fix(cellA, 0), fix(cellA, gap+1)}, false,
			coverage.Tallies{key(cellA, 0): {Visits: 2, Last: at(gap + 1)}}},
		{"leaving and coming back is a second visit; dwell goes to the earlier fix's cell",
			[]coverage.Fix{fix(cellA, 0), fix(cellB, 20), fix(cellA, 60)}, false,
			coverage.Tallies{
				key(cellA, 0): {Visits: 2, DwellS: 20, Last: at(60)},
				key(cellB, 0): {Visits: 1, DwellS: 40, Last: at(20)},
			}},
		{"a stay across the hour continues its visit; dwell goes to the earlier fix's hour",
			[]coverage.Fix{fix(cellA, 3570), fix(cellA, 3630)}, false,
			coverage.Tallies{
				key(cellA, 0): {Visits: 1, DwellS: 60, Last: at(3570)},
				key(cellA, 1): {Visits: 0, Last: at(3630)},
			}},
		{"an anchor's visit and last time are left out, its dwell is in",
			[]coverage.Fix{fix(cellA, 0), fix(cellA, 30), fix(cellB, 60)}, true,
			coverage.Tallies{
				key(cellA, 0): {Visits: 0, DwellS: 60, Last: at(30)},
				key(cellB, 0): {Visits: 1, Last: at(60)},
			}},
		{"an anchor in another cell makes the next fix a visit",
			[]coverage.Fix{fix(cellB, 0), fix(cellA, 30)}, true,
			coverage.Tallies{
				key(cellB, 0): {DwellS: 30},
				key(cellA, 0): {Visits: 1, Last: at(30)},
			}},
		{"hours are UTC whatever the fix's zone",
			[]coverage.Fix{{Time: time.Date(2026, 11, 27, 16, 59, 0, 0, cst), H3: cellA}}, false,
			coverage.Tallies{key(cellA, 0): {Visits: 1, Last: at(59 * 60)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := coverage.Contributions(tc.chain, tc.anchored)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Contributions(%v, %v) mismatch (-want +got):\n%s", tc.chain, tc.anchored, diff)
			}
		})
	}
}

// TestContributionsSplitAtAnAnchor checks what lets ingest work by chains: a chain's
// contributions are those of its part up to any fix plus those of the rest anchored at
// that fix (visits and dwell add up, last is the later).
func TestContributionsSplitAtAnAnchor(t *testing.T) {
	chain := []coverage.Fix{
		fix(cellA, 0), fix(cellA, 40), fix(cellB, 80), fix(cellB, 500), fix(cellB, 3590),
		fix(cellB, 3620), fix(cellA, 3650), fix(cellA, 4300), fix(cellB, 4310),
	}
	whole := coverage.Contributions(chain, false)
	for k := range chain {
		t.Run(fmt.Sprintf("at fix %d", k), func(t *testing.T) {
			got := add(coverage.Contributions(chain[:k+1], false), coverage.Contributions(chain[k:], true))
			if diff := cmp.Diff(whole, got); diff != "" {
				t.Errorf("Contributions(chain[:%d]) + Contributions(chain[%d:], anchored) != Contributions(chain) (-whole +split):\n%s", k+1, k, diff)
			}
		})
	}
}

// add sums tallies bucket by bucket the way the store applies a delta.
func add(a, b coverage.Tallies) coverage.Tallies {
	sum := coverage.Tallies{}
	for _, t := range []coverage.Tallies{a, b} {
		for k, v := range t {
			s := sum[k]
			s.Visits += v.Visits
			s.DwellS += v.DwellS
			if v.Last.After(s.Last) {
				s.Last = v.Last
			}
			sum[k] = s
		}
	}
	return sum
}

func TestDelta(t *testing.T) {
	a0, a1, b0 := key(cellA, 0), key(cellA, 1), key(cellB, 0)
	for _, tc := range []struct {
		name     string
		old, new coverage.Tallies
		want     coverage.Tallies
	}{
		{"nothing changes", coverage.Tallies{a0: {Visits: 1, DwellS: 30, Last: at(30)}},
			coverage.Tallies{a0: {Visits: 1, DwellS: 30, Last: at(30)}}, coverage.Tallies{}},
		{"a new bucket is added whole", coverage.Tallies{},
			coverage.Tallies{b0: {Visits: 1, DwellS: 5, Last: at(60)}},
			coverage.Tallies{b0: {Visits: 1, DwellS: 5, Last: at(60)}}},
		{"a bucket that disappears is taken back, last left alone",
			coverage.Tallies{a1: {Visits: 2, DwellS: 45, Last: at(3700)}}, coverage.Tallies{},
			coverage.Tallies{a1: {Visits: -2, DwellS: -45}}},
		{"changed counts give their difference and the new last",
			coverage.Tallies{a0: {Visits: 2, DwellS: 30, Last: at(30)}},
			coverage.Tallies{a0: {Visits: 1, DwellS: 75, Last: at(30)}},
			coverage.Tallies{a0: {Visits: -1, DwellS: 45, Last: at(30)}}},
		{"a later last alone is a change",
			coverage.Tallies{a0: {Visits: 1, DwellS: 30, Last: at(30)}},
			coverage.Tallies{a0: {Visits: 1, DwellS: 30, Last: at(40)}},
			coverage.Tallies{a0: {Last: at(40)}}},
		{"only changed buckets are in the delta",
			coverage.Tallies{a0: {Visits: 1, Last: at(0)}, b0: {Visits: 1, Last: at(20)}},
			coverage.Tallies{a0: {Visits: 1, Last: at(0)}, b0: {Visits: 1, DwellS: 10, Last: at(20)}},
			coverage.Tallies{b0: {DwellS: 10, Last: at(20)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := coverage.Delta(tc.old, tc.new)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Delta(%v, %v) mismatch (-want +got):\n%s", tc.old, tc.new, diff)
			}
			if back := add(tc.old, got); !sameCounts(back, tc.new) {
				t.Errorf("old + Delta(old, new) = %v, want the counts of %v", back, tc.new)
			}
		})
	}
}

// sameCounts reports whether a and b hold the same visits and dwell in every bucket, a
// bucket of zero counts being the same as none.
func sameCounts(a, b coverage.Tallies) bool {
	for _, pair := range [][2]coverage.Tallies{{a, b}, {b, a}} {
		for k, v := range pair[0] {
			w := pair[1][k]
			if v.Visits != w.Visits || v.DwellS != w.DwellS {
				return false
			}
		}
	}
	return true
}
