//go:build citus

package citustest

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/planning"
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

// sent records the statements a pool sends (a pgx tracer), for a test to EXPLAIN what a
// store really sends.
type sent struct {
	mu   sync.Mutex
	list []statement
}

type statement struct {
	sql  string
	args []any
}

func (s *sent) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, statement{sql: d.SQL, args: d.Args})
	return ctx
}

func (s *sent) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// take returns the statements sent since the last take that contain one of words.
func (s *sent) take(words ...string) []statement {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []statement
	for _, st := range s.list {
		for _, w := range words {
			if strings.Contains(st.sql, w) {
				out = append(out, st)
				break
			}
		}
	}
	s.list = nil
	return out
}

// tracedPool opens a pool on the city's database that records what it sends.
func tracedPool(t *testing.T, c *apptest.City) (*pgxpool.Pool, *sent) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(c.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	rec := &sent{}
	cfg.ConnConfig.Tracer = rec
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, rec
}

// TestTownshipRequestsReachOneShard: what a township-scoped request sends to positions,
// alerts, cases and plans — the tracks tile layer's read, ingest's chain read, the alerts
// list of one township, an alert's raise, the case list of one township and every
// statement on one case's rows while an event is appended to it, the plans of one
// township — is planned as one task on one shard; a city-wide analysis over positions
// runs as a task per shard, on both workers.
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
	caseAndPlanStatements(t, c)
	t.Logf("township-scoped tracks tile:\n%s\ncity-wide analysis:\n%s", scoped["tracks tile of township A"], wide)
}

// caseAndPlanStatements checks, with the statements the stores of cases and plans send (a
// traced pool), that a township's case list (GET /api/v1/cases?township=A), every
// statement on one case's rows that names its township while an event is appended, and
// a township's plans (GET /api/v1/plans?township=A) are one task each.
func caseAndPlanStatements(t *testing.T, c *apptest.City) {
	t.Helper()
	ctx := context.Background()
	pool, rec := tracedPool(t, c)
	admin := auth.Identity{Role: auth.Admin, Name: "admin"}
	store := cases.NewStore(pool, c.Server.Grid, c.Server.Officers, c.Server.Positions)
	one := func(what string, list []statement) {
		t.Helper()
		if len(list) == 0 {
			t.Errorf("%s: no statement sent", what)
		}
		for _, st := range list {
			plan := explain(t, c.Server.DB, st.sql, st.args...)
			if m := taskCount.FindStringSubmatch(plan); m == nil || m[1] != "1" {
				t.Errorf("%s: want a single task, got for\n%s\nthe plan\n%s", what, st.sql, plan)
			}
		}
	}

	created, err := store.Create(ctx, admin, cases.NewCase{Sector: "urban_management", Title: "占道经营", Lat: 31.84, Lon: 120.25})
	if err != nil {
		t.Fatal(err)
	}
	if created.Township == nil || *created.Township != "A" {
		t.Fatalf("the case fell in %v, want township A", created.Township)
	}
	rec.take()
	f, err := cases.ParseFilter(ctx, url.Values{"township": {"A"}}, admin, store,
		cases.Window{Now: time.Now(), Span: 30 * 24 * time.Hour, Max: 366 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	list, err := store.List(ctx, admin, f)
	if err != nil || len(list) != 1 || list[0].ID != created.ID {
		t.Fatalf("township A's cases: %v, %v; want case %d", list, err, created.ID)
	}
	one("township A's case list", rec.take("FROM cases"))

	if _, _, err := store.AppendEvent(ctx, admin, created.ID, cases.NewEvent{Type: cases.EventAssign, Officer: "a-1"}); err != nil {
		t.Fatal(err)
	}
	// All but the lookup of the case's township by its id (every shard: SELECT
	// township_key FROM cases WHERE id = $1).
	appended := rec.take("township_key = $", "case_events")
	one("appending an event to a case of township A", appended)
	inserted := false
	for _, st := range appended {
		inserted = inserted || strings.Contains(st.sql, "INSERT INTO case_events")
	}
	if !inserted {
		t.Errorf("appending an event: the INSERT INTO case_events does not name the township; sent %v", appended)
	}

	plans := planning.NewStore(pool, nil, planning.Sources{})
	if _, err := plans.List(ctx, planning.ListFilter{Township: "A"}); err != nil {
		t.Fatal(err)
	}
	one("township A's plans", rec.take("FROM plans"))
}
