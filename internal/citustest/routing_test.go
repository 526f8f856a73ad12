//go:build citus

package citustest

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// twoTownships is a city of two townships side by side, an officer in each.
func twoTownships(t *testing.T) *apptest.City {
	t.Helper()
	c := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{
			{Code: "A", Name: "甲镇", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)},
			{Code: "B", Name: "乙镇", Geom: apptest.Box(120.30, 31.80, 120.40, 31.88)},
		},
		Squadrons: []grid.Squadron{{Code: "A1", Name: "甲一", Township: "A"}, {Code: "B1", Name: "乙一", Township: "B"}},
		Officers:  []officer.Officer{{ID: "a-1", Squadron: "A1"}, {ID: "b-1", Squadron: "B1"}},
		Tokens: map[string]auth.TokenSpec{
			"admin":    {Role: auth.Admin},
			"analyst":  {Role: auth.Analyst},
			"reporter": {Role: auth.Reporter},
		},
	})
	var citus bool
	if err := c.Server.DB.QueryRow(context.Background(), "SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'positions'::regclass)").Scan(&citus); err != nil || !citus {
		t.Fatalf("positions is not distributed (%v): DATABASE_URL must be a Citus coordinator (scripts/citus)", err)
	}
	return c
}

// querier is a pool or one of its connections.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// explain returns the plan of sql as text.
func explain(t *testing.T, db querier, sql string, args ...any) string {
	t.Helper()
	rows, err := db.Query(context.Background(), "EXPLAIN "+sql, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", sql, err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var (
	taskCount = regexp.MustCompile(`Task Count: (\d+)`)
	nodePort  = regexp.MustCompile(`Node: host=\S+ port=(\d+)`)
)

// TestTownshipRequestsReachOneShard: what a township-scoped request sends to positions and
// alerts — the tracks tile layer's read, ingest's chain read, the alerts list of one
// township, an alert's raise — is planned as one task on one shard; a city-wide analysis
// over positions runs as a task per shard, on both workers; a township's case list (cases
// are distributed by id) asks every shard of cases.
func TestTownshipRequestsReachOneShard(t *testing.T) {
	c := twoTownships(t)
	ctx := context.Background()
	now := time.Now()
	for i, o := range []string{"a-1", "b-1"} {
		lon := 120.25 + 0.1*float64(i)
		var fixes []ingest.RawFix
		for k := range 10 {
			fixes = append(fixes, ingest.RawFix{Fix: ingest.Fix{Officer: o, Time: now.Add(time.Duration(k-10) * time.Minute), Point: orb.Point{lon + 0.001*float64(k), 31.84}}})
		}
		if _, err := c.Server.Positions.Ingest(ctx, fixes); err != nil {
			t.Fatal(err)
		}
	}
	db := c.Server.DB
	from, to := now.Add(-time.Hour), now
	scoped := map[string]string{
		"tracks tile of township A": explain(t, db, `
			SELECT officer, time, lon, lat, h3 FROM positions
			WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND time >= $5 AND time < $6
			  AND ($7 = '' OR township = $7) AND ($8 = '' OR officer = $8)
			ORDER BY officer, time`, 120.2, 31.8, 120.3, 31.88, from, to, "A", ""),
		"ingest's chain read of a-1": explain(t, db, `
			SELECT time, lon, lat, h3, time < $3 FROM positions
			WHERE township = $1 AND officer = $2 AND time BETWEEN
			      coalesce((SELECT max(time) FROM positions WHERE township = $1 AND officer = $2 AND time < $3), $3)
			  AND coalesce((SELECT min(time) FROM positions WHERE township = $1 AND officer = $2 AND time > $4), $4)
			ORDER BY time`, "A", "a-1", from, to),
		"the alerts of township A (the wall's tray, ?township=A)": explain(t, db, `
			SELECT id, township, rule, subject, status, raised_at FROM alerts
			WHERE ($1 = '' OR status = $1) AND ($2 = '' OR rule = $2) AND ($3 = '' OR township = $3)
			ORDER BY raised_at DESC, id DESC LIMIT $4`, "", "", "A", 500),
		"an alert raised in township A": explain(t, db, `
			INSERT INTO alerts (township, rule, subject, officer, observed_at, lon, lat, detail)
			VALUES ($1, $2, $3, nullif($4, ''), $5, $6, $7, $8)
			ON CONFLICT (township, rule, subject) WHERE status <> 'resolved' DO NOTHING
			RETURNING id`, "A", "sos", "a-1", "a-1", now, 120.25, 31.84, "{}"),
	}
	for what, plan := range scoped {
		if m := taskCount.FindStringSubmatch(plan); m == nil || m[1] != "1" {
			t.Errorf("%s: want a single task, got plan\n%s", what, plan)
		}
	}
	var shards int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'positions'::regclass").Scan(&shards); err != nil {
		t.Fatal(err)
	}
	// City-wide: fixes and officers per township over the last hour, every task shown.
	conn, err := db.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SET citus.explain_all_tasks = on"); err != nil {
		t.Fatal(err)
	}
	wide := explain(t, conn, `SELECT township, count(*), count(DISTINCT officer) FROM positions WHERE time >= $1 GROUP BY township`, from)
	if m := taskCount.FindStringSubmatch(wide); m == nil || m[1] != strconv.Itoa(shards) {
		t.Errorf("city-wide analysis: want a task per shard (%d), got plan\n%s", shards, wide)
	}
	ports := map[string]bool{}
	for _, m := range nodePort.FindAllStringSubmatch(wide, -1) {
		ports[m[1]] = true
	}
	if len(ports) < 2 {
		t.Errorf("city-wide analysis: tasks on %d nodes, want both workers; plan\n%s", len(ports), wide)
	}
	// A township's case list asks every shard: cases are distributed by id (docs/scaling.md).
	var caseShards int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'cases'::regclass").Scan(&caseShards); err != nil {
		t.Fatal(err)
	}
	caseList := explain(t, db, `SELECT id FROM cases WHERE township = ANY($1) ORDER BY reported_at DESC LIMIT 100`, []string{"A"})
	if m := taskCount.FindStringSubmatch(caseList); m == nil || m[1] != strconv.Itoa(caseShards) {
		t.Errorf("a township's case list: want a task per shard of cases (distributed by id, %d), got plan\n%s", caseShards, caseList)
	}
	t.Logf("township-scoped tracks tile:\n%s\ncity-wide analysis:\n%s", scoped["tracks tile of township A"], wide)
}
