package powers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// newCity is two townships side by side, 甲镇 (A) and 乙镇 (B), with tokens: an admin, a
// scoped admin of A, an analyst, a supervisor of A and a reporter.
func newCity(t testing.TB) *apptest.City {
	t.Helper()
	return apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{
			{Code: "A", Name: "甲镇", Geom: apptest.Box(120.20, 31.80, 120.22, 31.82)},
			{Code: "B", Name: "乙镇", Geom: apptest.Box(120.22, 31.80, 120.24, 31.82)},
		},
		Tokens: map[string]auth.TokenSpec{
			"admin":    {Role: auth.Admin},
			"adminA":   {Role: auth.Admin, Township: "A"},
			"analyst":  {Role: auth.Analyst},
			"supA":     {Role: auth.Supervisor, Township: "A"},
			"reporter": {Role: auth.Reporter},
		},
	})
}

func day(t testing.TB, s string) powers.Date {
	t.Helper()
	d, err := powers.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// catalogRows are three items of two departments: 占道 in A and B, 油烟 in A only, 食品
// held by no township.
func catalogRows() []powers.ListRow {
	return []powers.ListRow{
		{Row: 3, Code: "U1", Name: "擅自占用城市道路", Sector: "城市管理", Department: "城管局", Category: "行政处罚", Townships: "全部"},
		{Row: 4, Name: "餐饮油烟直排", Sector: "eco_environment", Department: "生态环境局", Category: "处罚",
			LegalBasis: "《大气污染防治法》\n第一百一十八条", Townships: "甲镇"},
		{Row: 5, Name: "销售过期食品", Sector: "市场监管", Department: "市场监管局", Category: "行政强制"},
	}
}

func importCatalog(t *testing.T, s *powers.Store, effective string) powers.ImportResult {
	t.Helper()
	res, err := s.ImportList(context.Background(), "test", powers.ListImport{Effective: day(t, effective),
		Document: "澄政发〔2018〕12号", Rows: catalogRows()})
	if err != nil {
		t.Fatalf("ImportList: %v", err)
	}
	return res
}

func wantHeld(t *testing.T, s *powers.Store, item, township, on string, want bool) {
	t.Helper()
	held, _, err := s.Holder(context.Background(), item, township, day(t, on))
	if err != nil || held != want {
		t.Errorf("Holder(%s, %s, %s) = %v, %v; want %v", item, township, on, held, err, want)
	}
}

func TestImportAndBoundaryDays(t *testing.T) {
	ctx := context.Background()
	s := newCity(t).Server.Powers
	res := importCatalog(t, s, "2018-03-01")
	if res.Items.Created != 3 || res.Departments.Created != 3 || res.Delegations.Granted != 3 || res.Adjustment == nil {
		t.Fatalf("first import = %+v, want 3 items, 3 departments, 3 grants and an adjustment", res)
	}
	smoke := powers.DerivedCode("item", "餐饮油烟直排")
	wantHeld(t, s, "U1", "A", "2018-02-28", false)
	wantHeld(t, s, "U1", "A", "2018-03-01", true)
	wantHeld(t, s, "U1", "B", "2018-03-01", true)
	wantHeld(t, s, smoke, "A", "2018-03-01", true)
	wantHeld(t, s, smoke, "B", "2018-03-01", false)

	// The same list again changes nothing and records no adjustment.
	if again := importCatalog(t, s, "2018-05-01"); again.Adjustment != nil || again.Items != (powers.Counts{}) {
		t.Errorf("re-import = %+v, want nothing changed", again)
	}

	// An adjustment takes 占道 back from B on 2018-09-01: B holds it on 08-31, not on 09-01.
	adj, err := s.Adjust(ctx, "test", powers.NewAdjustment{Effective: day(t, "2018-09-01"), Document: "澄政发〔2018〕40号",
		Revoke: []powers.Change{{Item: "U1", Townships: []string{"B"}}}})
	if err != nil {
		t.Fatalf("Adjust: %v", err)
	}
	wantHeld(t, s, "U1", "B", "2018-08-31", true)
	wantHeld(t, s, "U1", "B", "2018-09-01", false)
	wantHeld(t, s, "U1", "A", "2018-09-01", true)
	held, dept, err := s.Holder(ctx, "U1", "B", day(t, "2019-01-01"))
	if err != nil || held || dept != powers.DerivedCode("dept", "城管局") {
		t.Errorf("Holder after the revocation = %v, %q, %v; want false and the 城管局", held, dept, err)
	}

	list, err := s.Held(ctx, "B", day(t, "2018-08-31"))
	if err != nil || len(list) != 1 || list[0].Item != "U1" || list[0].ValidTo == nil || list[0].ValidTo.String() != "2018-09-01" {
		t.Errorf("Held(B, 2018-08-31) = %+v, %v; want U1 until 2018-09-01", list, err)
	}
	window, err := s.Delegations(ctx, "", day(t, "2018-08-01"), day(t, "2018-10-01"))
	if err != nil || len(window) != 3 {
		t.Errorf("Delegations over Aug–Sep = %+v, %v; want 3", window, err)
	}
	adjs, err := s.Adjustments(ctx, "B")
	if err != nil || len(adjs) != 2 || adjs[0].ID != adj.ID || len(adjs[0].Revoke) != 1 || len(adjs[1].Grant) != 1 {
		t.Errorf("Adjustments(B) = %+v, %v; want the revocation then the first list's grant", adjs, err)
	}

	// A later list without 油烟 and with 食品 for B: the difference on its day.
	rows := catalogRows()
	rows[1].Townships = ""
	rows[2].Townships = "乙镇、A"
	res, err = s.ImportList(ctx, "test", powers.ListImport{Effective: day(t, "2019-01-01"), Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	if res.Delegations != (powers.DelegationCounts{Granted: 3, Revoked: 1}) || res.Items.Updated != 0 {
		t.Errorf("second list = %+v, want 3 granted (食品 to A and B, 占道 to B again), 1 revoked (油烟 from A)", res)
	}
	food := powers.DerivedCode("item", "销售过期食品")
	wantHeld(t, s, food, "B", "2018-12-31", false)
	wantHeld(t, s, food, "B", "2019-01-01", true)
	wantHeld(t, s, smoke, "A", "2019-01-01", false)
	// The list gives 占道 to 全部: B, which had lost it, holds it again.
	wantHeld(t, s, "U1", "B", "2019-01-01", true)
}

func TestAdjustErrors(t *testing.T) {
	ctx := context.Background()
	s := newCity(t).Server.Powers
	importCatalog(t, s, "2018-03-01")
	food := powers.DerivedCode("item", "销售过期食品")
	tests := []struct {
		name string
		na   powers.NewAdjustment
		code apperr.Code
		msg  string
	}{
		{"unknown item", powers.NewAdjustment{Grant: []powers.Change{{Item: "nope", Townships: []string{"A"}}}},
			apperr.Invalid, `unknown item "nope"`},
		{"unknown township", powers.NewAdjustment{Grant: []powers.Change{{Item: food, Townships: []string{"Z"}}}},
			apperr.Invalid, `unknown township "Z"`},
		{"revoke not held", powers.NewAdjustment{Revoke: []powers.Change{{Item: food, Townships: []string{"A"}}}},
			apperr.Invalid, "is not held by township A on 2018-06-01"},
		{"overlapping grant", powers.NewAdjustment{Grant: []powers.Change{{Item: food, Townships: []string{"B"}},
			{Item: "U1", Townships: []string{"A"}}}}, apperr.Conflict, "item U1 is already held by township A from 2018-03-01"},
		{"grant and revoke", powers.NewAdjustment{Grant: []powers.Change{{Item: "U1", Townships: []string{"A"}}},
			Revoke: []powers.Change{{Item: "U1", Townships: []string{"A"}}}}, apperr.Invalid, "both granted"},
		{"nothing", powers.NewAdjustment{}, apperr.Invalid, "needs an item"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.na.Effective = day(t, "2018-06-01")
			_, err := s.Adjust(ctx, "test", tt.na)
			if apperr.CodeOf(err) != tt.code || !strings.Contains(apperr.MessageOf(err), tt.msg) {
				t.Errorf("Adjust = %v, want %s naming %q", err, tt.code, tt.msg)
			}
		})
	}
	// Nothing half-written: the grant of 食品 to B before the overlap was rolled back.
	wantHeld(t, s, food, "B", "2018-06-01", false)
	if adjs, err := s.Adjustments(ctx, ""); err != nil || len(adjs) != 1 {
		t.Errorf("after refused adjustments: %d adjustments (%v), want the first list's only", len(adjs), err)
	}
	// A grant before a delegation that starts later overlaps it too.
	_, err := s.Adjust(ctx, "test", powers.NewAdjustment{Effective: day(t, "2018-01-01"),
		Grant: []powers.Change{{Item: "U1", Townships: []string{"B"}}}})
	if apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("grant before a later delegation = %v, want conflict", err)
	}
}

func TestImportBadRowsWriteNothing(t *testing.T) {
	ctx := context.Background()
	s := newCity(t).Server.Powers
	rows := catalogRows()
	rows[0].Sector = "城市美化"
	rows[1].Townships = "甲镇,丙镇"
	_, err := s.ImportList(ctx, "test", powers.ListImport{Effective: day(t, "2018-03-01"), Rows: rows,
		Errors: []powers.RowError{{Row: 9, Reason: "missing", Message: "row 9 has no 事项名称"}}})
	if apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("ImportList = %v, want invalid", err)
	}
	errs, _ := apperr.ExtraOf(err)["errors"].([]powers.RowError)
	want := []struct {
		row    int
		reason string
	}{{3, "unknown_sector"}, {4, "unknown_township"}, {9, "missing"}}
	if len(errs) != len(want) {
		t.Fatalf("errors = %+v, want rows %v", errs, want)
	}
	for i, w := range want {
		if errs[i].Row != w.row || errs[i].Reason != w.reason {
			t.Errorf("error %d = %+v, want row %d %s", i, errs[i], w.row, w.reason)
		}
	}
	if !strings.Contains(errs[1].Message, `"丙镇"`) {
		t.Errorf("the township error %q does not name 丙镇", errs[1].Message)
	}
	items, _ := s.Items(ctx, "")
	depts, _ := s.Departments(ctx)
	adjs, _ := s.Adjustments(ctx, "")
	if len(items)+len(depts)+len(adjs) != 0 {
		t.Errorf("a refused list wrote %d items, %d departments, %d adjustments", len(items), len(depts), len(adjs))
	}
}

func TestBands(t *testing.T) {
	ctx := context.Background()
	s := newCity(t).Server.Powers
	importCatalog(t, s, "2018-03-01")
	it, err := s.SetBands(ctx, "U1", []powers.Band{
		{Level: powers.Serious, MinYuan: 2000, MaxYuan: 5000, Conditions: "拒不改正"},
		{Level: powers.Minor, MinYuan: 0, MaxYuan: 500},
	})
	if err != nil || len(it.Bands) != 2 || it.Bands[0].Level != powers.Minor {
		t.Fatalf("SetBands = %+v, %v; want two bands, the minor first", it, err)
	}
	for name, bands := range map[string][]powers.Band{
		"unknown level": {{Level: "特别严重", MaxYuan: 1}},
		"max below min": {{Level: powers.Minor, MinYuan: 10, MaxYuan: 5}},
		"level twice":   {{Level: powers.Minor}, {Level: powers.Minor}},
	} {
		if _, err := s.SetBands(ctx, "U1", bands); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("SetBands(%s) = %v, want invalid", name, err)
		}
	}
	if _, err := s.SetBands(ctx, "nope", nil); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("SetBands(unknown item) = %v, want not_found", err)
	}
	// A list import keeps the bands.
	importCatalog(t, s, "2018-05-01")
	if it, _ := s.Item(ctx, "U1"); len(it.Bands) != 2 {
		t.Errorf("bands after a re-import = %+v, want kept", it.Bands)
	}
}

func TestAdjustmentsAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	c := newCity(t)
	importCatalog(t, c.Server.Powers, "2018-03-01")
	for _, sql := range []string{
		`UPDATE power_adjustments SET document = 'forged'`,
		`DELETE FROM power_adjustments`,
		`TRUNCATE power_adjustments CASCADE`,
		`UPDATE power_changes SET township = 'B'`,
		`DELETE FROM power_changes`,
		`TRUNCATE power_changes`,
	} {
		if _, err := c.Server.DB.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", sql, err)
		}
	}
}
