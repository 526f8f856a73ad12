package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/pgtest"
)

// TestSoakSmall runs the soak with tiny numbers against the real PostGIS: every request
// must succeed, every acknowledged fix be stored and every live event reach its walls.
func TestSoakSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of load against PostGIS")
	}
	var log strings.Builder
	opt := SoakOptions{
		DatabaseURL:  pgtest.NewDB(t),
		InPlace:      true,
		Devices:      20,
		Interval:     time.Second,
		OsmAndEvery:  4,
		Walls:        2,
		WallRefresh:  2 * time.Second,
		Analysts:     1,
		AnalystEvery: 2 * time.Second, // township hot spots, grid blind zones, township coverage
		Duration:     5 * time.Second,
		ReportEvery:  2 * time.Second,
		SampleEvery:  time.Second,
		Cases:        2000,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	rep, err := Soak(ctx, opt, &log)
	if err != nil {
		t.Fatalf("Soak: %v\n%s", err, log.String())
	}
	t.Logf("in %s:\n%s\n%s", time.Since(start).Round(time.Millisecond), log.String(), rep)
	if f := rep.Failures(); len(f) > 0 {
		t.Errorf("soak failed: %v", f)
	}
	// 20 devices × 5 s at one fix a second: about 100 fixes; all of them acknowledged.
	if rep.FixesAcked < 80 || rep.FixesAcked != rep.FixesTaken {
		t.Errorf("fixes taken %d, acknowledged %d; want about 100, all acknowledged", rep.FixesTaken, rep.FixesAcked)
	}
	if rep.FixesStored != rep.FixesAcked {
		t.Errorf("stored %d fixes, acknowledged %d", rep.FixesStored, rep.FixesAcked)
	}
	if rep.LiveReconnects != 0 || rep.LiveDelivered != rep.LiveExpected || rep.LiveExpected < rep.FixesAcked {
		t.Errorf("live: delivered %d, expected %d, reconnects %d; want all delivered, at least one wall seeing the whole city",
			rep.LiveDelivered, rep.LiveExpected, rep.LiveReconnects)
	}
	groups := map[string]uint64{}
	for _, s := range rep.Routes {
		groups[s.Group] = s.Requests
	}
	for _, g := range []string{groupPositions, groupOsmAnd, groupLive, tileGroup("cells"), tileGroup("coverage"),
		tileGroup("cases"), tileGroup("tracks"), analystQueries[0].group} {
		if groups[g] == 0 {
			t.Errorf("no request of %s measured (groups: %v)", g, groups)
		}
	}
	if len(rep.Memory) < 5 {
		t.Errorf("%d memory samples, want one a second and one at each end", len(rep.Memory))
	}
	if !strings.Contains(log.String(), "soak at ") {
		t.Errorf("no progress report in the log:\n%s", log.String())
	}
}
