package migrations

import (
	"io/fs"
	"regexp"
	"testing"
)

var createdTable = regexp.MustCompile(`CREATE TABLE ([a-z_]+)`)

// TestEveryTableHasALayout checks that each table the migrations create says how it lives
// on Citus (distributed by which column, reference, or local) and why, and that the
// layouts are consistent: a colocated table follows a distributed one of the same group.
func TestEveryTableHasALayout(t *testing.T) {
	byTable := map[string]Layout{}
	for i, l := range Layouts {
		if _, dup := byTable[l.Table]; dup {
			t.Errorf("Layouts names %s twice", l.Table)
		}
		if l.Why == "" {
			t.Errorf("%s: say why it is laid out so", l.Table)
		}
		switch l.Kind {
		case Distributed:
			if l.Column == "" {
				t.Errorf("%s is distributed by no column", l.Table)
			}
			if l.ColocateWith != "" {
				with, ok := byTable[l.ColocateWith]
				if !ok || with.Kind != Distributed {
					t.Errorf("%s (entry %d) colocates with %q, which is not a distributed table listed before it", l.Table, i, l.ColocateWith)
				}
			}
		case Reference, Local:
			if l.Column != "" || l.ColocateWith != "" {
				t.Errorf("%s is not distributed but names a column or a colocation", l.Table)
			}
		default:
			t.Errorf("%s has no kind", l.Table)
		}
		byTable[l.Table] = l
	}
	sqlFiles, err := fs.Glob(files, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	created := map[string]bool{}
	for _, f := range sqlFiles {
		b, err := fs.ReadFile(files, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range createdTable.FindAllStringSubmatch(string(b), -1) {
			created[m[1]] = true
			if _, ok := byTable[m[1]]; !ok {
				t.Errorf("%s creates %s, which has no layout on Citus: add it to Layouts (migrations/citus.go) and docs/scaling.md", f, m[1])
			}
		}
	}
	for table := range byTable {
		if !created[table] {
			t.Errorf("Layouts names %s, which no migration creates", table)
		}
	}
}
