package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/patrol/draw"
)

// TestVerifyDraw runs `gridwatch verify-draw` on a drawn record and on the same record
// with one pool entry changed.
func TestVerifyDraw(t *testing.T) {
	var pools draw.Pools
	for i := range 40 {
		pools.Units = append(pools.Units, draw.Unit{ID: fmt.Sprintf("%03d", i), Stratum: []string{"high", "low"}[i%2], Area: fmt.Sprintf("G%d", i%4)})
	}
	for i := range 8 {
		pools.Inspectors = append(pools.Inspectors, draw.Inspector{ID: fmt.Sprintf("O%d", i), Squadron: fmt.Sprintf("S%d", i%4),
			Areas: []string{fmt.Sprintf("G%d", i%4)}})
	}
	three := 3
	rules := draw.Rules{Quotas: []draw.Quota{{Stratum: "high", Count: &three}}, PerUnit: 2, ExcludeOwnArea: true, DistinctSquadrons: true}
	seed := bytes.Repeat([]byte{7}, draw.SeedBytes)
	picks, err := draw.Draw(seed, rules, pools)
	if err != nil {
		t.Fatal(err)
	}
	rec := draw.Record{Rules: rules, Pools: pools, Commitment: draw.Commitment(seed), Seed: hex.EncodeToString(seed), Result: picks}
	dir := t.TempDir()
	write := func(name string, r draw.Record) string {
		b, _ := json.Marshal(r)
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"verify-draw", write("good.json", rec)}, &out, &out); err != nil ||
		!strings.HasPrefix(out.String(), "match") {
		t.Fatalf("verify-draw on a drawn record: %v, %s", err, out.String())
	}
	for i, u := range rec.Pools.Units {
		if u.ID == picks[0].Unit {
			rec.Pools.Units[i].Stratum = "low"
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"verify-draw", write("changed.json", rec)}, &out, &out); !errors.Is(err, errMismatch) ||
		!strings.Contains(out.String(), "mismatch") {
		t.Errorf("verify-draw with a pool entry changed: %v, %s; want a mismatch", err, out.String())
	}
}
