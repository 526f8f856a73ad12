package migrations

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// owners names, for every table and function the migrations create, the one package
// whose non-test Go code may hold SQL on it. A new table needs an entry here.
var owners = map[string]string{
	"api_tokens":                 "internal/auth",
	"api_tokens_announce_change": "internal/auth",
	"townships":                  "grid",
	"cells":                      "grid",
	"cell_rollups":               "grid",
	"grid_areas":                 "grid",
	"grid_settings":              "grid",
	"squadrons":                  "grid",
	"officers":                   "patrol/officer",
	"positions":                  "patrol/position",
	"officer_latest":             "patrol/position",
	"ensure_position_partitions": "patrol/position",
	"coverage":                   "patrol/coverage",
	"coverage_by_area":           "patrol/coverage",
	"coverage_rollup":            "patrol/coverage",
	"coverage_by_unit":           "patrol/coverage",
	"assessment_weights":         "patrol/assessment",
	"sectors":                    "patrol/cases",
	"cases":                      "patrol/cases",
	"case_events":                "patrol/cases",
	"case_events_refuse_change":  "patrol/cases",
	"plans":                      "patrol/planning",
	"plan_stops":                 "patrol/planning",
	"road_vertices":              "patrol/roads",
	"road_edges":                 "patrol/roads",
	"departments":                "patrol/powers",
	"power_items":                "patrol/powers",
	"power_adjustments":          "patrol/powers",
	"power_changes":              "patrol/powers",
	"power_delegations":          "patrol/powers",
	"powers_refuse_change":       "patrol/powers",
	"evidence":                   "patrol/evidence",
	"evidence_refuse_change":     "patrol/evidence",
	"task_evidence":              "patrol/evidence",
	"calendar_years":             "patrol/calendar",
	"calendar_days":              "patrol/calendar",
	"document_link_key":          "patrol/documents",
	"inspection_targets":         "patrol/inspection",
	"draws":                      "patrol/inspection",
	"inspection_tasks":           "patrol/inspection",
	"case_reviews":               "patrol/inspection",
	"review_fixups":              "patrol/inspection",
	"alerts":                     "patrol/alert",
	"alert_settings":             "patrol/alert",
	"webhooks":                   "patrol/webhook",
	"webhook_deliveries":         "patrol/webhook",
	"webhook_attempts":           "patrol/webhook",
}

// created finds the tables, views and functions a migration creates.
var created = regexp.MustCompile(`CREATE (TABLE|FUNCTION|VIEW) ([a-z_]+)`)

// TestEveryTableHasOneOwner checks that each table and function of the schema is named in
// owners, and that SQL on it — a FROM, JOIN, INTO, UPDATE, TABLE, TRUNCATE or ANALYZE
// naming it, a pgx.Identifier for COPY, or a call of the function — appears in no
// package's production code but its owner's.
func TestEveryTableHasOneOwner(t *testing.T) {
	var tables, functions []string
	sqlFiles, err := fs.Glob(files, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sqlFiles {
		b, err := fs.ReadFile(files, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range created.FindAllStringSubmatch(string(b), -1) {
			if _, ok := owners[m[2]]; !ok {
				t.Errorf("%s creates %s, which has no owner: add it to owners", f, m[2])
			}
			if m[1] == "FUNCTION" {
				functions = append(functions, m[2])
			} else {
				tables = append(tables, m[2])
			}
		}
	}
	alt := func(names []string) string {
		slices.Sort(names)
		return strings.Join(slices.Compact(names), "|")
	}
	uses := regexp.MustCompile(`\b(?:FROM|JOIN|INTO|UPDATE|TABLE|TRUNCATE|ANALYZE)\s+(` + alt(tables) + `)\b` +
		`|Identifier\{"(` + alt(tables) + `)"\}|\b(` + alt(functions) + `)\(`)

	root := ".."
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(strings.TrimPrefix(path, root+string(filepath.Separator))))
		for _, m := range uses.FindAllStringSubmatch(string(src), -1) {
			table := m[1] + m[2] + m[3]
			if owner := owners[table]; pkg != owner {
				t.Errorf("%s holds SQL on %s (%q), which %s owns", path, table, m[0], owner)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
