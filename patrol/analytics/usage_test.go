package analytics_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/analytics"
	"github.com/gridwatch/gridwatch/patrol/coverage"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// usageCity is three townships of the same size, A, B and C, over ten days (2024-03-01
// to 2024-03-11, China time): patrol hours A 10, B 20, C 10; items M1 (market
// regulation, held by all), M2 (market regulation, held by A all along, by B until
// 2024-03-06 and by C from then) and U1 (urban management, held by all); cases citing
// them: M1 A 0, B 30, C 10; M2 A 0, B 0, C 1; U1 3 in each. A, patrolled and without a
// non-core case, is a sector gap of the blind zones.
func usageCity(t *testing.T) *apptest.City {
	t.Helper()
	ctx := context.Background()
	c := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{
			{Code: "A", Name: "甲镇", Geom: apptest.Box(120.20, 31.80, 120.22, 31.82)},
			{Code: "B", Name: "乙镇", Geom: apptest.Box(120.22, 31.80, 120.24, 31.82)},
			{Code: "C", Name: "丙镇", Geom: apptest.Box(120.24, 31.80, 120.26, 31.82)},
		},
		Tokens: map[string]auth.TokenSpec{
			"admin":   {Role: auth.Admin},
			"analyst": {Role: auth.Analyst},
			"supA":    {Role: auth.Supervisor, Township: "A"},
		},
	})
	rows := []powers.ListRow{
		{Row: 2, Code: "M1", Name: "销售过期食品", Sector: "market_regulation", Department: "市场监管局", Category: "行政处罚", Townships: "全部"},
		{Row: 3, Code: "M2", Name: "无照经营", Sector: "market_regulation", Department: "市场监管局", Category: "行政处罚", Townships: "A、B"},
		{Row: 4, Code: "U1", Name: "擅自占用城市道路", Sector: "urban_management", Department: "城管局", Category: "行政处罚", Townships: "全部"},
	}
	if _, err := c.Server.Powers.ImportList(ctx, "test", powers.ListImport{Effective: date(t, "2024-02-01"), Rows: rows}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Server.Powers.Adjust(ctx, "test", powers.NewAdjustment{Effective: date(t, "2024-03-06"),
		Grant:  []powers.Change{{Item: "M2", Townships: []string{"C"}}},
		Revoke: []powers.Change{{Item: "M2", Townships: []string{"B"}}}}); err != nil {
		t.Fatal(err)
	}
	var changes []coverage.Change
	hour := time.Date(2024, 3, 2, 2, 0, 0, 0, time.UTC)
	for town, hours := range map[string]float64{"A": 10, "B": 20, "C": 10} {
		cells, err := c.Server.Grid.CellsOf(ctx, grid.CellFilter{Township: town})
		if err != nil || len(cells) == 0 {
			t.Fatalf("cells of %s: %d, %v", town, len(cells), err)
		}
		changes = append(changes, coverage.Change{Key: coverage.Key{H3: int64(cells[0]), Hour: hour}, Officer: "o-" + town,
			Visits: 1, DwellS: hours * 3600, Last: hour})
	}
	var batch pgx.Batch
	c.Server.Coverage.QueueAdd(&batch, changes)
	if err := c.Server.DB.SendBatch(ctx, &batch).Close(); err != nil {
		t.Fatal(err)
	}
	lon := map[string]float64{"A": 120.21, "B": 120.23, "C": 120.25}
	report := func(item, town string, n int) {
		for i := range n {
			at := time.Date(2024, 3, 1+i%10, 3, 0, 0, 0, time.UTC)
			if code, raw := c.Do("POST", "/api/v1/cases", "admin", map[string]any{"item": item, "title": item,
				"lat": 31.81, "lon": lon[town], "reported_at": at}, nil); code != 201 {
				t.Fatalf("case %s in %s: %d %s", item, town, code, raw)
			}
		}
	}
	for _, r := range []struct {
		item, town string
		n          int
	}{{"M1", "B", 30}, {"M1", "C", 10}, {"M2", "C", 1}, {"U1", "A", 3}, {"U1", "B", 3}, {"U1", "C", 3}} {
		report(r.item, r.town, r.n)
	}
	return c
}

func date(t *testing.T, s string) powers.Date {
	t.Helper()
	d, err := powers.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

const usageWindow = "from=2024-02-29T16:00:00Z&to=2024-03-10T16:00:00Z"

func TestUsageAgainstAHandCount(t *testing.T) {
	c := usageCity(t)
	var u analytics.Usage
	if code, raw := c.Do("GET", "/api/v1/powers/usage?"+usageWindow, "analyst", nil, &u); code != 200 {
		t.Fatalf("usage = %d %s", code, raw)
	}
	if u.WindowDays != 10 || u.From.String() != "2024-03-01" || u.To.String() != "2024-03-11" {
		t.Errorf("window %s–%s, %d days; want 2024-03-01–2024-03-11, 10", u.From, u.To, u.WindowDays)
	}
	// Delegated exposure = patrol hours × days held / 10; expected = the other holders'
	// cases over their delegated exposure, times the township's.
	want := map[string]struct {
		days, cases int
		expected    float64
	}{
		"A/M1": {10, 0, 40.0 / 30 * 10}, // 13.33: 40 cases over 30 hours elsewhere
		"B/M1": {10, 30, 10.0 / 20 * 20},
		"C/M1": {10, 10, 30.0 / 30 * 10},
		"A/M2": {10, 0, 1.0 / 15 * 10}, // B 0 over 10 (5 days × 20 h), C 1 over 5
		"B/M2": {5, 0, 1.0 / 15 * 10},
		"C/M2": {5, 1, 0}, // A and B: no case over 20

		"A/U1": {10, 3, 6.0 / 30 * 10},
		"B/U1": {10, 3, 6.0 / 20 * 20},
		"C/U1": {10, 3, 6.0 / 30 * 10},
	}
	if len(u.Items) != len(want) {
		t.Fatalf("%d item rows, want %d: %+v", len(u.Items), len(want), u.Items)
	}
	for _, r := range u.Items {
		key := r.Township + "/" + r.Item
		w, ok := want[key]
		if !ok || r.DelegatedDays != w.days || r.Cases != w.cases || math.Abs(r.Expected-w.expected) > 1e-9 {
			t.Errorf("%s: %d days, %d cases, %.4f expected; want %+v", key, r.DelegatedDays, r.Cases, r.Expected, w)
		}
		if r.Cases == 0 && math.Abs(r.P-math.Exp(-r.Expected)) > 1e-12 {
			t.Errorf("%s: p %g, want e^-%.4f", key, r.P, r.Expected)
		}
		// Only A's silence on M1, held all along, is zero use: p = e^-13.3 ≈ 1.6e-6, the
		// smallest of 9, adjusted ×9; on M2 it was expected 0.67 cases only.
		if zero := key == "A/M1"; r.ZeroUse != zero {
			t.Errorf("%s: zero_use %v, p %g, adjusted %g", key, r.ZeroUse, r.P, r.PAdjusted)
		}
		if key == "A/M1" && math.Abs(r.PAdjusted-9*math.Exp(-40.0/3)) > 1e-12 {
			t.Errorf("A/M1 adjusted p %g, want 9 × e^-13.33", r.PAdjusted)
		}
	}
	if len(u.Sectors) != 3*12 {
		t.Fatalf("%d sector rows, want 36 (3 townships × 12 sectors)", len(u.Sectors))
	}
	for _, s := range u.Sectors {
		switch s.Township + "/" + s.Sector {
		case "A/market_regulation":
			// p = e^-14, the smallest of 36 sector rows: adjusted 36 × e^-14 ≈ 3e-5.
			if s.Items != 2 || s.ItemsZeroUse != 1 || s.DelegatedDays != 20 || s.Cases != 0 || math.Abs(s.Expected-14) > 1e-9 || !s.ZeroUse {
				t.Errorf("A market regulation: %+v; want 2 items (1 zero-use), 20 days, 0 cases, 14 expected, zero-use", s)
			}
		case "B/market_regulation":
			if s.Items != 2 || s.DelegatedDays != 15 || s.Cases != 30 || math.Abs(s.Expected-32.0/3) > 1e-9 || s.ZeroUse {
				t.Errorf("B market regulation: %+v", s)
			}
		case "C/urban_management":
			if s.Items != 1 || s.DelegatedDays != 10 || s.Cases != 3 || math.Abs(s.Expected-2) > 1e-9 {
				t.Errorf("C urban management: %+v", s)
			}
		case "A/fire":
			if s.Items != 0 || s.Cases != 0 || s.Expected != 0 || s.P != 1 {
				t.Errorf("A fire: %+v, want nothing held", s)
			}
		}
	}

	// A scoped token sees its township, at the city's rates.
	var mine analytics.Usage
	c.Do("GET", "/api/v1/powers/usage?"+usageWindow, "supA", nil, &mine)
	for _, r := range mine.Items {
		if r.Township != "A" {
			t.Errorf("supA sees %s", r.Township)
		}
		if r.Item == "M1" && math.Abs(r.Expected-40.0/3) > 1e-9 {
			t.Errorf("supA: A/M1 expected %g, want 13.33", r.Expected)
		}
	}
	if len(mine.Items) != 3 || len(mine.Sectors) != 12 {
		t.Errorf("supA: %d items, %d sectors; want 3, 12", len(mine.Items), len(mine.Sectors))
	}
	if code, _ := c.Do("GET", "/api/v1/powers/usage?township=B&"+usageWindow, "supA", nil, nil); code != 403 {
		t.Errorf("supA asking for B: %d, want 403", code)
	}

	// The CSV: a byte-order mark, the header, item rows then sector rows.
	code, raw := c.Do("GET", "/api/v1/powers/usage?format=csv&"+usageWindow, "analyst", nil, nil)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if code != 200 || !strings.HasPrefix(string(raw), "\ufefflevel,township,sector,item,") || len(lines) != 1+9+36 {
		t.Errorf("CSV = %d, %d lines, starting %q", code, len(lines), lines[0])
	}
	if !strings.Contains(string(raw), fmt.Sprintf("item,A,market_regulation,M1,销售过期食品,,,10,0,%v,", 13.333)) {
		t.Errorf("CSV has no A/M1 row: %s", raw)
	}
}

func TestBlindZonesNameUnusedItems(t *testing.T) {
	c := usageCity(t)
	var fc struct {
		Features []struct {
			Properties struct {
				Code        string   `json:"code"`
				Kind        string   `json:"kind"`
				ItemsUnused []string `json:"items_unused"`
			} `json:"properties"`
		} `json:"features"`
	}
	if code, raw := c.Do("GET", "/api/v1/blindzones?level=township&"+usageWindow, "analyst", nil, &fc); code != 200 || len(fc.Features) != 3 {
		t.Fatalf("blindzones = %d %s", code, raw)
	}
	for _, f := range fc.Features {
		p := f.Properties
		want := "[]"
		if p.Code == "A" {
			want = "[M1 M2]" // held all window, non-core, no case; U1 is urban management
		}
		if got := fmt.Sprint(p.ItemsUnused); got != want || (p.Code == "A") != (p.Kind == "sector_gap") || p.ItemsUnused == nil {
			t.Errorf("%s: kind %s, items_unused %s; want %s", p.Code, p.Kind, got, want)
		}
	}
	code, raw := c.Do("GET", "/api/v1/blindzones?level=township&format=csv&"+usageWindow, "analyst", nil, nil)
	if code != 200 || !strings.Contains(string(raw), ",items_unused,") || !strings.Contains(string(raw), ",M1;M2,") {
		t.Errorf("blindzones CSV = %d %s", code, raw)
	}
}
