//go:build citus

package citustest

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// citus runs scripts/citus with args (a node of the test cluster stopped or started).
func citus(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("../../scripts/citus", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/citus %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// workerOf returns the name scripts/citus gives the worker holding case k's shard (cases
// are distributed by township_key, the township or ""): worker1 has the lower port (the
// script picks the ports in node order).
func workerOf(t *testing.T, c *apptest.City, k cases.Case) string {
	t.Helper()
	var rank int
	err := c.Server.DB.QueryRow(context.Background(), `
		SELECT (SELECT count(*) FROM pg_dist_node w WHERE w.groupid <> 0 AND w.nodeport <= n.nodeport)
		FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid
		WHERE p.shardid = get_shard_id_for_distribution_column('cases', $1::text)`, k.TownshipKey()).Scan(&rank)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("worker%d", rank)
}

// casesOnEachWorker reports cases through the API, in both townships, until one lies on
// each worker, and returns a case by worker name.
func casesOnEachWorker(t *testing.T, c *apptest.City) map[string]cases.Case {
	t.Helper()
	onWorker := map[string]cases.Case{}
	for i := 0; len(onWorker) < 2 && i < 40; i++ {
		var k cases.Case
		code, raw := c.Do("POST", "/api/v1/cases", "reporter", map[string]any{
			"sector": "urban_management", "title": fmt.Sprintf("占道经营 %d", i), "lat": 31.84, "lon": 120.22 + 0.01*float64(i%15), "source": "hotline_12345"}, &k)
		if code != 201 {
			t.Fatalf("POST /cases = %d %s", code, raw)
		}
		w := workerOf(t, c, k)
		if _, ok := onWorker[w]; !ok {
			onWorker[w] = k
		}
	}
	if len(onWorker) != 2 {
		t.Fatalf("cases on %v: want some on each worker (townships A and B on different workers)", onWorker)
	}
	return onWorker
}

// TestStoppedWorker stops the worker holding one township's shard while the server runs:
// reading a case by id (which looks its township up on every shard), and listing every
// case, answer 503 problems (code unavailable); the case list of the township on the
// other worker and the townships (a reference table, on every node) still answer; once
// the worker is back, everything answers again.
func TestStoppedWorker(t *testing.T) {
	c := twoTownships(t)
	onWorker := casesOnEachWorker(t, c)
	status := func(path string) (int, string) {
		code, raw := c.Do("GET", path, "analyst", nil, nil)
		return code, string(raw)
	}
	kept := "/api/v1/cases?township=" + onWorker["worker1"].TownshipKey()
	lost, byID := fmt.Sprintf("/api/v1/cases/%d", onWorker["worker2"].ID), fmt.Sprintf("/api/v1/cases/%d", onWorker["worker1"].ID)

	citus(t, "stop-node", "worker2")
	t.Cleanup(func() { citus(t, "start-node", "worker2") })
	for _, path := range []string{lost, byID, "/api/v1/cases"} {
		code, raw := status(path)
		if code != 503 || !strings.Contains(raw, `"code":"unavailable"`) {
			t.Errorf("GET %s with worker2 down = %d %.300s, want a 503 problem", path, code, raw)
		}
	}
	for _, path := range []string{kept, "/api/v1/townships"} {
		if code, raw := status(path); code != 200 {
			t.Errorf("GET %s with worker2 down = %d %.300s, want 200: it needs only worker1 and the coordinator", path, code, raw)
		}
	}

	citus(t, "start-node", "worker2")
	deadline := time.Now().Add(20 * time.Second)
	for _, path := range []string{lost, byID, "/api/v1/cases", kept} {
		for {
			code, raw := status(path)
			if code == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s after worker2 came back = %d %.300s", path, code, raw)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}
