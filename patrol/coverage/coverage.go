// Package coverage computes patrol coverage per H3 cell: visits (an officer entering a
// cell), dwell time and last visit, bucketed by cell, hour and officer.
//
// The rules, applied to one officer's fixes in time order:
//   - a fix starts a visit to its cell when it is the officer's first fix, when the
//     previous fix was in another cell, or when more than Gap passed since it;
//   - the time between two consecutive fixes at most Gap apart is dwell time of the earlier
//     fix's cell (and hour); a longer gap (phone off, lunch) counts for nothing;
//   - a cell's last visit is the time of the officer's last fix in it.
//
// Ingest keeps the table current by deltas: when fixes arrive, the officer's stored fixes
// from the one before the earliest new fix to the one after the latest are read, the
// contributions of that chain are computed without and with the new fixes, and the
// difference is added. Late and out-of-order fixes therefore correct their neighbours'
// numbers too, and nothing rescans an officer's whole history.
package coverage

import (
	"time"
)

// Gap is the longest time between two fixes that still counts as one stay.
const Gap = 5 * time.Minute

// Fix is a stored fix as coverage sees it.
type Fix struct {
	Time time.Time
	H3   int64
}

// Key identifies a coverage bucket of one officer.
type Key struct {
	H3   int64
	Hour time.Time // UTC, truncated to the hour
}

// Tally is what a bucket holds.
type Tally struct {
	Visits int
	DwellS float64
	Last   time.Time // latest fix in the bucket; zero when none was seen
}

// Tallies maps buckets to their tallies.
type Tallies map[Key]Tally

func keyOf(f Fix) Key { return Key{H3: f.H3, Hour: f.Time.UTC().Truncate(time.Hour)} }

// Contributions returns what a time-sorted chain of one officer's fixes contributes.
// With anchored, chain[0] is an existing fix whose own visit flag depends on a fix before
// the chain: its flag and its bucket's last visit are left out, the dwell of its pair
// with chain[1] is in.
func Contributions(chain []Fix, anchored bool) Tallies {
	t := Tallies{}
	for i, f := range chain {
		if i > 0 || !anchored {
			k := keyOf(f)
			cur := t[k]
			if i == 0 || startsVisit(chain[i-1], f) {
				cur.Visits++
			}
			if f.Time.After(cur.Last) {
				cur.Last = f.Time
			}
			t[k] = cur
		}
		if i+1 < len(chain) {
			if d := chain[i+1].Time.Sub(f.Time); d <= Gap {
				k := keyOf(f)
				cur := t[k]
				cur.DwellS += d.Seconds()
				t[k] = cur
			}
		}
	}
	return t
}

func startsVisit(prev, f Fix) bool {
	return prev.H3 != f.H3 || f.Time.Sub(prev.Time) > Gap
}

// Delta returns new minus old, bucket by bucket: the change to apply to the stored
// tallies. Last is new's (a later fix only ever raises a bucket's last visit). Buckets
// where nothing changes are left out.
func Delta(old, new Tallies) Tallies {
	d := Tallies{}
	for k, n := range new {
		o := old[k]
		change := Tally{Visits: n.Visits - o.Visits, DwellS: n.DwellS - o.DwellS, Last: n.Last}
		if change.Visits != 0 || change.DwellS != 0 || n.Last.After(o.Last) {
			d[k] = change
		}
	}
	for k, o := range old {
		if _, ok := new[k]; !ok {
			d[k] = Tally{Visits: -o.Visits, DwellS: -o.DwellS}
		}
	}
	return d
}
