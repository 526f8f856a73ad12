package assessment_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/assessment"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/coverage"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/planning"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// plan is what one township of the test city does in March 2024 (China time).
type plan struct {
	west            float64
	dispatched      int // urban management cases assigned to the township's officer
	onTime          int // of those, on site 10 minutes after the assignment (the rest after 45)
	quick           int // of those, resolved 2 hours after the assignment (the rest after 30)
	referred        int // more cases, assigned then referred to a department
	hotline         bool
	patrolHours     float64
	patrolCellWeeks int // its first cell visited in weeks 1 and 3 (2) or week 1 only (1)
}

// plans: A, B and C are large and differ (arrival 0.8, 0.9, 0.7), S is small with 4 of
// 4 on time. The first case of each township is a market regulation case at its corner;
// in B a hotline complaint of the same sector comes at that corner 5 days after that
// case was resolved (a repeat), in C 40 days after (not a repeat; in April).
var plans = map[string]plan{
	"A": {west: 120.20, dispatched: 40, onTime: 32, quick: 30, referred: 2, patrolHours: 10, patrolCellWeeks: 2},
	"B": {west: 120.21, dispatched: 40, onTime: 36, quick: 35, hotline: true, patrolHours: 10, patrolCellWeeks: 2},
	"C": {west: 120.22, dispatched: 40, onTime: 28, quick: 25, hotline: true, patrolHours: 10, patrolCellWeeks: 2},
	"S": {west: 120.23, dispatched: 4, onTime: 4, quick: 3, patrolHours: 1, patrolCellWeeks: 1},
}

const south, side = 31.80, 0.01

var march = time.Date(2024, 3, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

func testCity(t *testing.T) *apptest.City {
	t.Helper()
	ctx := context.Background()
	spec := apptest.Spec{Tokens: map[string]auth.TokenSpec{
		"admin":   {Role: auth.Admin},
		"analyst": {Role: auth.Analyst},
		"supA":    {Role: auth.Supervisor, Township: "A"},
	}}
	for _, code := range []string{"A", "B", "C", "S"} {
		p := plans[code]
		box := apptest.Box(p.west, south, p.west+side, south+side)
		spec.Townships = append(spec.Townships, grid.TownshipInput{Code: code, Name: code + "镇", Geom: box})
		spec.Squadrons = append(spec.Squadrons, grid.Squadron{Code: "q" + code, Name: code + "中队", Township: code})
		spec.GridAreas = append(spec.GridAreas, grid.NewGridArea{Code: "g" + code, Name: code + "网格", Township: code,
			Squadron: "q" + code, Polygon: box[0]})
		spec.Officers = append(spec.Officers, officer.Officer{ID: "o" + code, Squadron: "q" + code, Township: code})
	}
	c := apptest.NewCity(t, spec)
	admin := auth.Identity{Name: "test", Role: auth.Admin}
	// Powers held from February: M1 and U1 by all, M2 by A and B. Only B's hotline
	// complaint cites one (M1): A holds 3 items, all unused; B 3, 2 unused; C and S 2 each,
	// unused.
	effective, err := powers.ParseDate("2024-02-01")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Server.Powers.ImportList(ctx, "test", powers.ListImport{Effective: effective, Rows: []powers.ListRow{
		{Row: 2, Code: "M1", Name: "销售过期食品", Sector: "market_regulation", Department: "市场监管局", Category: "行政处罚", Townships: "全部"},
		{Row: 3, Code: "M2", Name: "无照经营", Sector: "market_regulation", Department: "市场监管局", Category: "行政处罚", Townships: "A、B"},
		{Row: 4, Code: "U1", Name: "擅自占用城市道路", Sector: "urban_management", Department: "城管局", Category: "行政处罚", Townships: "全部"},
	}}); err != nil {
		t.Fatal(err)
	}
	var changes []coverage.Change
	for code, p := range plans {
		centre := [2]float64{p.west + side/2, south + side/2}
		corner := [2]float64{p.west + side/4, south + side/4}
		n := p.dispatched + p.referred
		for i := range n {
			at := march.Add(time.Duration(24*(1+i%25)+2) * time.Hour)
			nc := cases.NewCase{Sector: "urban_management", Title: "占道", Lon: centre[0], Lat: centre[1], ReportedAt: at}
			if i == 0 {
				nc.Sector, nc.Lon, nc.Lat = "market_regulation", corner[0], corner[1]
			}
			assign := at.Add(5 * time.Minute)
			events := []cases.NewEvent{{Type: cases.EventAssign, Officer: "o" + code, At: assign}}
			if i >= p.dispatched {
				events = append(events, cases.NewEvent{Type: cases.EventRefer, Department: "市场监管局", At: assign.Add(time.Hour)})
			} else {
				arrive, resolve := 10*time.Minute, 2*time.Hour
				if i >= p.onTime {
					arrive = 45 * time.Minute
				}
				if i >= p.quick {
					resolve = 30 * time.Hour
				}
				events = append(events,
					cases.NewEvent{Type: cases.EventAccept, At: assign.Add(time.Minute)},
					cases.NewEvent{Type: cases.EventArrive, At: assign.Add(arrive)},
					cases.NewEvent{Type: cases.EventResolve, At: assign.Add(resolve)})
			}
			if _, err := c.Server.Cases.CreateWithHistory(ctx, admin, nc, events); err != nil {
				t.Fatalf("case %d of %s: %v", i, code, err)
			}
		}
		if p.hotline {
			// case 0 was resolved on 3-02 at 04:05 (China time).
			after := 5 * 24 * time.Hour
			if code == "C" {
				after = 40 * 24 * time.Hour
			}
			nc := cases.NewCase{Sector: "market_regulation", Title: "投诉", Lon: corner[0], Lat: corner[1],
				Source: cases.SourceHotline, ReportedAt: march.Add(26*time.Hour + after)}
			if code == "B" {
				nc.Item = "M1"
			}
			if _, err := c.Server.Cases.Create(ctx, admin, nc); err != nil {
				t.Fatal(err)
			}
		}
		cells, err := c.Server.Grid.CellsOf(ctx, grid.CellFilter{Township: code})
		if err != nil || len(cells) < 2 {
			t.Fatalf("cells of %s: %d, %v", code, len(cells), err)
		}
		for w := range p.patrolCellWeeks {
			hour := march.Add(time.Duration(w*14*24+10) * time.Hour).UTC()
			changes = append(changes, coverage.Change{Key: coverage.Key{H3: int64(cells[0]), Hour: hour}, Officer: "o" + code,
				Visits: 1, DwellS: p.patrolHours * 3600 / float64(p.patrolCellWeeks), Last: hour})
		}
		// A second visit of the same cell in the same week adds dwell, not a cell-week.
		hour := march.Add(11 * time.Hour).UTC()
		changes = append(changes, coverage.Change{Key: coverage.Key{H3: int64(cells[0]), Hour: hour}, Officer: "o" + code,
			Visits: 1, DwellS: 0, Last: hour})
	}
	var batch pgx.Batch
	c.Server.Coverage.QueueAdd(&batch, changes)
	if err := c.Server.DB.SendBatch(ctx, &batch).Close(); err != nil {
		t.Fatal(err)
	}
	inspections(t, c)
	penalties(t, c)
	positionChecks(t, c)
	plansAndFixes(t, c)
	referralAnswers(t, c)
	return c
}

// referralAnswers records the departments' answers to referrals: of A's two cases
// referred in March, the first taken up on 03-20, the second returned on 03-20, referred
// again to another department on 03-21 and taken up on 03-22 — A, qA and oA: 2 taken up
// of 3 answered, 1 returned. In C, two cases citing M2 (held by A and B only) reported on
// 02-20 and routed at intake, with no officer: one taken up on 03-05, one returned on
// 03-06 — C and qC: 1 of 2. In S, one routed the same way and taken up on 04-02: outside
// March.
func referralAnswers(t *testing.T, c *apptest.City) {
	t.Helper()
	ctx := context.Background()
	admin := auth.Identity{Name: "test", Role: auth.Admin}
	day := func(d int, month time.Month) time.Time {
		return time.Date(2024, month, d, 10, 0, 0, 0, march.Location())
	}
	answer := func(id int64, evs ...cases.NewEvent) {
		for _, ne := range evs {
			if _, _, err := c.Server.Cases.AppendEvent(ctx, admin, id, ne); err != nil {
				t.Fatalf("case %d: %s: %v", id, ne.Type, err)
			}
		}
	}
	var referred []int64
	rows, err := c.Server.DB.Query(ctx, `SELECT id FROM cases WHERE township = 'A' AND status = 'referred' ORDER BY id`)
	if err == nil {
		referred, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	}
	if err != nil || len(referred) != plans["A"].referred {
		t.Fatalf("A's referred cases %v: %v", referred, err)
	}
	answer(referred[0], cases.NewEvent{Type: cases.EventTakeUp, At: day(20, time.March)})
	answer(referred[1], cases.NewEvent{Type: cases.EventReturn, Note: "不属本部门职责", At: day(20, time.March)},
		cases.NewEvent{Type: cases.EventRefer, Department: "城管局", At: day(21, time.March)},
		cases.NewEvent{Type: cases.EventTakeUp, Department: "城管局", At: day(22, time.March)})
	for _, r := range []struct {
		code string
		ev   cases.NewEvent
	}{
		{"C", cases.NewEvent{Type: cases.EventTakeUp, At: day(5, time.March)}},
		{"C", cases.NewEvent{Type: cases.EventReturn, Note: "非本部门事项", At: day(6, time.March)}},
		{"S", cases.NewEvent{Type: cases.EventTakeUp, At: day(2, time.April)}},
	} {
		p := plans[r.code]
		nc := cases.NewCase{Item: "M2", Title: "无照经营", Lon: p.west + side*0.6, Lat: south + side*0.6, ReportedAt: day(20, time.February)}
		routed, err := c.Server.Cases.Create(ctx, admin, nc)
		if err != nil || routed.Status != cases.StatusReferred {
			t.Fatalf("routed case in %s: %+v, %v", r.code, routed, err)
		}
		answer(routed.ID, r.ev)
	}
}

// plansAndFixes stores, as planning would have, a 2-hour shift on 2024-03-12 for oA with
// four cells of A, 10, 30, 50 and 70 minutes in, each left 5 minutes later, and oA's
// fixes in the first on time, the second a minute late of its ETA (on time: before its
// leave plus 30 minutes), the third 45 minutes after its leave (late), none in the
// fourth: 2 of 4. For oB two cells, the first on time: 1 of 2. A plan of A in April is
// out of the window. (SQL on planning's and position's tables: the test stands in for the
// planner and ingest, which would also add patrol coverage and change the other counts.)
func plansAndFixes(t *testing.T, c *apptest.City) {
	t.Helper()
	ctx := context.Background()
	type fix struct {
		wp    int
		after time.Duration // after the waypoint's ETA
	}
	for _, pl := range []struct {
		code  string
		start time.Time
		cells int
		fixes []fix
	}{
		{"A", march.Add((11*24 + 9) * time.Hour), 4, []fix{{0, 0}, {1, time.Minute}, {2, 50 * time.Minute}}},
		{"B", march.Add((11*24 + 9) * time.Hour), 2, []fix{{0, 2 * time.Minute}}},
		{"A", march.AddDate(0, 1, 11), 4, []fix{{0, 0}}},
	} {
		cells, err := c.Server.Grid.CellsOf(ctx, grid.CellFilter{Township: pl.code})
		if err != nil || len(cells) < pl.cells {
			t.Fatalf("cells of %s: %d, %v", pl.code, len(cells), err)
		}
		p := planning.Plan{Header: planning.Header{Squadron: "q" + pl.code, Township: pl.code, Start: pl.start,
			End: pl.start.Add(2 * time.Hour)}}
		r := planning.Route{Officer: "o" + pl.code}
		for i := range pl.cells {
			centre := grid.Geometry(cells[i]).Center
			eta := pl.start.Add(time.Duration(10+20*i) * time.Minute)
			r.Waypoints = append(r.Waypoints, planning.Waypoint{H3: cells[i].String(), Lon: centre[0], Lat: centre[1], ETA: eta,
				Leave: eta.Add(5 * time.Minute)})
		}
		p.Routes = []planning.Route{r}
		if _, err := c.Server.DB.Exec(ctx, `INSERT INTO plans (squadron, township, shift_start, duration_s, created_by, request, result)
			VALUES ($1, $2, $3, 7200, 'test', '{}', $4)`, p.Squadron, p.Township, p.Start, p); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Server.DB.Exec(ctx, `SELECT ensure_position_partitions($1::date, $1::date + 1)`, p.Start.UTC()); err != nil {
			t.Fatal(err)
		}
		for _, f := range pl.fixes {
			w := r.Waypoints[f.wp]
			if _, err := c.Server.DB.Exec(ctx, `INSERT INTO positions (officer, time, township, lon, lat, h3) VALUES ($1, $2, $3, $4, $5, $6)`,
				r.Officer, w.ETA.Add(f.after), pl.code, w.Lon, w.Lat, int64(cells[f.wp])); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// positionChecks records evidence as uploaded: by oA in March, case evidence checked ok,
// far and ok, one without a capture position, and task evidence ok and no_track; by oB
// task evidence ok. Left out: oA's ok in April and a citizen's far in March. So oA 3 of
// 5, oB 1 of 1. (SQL on evidence's tables and case_events: the test stands in for the
// intake, which needs files and GPS tracks.)
func positionChecks(t *testing.T, c *apptest.City) {
	t.Helper()
	ctx := context.Background()
	mar, apr := march.Add(5*24*time.Hour), march.AddDate(0, 1, 5)
	for _, e := range []struct {
		officer *string
		check   *string
		at      time.Time
	}{{ptr("oA"), ptr("ok"), mar}, {ptr("oA"), ptr("far"), mar}, {ptr("oA"), ptr("ok"), mar}, {ptr("oA"), nil, mar},
		{ptr("oA"), ptr("ok"), apr}, {nil, ptr("far"), mar}} {
		if _, err := c.Server.DB.Exec(ctx, `
			WITH e AS (
				INSERT INTO case_events (township_key, case_id, seq, type, status, actor, actor_role, at, prev_hash, hash, evidence)
				SELECT township_key, id, (SELECT max(seq) + 1 FROM case_events WHERE township_key = cases.township_key AND case_id = cases.id), 'evidence', status, 'test', 'officer',
				       $1, '\x00', sha256(random()::text::bytea), sha256(random()::text::bytea)
				FROM cases WHERE id = (SELECT min(id) FROM cases WHERE township = 'A')
				RETURNING township_key, case_id, seq, evidence)
			INSERT INTO evidence (township_key, case_id, seq, sha256, kind, size_bytes, content_type, position_check, uploader, officer, uploaded_at)
			SELECT township_key, case_id, seq, evidence, 'photo', 1, 'image/jpeg', $2, 'test', $3, $1 FROM e`, e.at, e.check, e.officer); err != nil {
			t.Fatal(err)
		}
	}
	for i, e := range []struct{ officer, township, check string }{{"oA", "A", "ok"}, {"oA", "A", "no_track"}, {"oB", "B", "ok"}} {
		if _, err := c.Server.DB.Exec(ctx, `
			INSERT INTO task_evidence (task, n, sha256, kind, size_bytes, content_type, position_check, uploader, officer, uploaded_at)
			SELECT id, $1, sha256(random()::text::bytea), 'photo', 1, 'image/jpeg', $2, 'test', $3, $4
			FROM inspection_tasks WHERE township = $5 ORDER BY id LIMIT 1`, i+1, e.check, e.officer, mar, e.township); err != nil {
			t.Fatal(err)
		}
	}
}

func ptr(s string) *string { return &s }

// penalties gives A three penalty cases assigned to oA in December 2023 (outside the
// window of every other count): P1 filed 2023-12-04 (decision due 03-03), decided 03-01,
// delivered 03-05 (due 03-12), paid 03-18 (due 03-20): 3 deadlines met in March; P2 filed
// the same day, decided late on 03-10 and never delivered (due 03-19): 2 missed; P3 filed
// 2024-02-01, its decision due in May: none in March. So 3 of 5.
// Publication (7 working days: due 03-12 for P1, 03-19 for P2): P1 was entered on 03-20
// and says it was published on 03-12, on time; P2 was entered on 03-25 (published here
// then), late. So 1 of 2 decisions published on time.
// (SQL on case_events: the test stands in for the procedure, which needs items and a
// legal reviewer to get a case this far.)
func penalties(t *testing.T, c *apptest.City) {
	t.Helper()
	ctx := context.Background()
	admin := auth.Identity{Name: "test", Role: auth.Admin}
	p := plans["A"]
	dec := time.Date(2023, 12, 1, 2, 0, 0, 0, time.UTC)
	stages := [][]string{
		{"file 2023-12-04", "decide 2024-03-01 received 2024-03-20 published 2024-03-12", "deliver 2024-03-05", "execute 2024-03-18"},
		{"file 2023-12-04", "decide 2024-03-10 received 2024-03-25"},
		{"file 2024-02-01"},
	}
	status := map[string]string{"file": "filed", "decide": "decided", "deliver": "delivered", "execute": "executed"}
	for _, list := range stages {
		nc := cases.NewCase{Sector: "urban_management", Title: "处罚", Lon: p.west + side/2, Lat: south + side/2, ReportedAt: dec}
		created, err := c.Server.Cases.CreateWithHistory(ctx, admin, nc,
			[]cases.NewEvent{{Type: cases.EventAssign, Officer: "oA", At: dec.Add(time.Hour)}})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range list {
			f := strings.Fields(st)
			typ, day := f[0], f[1]
			var received, detail *string
			for i := 2; i+1 < len(f); i += 2 {
				v := f[i+1] + "T02:00:00Z" // 10:00 China time
				switch f[i] {
				case "received":
					received = &v
				case "published":
					d := `{"published_at":"` + v + `"}`
					detail = &d
				}
			}
			if _, err := c.Server.DB.Exec(ctx, `
				INSERT INTO case_events (township_key, case_id, seq, type, status, actor, actor_role, at, prev_hash, hash, received_at, detail)
				SELECT min(township_key), $1, max(seq) + 1, $2, $3, 'test', 'admin', ($4::date + time '10:00') AT TIME ZONE 'Asia/Shanghai',
				       '\x00', decode(md5(random()::text), 'hex'), $5, $6
				FROM case_events WHERE case_id = $1`, created.ID, typ, status[typ], day, received, detail); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// inspections writes, as the inspection store would have, one draw drawn on 2024-03-10
// with: in A, files scored 80 and 60, each with a fix-up (one closed, one open and due
// 2024-03-20: overdue), and 3 inspection tasks, one without a result past its
// publication day; in B a file scored 90 without fix-up and a task with its result.
// (SQL on inspection's tables: the test stands in for the owner's workflow, which
// needs items, legal reviewers and closed penalty cases to get here.)
func inspections(t *testing.T, c *apptest.City) {
	t.Helper()
	_, err := c.Server.DB.Exec(context.Background(), `
		WITH d AS (
			INSERT INTO draws (kind, title, plan, status, pools, commitment, seed, result, created_by, published_at, drawn_at)
			VALUES ('case_review', '2024 年 3 月', '{}', 'drawn', '{}', repeat('a', 64), decode(repeat('00', 32), 'hex'), '[]',
			        'test', '2024-03-10T02:00:00Z', '2024-03-10T02:00:00Z') RETURNING id),
		r AS (
			INSERT INTO case_reviews (draw, case_id, township, score, reviewed_at)
			SELECT d.id, v.case_id, v.township, v.score, '2024-03-12T02:00:00Z'
			FROM d, (VALUES (1, 'A', 80), (2, 'A', 60), (3, 'B', 90)) AS v (case_id, township, score)
			RETURNING id, case_id),
		f AS (
			INSERT INTO review_fixups (review, finding, due, closed_at, closure)
			SELECT r.id, '补充证据', '2024-03-20', CASE r.case_id WHEN 1 THEN '2024-03-15T02:00:00Z'::timestamptz END,
			       CASE r.case_id WHEN 1 THEN '已补充' END
			FROM r WHERE r.case_id IN (1, 2)),
		g AS (
			INSERT INTO inspection_targets (name, other_id, sectors, lon, lat, datum, h3, township, risk, created_by)
			SELECT '商户' || n, 'T' || n, '{market_regulation}', 120.205, 31.805, 'wgs84', 0, v.township, 'low', 'test'
			FROM (VALUES (1, 'A'), (2, 'A'), (3, 'A'), (4, 'B')) AS v (n, township)
			RETURNING id, other_id, township)
		INSERT INTO inspection_tasks (draw, target, township, inspectors, publish_by, outcome, recorded_by, recorded_at)
		SELECT d.id, g.id, g.township, '{oA}', '2024-03-25', CASE WHEN g.other_id = 'T2' THEN NULL ELSE 'no_problem' END,
		       CASE WHEN g.other_id = 'T2' THEN NULL ELSE 'test' END,
		       CASE WHEN g.other_id = 'T2' THEN NULL ELSE '2024-03-20T02:00:00Z'::timestamptz END
		FROM d, g`)
	if err != nil {
		t.Fatal(err)
	}
}

func cellsOf(t *testing.T, c *apptest.City, township string) int {
	t.Helper()
	cells, err := c.Server.Grid.CellsOf(context.Background(), grid.CellFilter{Township: township})
	if err != nil {
		t.Fatal(err)
	}
	return len(cells)
}

func indicator(u assessment.Unit, key string) assessment.Indicator {
	for _, in := range u.Indicators {
		if in.Key == key {
			return in
		}
	}
	return assessment.Indicator{}
}

func unitsByCode(lr assessment.LevelReport) map[string]assessment.Unit {
	m := map[string]assessment.Unit{}
	for _, u := range lr.Units {
		m[u.Code] = u
	}
	return m
}

const marchQuery = "/api/v1/assessment?period=month&from=2024-03-15"

func TestIndicatorsAgainstAHandCount(t *testing.T) {
	c := testCity(t)
	var rep assessment.Report
	if code, raw := c.Do("GET", marchQuery, "analyst", nil, &rep); code != 200 {
		t.Fatalf("assessment = %d %s", code, raw)
	}
	if rep.First.String() != "2024-03-01" || rep.End.String() != "2024-04-01" || rep.Partial || len(rep.Levels) != 3 {
		t.Fatalf("window %s–%s partial %v, %d levels", rep.First, rep.End, rep.Partial, len(rep.Levels))
	}
	const weeks = 5 // 31 days: 4 weeks and 3 days
	for li, prefix := range []string{"", "q", "o"} {
		lr := rep.Levels[li]
		units := unitsByCode(lr)
		if len(units) != 4 {
			t.Fatalf("%s: %d units, want 4", lr.Level, len(units))
		}
		for code, p := range plans {
			u := units[prefix+code]
			reported := p.dispatched + p.referred
			if code == "B" && prefix != "o" {
				reported++ // the hotline complaint is the township's and squadron's, not assigned
			}
			repeated := 0
			if code == "B" {
				repeated = 1
			}
			want := map[string][2]float64{
				"patrol":     {float64(p.patrolCellWeeks), float64(cellsOf(t, c, code) * weeks)},
				"arrival":    {float64(p.onTime), float64(p.dispatched + p.referred)},
				"resolution": {float64(p.quick), float64(p.dispatched)},
				"repeat":     {float64(repeated), float64(p.dispatched)},
				"timeliness": {0, 0}, // A's below
				"plan":       {0, 0}, // A's and B's below
				"position":   {0, 0}, // A's and B's below
				"volume":     {float64(reported), p.patrolHours},
				"decisions":  {0, 0}, // A's below
				"referral":   {0, 0}, // A's and C's below
				// per township only; 0 of 0 is no data
				"review":     {0, 0},
				"fixups":     {0, 0},
				"disclosure": {0, 0},
				"unused":     {0, 0},
			}
			if prefix == "" {
				want["unused"] = map[string][2]float64{"A": {3, 3}, "B": {2, 3}, "C": {2, 2}, "S": {2, 2}}[code]
			}
			if code == "A" {
				want["timeliness"] = [2]float64{3, 5} // see penalties
				want["position"] = [2]float64{3, 5}   // see positionChecks
				want["plan"] = [2]float64{2, 4}       // see plansAndFixes
				want["decisions"] = [2]float64{1, 2}  // see penalties
				want["referral"] = [2]float64{2, 3}   // see referralAnswers
			}
			if code == "C" && prefix != "o" {
				want["referral"] = [2]float64{1, 2} // routed at intake: no officer
			}
			if code == "B" {
				want["position"] = [2]float64{1, 1}
				want["plan"] = [2]float64{1, 2}
			}
			if prefix == "" && code == "A" {
				want["review"] = [2]float64{1.4, 2}   // (80 + 60) / 100 of 2 files
				want["fixups"] = [2]float64{1, 2}     // one open past due
				want["disclosure"] = [2]float64{2, 3} // one without a result past its day
			}
			if prefix == "" && code == "B" {
				want["review"] = [2]float64{0.9, 1}
				want["disclosure"] = [2]float64{1, 1}
			}
			if len(u.Indicators) != len(want) {
				t.Errorf("%s %s: %d indicators, want %d", lr.Level, u.Code, len(u.Indicators), len(want))
			}
			for key, w := range want {
				in := indicator(u, key)
				if w[1] == 0 {
					if !in.NoData || in.Score != nil || in.Reason == "" {
						t.Errorf("%s %s %s: %+v, want no data", lr.Level, u.Code, key, in)
					}
					continue
				}
				if math.Abs(in.X-w[0]) > 1e-9 || math.Abs(in.N-w[1]) > 1e-9 || in.NoData {
					t.Errorf("%s %s %s: x %g n %g (no data %v), want %g of %g", lr.Level, u.Code, key, in.X, in.N, in.NoData, w[0], w[1])
				}
				if in.Reason == "" || in.Score == nil {
					t.Errorf("%s %s %s: no reason or score: %+v", lr.Level, u.Code, key, in)
				}
			}
		}
	}
	// Volume by sector: each township's first case is of market regulation, the rest of
	// urban management; B's hotline complaint (market regulation) is its township's and
	// squadron's, not its officer's. Expected: the city's cases of the sector per patrol
	// hour (31 hours in all) times the unit's hours.
	for li, prefix := range []string{"", "q", "o"} {
		lr := rep.Levels[li]
		units := unitsByCode(lr)
		market := map[string]int{"A": 1, "B": 2, "C": 1, "S": 1}
		if prefix == "o" {
			market["B"] = 1
		}
		cityMarket, cityUrban := 0.0, 0.0
		for code, p := range plans {
			cityMarket += float64(market[code])
			cityUrban += float64(p.dispatched + p.referred - 1)
		}
		for code, p := range plans {
			in := indicator(units[prefix+code], "volume")
			want := map[string][2]float64{
				"market_regulation": {float64(market[code]), cityMarket / 31 * p.patrolHours},
				"urban_management":  {float64(p.dispatched + p.referred - 1), cityUrban / 31 * p.patrolHours},
			}
			if len(in.Sectors) != len(want) {
				t.Fatalf("%s %s: sectors %+v, want market regulation and urban management", lr.Level, code, in.Sectors)
			}
			sum := 0
			for _, sv := range in.Sectors {
				w := want[sv.Sector]
				sum += sv.Cases
				if float64(sv.Cases) != w[0] || math.Abs(sv.Expected-w[1]) > 0.006 || sv.Ratio == nil ||
					*sv.RatioLo > *sv.Ratio || *sv.Ratio > *sv.RatioHi {
					t.Errorf("%s %s %s: %d cases, expected %g, ratio %v–%v–%v; want %g cases, expected %.2f",
						lr.Level, code, sv.Sector, sv.Cases, sv.Expected, *sv.RatioLo, *sv.Ratio, *sv.RatioHi, w[0], w[1])
				}
				below := strings.Contains(in.Reason, "低于全市:") && strings.Contains(in.Reason, sv.Name+" ")
				if (*sv.RatioHi < 1) != below && !strings.Contains(in.Reason, "高于全市") {
					t.Errorf("%s %s %s: interval %g–%g, reason %q", lr.Level, code, sv.Sector, *sv.RatioLo, *sv.RatioHi, in.Reason)
				}
			}
			if float64(sum) != in.X {
				t.Errorf("%s %s: sectors sum to %d cases, volume counts %g", lr.Level, code, sum, in.X)
			}
		}
	}
	// A returned referral counts against the unit, and its reason says so.
	if in := indicator(unitsByCode(rep.Levels[0])["A"], "referral"); !strings.Contains(in.Reason, "退回 1 件") ||
		rep.Levels[0].City["referral"] != 0.6 {
		t.Errorf("A's referral reason %q, city %g; want 1 returned, the city 3 of 5", in.Reason, rep.Levels[0].City["referral"])
	}
	// City values pooled over the townships: arrival (32+36+28+4)/(42+40+40+4).
	if got := rep.Levels[0].City["arrival"]; math.Abs(got-round4(100.0/126)) > 1e-9 {
		t.Errorf("city arrival %g, want %g", got, 100.0/126)
	}
	// A township-scoped token sees its township's units, at every level.
	var own assessment.Report
	if code, raw := c.Do("GET", marchQuery, "supA", nil, &own); code != 200 {
		t.Fatalf("scoped assessment = %d %s", code, raw)
	}
	for _, lr := range own.Levels {
		if len(lr.Units) != 1 || lr.Units[0].Township != "A" {
			t.Errorf("scoped %s: %+v", lr.Level, lr.Units)
		}
	}
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

func TestShrinkageKeepsTheSmallTownshipFromTheExtremes(t *testing.T) {
	c := testCity(t)
	var rep assessment.Report
	if code, raw := c.Do("GET", marchQuery+"&level=township", "analyst", nil, &rep); code != 200 {
		t.Fatalf("assessment = %d %s", code, raw)
	}
	units := unitsByCode(rep.Levels[0])
	s := indicator(units["S"], "arrival")
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, code := range []string{"A", "B", "C"} {
		in := indicator(units[code], "arrival")
		if *in.Observed >= *s.Observed {
			t.Fatalf("S's raw arrival %g is not the highest (%s %g)", *s.Observed, code, *in.Observed)
		}
		lo, hi = math.Min(lo, *in.Estimate), math.Max(hi, *in.Estimate)
		if *s.Hi-*s.Lo <= *in.Hi-*in.Lo {
			t.Errorf("S's interval %g–%g is not wider than %s's %g–%g", *s.Lo, *s.Hi, code, *in.Lo, *in.Hi)
		}
	}
	if *s.Estimate <= lo || *s.Estimate >= hi {
		t.Errorf("S's shrunk arrival %g is not inside the large townships' %g–%g (raw 4 of 4)", *s.Estimate, lo, hi)
	}
	// Its composite interval is the widest, and so is its range of ranks.
	su := units["S"]
	for _, code := range []string{"A", "B", "C"} {
		u := units[code]
		if *su.ScoreHi-*su.ScoreLo <= *u.ScoreHi-*u.ScoreLo {
			t.Errorf("S's score interval %g–%g is not wider than %s's %g–%g", *su.ScoreLo, *su.ScoreHi, code, *u.ScoreLo, *u.ScoreHi)
		}
		if su.RankWorst-su.RankBest < u.RankWorst-u.RankBest {
			t.Errorf("S ranks %d–%d, narrower than %s's %d–%d", su.RankBest, su.RankWorst, code, u.RankBest, u.RankWorst)
		}
	}
	if su.RankBest == su.RankWorst {
		t.Errorf("S ranks exactly %d on 4 cases", su.RankBest)
	}
}

func TestExportsHoldTheNumbersOfTheJSON(t *testing.T) {
	c := testCity(t)
	var rep assessment.Report
	if code, raw := c.Do("GET", marchQuery, "analyst", nil, &rep); code != 200 {
		t.Fatalf("assessment = %d %s", code, raw)
	}
	code, raw := c.Do("GET", marchQuery+"&format=xlsx", "analyst", nil, nil)
	if code != 200 {
		t.Fatalf("xlsx = %d %s", code, raw)
	}
	book, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	if got := strings.Join(book.GetSheetList(), ","); got != "镇街,中队,执法人员" {
		t.Fatalf("sheets %s", got)
	}
	for i, sheet := range book.GetSheetList() {
		rows, err := book.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		lr := rep.Levels[i]
		if len(rows) != len(lr.Units)+1 || rows[0][0] != "单位编码" || rows[0][3] != "综合得分" {
			t.Fatalf("%s: %d rows, header %v", sheet, len(rows), rows[0])
		}
		for j, u := range lr.Units {
			row := rows[j+1]
			want := []string{u.Code, u.Name, u.Township, num(u.Score), num(u.ScoreLo), num(u.ScoreHi),
				fmt.Sprint(u.RankBest), fmt.Sprint(u.RankWorst)}
			ratio := map[string]*float64{}
			for _, in := range u.Indicators {
				want = append(want, num(in.Observed), num(in.Estimate), num(in.Score))
				for _, sv := range in.Sectors {
					ratio[sv.Sector] = sv.Ratio
				}
			}
			for _, sec := range rep.Sectors { // the volume's breakdown, one column a sector
				want = append(want, num(ratio[sec.Code]))
			}
			if len(rep.Sectors) != 12 || rows[0][8+3*len(assessment.Definitions)] != "执法体量·"+rep.Sectors[0].Name+"(与全市之比)" {
				t.Fatalf("%s: %d sectors, header %v", sheet, len(rep.Sectors), rows[0])
			}
			if got := strings.Join(row[:len(want)], "|"); got != strings.Join(want, "|") {
				t.Errorf("%s row %d:\n got %s\nwant %s", sheet, j+1, got, strings.Join(want, "|"))
			}
		}
	}
	code, raw = c.Do("GET", marchQuery+"&format=csv", "analyst", nil, nil)
	if code != 200 || !bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
		t.Fatalf("csv = %d, starts %q", code, raw[:min(len(raw), 8)])
	}
	records, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1+12 || records[0][0] != "级别" || records[1][0] != "镇街" || records[1][1] != rep.Levels[0].Units[0].Code ||
		records[1][4] != num(rep.Levels[0].Units[0].Score) {
		t.Errorf("csv: %d records, first %v", len(records), records[:min(2, len(records))])
	}
}

func num(v *float64) string {
	if v == nil {
		return "无数据"
	}
	return fmt.Sprint(*v)
}

func TestNoDataIsNotZero(t *testing.T) {
	c := testCity(t)
	var rep assessment.Report
	// February: no case, no patrol.
	if code, raw := c.Do("GET", "/api/v1/assessment?period=month&from=2024-02-01&level=squadron", "analyst", nil, &rep); code != 200 {
		t.Fatalf("assessment = %d %s", code, raw)
	}
	for _, u := range rep.Levels[0].Units {
		if u.Score != nil || u.RankBest != 0 {
			t.Errorf("%s scored %v, rank %d, on nothing", u.Code, *u.Score, u.RankBest)
		}
		for _, in := range u.Indicators {
			if in.Key == "patrol" {
				// The cells exist: patrol has data, and none was done anywhere: an
				// indicator that cannot tell units apart, not a score.
				if in.NoData || in.X != 0 || in.Observed == nil || *in.Observed != 0 || in.Score != nil ||
					!strings.Contains(in.Reason, "不区分") {
					t.Errorf("%s patrol: %+v", u.Code, in)
				}
				continue
			}
			if !in.NoData || in.Score != nil || !strings.Contains(in.Reason, "不计分") {
				t.Errorf("%s %s: %+v, want no data", u.Code, in.Key, in)
			}
		}
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	c := apptest.NewCity(t, apptest.Spec{Tokens: map[string]auth.TokenSpec{"admin": {Role: auth.Admin},
		"analyst": {Role: auth.Analyst}}})
	future := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	for _, tc := range []struct {
		name, method, path, who string
		body                    any
		status                  int
		field                   string
	}{
		{"level", "GET", "/api/v1/assessment?level=county", "analyst", nil, 400, "level"},
		{"period", "GET", "/api/v1/assessment?period=week", "analyst", nil, 400, "period"},
		{"from not a date", "GET", "/api/v1/assessment?from=03/2024", "analyst", nil, 400, "from"},
		{"future", "GET", "/api/v1/assessment?period=year&from=" + future, "analyst", nil, 400, "from"},
		{"format", "GET", "/api/v1/assessment?format=pdf", "analyst", nil, 400, "format"},
		{"negative weight", "PUT", "/api/v1/assessment/weights", "admin",
			map[string]any{"weights": map[string]float64{"patrol": -1, "arrival": 2}}, 400, "weights.patrol"},
		{"zero total", "PUT", "/api/v1/assessment/weights", "admin",
			map[string]any{"weights": map[string]float64{"patrol": 0}}, 400, "weights"},
		{"unknown indicator", "PUT", "/api/v1/assessment/weights", "admin",
			map[string]any{"weights": map[string]float64{"speed": 1}}, 400, "weights.speed"},
		{"analyst may not set weights", "PUT", "/api/v1/assessment/weights", "analyst",
			map[string]any{"weights": map[string]float64{"patrol": 1}}, 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, raw := c.Do(tc.method, tc.path, tc.who, tc.body, nil)
			if code != tc.status || !strings.Contains(string(raw), tc.field) {
				t.Errorf("%s %s = %d %s, want %d naming %q", tc.method, tc.path, code, raw, tc.status, tc.field)
			}
		})
	}
}

func TestWeightsChangeTheComposite(t *testing.T) {
	c := testCity(t)
	body := map[string]any{"weights": map[string]float64{"arrival": 1}}
	var got struct{ Weights assessment.Weights }
	if code, raw := c.Do("PUT", "/api/v1/assessment/weights", "admin", body, &got); code != 200 || got.Weights["arrival"] != 1 ||
		got.Weights["patrol"] != 0 {
		t.Fatalf("put weights = %d %s", code, raw)
	}
	var rep assessment.Report
	if code, raw := c.Do("GET", marchQuery+"&level=township", "analyst", nil, &rep); code != 200 {
		t.Fatalf("assessment = %d %s", code, raw)
	}
	for _, u := range rep.Levels[0].Units {
		if in := indicator(u, "arrival"); *u.Score != *in.Score {
			t.Errorf("%s: score %g with arrival alone weighted, arrival scores %g", u.Code, *u.Score, *in.Score)
		}
	}
}
