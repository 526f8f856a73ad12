package blindzone_test

import (
	"fmt"

	"github.com/gridwatch/gridwatch/patrol/blindzone"
)

// Seven townships over one quarter. Zhouzhuang is patrolled as much as the
// others and files plenty of urban-management and work-safety cases, but
// nothing else; Gushan is never patrolled; Shengang has neither patrol nor
// cases. Yuecheng files few non-core cases: significant on its own (p < 0.05),
// but not once the false discovery rate over the five patrolled townships is
// controlled. Exposure is in patrol hours; the two unpatrolled townships get
// the hours their area would have at the city's patrol density.
func ExampleAnalyze() {
	sectors := []blindzone.Sector{
		{Code: "urban_management", Core: true},
		{Code: "work_safety", Core: true},
		{Code: "eco_environment"},
		{Code: "market_regulation"},
		{Code: "transport"},
		{Code: "fire"},
	}
	units := []blindzone.Unit{
		{Code: "chengjiang", AreaKm2: 58, PatrolVisits: 160, PatrolHours: 420, CasesBySector: map[string]int{
			"urban_management": 120, "work_safety": 30, "market_regulation": 14, "eco_environment": 10, "transport": 8, "fire": 6}},
		{Code: "huashi", AreaKm2: 70, PatrolVisits: 150, PatrolHours: 380, CasesBySector: map[string]int{
			"urban_management": 100, "work_safety": 25, "market_regulation": 12, "eco_environment": 9, "transport": 7, "fire": 5}},
		{Code: "xinqiao", AreaKm2: 20, PatrolVisits: 120, PatrolHours: 300, CasesBySector: map[string]int{
			"urban_management": 90, "work_safety": 20, "market_regulation": 10, "eco_environment": 8, "transport": 6, "fire": 5}},
		{Code: "yuecheng", AreaKm2: 40, PatrolVisits: 90, PatrolHours: 250, CasesBySector: map[string]int{
			"urban_management": 60, "work_safety": 12, "market_regulation": 3, "eco_environment": 2, "transport": 1, "fire": 1}},
		{Code: "zhouzhuang", AreaKm2: 60, PatrolVisits: 140, PatrolHours: 360, CasesBySector: map[string]int{
			"urban_management": 110, "work_safety": 28}},
		{Code: "gushan", AreaKm2: 40, CasesBySector: map[string]int{"urban_management": 6, "market_regulation": 2}},
		{Code: "shengang", AreaKm2: 25},
	}
	res, err := blindzone.Analyze(units, sectors, blindzone.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res {
		fmt.Printf("%-10s %-12s exposure %5.1f h (%s), non-core %2d vs %4.1f expected, p = %.3g, q = %.3g\n",
			r.Code, r.Kind, r.Exposure, r.ExposureFrom, r.CasesOther, r.ExpectedOther, r.PAbsence, r.PAdjusted)
	}
	fmt.Println()
	for _, r := range res {
		fmt.Printf("%s: %s\n", r.Code, r.Reason)
	}
	// Output:
	// chengjiang none         exposure 420.0 h (patrol_hours), non-core 38 vs 17.2 expected, p = 1, q = 1
	// huashi     none         exposure 380.0 h (patrol_hours), non-core 33 vs 16.2 expected, p = 1, q = 1
	// xinqiao    none         exposure 300.0 h (patrol_hours), non-core 29 vs 12.9 expected, p = 1, q = 1
	// yuecheng   none         exposure 250.0 h (patrol_hours), non-core  7 vs 13.4 expected, p = 0.0446, q = 0.112
	// zhouzhuang sector_gap   exposure 360.0 h (patrol_hours), non-core  0 vs 21.8 expected, p = 3.33e-10, q = 1.67e-09
	// gushan     patrol_gap   exposure 275.8 h (area), non-core  2 vs 15.7 expected, p = 2.17e-05, q = 4.34e-05
	// shengang   double_blank exposure 172.4 h (area), non-core  0 vs  9.5 expected, p = 7.78e-05, q = 7.78e-05
	//
	// chengjiang: Patrolled (160 visits, 420.0 patrol hours) with 150 core and 38 non-core cases, no fewer non-core cases than the 17.2 expected.
	// huashi: Patrolled (150 visits, 380.0 patrol hours) with 125 core and 33 non-core cases, no fewer non-core cases than the 16.2 expected.
	// xinqiao: Patrolled (120 visits, 300.0 patrol hours) with 110 core and 29 non-core cases, no fewer non-core cases than the 12.9 expected.
	// yuecheng: Patrolled (90 visits, 250.0 patrol hours) with 72 core and 7 non-core cases, not significantly fewer non-core cases than the 13.4 expected (p = 0.0446, BH-adjusted 0.112 ≥ 0.05).
	// zhouzhuang: Patrolled (140 visits, 360.0 patrol hours) with 138 core and 0 non-core cases, far below the 21.8 non-core cases expected (p = 3.33e-10, BH-adjusted 1.67e-09 < 0.05); no case in eco_environment (5.8 expected), fire (3.4 expected), market_regulation (8.2 expected), transport (4.4 expected).
	// gushan: No patrol visit in the window, yet 8 cases were filed (6 core, 2 non-core against 15.7 expected from its 40.0 km²); no case in eco_environment (4.2 expected), transport (3.2 expected).
	// shengang: No patrol visit and no case in any sector in the window, although at the city's patrol density and case rate its 25.0 km² would give 9.5 non-core cases.
}

func ExamplePoissonCDF() {
	// Three non-core cases were expected and none was filed: e^−3.
	fmt.Printf("%.6f\n", blindzone.PoissonCDF(0, 3))
	// 450 filed where 500 were expected: large counts, a small tail.
	fmt.Printf("%.4f\n", blindzone.PoissonCDF(450, 500))
	// Output:
	// 0.049787
	// 0.0124
}

// Three townships hold an item: the first filed 4 cases over 10 hours of
// patrol, the second 6 over 20, the third none over 10. Each is compared with
// the others' rate: the first with 6 cases over 30 hours, the third with 10
// over 30.
func ExampleExpectedLeaveOneOut() {
	expected, comparable := blindzone.ExpectedLeaveOneOut([]int{4, 6, 0}, []float64{10, 20, 10})
	for i := range expected {
		fmt.Printf("%.3f %v\n", expected[i], comparable[i])
	}
	// Output:
	// 2.000 true
	// 4.000 true
	// 3.333 true
}
