package coverage

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uber/h3-go/v4"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Cell is the coverage of one cell over a window.
type Cell struct {
	H3        string     `json:"h3"`
	Township  string     `json:"township"`
	Visits    int        `json:"visits"`
	Officers  int        `json:"officers"`
	DwellS    float64    `json:"dwell_s"`
	LastVisit *time.Time `json:"last_visit"` // null: not visited in the window
}

// Cells lists the cells of townships (package grid's Store).
type Cells interface {
	CellTownships(ctx context.Context, townships []string) ([]grid.CellTownship, error)
}

// Store keeps the coverage table that ingest brings up to date.
type Store struct {
	db    *pgxpool.Pool
	cells Cells
}

// NewStore returns a Store on db.
func NewStore(db *pgxpool.Pool, cells Cells) *Store { return &Store{db: db, cells: cells} }

// Cells returns the coverage of every cell of a township ("" = the whole city) over
// [from, to), unvisited cells included with zeros. The window is resolved to whole hours:
// a bucket counts when its hour starts in [from truncated to the hour, to).
func (s *Store) Cells(ctx context.Context, township string, from, to time.Time) ([]Cell, error) {
	var townships []string
	if township != "" {
		townships = []string{township}
	}
	cells, err := s.cells.CellTownships(ctx, townships)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(cells))
	for i, c := range cells {
		ids[i] = int64(c.H3)
	}
	totals, err := s.Totals(ctx, ids, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]Cell, len(cells))
	for i, c := range cells {
		t := totals[c.H3]
		out[i] = Cell{H3: h3.Cell(c.H3).String(), Township: c.Township, Visits: t.Visits, Officers: t.Officers,
			DwellS: t.DwellS, LastVisit: t.LastVisit}
	}
	return out, nil
}

// Totals is a cell's coverage over a window.
type Totals struct {
	Visits    int
	Officers  int // distinct officers
	DwellS    float64
	LastVisit *time.Time // nil: not visited in the window
}

// Totals returns the coverage of the given cells over [from, to), resolved to whole
// hours as in Cells; cells not visited in the window are left out.
func (s *Store) Totals(ctx context.Context, cells []int64, from, to time.Time) (map[grid.Cell]Totals, error) {
	rows, err := s.db.Query(ctx, `
		SELECT h3, sum(visits)::int, count(DISTINCT officer)::int, sum(dwell_s), max(last_visit)
		FROM coverage
		WHERE h3 = ANY($1) AND hour >= date_trunc('hour', $2::timestamptz) AND hour < $3
		GROUP BY h3`, cells, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "coverage")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[cellTotals])
	if err != nil {
		return nil, pgdb.Translate(err, "coverage")
	}
	out := make(map[grid.Cell]Totals, len(list))
	for _, t := range list {
		out[t.H3] = t.Totals
	}
	return out, nil
}

// cellTotals is a row of Totals.
type cellTotals struct {
	H3 grid.Cell
	Totals
}

// LastVisits returns, for each of the given cells visited in an hour from since on, its
// last visit.
func (s *Store) LastVisits(ctx context.Context, cells []int64, since time.Time) (map[grid.Cell]time.Time, error) {
	rows, err := s.db.Query(ctx, `
		SELECT h3, max(last_visit) FROM coverage WHERE h3 = ANY($1) AND hour >= $2 GROUP BY h3`, cells, since)
	if err != nil {
		return nil, pgdb.Translate(err, "coverage")
	}
	out, err := pgdb.CollectMap[grid.Cell, time.Time](rows)
	return out, pgdb.Translate(err, "coverage")
}

// AreaTotals is the coverage of a township or grid area over a window.
type AreaTotals struct {
	Code   string
	Visits int
	DwellS float64
}

// ByArea returns the coverage of each township (level grid.LevelTownship) or grid area
// (grid.LevelGrid) over [from, to), resolved to whole hours as in Cells; areas not
// visited are left out. It reads the function coverage_by_area (migration 0008), which
// joins grid's cells.
func (s *Store) ByArea(ctx context.Context, level string, from, to time.Time) ([]AreaTotals, error) {
	rows, err := s.db.Query(ctx, `SELECT code, visits::int, dwell_s FROM coverage_by_area($1, $2, $3) WHERE code IS NOT NULL`,
		level, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "coverage")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[AreaTotals])
	return list, pgdb.Translate(err, "coverage")
}

// Change is what ingest adds to one bucket of an officer: the difference its new fixes
// make (see Delta) and the last visit they bring.
type Change struct {
	Key
	Officer string
	Visits  int
	DwellS  float64
	Last    time.Time
}

// QueueAdd queues on b, the pipeline of ingest's transaction, the addition of changes to
// the coverage table, keeping each bucket's latest last visit.
func (s *Store) QueueAdd(b *pgx.Batch, changes []Change) {
	if len(changes) == 0 {
		return
	}
	cells := make([]int64, len(changes))
	hours := make([]time.Time, len(changes))
	officers := make([]string, len(changes))
	visits := make([]int32, len(changes))
	dwell := make([]float64, len(changes))
	lasts := make([]time.Time, len(changes))
	for i, c := range changes {
		cells[i], hours[i], officers[i], visits[i], dwell[i], lasts[i] = c.H3, c.Hour, c.Officer, int32(c.Visits), c.DwellS, c.Last
	}
	b.Queue(`
		INSERT INTO coverage AS c (h3, hour, officer, visits, dwell_s, last_visit)
		SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::int[], $5::float8[], $6::timestamptz[])
		ON CONFLICT (h3, hour, officer) DO UPDATE
		SET visits = c.visits + EXCLUDED.visits,
		    dwell_s = c.dwell_s + EXCLUDED.dwell_s,
		    last_visit = greatest(c.last_visit, EXCLUDED.last_visit)`,
		cells, hours, officers, visits, dwell, lasts)
}

// UnitPatrol is the patrol of one assessed unit (a township, squadron or officer) over a
// window: how many cells it answers for, how many (cell, week) pairs of them were
// visited, and the dwell in them.
type UnitPatrol struct {
	Unit      string
	Cells     int
	CellWeeks int
	DwellS    float64
}

// ByUnit returns the patrol of each unit of level "township", "squadron" or "officer"
// over [from, to), weeks counted in 7-day steps from from; units with no cell (a squadron
// without grid areas) are left out. It reads the function coverage_by_unit (migration
// 0021), which joins grid's cells and grid areas and the officers.
func (s *Store) ByUnit(ctx context.Context, level string, from, to time.Time) ([]UnitPatrol, error) {
	rows, err := s.db.Query(ctx, `SELECT code, cells, cell_weeks::int, dwell_s FROM coverage_by_unit($1, $2, $3)`,
		level, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "coverage")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[UnitPatrol])
	return list, pgdb.Translate(err, "coverage")
}
