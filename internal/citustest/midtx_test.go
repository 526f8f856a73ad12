//go:build citus

package citustest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// TestWorkerLostMidTransaction stops a worker while a transaction holds writes on both
// workers, then commits: the error Citus gives (a lost "essential" connection or a
// failed prepare, SQLSTATE XX000, or a connection exception) is a 503 problem,
// translated by the store or not, and nothing of the transaction is kept, on either
// worker.
func TestWorkerLostMidTransaction(t *testing.T) {
	c := twoTownships(t)
	onWorker := casesOnEachWorker(t, c)
	ctx := context.Background()
	tx, err := c.Server.DB.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	touch := func(k cases.Case) error {
		_, err := tx.Exec(ctx, "UPDATE cases SET description = 'half-written' WHERE township_key = $1 AND id = $2", k.TownshipKey(), k.ID)
		return err
	}
	for _, w := range []string{"worker1", "worker2"} {
		if err := touch(onWorker[w]); err != nil {
			t.Fatalf("update the case on %s: %v", w, err)
		}
	}
	citus(t, "stop-node", "worker2")
	t.Cleanup(func() { citus(t, "start-node", "worker2") })
	err = tx.Commit(ctx)
	if err == nil {
		t.Fatal("a transaction with writes on a stopped worker committed")
	}
	t.Logf("worker2 lost mid-transaction: %v", err)
	for what, e := range map[string]error{"as it is": err, "translated": pgdb.Translate(err, "case")} {
		if p := httpx.ProblemFor(ctx, e); p.Status != 503 || p.Code != apperr.Unavailable {
			t.Errorf("%s: problem %d %q (%s), want 503 unavailable", what, p.Status, p.Code, p.Detail)
		}
	}

	citus(t, "start-node", "worker2")
	for _, w := range []string{"worker1", "worker2"} {
		var description string
		waitFor(t, func() error {
			return c.Server.DB.QueryRow(ctx, "SELECT description FROM cases WHERE id = $1", onWorker[w].ID).Scan(&description)
		})
		if description == "half-written" {
			t.Errorf("the case on %s kept the write of a transaction that failed", w)
		}
	}
}

// TestIngestUnderAFailingWorker stops worker2 while batches of fixes are being stored
// (positions by township, coverage and latest position by officer: two-phase commits
// across both workers): each request answers 200 or a 503 problem, never a 500; once the
// worker is back, the batches sent again are stored exactly once, so none was half
// written.
func TestIngestUnderAFailingWorker(t *testing.T) {
	c := twoTownships(t)
	ctx := context.Background()
	var onWorker2 int
	err := c.Server.DB.QueryRow(ctx, `
		SELECT count(*) FROM (VALUES ('coverage', 'a-1'), ('coverage', 'b-1')) AS v (t, key)
		JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column(v.t::regclass, v.key)
		JOIN pg_dist_node n ON n.groupid = p.groupid
		WHERE n.nodeport = (SELECT max(nodeport) FROM pg_dist_node WHERE groupid <> 0)`).Scan(&onWorker2)
	if err != nil {
		t.Fatal(err)
	}
	if onWorker2 == 0 {
		t.Fatal("neither officer's coverage lies on worker2: the test would stop no worker its ingest needs")
	}
	start := time.Now().Truncate(time.Second).Add(-6 * time.Hour)
	const rounds, perOfficer = 3, 400
	batches := make([][]byte, rounds)
	for r := range batches {
		var b bytes.Buffer
		b.WriteString(`{"positions":[`)
		for i := range perOfficer {
			for k, o := range []string{"a-1", "b-1"} {
				if i+k > 0 {
					b.WriteByte(',')
				}
				when := start.Add(time.Duration(r*perOfficer+i) * 5 * time.Second).Format(time.RFC3339)
				// Each officer walks north in its township, 5 m every 5 s, across the
				// batches: no fix is a jump to reject.
				fmt.Fprintf(&b, `{"officer":%q,"time":%q,"lat":%.6f,"lon":%.6f}`, o, when,
					31.805+0.00005*float64(r*perOfficer+i), 120.25+0.1*float64(k))
			}
		}
		b.WriteString(`]}`)
		batches[r] = b.Bytes()
	}
	post := func(body []byte) (int, string) {
		req, err := http.NewRequest("POST", c.URL+"/api/v1/positions", bytes.NewReader(body))
		if err != nil {
			return 0, err.Error()
		}
		req.Header.Set("Authorization", "Bearer "+c.Tokens["admin"])
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	for r, body := range batches {
		type answer struct {
			code int
			raw  string
		}
		done := make(chan answer, 1)
		go func() {
			code, raw := post(body)
			done <- answer{code, raw}
		}()
		// Stop the worker a little later each round: before, while and after the
		// transaction of the request.
		time.Sleep(time.Duration(r) * 150 * time.Millisecond)
		citus(t, "stop-node", "worker2")
		a := <-done
		citus(t, "start-node", "worker2")
		var p struct {
			Code apperr.Code `json:"code"`
		}
		switch {
		case a.code == 200:
			t.Logf("round %d: stored before worker2 stopped", r)
		case a.code == 503 && json.Unmarshal([]byte(a.raw), &p) == nil && p.Code == apperr.Unavailable:
			t.Logf("round %d: 503 unavailable", r)
		default:
			t.Errorf("round %d: POST /positions with worker2 stopping = %d %.300s, want 200 or a 503 problem", r, a.code, a.raw)
		}
	}
	for r, body := range batches {
		waitFor(t, func() error {
			code, raw := post(body)
			if code != 200 {
				return fmt.Errorf("POST /positions again (batch %d) = %d %.300s", r, code, raw)
			}
			var res struct {
				Rejected []json.RawMessage `json:"rejected"`
			}
			if err := json.Unmarshal([]byte(raw), &res); err != nil || len(res.Rejected) > 0 {
				t.Fatalf("POST /positions again (batch %d): %.300s, want every fix accepted or a duplicate", r, raw)
			}
			t.Logf("batch %d again: %.100s", r, raw)
			return nil
		})
	}
	var n int
	if err := c.Server.DB.QueryRow(ctx, "SELECT count(*) FROM positions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := rounds * perOfficer * 2; n != want {
		t.Errorf("after every batch was sent again: %d fixes stored, want %d (each once)", n, want)
	}
}

// waitFor retries f for up to 30 s, while a worker comes back, and fails the test with
// f's last error.
func waitFor(t *testing.T, f func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(strings.TrimSpace(err.Error()))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
