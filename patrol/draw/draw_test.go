package draw

import (
	"encoding/hex"
	"fmt"
	"slices"
	"testing"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

func intp(n int) *int { return &n }

// testPools builds n units over three risk strata and areas G0..G9, and inspectors of
// five squadrons, each squadron owning two areas.
func testPools(n, inspectors int) Pools {
	var p Pools
	strata := []string{"high", "medium", "low"}
	for i := range n {
		p.Units = append(p.Units, Unit{ID: fmt.Sprintf("%06d", i), Stratum: strata[i%3], Area: fmt.Sprintf("G%d", i%10)})
	}
	for i := range inspectors {
		sq := i % 5
		p.Inspectors = append(p.Inspectors, Inspector{ID: fmt.Sprintf("O%03d", i), Squadron: fmt.Sprintf("SQ%d", sq),
			Areas: []string{fmt.Sprintf("G%d", 2*sq), fmt.Sprintf("G%d", 2*sq+1)}})
	}
	SortPools(&p)
	return p
}

var testRules = Rules{Quotas: []Quota{{Stratum: "high", Count: intp(5)}, {Stratum: "low", Percent: intp(10)}},
	PerUnit: 2, ExcludeOwnArea: true, DistinctSquadrons: true}

func seedOf(b byte) []byte {
	s := make([]byte, SeedBytes)
	s[0] = b
	return s
}

func TestDrawHoldsExclusions(t *testing.T) {
	p := testPools(300, 12)
	area := map[string]string{}
	for _, u := range p.Units {
		area[u.ID] = u.Area
	}
	owner := map[string]Inspector{}
	for _, in := range p.Inspectors {
		owner[in.ID] = in
	}
	for s := range byte(20) {
		picks, err := Draw(seedOf(s), testRules, p)
		if err != nil {
			t.Fatal(err)
		}
		if want := 5 + 10; len(picks) != want { // 100 low units: 10 %
			t.Fatalf("seed %d: %d picks, want %d", s, len(picks), want)
		}
		seen := map[string]bool{}
		for _, pk := range picks {
			if seen[pk.Unit] {
				t.Errorf("seed %d: unit %s drawn twice", s, pk.Unit)
			}
			seen[pk.Unit] = true
			if len(pk.Inspectors) != 2 {
				t.Fatalf("seed %d: unit %s has inspectors %v, want 2", s, pk.Unit, pk.Inspectors)
			}
			squadrons := map[string]bool{}
			for _, id := range pk.Inspectors {
				in := owner[id]
				if slices.Contains(in.Areas, area[pk.Unit]) {
					t.Errorf("seed %d: inspector %s drawn for unit %s in their own area %s", s, id, pk.Unit, area[pk.Unit])
				}
				if squadrons[in.Squadron] {
					t.Errorf("seed %d: unit %s has two inspectors of squadron %s", s, pk.Unit, in.Squadron)
				}
				squadrons[in.Squadron] = true
			}
		}
	}
}

func TestDrawDependsOnSeed(t *testing.T) {
	p := testPools(300, 12)
	a, _ := Draw(seedOf(1), testRules, p)
	b, _ := Draw(seedOf(1), testRules, p)
	c, _ := Draw(seedOf(2), testRules, p)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("the same seed drew two results")
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Fatal("two seeds drew the same result")
	}
}

func TestCheckRefuses(t *testing.T) {
	p := testPools(30, 12)
	tests := []struct {
		name  string
		rules Rules
		code  apperr.Code
	}{
		{"more than the pool", Rules{Quotas: []Quota{{Stratum: "high", Count: intp(11)}}}, apperr.Unprocessable},
		{"unknown stratum", Rules{Quotas: []Quota{{Stratum: "extreme", Count: intp(1)}}}, apperr.Unprocessable},
		{"too few squadrons", Rules{Quotas: []Quota{{Stratum: "high", Count: intp(1)}}, PerUnit: 5, ExcludeOwnArea: true,
			DistinctSquadrons: true}, apperr.Unprocessable},
		{"count and percent", Rules{Quotas: []Quota{{Stratum: "high", Count: intp(1), Percent: intp(1)}}}, apperr.Invalid},
		{"no quota", Rules{}, apperr.Invalid},
		{"percent 0", Rules{Quotas: []Quota{{Stratum: "high", Percent: intp(0)}}}, apperr.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Check(tt.rules, p); apperr.CodeOf(err) != tt.code {
				t.Errorf("Check = %v, want %s", err, tt.code)
			}
		})
	}
	// Five squadrons, each unit's own squadron excluded: four remain.
	ok := Rules{Quotas: []Quota{{Stratum: "high", Count: intp(10)}}, PerUnit: 4, ExcludeOwnArea: true, DistinctSquadrons: true}
	if err := Check(ok, p); err != nil {
		t.Errorf("Check(4 of 4 squadrons) = %v, want nil", err)
	}
}

func TestVerify(t *testing.T) {
	p := testPools(300, 12)
	seed := seedOf(7)
	picks, err := Draw(seed, testRules, p)
	if err != nil {
		t.Fatal(err)
	}
	rec := Record{Rules: testRules, Pools: p, Commitment: Commitment(seed), Seed: hex.EncodeToString(seed), Result: picks}
	if v := Verify(rec); !v.Match {
		t.Fatalf("Verify(drawn record) = %+v, want a match", v.Problems)
	}
	// One pool entry changed: a drawn unit moved to another area.
	changed := rec
	changed.Pools.Units = slices.Clone(p.Units)
	for i, u := range changed.Pools.Units {
		if u.ID == picks[0].Unit {
			changed.Pools.Units[i].ID = u.ID + "x"
		}
	}
	SortPools(&changed.Pools)
	if v := Verify(changed); v.Match {
		t.Error("Verify(record with a pool entry changed) matches")
	}
	wrongSeed := rec
	wrongSeed.Seed = hex.EncodeToString(seedOf(8))
	if v := Verify(wrongSeed); v.Match {
		t.Error("Verify(another seed) matches")
	}
	unsorted := rec
	unsorted.Pools.Units = append([]Unit{p.Units[1], p.Units[0]}, p.Units[2:]...)
	if v := Verify(unsorted); v.Match {
		t.Error("Verify(unsorted pool) matches")
	}
}

func TestKeys(t *testing.T) {
	// Values from Python's hmac and hashlib over the byte strings the docs specify.
	zero := make([]byte, SeedBytes)
	tests := []struct{ name, got, want string }{
		{"Commitment", Commitment(zero), "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"},
		{"UnitKey", hex.EncodeToString(UnitKey(zero, "1")), "acd3a454505d3b8f7c4af0b08aec885774a1e072657bd751825ebb753415acf7"},
		{"InspectorKey", hex.EncodeToString(InspectorKey(zero, "1", "O1")), "80d1fe9ee1e374223390c0c35f21cc1deb7eb27a131b458df5c109134c824c49"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s(32 zero bytes) = %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

// BenchmarkDraw10k draws 500 of 10,000 targets with two inspectors each from 381
// officers (the city's certified officers) in 20 squadrons.
func BenchmarkDraw10k(b *testing.B) {
	var p Pools
	strata := []string{"high", "medium", "low"}
	for i := range 10_000 {
		p.Units = append(p.Units, Unit{ID: fmt.Sprintf("%d", i+1), Stratum: strata[i%3], Area: fmt.Sprintf("G%03d", i%100)})
	}
	for i := range 381 {
		sq := i % 20
		p.Inspectors = append(p.Inspectors, Inspector{ID: fmt.Sprintf("O%03d", i), Squadron: fmt.Sprintf("SQ%02d", sq),
			Areas: []string{fmt.Sprintf("G%03d", 5*sq), fmt.Sprintf("G%03d", 5*sq+1)}})
	}
	SortPools(&p)
	r := Rules{Quotas: []Quota{{Stratum: "high", Percent: intp(10)}, {Stratum: "medium", Percent: intp(5)}, {Stratum: "low", Percent: intp(2)}},
		PerUnit: 2, ExcludeOwnArea: true, DistinctSquadrons: true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Draw(seedOf(1), r, p); err != nil {
			b.Fatal(err)
		}
	}
}
