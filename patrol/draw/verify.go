package draw

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"slices"
)

// Record is what verifying a draw reads of its public record (GET /public/draws/{id});
// the record's other members are ignored.
type Record struct {
	Rules      Rules  `json:"rules"`
	Pools      Pools  `json:"pools"`
	Commitment string `json:"commitment"`
	Seed       string `json:"seed"`   // hex; "" until drawn
	Result     []Pick `json:"result"` // nil until drawn
}

// Verification is the outcome of Verify: Match when the seed opens the commitment and
// the recomputed result is the recorded one; otherwise Problems says what differs.
type Verification struct {
	Match      bool     `json:"match"`
	Problems   []string `json:"problems,omitempty"`
	Recomputed []Pick   `json:"recomputed,omitempty"`
}

// Verify recomputes a drawn record from its rules, pools and seed alone.
func Verify(rec Record) Verification {
	var v Verification
	fail := func(format string, args ...any) Verification {
		v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
		return v
	}
	if rec.Seed == "" {
		return fail("the draw holds no seed: it is not drawn yet")
	}
	seed, err := hex.DecodeString(rec.Seed)
	if err != nil || len(seed) != SeedBytes {
		return fail("the seed is not %d bytes of hex", SeedBytes)
	}
	if got := Commitment(seed); got != rec.Commitment {
		fail("SHA-256 of the seed is %s, the commitment %s", got, rec.Commitment)
	}
	if !strictlySorted(rec.Pools.Units, func(u Unit) string { return u.ID }) ||
		!strictlySorted(rec.Pools.Inspectors, func(in Inspector) string { return in.ID }) {
		fail("a pool is not sorted by id with each id once")
	}
	picks, err := Draw(seed, rec.Rules, rec.Pools)
	if err != nil {
		return fail("the rules cannot be drawn from the pools: %v", err)
	}
	v.Recomputed = picks
	if len(picks) != len(rec.Result) {
		fail("the recomputed result draws %d units, the record %d", len(picks), len(rec.Result))
	}
	for i := range min(len(picks), len(rec.Result)) {
		a, b := picks[i], rec.Result[i]
		if a.Unit != b.Unit || a.Stratum != b.Stratum || !slices.Equal(a.Inspectors, b.Inspectors) {
			fail("pick %d: recomputed %s (%s) with %v, recorded %s (%s) with %v", i+1, a.Unit, a.Stratum, a.Inspectors,
				b.Unit, b.Stratum, b.Inspectors)
			break
		}
	}
	v.Match = len(v.Problems) == 0
	return v
}

// strictlySorted reports whether the IDs of a pool increase bytewise: sorted, each once.
func strictlySorted[T any](list []T, id func(T) string) bool {
	for i := 1; i < len(list); i++ {
		if id(list[i-1]) >= id(list[i]) {
			return false
		}
	}
	return true
}

// SortPools sorts both pools by ID, and each inspector's areas, as a frozen pool is kept.
func SortPools(p *Pools) {
	slices.SortFunc(p.Units, func(a, b Unit) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(p.Inspectors, func(a, b Inspector) int { return cmp.Compare(a.ID, b.ID) })
	for i := range p.Inspectors {
		slices.Sort(p.Inspectors[i].Areas)
	}
}
