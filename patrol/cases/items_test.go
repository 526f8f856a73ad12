package cases_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// withCatalog gives the city two items: U1 (urban management, 城管局) granted to A and B
// on 2024-03-01 and taken back from A on 2024-06-01, and E1 (eco_environment) held by no
// township.
func withCatalog(t *testing.T, c *city) {
	t.Helper()
	ctx := context.Background()
	rows := []powers.ListRow{
		{Row: 3, Code: "U1", Name: "擅自占用城市道路", Sector: "urban_management", Department: "城管局", Category: "行政处罚", Townships: "全部"},
		{Row: 4, Code: "E1", Name: "餐饮油烟直排", Sector: "eco_environment", Department: "生态环境局", Category: "行政处罚"},
	}
	effective, _ := powers.ParseDate("2024-03-01")
	if _, err := c.srv.Powers.ImportList(ctx, "test", powers.ListImport{Effective: effective, Rows: rows}); err != nil {
		t.Fatal(err)
	}
	revoked, _ := powers.ParseDate("2024-06-01")
	if _, err := c.srv.Powers.Adjust(ctx, "test", powers.NewAdjustment{Effective: revoked, Document: "澄政发〔2024〕3号",
		Revoke: []powers.Change{{Item: "U1", Townships: []string{"A"}}}}); err != nil {
		t.Fatal(err)
	}
}

func TestIntakeRoutesByItem(t *testing.T) {
	c := newCity(t)
	withCatalog(t, c)
	cityDept := powers.DerivedCode("dept", "城管局")
	inA := func(item, at string) map[string]any {
		return map[string]any{"item": item, "title": "占道经营", "lat": 31.84, "lon": 120.22, "reported_at": at}
	}
	for _, tt := range []struct {
		name, item, at string
		held           bool
		day            string // the China day the rule names, when not held
	}{
		{"on the grant's day, China time", "U1", "2024-02-29T16:30:00Z", true, ""},
		{"the day before the grant", "U1", "2024-02-29T15:59:00Z", false, "2024-02-29"},
		{"the day before the revocation", "U1", "2024-05-31T23:59:00+08:00", true, ""},
		{"on the revocation's effective day", "U1", "2024-06-01T00:00:00+08:00", false, "2024-06-01"},
		{"an item no township holds", "E1", "2024-04-01T10:00:00+08:00", false, "2024-04-01"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := c.report("admin", inA(tt.item, tt.at))
			if got.Item == nil || *got.Item != tt.item || got.Jurisdiction == nil || got.Jurisdiction.Held != tt.held {
				t.Fatalf("case item %v, jurisdiction %+v; want %s held %v", got.Item, got.Jurisdiction, tt.item, tt.held)
			}
			if tt.held {
				if got.Status != cases.StatusReported || got.Jurisdiction.Holder != "" {
					t.Errorf("held: status %s, holder %q; want reported, none", got.Status, got.Jurisdiction.Holder)
				}
				return
			}
			wantDept := cityDept
			if tt.item == "E1" {
				wantDept = powers.DerivedCode("dept", "生态环境局")
			}
			if got.Status != cases.StatusReferred || got.Jurisdiction.Holder != wantDept || got.Department == nil || *got.Department != wantDept {
				t.Errorf("not held: status %s, holder %q, department %v; want referred to %s", got.Status, got.Jurisdiction.Holder, got.Department, wantDept)
			}
			var events []cases.Event
			c.do("GET", fmt.Sprintf("/api/v1/cases/%d/events", got.ID), "admin", nil, &events)
			if len(events) != 2 || events[1].Type != cases.EventRefer || events[1].Actor != cases.SystemActor ||
				events[1].Department == nil || *events[1].Department != wantDept {
				t.Fatalf("history %+v, want report then a system refer to %s", events, wantDept)
			}
			for _, part := range []string{tt.item, "township A", tt.day} {
				if !strings.Contains(events[1].Note, part) {
					t.Errorf("refer note %q does not name %q", events[1].Note, part)
				}
			}
			var v cases.Verification
			if c.do("GET", fmt.Sprintf("/api/v1/cases/%d/verify", got.ID), "admin", nil, &v); !v.OK {
				t.Errorf("history does not verify: %+v", v)
			}
			// Reads show the item and the jurisdiction too.
			var again cases.Case
			c.do("GET", fmt.Sprintf("/api/v1/cases/%d", got.ID), "admin", nil, &again)
			if again.Jurisdiction == nil || *again.Jurisdiction != *got.Jurisdiction {
				t.Errorf("GET jurisdiction %+v, want %+v", again.Jurisdiction, got.Jurisdiction)
			}
		})
	}
	// The case takes the item's sector; a case without an item has no jurisdiction.
	var list []cases.Case
	c.do("GET", "/api/v1/cases?from=2024-01-01T00:00:00Z&to=2024-07-01T00:00:00Z", "admin", nil, &list)
	if len(list) != 5 {
		t.Fatalf("%d cases listed, want 5", len(list))
	}
	for _, k := range list {
		if k.Jurisdiction == nil || (*k.Item == "U1") != (k.Sector == "urban_management") {
			t.Errorf("case %d: item %v, sector %s, jurisdiction %v", k.ID, *k.Item, k.Sector, k.Jurisdiction)
		}
	}
	plain := c.report("admin", map[string]any{"sector": "water", "title": "河道", "lat": 31.84, "lon": 120.22})
	if plain.Item != nil || plain.Jurisdiction != nil {
		t.Errorf("a case citing no item: item %v, jurisdiction %v", plain.Item, plain.Jurisdiction)
	}
}

func TestIntakeRefusesBadItems(t *testing.T) {
	c := newCity(t)
	withCatalog(t, c)
	for _, tt := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"sector disagrees", map[string]any{"item": "U1", "sector": "eco_environment", "title": "x", "lat": 31.84, "lon": 120.22}, "sector"},
		{"unknown item", map[string]any{"item": "NOPE", "title": "x", "lat": 31.84, "lon": 120.22}, "unknown item"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, raw := c.do("POST", "/api/v1/cases", "admin", tt.body, nil)
			if code != 400 || !strings.Contains(raw, tt.want) {
				t.Errorf("POST /cases = %d %s, want 400 naming %q", code, raw, tt.want)
			}
		})
	}
	var list []cases.Case
	if c.do("GET", "/api/v1/cases", "admin", nil, &list); len(list) != 0 {
		t.Errorf("%d cases stored by refused requests", len(list))
	}
	agree := c.report("admin", map[string]any{"item": "U1", "sector": "urban_management", "title": "x", "lat": 31.84, "lon": 120.22})
	if agree.Sector != "urban_management" {
		t.Errorf("sector %s", agree.Sector)
	}
}
