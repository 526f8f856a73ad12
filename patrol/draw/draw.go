package draw

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"slices"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// SeedBytes is the length of a seed.
const SeedBytes = 32

// Unit is one member of the pool of units to draw from: an inspection target or a case
// file. Stratum is the quota it counts against (a risk level, a township); Area is the
// grid area it lies in ("" when none), which the own-area exclusion compares.
type Unit struct {
	ID      string `json:"id"`
	Stratum string `json:"stratum"`
	Area    string `json:"area"`
}

// Inspector is one member of the inspector pool: an officer, their squadron and the grid
// areas of that squadron (their own areas).
type Inspector struct {
	ID       string   `json:"id"`
	Squadron string   `json:"squadron"`
	Areas    []string `json:"areas"`
}

// Pools are the frozen pools of a draw, each sorted by ID.
type Pools struct {
	Units      []Unit      `json:"units"`
	Inspectors []Inspector `json:"inspectors"`
}

// Quota says how many units to draw from a stratum: Count units, or Percent of the
// stratum's pool rounded up (exactly one of them).
type Quota struct {
	Stratum string `json:"stratum"`
	Count   *int   `json:"count,omitempty"`
	Percent *int   `json:"percent,omitempty"`
}

// Rules are what a draw's result depends on besides the seed and the pools.
type Rules struct {
	Quotas []Quota `json:"quotas"`
	// PerUnit is how many inspectors go to each drawn unit (0: none are drawn).
	PerUnit int `json:"inspectors_per_unit"`
	// ExcludeOwnArea keeps an inspector from a unit in one of their own grid areas.
	ExcludeOwnArea bool `json:"exclude_own_area"`
	// DistinctSquadrons keeps the inspectors of one unit from sharing a squadron.
	DistinctSquadrons bool `json:"distinct_squadrons"`
}

// Pick is one drawn unit with its inspectors, in the order drawn.
type Pick struct {
	Unit       string   `json:"unit"`
	Stratum    string   `json:"stratum"`
	Inspectors []string `json:"inspectors"`
}

// Limits of a plan.
const (
	MaxQuotas   = 100
	MaxPerUnit  = 10
	MaxUnits    = 200_000
	MaxPoolSize = 200_000
)

// Validate checks rules on their own. Errors: invalid.
func (r Rules) Validate() error {
	if len(r.Quotas) == 0 || len(r.Quotas) > MaxQuotas {
		return apperr.Invalidf("a plan needs 1 to %d quotas", MaxQuotas)
	}
	seen := map[string]bool{}
	for i, q := range r.Quotas {
		switch {
		case q.Stratum == "":
			return apperr.Invalidf("quota %d names no stratum", i)
		case seen[q.Stratum]:
			return apperr.Invalidf("quota %d: stratum %q is named twice", i, q.Stratum)
		case (q.Count == nil) == (q.Percent == nil):
			return apperr.Invalidf("quota %d (%s): give exactly one of count and percent", i, q.Stratum)
		case q.Count != nil && (*q.Count < 0 || *q.Count > MaxUnits):
			return apperr.Invalidf("quota %d (%s): count %d is outside 0..%d", i, q.Stratum, *q.Count, MaxUnits)
		case q.Percent != nil && (*q.Percent < 1 || *q.Percent > 100):
			return apperr.Invalidf("quota %d (%s): percent %d is outside 1..100", i, q.Stratum, *q.Percent)
		}
		seen[q.Stratum] = true
	}
	if r.PerUnit < 0 || r.PerUnit > MaxPerUnit {
		return apperr.Invalidf("inspectors_per_unit %d is outside 0..%d", r.PerUnit, MaxPerUnit)
	}
	return nil
}

// Counts returns how many units each quota draws from pools of the given sizes per
// stratum: Count, or ceil(Percent × size / 100) in integers.
func (r Rules) Counts(sizes map[string]int) []int {
	out := make([]int, len(r.Quotas))
	for i, q := range r.Quotas {
		if q.Count != nil {
			out[i] = *q.Count
		} else {
			out[i] = (*q.Percent*sizes[q.Stratum] + 99) / 100
		}
	}
	return out
}

// Check tells whether the rules can be drawn from the pools whatever the seed: each
// quota at most its stratum's pool, and every unit of a drawn stratum with enough
// eligible inspectors (of distinct squadrons when the rules ask). Because the inspectors
// of a unit are chosen greedily among the eligible ones and squadrons partition them,
// the draw then never fails. Errors: unprocessable naming the quota or the unit.
func Check(r Rules, p Pools) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if len(p.Units) > MaxPoolSize || len(p.Inspectors) > MaxPoolSize {
		return apperr.New(apperr.Unprocessable, "a pool holds more than %d members", MaxPoolSize)
	}
	sizes := stratumSizes(p.Units)
	counts := r.Counts(sizes)
	drawn := map[string]bool{}
	for i, q := range r.Quotas {
		if counts[i] > sizes[q.Stratum] {
			return apperr.New(apperr.Unprocessable, "quota %s asks for %d units but its pool holds %d", q.Stratum, counts[i], sizes[q.Stratum])
		}
		drawn[q.Stratum] = counts[i] > 0
	}
	if r.PerUnit == 0 {
		return nil
	}
	// Eligibility depends on the unit's area only: check each area once.
	checked := map[string]bool{}
	for _, u := range p.Units {
		if !drawn[u.Stratum] || checked[u.Area] {
			continue
		}
		checked[u.Area] = true
		eligible, squadrons := 0, map[string]bool{}
		for _, in := range p.Inspectors {
			if r.excluded(u, in) {
				continue
			}
			eligible++
			squadrons[in.Squadron] = true
		}
		have := eligible
		if r.DistinctSquadrons {
			have = len(squadrons)
		}
		if have < r.PerUnit {
			what := "eligible inspectors"
			if r.DistinctSquadrons {
				what = "squadrons with an eligible inspector"
			}
			return apperr.New(apperr.Unprocessable, "the inspector pool is too small for the exclusions: unit %s has %d %s, the plan needs %d",
				u.ID, have, what, r.PerUnit)
		}
	}
	return nil
}

// excluded reports whether the own-area exclusion keeps an inspector from a unit.
func (r Rules) excluded(u Unit, in Inspector) bool {
	return r.ExcludeOwnArea && u.Area != "" && slices.Contains(in.Areas, u.Area)
}

func stratumSizes(units []Unit) map[string]int {
	sizes := map[string]int{}
	for _, u := range units {
		sizes[u.Stratum]++
	}
	return sizes
}

// NewSeed returns a seed from crypto/rand.
func NewSeed() ([]byte, error) {
	seed := make([]byte, SeedBytes)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("draw seed: %w", err)
	}
	return seed, nil
}

// Commitment returns the hex SHA-256 of a seed, published before the draw.
func Commitment(seed []byte) string {
	sum := sha256.Sum256(seed)
	return hex.EncodeToString(sum[:])
}

// UnitKey is the rank key of a unit: HMAC-SHA256 keyed by the seed over the bytes
// "unit", 0x00 and the unit's ID in UTF-8.
func UnitKey(seed []byte, id string) []byte { return newKeyer(seed).unit(id) }

// InspectorKey is the rank key of an inspector for one unit: HMAC-SHA256 keyed by the
// seed over "inspector", 0x00, the unit's ID, 0x00 and the inspector's ID.
func InspectorKey(seed []byte, unit, inspector string) []byte {
	return newKeyer(seed).inspector(unit, inspector)
}

// keyer computes rank keys with one keyed HMAC, reset between messages.
type keyer struct{ h hash.Hash }

func newKeyer(seed []byte) keyer { return keyer{hmac.New(sha256.New, seed)} }

func (k keyer) sum(parts ...string) []byte {
	k.h.Reset()
	for i, p := range parts {
		if i > 0 {
			k.h.Write([]byte{0})
		}
		io.WriteString(k.h, p)
	}
	return k.h.Sum(make([]byte, 0, sha256.Size))
}

func (k keyer) unit(id string) []byte { return k.sum("unit", id) }

func (k keyer) inspector(unit, id string) []byte { return k.sum("inspector", unit, id) }

type ranked struct {
	key []byte
	id  string
	i   int
}

// byKey orders by key, then ID, bytewise.
func byKey(a, b ranked) int {
	return cmp.Or(bytes.Compare(a.key, b.key), cmp.Compare(a.id, b.id))
}

// Draw computes the result: for each quota in the plan's order, the units of its stratum
// ranked by UnitKey (ties by ID) and the first count taken; then for each drawn unit in
// that order, the inspectors ranked by InspectorKey for the unit (ties by ID) and taken
// greedily, skipping those the own-area exclusion keeps from it and, when the rules ask
// for distinct squadrons, those of a squadron already taken for the unit, until
// PerUnit are taken. Errors: those of Check.
func Draw(seed []byte, r Rules, p Pools) ([]Pick, error) {
	if err := Check(r, p); err != nil {
		return nil, err
	}
	counts := r.Counts(stratumSizes(p.Units))
	k := newKeyer(seed)
	picks := []Pick{}
	for qi, q := range r.Quotas {
		var pool []ranked
		for i, u := range p.Units {
			if u.Stratum == q.Stratum {
				pool = append(pool, ranked{key: k.unit(u.ID), id: u.ID, i: i})
			}
		}
		slices.SortFunc(pool, byKey)
		for _, c := range pool[:counts[qi]] {
			picks = append(picks, Pick{Unit: c.id, Stratum: q.Stratum, Inspectors: assign(k, r, p, p.Units[c.i])})
		}
	}
	return picks, nil
}

// assign takes the inspectors of one unit (see Draw).
func assign(k keyer, r Rules, p Pools, u Unit) []string {
	out := []string{}
	if r.PerUnit == 0 {
		return out
	}
	order := make([]ranked, len(p.Inspectors))
	for i, in := range p.Inspectors {
		order[i] = ranked{key: k.inspector(u.ID, in.ID), id: in.ID, i: i}
	}
	slices.SortFunc(order, byKey)
	squadrons := map[string]bool{}
	for _, c := range order {
		in := p.Inspectors[c.i]
		if r.excluded(u, in) || (r.DistinctSquadrons && squadrons[in.Squadron]) {
			continue
		}
		out = append(out, in.ID)
		squadrons[in.Squadron] = true
		if len(out) == r.PerUnit {
			break
		}
	}
	return out
}
