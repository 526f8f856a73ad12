package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/demo"
	"github.com/gridwatch/gridwatch/internal/demo/democity"
	"github.com/gridwatch/gridwatch/internal/pgtest"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

func count(t *testing.T, db *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// counts is what a load leaves behind, to compare two loads.
func counts(t *testing.T, db *pgxpool.Pool) [4]int {
	return [4]int{
		count(t, db, "SELECT count(*) FROM townships"),
		count(t, db, "SELECT count(*) FROM cells"),
		count(t, db, "SELECT count(*) FROM squadrons"),
		count(t, db, "SELECT count(*) FROM grid_areas"),
	}
}

func TestLoadBuildsTheDemoCity(t *testing.T) {
	ctx := context.Background()
	db := pgtest.NewPool(t)
	store := grid.NewStore(db, grid.DefaultResolution)
	if err := demo.Load(ctx, store, demo.DefaultSeed, 0); err != nil {
		t.Fatal(err)
	}
	got := counts(t, db)
	if got[0] != 17 {
		t.Errorf("%d townships, want 17", got[0])
	}
	for _, tw := range democity.Townships() {
		if n := count(t, db, "SELECT count(*) FROM townships WHERE code = $1 AND name = $2", tw.Code, tw.Name); n != 1 {
			t.Errorf("township %s %s missing", tw.Code, tw.Name)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM (SELECT township FROM squadrons GROUP BY township HAVING count(*) = 3) x"); n != 17 {
		t.Errorf("%d townships have 3 squadrons, want 17", n)
	}
	if n := count(t, db, "SELECT count(*) FROM cells WHERE grid_area IS NULL"); n != 0 {
		t.Errorf("%d cells are in no grid area", n)
	}
	if n := count(t, db, `SELECT count(*) FROM (SELECT grid_area FROM cells GROUP BY grid_area
		HAVING count(*) NOT BETWEEN 50 AND 150) x`); n != 0 {
		t.Errorf("%d grid areas are outside 50-150 cells", n)
	}
	if n := count(t, db, `SELECT count(*) FROM cells c JOIN grid_areas g ON g.code = c.grid_area
		JOIN squadrons q ON q.code = g.squadron WHERE g.township <> c.township OR q.township <> c.township`); n != 0 {
		t.Errorf("%d cells in a grid area or squadron of another township", n)
	}

	// The split invariants over the whole city.
	if audit, err := store.CheckInvariants(ctx); err != nil || audit != (grid.Audit{}) {
		t.Errorf("grid invariants: %+v, %v", audit, err)
	}

	// A second load changes nothing.
	if err := demo.Load(ctx, store, demo.DefaultSeed, 0); err != nil {
		t.Fatal(err)
	}
	if again := counts(t, db); again != got {
		t.Errorf("second load: %v, want %v", again, got)
	}
}

func TestLoadPatrolsSendsADayThroughIngest(t *testing.T) {
	ctx := context.Background()
	srv, err := app.Open(ctx, app.Config{DatabaseURL: pgtest.NewDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := demo.Load(ctx, srv.Grid, demo.DefaultSeed, 0); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC)
	srv.Positions.SetClock(func() time.Time { return now })
	p := demo.Patrol{Grid: srv.Grid, Officers: srv.Officers, Positions: srv.Positions}
	if err := demo.LoadPatrols(ctx, p, demo.DefaultSeed, now); err != nil {
		t.Fatal(err)
	}
	db := srv.DB
	officers := count(t, db, "SELECT count(*) FROM officers")
	if officers < 280 || officers > 340 {
		t.Errorf("%d officers, want about 310", officers)
	}
	if n := count(t, db, "SELECT count(*) FROM squadrons q WHERE (SELECT count(*) FROM officers o WHERE o.squadron = q.code) < $1", demo.MinOfficersPerSquadron); n != 0 {
		t.Errorf("%d squadrons with fewer than %d officers", n, demo.MinOfficersPerSquadron)
	}
	fixes := count(t, db, "SELECT count(*) FROM positions")
	if fixes < 800_000 {
		t.Errorf("%d fixes stored, want a day of 8-hour shifts at one fix per 5-10 s", fixes)
	}
	shift := demo.LastShift(now)
	if n := count(t, db, "SELECT count(*) FROM positions WHERE time < $1 OR time >= $2", shift.Start, shift.Start.Add(8*time.Hour)); n != 0 {
		t.Errorf("%d fixes outside the shift", n)
	}
	visited := count(t, db, "SELECT count(DISTINCT h3) FROM coverage")
	cells := count(t, db, "SELECT count(*) FROM cells")
	if visited < cells/3 || visited > cells*95/100 {
		t.Errorf("%d of %d cells visited: want most, but not all", visited, cells)
	}
	if n := count(t, db, "SELECT count(*) FROM officer_latest"); n != officers {
		t.Errorf("%d officers with a latest position", n)
	}
	// Loading again adds nothing.
	if err := demo.LoadPatrols(ctx, p, demo.DefaultSeed, now); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT count(*) FROM positions"); n != fixes {
		t.Errorf("second load: %d fixes, want %d", n, fixes)
	}

	// Cases: about 700 a month, 11 sectors, blind townships without non-core cases.
	start := time.Now()
	if err := demo.LoadPowers(ctx, srv.Grid, srv.Powers); err != nil {
		t.Fatal(err)
	}
	centres, err := demo.LoadCases(ctx, srv.Grid, srv.Officers, srv.Cases, srv.Powers, demo.DefaultSeed, now)
	if err != nil || len(centres) != 4 {
		t.Fatalf("LoadCases: %d hot spot centres, %v", len(centres), err)
	}
	t.Logf("demo cases loaded in %s", time.Since(start))
	n := count(t, db, "SELECT count(*) FROM cases")
	if n < 1800 || n > 2400 {
		t.Errorf("%d cases over 90 days, want about 2,100", n)
	}
	if s := count(t, db, "SELECT count(DISTINCT sector) FROM cases"); s != 11 {
		t.Errorf("cases in %d sectors, want 11", s)
	}
	if m := count(t, db, `SELECT count(*) FROM cases c JOIN sectors s ON s.code = c.sector
		WHERE NOT s.core AND c.township = ANY($1)`, demo.BlindTownships); m != 0 {
		t.Errorf("%d non-core cases in the blind townships", m)
	}
	for _, tw := range demo.BlindTownships {
		if k := count(t, db, "SELECT count(*) FROM cases WHERE township = $1", tw); k < 30 {
			t.Errorf("blind township %s has only %d cases: it should be busy, just not outside the core", tw, k)
		}
	}
	// Powers: 120 items; every township holds 96 today, 澄江 no urban-management item; the
	// cases cite items, most of them held.
	if k := count(t, db, "SELECT count(*) FROM power_items"); k != 120 {
		t.Errorf("%d items, want 120", k)
	}
	for _, tw := range []string{demo.Chengjiang, demo.BlindTownships[0]} {
		held, err := srv.Powers.Held(ctx, tw, powers.DateOf(now))
		if err != nil {
			t.Fatal(err)
		}
		urban := 0
		for _, h := range held {
			if h.Sector == "urban_management" {
				urban++
			}
		}
		if want := map[bool][2]int{true: {87, 0}, false: {96, 9}}[tw == demo.Chengjiang]; len(held) != want[0] || urban != want[1] {
			t.Errorf("township %s holds %d items, %d of urban management; want %v", tw, len(held), urban, want)
		}
	}
	if c := count(t, db, "SELECT count(*) FROM cases WHERE item IS NULL"); c != 0 {
		t.Errorf("%d cases cite no item", c)
	}
	routed := count(t, db, `SELECT count(*) FROM cases c WHERE NOT item_held AND EXISTS (
		SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.seq = 2 AND e.type = 'refer' AND e.actor = 'system' AND e.department IS NOT NULL)`)
	if notHeld := count(t, db, "SELECT count(*) FROM cases WHERE NOT item_held"); notHeld == 0 || notHeld > n/5 || routed != notHeld {
		t.Errorf("%d cases routed at intake (%d referred to a department), want some, fewer than a fifth of %d", notHeld, routed, n)
	}
	if c := count(t, db, "SELECT count(*) FROM cases WHERE status = 'closed'"); c < n*8/10 {
		t.Errorf("%d of %d cases closed, want most", c, n)
	}
	checkPenaltyCases(t, srv, n)
	checkReferralAnswers(t, srv)
	if again, err := demo.LoadCases(ctx, srv.Grid, srv.Officers, srv.Cases, srv.Powers, demo.DefaultSeed, now); err != nil || again != nil {
		t.Fatalf("second LoadCases: %v, %v", again, err)
	}
	if again := count(t, db, "SELECT count(*) FROM cases"); again != n {
		t.Errorf("second case load: %d cases, want %d", again, n)
	}
}

// checkReferralAnswers checks the departments' answers to the demo's referrals: most
// taken up, some returned with reasons, all in office hours (China time, Monday to
// Friday) and after the referral; a returned case back in the bureau's hands.
func checkReferralAnswers(t *testing.T, srv *app.Server) {
	t.Helper()
	db := srv.DB
	takenUp := count(t, db, "SELECT count(*) FROM case_events WHERE type = 'take_up'")
	returned := count(t, db, "SELECT count(*) FROM case_events WHERE type = 'return' AND btrim(note) <> ''")
	t.Logf("referrals taken up %d, returned %d", takenUp, returned)
	if returned == 0 || takenUp < 3*returned {
		t.Errorf("%d referrals taken up, %d returned: want most taken up, some returned", takenUp, returned)
	}
	if n := count(t, db, `SELECT count(*) FROM case_events e WHERE e.type IN ('take_up', 'return') AND (
		(e.at AT TIME ZONE 'Asia/Shanghai')::time NOT BETWEEN '08:30' AND '17:30'
		OR extract(isodow FROM e.at AT TIME ZONE 'Asia/Shanghai') > 5 OR e.at > now()
		OR NOT EXISTS (SELECT 1 FROM case_events r WHERE r.case_id = e.case_id AND r.type = 'refer' AND r.seq < e.seq AND r.at <= e.at))`); n != 0 {
		t.Errorf("%d answers outside office hours, in the future or before their referral", n)
	}
	if n := count(t, db, `SELECT count(*) FROM cases c WHERE EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'return')
		AND status IN ('assigned', 'accepted', 'on_site', 'resolved', 'closed')`); n == 0 {
		t.Error("no returned case dispatched again")
	}
}

// checkPenaltyCases checks the demo's penalty cases: some in every stage of the
// procedure, reviewed by legal reviewers apart from the investigators, some overdue.
func checkPenaltyCases(t *testing.T, srv *app.Server, total int) {
	t.Helper()
	db := srv.DB
	filed := count(t, db, "SELECT count(DISTINCT case_id) FROM case_events WHERE type = 'file'")
	if filed < total/20 || filed > total/5 {
		t.Errorf("%d of %d cases filed as penalty cases, want a share", filed, total)
	}
	for _, s := range []string{"filed", "investigating", "notified", "reviewed", "decided", "delivered", "executed", "closed"} {
		n := count(t, db, `SELECT count(*) FROM cases c WHERE status = $1
			AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'file')`, s)
		t.Logf("penalty cases %s: %d", s, n)
		if n == 0 {
			t.Errorf("no penalty case is %s", s)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM case_events r WHERE r.type = 'review' AND (r.actor_role <> 'legal' OR EXISTS (
		SELECT 1 FROM case_events i WHERE i.case_id = r.case_id AND i.type IN ('investigate', 'evidence') AND i.actor = r.actor))`); n != 0 {
		t.Errorf("%d reviews by someone not a legal reviewer or who investigated the case", n)
	}
	if n := count(t, db, "SELECT count(*) FROM case_events WHERE type = 'review'"); n == 0 {
		t.Error("no review")
	}
	overdue, err := srv.Cases.Overdue(context.Background(), auth.Identity{Name: "test", Role: auth.Admin}, "")
	if err != nil {
		t.Fatal(err)
	}
	stages := map[string]int{}
	for _, o := range overdue {
		stages[o.Stage]++
	}
	t.Logf("overdue stages: %v", stages)
	if stages[cases.StageDeliver] == 0 || stages[cases.StageExecute] == 0 || stages[cases.StageDecide] == 0 {
		t.Errorf("overdue stages %v: want decisions (art. 60), deliveries and payments overdue", stages)
	}
	// Every decision waited for the party: it waived, its hearing was held, or its period
	// ran out (checked by the store as the demo loaded; here: some of each answer).
	for _, h := range []string{cases.HearingWaived, cases.HearingRequested, cases.HearingHeld} {
		if n := count(t, db, `SELECT count(*) FROM case_events WHERE type = 'notify' AND detail::jsonb->>'hearing' = $1`, h); n == 0 {
			t.Errorf("no notify with hearing %s", h)
		}
	}
	// Decisions published (执法公示): most within the 7 working days, some after, as the
	// assessment counts them.
	published, err := srv.Cases.PublicationCounts(context.Background(), "township", time.Unix(0, 0), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	decided, onTime := 0, 0
	for _, p := range published {
		decided, onTime = decided+p.Decided, onTime+p.OnTime
	}
	t.Logf("decisions published on time: %d of %d", onTime, decided)
	if decided == 0 || onTime == decided || onTime < decided/2 {
		t.Errorf("%d of %d decisions published on time: want most, not all", onTime, decided)
	}
	if n := count(t, db, `SELECT count(*) FROM cases c WHERE status IN ('delivered', 'executed', 'closed') AND EXISTS (
		SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'file')`); n == 0 {
		t.Error("no penalty case delivered")
	}
	// Every decision names its party, as its notice did: the documents print it.
	if n := count(t, db, `SELECT count(*) FROM case_events WHERE type = 'decide' AND coalesce(detail::jsonb->>'party_name', '') = ''`); n != 0 {
		t.Errorf("%d decisions name no party", n)
	}
}
