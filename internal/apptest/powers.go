package apptest

import (
	"context"
	"testing"

	"github.com/gridwatch/gridwatch/patrol/powers"
)

// PenaltyItem imports into the city's powers catalog item U1 (擅自占用城市道路, urban
// management, legal basis 《城市道路管理条例》第二十七条), held by every township from
// 2024-03-01, with two published bands: 轻微 0–500 yuan and 一般 500–15,000 yuan — enough
// for a case to be filed and decided. Any error fails the test at once.
func (c *City) PenaltyItem(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	effective, _ := powers.ParseDate("2024-03-01")
	if _, err := c.Server.Powers.ImportList(ctx, "test", powers.ListImport{Effective: effective, Rows: []powers.ListRow{
		{Row: 3, Code: "U1", Name: "擅自占用城市道路", Sector: "urban_management", Department: "城管局", Category: "行政处罚",
			Townships: "全部", LegalBasis: "《城市道路管理条例》第二十七条"},
	}}); err != nil {
		t.Fatalf("test city: item U1: %v", err)
	}
	if _, err := c.Server.Powers.SetBands(ctx, "U1", []powers.Band{
		{Level: powers.Minor, MinYuan: 0, MaxYuan: 500, Conditions: "首次"},
		{Level: powers.Ordinary, MinYuan: 500, MaxYuan: 15000, Conditions: "一般"},
	}); err != nil {
		t.Fatalf("test city: bands of item U1: %v", err)
	}
}
