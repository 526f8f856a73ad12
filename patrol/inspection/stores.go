package inspection

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/calendar"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/evidence"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// Grid locates targets and names the squadrons' grid areas (package grid's Store).
type Grid interface {
	Locate(ctx context.Context, p orb.Point) (grid.Location, error)
	GridAreas(ctx context.Context, township string) ([]grid.GridArea, error)
}

// Sectors lists the sectors a target may be in (package cases' Store).
type Sectors interface {
	Sectors(ctx context.Context) ([]cases.Sector, error)
}

// Officers lists the officers inspectors are drawn from (package officer's Store).
type Officers interface {
	List(ctx context.Context, f officer.Filter) ([]officer.Officer, error)
}

// Cases files the cases inspections find and reads the case files reviews score
// (package cases' Store).
type Cases interface {
	CreateLinked(ctx context.Context, who auth.Identity, nc cases.NewCase, events []cases.NewEvent, link cases.Linker) (cases.Case, error)
	List(ctx context.Context, who auth.Identity, f cases.Filter) ([]cases.Case, error)
	WithDeadlines(ctx context.Context, who auth.Identity, id int64) (cases.Case, error)
	Events(ctx context.Context, who auth.Identity, id int64) ([]cases.Event, error)
}

// Evidence lists a case's evidence with its position checks, and the hashes of the
// evidence of inspection results (package evidence's Store).
type Evidence interface {
	List(ctx context.Context, who auth.Identity, caseID int64) ([]evidence.Record, error)
	TaskHashes(ctx context.Context, tasks []int64) (map[int64][]string, error)
}

// Calendar gives the working-day calendar (package calendar's Store).
type Calendar interface {
	Between(ctx context.Context, from, to int) (calendar.Calendar, error)
}

// Powers reads the catalog's items and who holds them (package powers' Store).
type Powers interface {
	Item(ctx context.Context, code string) (powers.Item, error)
}

// Sources are the owners' stores the inspections read and write through.
type Sources struct {
	Grid     Grid
	Sectors  Sectors
	Officers Officers
	Cases    Cases
	Evidence Evidence
	Calendar Calendar
	Powers   Powers
}

// Store keeps targets, draws, tasks and reviews in PostgreSQL.
type Store struct {
	db  *pgxpool.Pool
	src Sources
	now func() time.Time
}

// NewStore returns a Store on db reading the others' data through src.
func NewStore(db *pgxpool.Pool, src Sources) *Store {
	return &Store{db: db, src: src, now: time.Now}
}

// SetClock replaces the store's clock, for tests.
func (s *Store) SetClock(now func() time.Time) { s.now = now }
