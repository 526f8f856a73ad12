package cases

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/position"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// Locator places a point on the grid (package grid's Store).
type Locator interface {
	Locate(ctx context.Context, p orb.Point) (grid.Location, error)
	Resolution(ctx context.Context) (int, error)
}

// Officers finds the officers cases are assigned to (package officer's Store).
type Officers interface {
	Get(ctx context.Context, id string) (officer.Officer, error)
	List(ctx context.Context, f officer.Filter) ([]officer.Officer, error)
}

// Positions reads officers' newest positions (package position's Store).
type Positions interface {
	LatestOf(ctx context.Context, officerID string) (position.Stored, error)
	Nearest(ctx context.Context, officers []string, p orb.Point, since time.Time, limit int) ([]position.Nearby, error)
}

// Powers answers which enforcement power (事项) a case cites and who holds it on a day
// (package powers' Store).
type Powers interface {
	Item(ctx context.Context, code string) (powers.Item, error)
	Holder(ctx context.Context, item, township string, day powers.Date) (held bool, department string, err error)
}

// Store keeps cases and their history in PostgreSQL.
type Store struct {
	db        *pgxpool.Pool
	locator   Locator
	officers  Officers
	positions Positions
	powers    Powers
	evidence  EvidenceChecker
	now       func() time.Time
	onChange  func(p orb.Point)
	calendar  Calendar
	periods   Periods
	major     MajorRule
	hook      EventHook

	// sectors is the reference list, read once: only a migration changes it, and every
	// filtered tile request checks its sector against it.
	sectorsMu sync.Mutex
	sectors   []Sector
}

// UsePowers lets cases cite items of the powers catalog p; without it, a case citing an
// item is refused. The catalog's store reads sectors from this one, so it is wired after
// both exist.
func (s *Store) UsePowers(p Powers) { s.powers = p }

// EventHook is told of every event appended to a case's history, inside the transaction
// that appends it, so that what it writes there commits or rolls back with the event
// (package webhook's CaseEvents: the outbox of other systems). c is the case as it was
// before the event (e.Status is its status after); an error rolls the event back.
type EventHook interface {
	Appended(ctx context.Context, tx pgx.Tx, c Case, e Event) error
}

// UseEventHook sets the hook told of every event appended. Call it before the Store is
// used.
func (s *Store) UseEventHook(h EventHook) { s.hook = h }

// OnChange registers f to be called, after the commit, with the position of every case
// created or changed (map tiles invalidate with it).
func (s *Store) OnChange(f func(p orb.Point)) { s.onChange = f }

func (s *Store) changed(c Case) {
	if s.onChange != nil {
		s.onChange(orb.Point{c.Lon, c.Lat})
	}
}

// NewStore returns a Store.
func NewStore(db *pgxpool.Pool, locator Locator, officers Officers, positions Positions) *Store {
	return &Store{db: db, locator: locator, officers: officers, positions: positions, now: time.Now,
		periods: DefaultPeriods(), major: DefaultMajorRule()}
}

// Sectors returns the reference list of sectors, core ones first.
func (s *Store) Sectors(ctx context.Context) ([]Sector, error) {
	s.sectorsMu.Lock()
	defer s.sectorsMu.Unlock()
	if s.sectors == nil {
		rows, err := s.db.Query(ctx, `SELECT code, name_zh, name_en, core FROM sectors ORDER BY NOT core, code`)
		if err != nil {
			return nil, pgdb.Translate(err, "sectors")
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Sector])
		if err != nil {
			return nil, pgdb.Translate(err, "sectors")
		}
		s.sectors = list
	}
	return slices.Clone(s.sectors), nil
}

// caseColumns is the select list that scanCase reads.
const caseColumns = `id, sector, title, description, lat, lon, h3, township, grid_area, squadron, source, status,
	officer, department, reported_at, created_at, updated_at, reporter,
	assigned_at, accepted_at, arrived_at, resolved_at, closed_at, item, item_held, backdated`

func scanCase(row pgx.CollectableRow) (Case, error) {
	var c Case
	var cell int64
	var held *bool
	err := row.Scan(&c.ID, &c.Sector, &c.Title, &c.Description, &c.Lat, &c.Lon, &cell, &c.Township, &c.Grid,
		&c.Squadron, &c.Source, &c.Status, &c.Officer, &c.Department, &c.ReportedAt, &c.CreatedAt, &c.UpdatedAt,
		&c.Reporter, &c.AssignedAt, &c.AcceptedAt, &c.ArrivedAt, &c.ResolvedAt, &c.ClosedAt, &c.Item, &held, &c.Backdated)
	c.H3 = grid.CellString(cell)
	c.Outside = c.Township == nil
	if held != nil {
		c.Jurisdiction = &Jurisdiction{Held: *held}
		if !*held && c.Department != nil {
			// Intake routed the case to the holder, and a referred case changes hands no more.
			c.Jurisdiction.Holder = *c.Department
		}
	}
	return c, err
}

// validate checks a new case and fills its defaults. Errors: invalid.
func (nc *NewCase) validate(who auth.Identity, now time.Time) error {
	switch {
	case strings.TrimSpace(nc.Title) == "" || len(nc.Title) > 200:
		return apperr.Invalidf("a case needs a title of 1 to 200 bytes, not only blanks")
	case len(nc.Description) > 4000:
		return apperr.Invalidf("the description is longer than 4,000 bytes")
	case !(nc.Lat >= -90 && nc.Lat <= 90) || !(nc.Lon >= -180 && nc.Lon <= 180):
		return apperr.Invalidf("lat %v, lon %v is not a position", nc.Lat, nc.Lon)
	case nc.Lat == 0 && nc.Lon == 0:
		// What a phone without a fix, or a form left empty, sends: never a real case here.
		return apperr.Invalidf("lat 0, lon 0 is not a position: the client had no location")
	case nc.ReportedAt.After(now.Add(5 * time.Minute)):
		return apperr.Invalidf("reported_at %s is in the future", nc.ReportedAt.Format(time.RFC3339))
	}
	if err := CheckClaim(auth.Identity{Role: auth.Admin}, "reported_at", nc.ReportedAt, now, 0); err != nil {
		return err
	}
	if nc.Datum == "" {
		nc.Datum = geo.WGS84
	}
	if nc.Source == "" {
		nc.Source = SourceCitizenApp
		if who.Role == auth.Officer {
			nc.Source = SourcePatrol
		}
	}
	if !slices.Contains(Sources, nc.Source) {
		return apperr.Invalidf("unknown source %q (patrol, hotline_12345, citizen_app, referral)", nc.Source)
	}
	if nc.ReportedAt.IsZero() {
		nc.ReportedAt = now
	}
	return nil
}

// Create stores a case located to its cell, township, grid area and squadron, with the
// "report" event that opens its history. A case outside every township is stored and
// flagged, not refused. A case citing an item takes the item's sector; when its township
// does not hold the item on the report day (China time) — or it falls in no township —
// intake routes it to the department holding the item: a refer event by the system
// naming the rule, status referred, in the same transaction. Errors: invalid (bad fields,
// unknown sector or item, a sector other than the item's), forbidden (a scoped token
// reporting in another township).
func (s *Store) Create(ctx context.Context, who auth.Identity, nc NewCase) (Case, error) {
	return s.CreateWithHistory(ctx, who, nc, nil)
}

// CreateWithHistory creates a case and appends its later events, all in one transaction
// and under the same rules as AppendEvent: for importing cases handled elsewhere (a
// referral system, the demo). Errors: those of Create and AppendEvent.
func (s *Store) CreateWithHistory(ctx context.Context, who auth.Identity, nc NewCase, events []NewEvent) (Case, error) {
	return s.create(ctx, who, nc, events, nil)
}

// Linker writes the caller's record of a case in the transaction that creates it; an
// error rolls the case back with it, so that no case is left that the caller's record
// does not name (an inspection task's result, package inspection).
type Linker func(ctx context.Context, tx pgx.Tx, c Case) error

// CreateLinked is CreateWithHistory with link called in the same transaction once the
// case and its history are written. Errors: those of CreateWithHistory and of link.
func (s *Store) CreateLinked(ctx context.Context, who auth.Identity, nc NewCase, events []NewEvent, link Linker) (Case, error) {
	return s.create(ctx, who, nc, events, link)
}

// create is CreateWithHistory with after, when not nil, called in the transaction once
// the case and its history are written.
func (s *Store) create(ctx context.Context, who auth.Identity, nc NewCase, events []NewEvent,
	after func(ctx context.Context, tx pgx.Tx, c Case) error) (Case, error) {
	received := s.now()
	if err := nc.validate(who, received); err != nil {
		return Case{}, err
	}
	if err := s.citeItem(ctx, &nc); err != nil {
		return Case{}, err
	}
	p := geo.ToWGS84(orb.Point{nc.Lon, nc.Lat}, nc.Datum)
	cell, township, gridArea, squadron, err := s.place(ctx, p)
	if err != nil {
		return Case{}, err
	}
	if who.Scoped() && (township == nil || *township != who.Township) {
		return Case{}, apperr.Forbiddenf("this token reports in township %s only", who.Township)
	}
	route, err := s.jurisdiction(ctx, nc, township)
	if err != nil {
		return Case{}, err
	}
	var c Case
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			INSERT INTO cases (sector, title, description, lon, lat, h3, township, township_key, grid_area, squadron, source,
				reporter, reported_at, item, item_held)
			SELECT code, $2, $3, $4, $5, $6, $7, coalesce($7, ''), $8, $9, $10, $11, $12, $13, $14 FROM sectors WHERE code = $1
			RETURNING `+caseColumns, nc.Sector, nc.Title, nc.Description, p[0], p[1], cell, township, gridArea, squadron,
			nc.Source, who.Name, nc.ReportedAt, route.item(), route.held())
		if err != nil {
			return err
		}
		if c, err = pgx.CollectExactlyOneRow(rows, scanCase); errors.Is(err, pgx.ErrNoRows) {
			return apperr.Invalidf("unknown sector %q (see /api/v1/sectors)", nc.Sector)
		}
		if err != nil {
			return err
		}
		id := c.ID
		report := Event{CaseID: id, Type: EventReport, Status: StatusReported,
			Actor: who.Name, ActorRole: string(who.Role), Note: nc.Title, At: nc.ReportedAt, TownshipKey: c.TownshipKey()}
		if err := s.noteReceipt(ctx, tx, &report, received); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, c, report); err != nil {
			return err
		}
		if err := s.route(ctx, tx, route, c); err != nil {
			return err
		}
		for _, ne := range events {
			if c, err = s.appendInTx(ctx, tx, who, c.TownshipKey(), id, ne); err != nil {
				return err
			}
		}
		if c, err = getCaseAt(ctx, tx, c.TownshipKey(), id); err != nil {
			return err
		}
		if after != nil {
			return after(ctx, tx, c)
		}
		return nil
	})
	if err != nil {
		return Case{}, pgdb.Translate(err, "case")
	}
	s.changed(c)
	return c, nil
}

// place locates a WGS-84 point: its cell at the city's resolution and, when inside a
// township, the township, grid area and squadron.
func (s *Store) place(ctx context.Context, p orb.Point) (cell int64, township, gridArea, squadron *string, err error) {
	loc, err := s.locator.Locate(ctx, p)
	if apperr.CodeOf(err) == apperr.NotFound {
		res, err := s.locator.Resolution(ctx)
		if err != nil {
			return 0, nil, nil, nil, err
		}
		if res == 0 {
			res = grid.DefaultResolution
		}
		return int64(grid.CellAt(p, res)), nil, nil, nil, nil
	}
	if err != nil {
		return 0, nil, nil, nil, err
	}
	c, err := grid.ParseCell(loc.H3)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	township = &loc.Township.Code
	if loc.Grid != nil {
		gridArea = &loc.Grid.Code
	}
	if loc.Squadron != nil {
		squadron = &loc.Squadron.Code
	}
	return int64(c), township, gridArea, squadron, nil
}

type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// getCase reads a case by id alone. Its township is not known yet, so on Citus this asks
// every shard of cases (an index lookup each); what follows names the township.
func getCase(ctx context.Context, q queryer, id int64) (Case, error) {
	rows, err := q.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE id = $1`, id)
	if err != nil {
		return Case{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCase)
	return c, pgdb.Translate(err, fmt.Sprintf("case %d", id))
}

// getCaseAt reads a case kept under township key (Case.TownshipKey): one shard on Citus.
func getCaseAt(ctx context.Context, q queryer, key string, id int64) (Case, error) {
	rows, err := q.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE township_key = $1 AND id = $2`, key, id)
	if err != nil {
		return Case{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCase)
	return c, pgdb.Translate(err, fmt.Sprintf("case %d", id))
}

// keyOf looks up the township key of case id, for a change to name it. On Citus it asks
// every shard, so it runs before the change's transaction, not in it: a transaction
// that read every shard in parallel may not then write a reference table (an
// inspection task linked to a new case). No lock is needed: a case never changes
// township. Errors: not_found.
func (s *Store) keyOf(ctx context.Context, id int64) (string, error) {
	var key string
	err := s.db.QueryRow(ctx, `SELECT township_key FROM cases WHERE id = $1`, id).Scan(&key)
	return key, pgdb.Translate(err, fmt.Sprintf("case %d", id))
}

// lockCase reads the case kept under township key under its row lock, for a change: one
// shard on Citus.
func lockCase(ctx context.Context, tx pgx.Tx, key string, id int64) (Case, error) {
	rows, err := tx.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE township_key = $1 AND id = $2 FOR UPDATE`, key, id)
	if err != nil {
		return Case{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCase)
	return c, pgdb.Translate(err, fmt.Sprintf("case %d", id))
}

// mayRead reports whether the identity may read the case: readers of its township,
// officers the cases assigned to them, and the public of Open311 (the zero Identity,
// which no API token can have).
func mayRead(who auth.Identity, c Case) error {
	switch who.Role {
	case auth.Admin, auth.Analyst, auth.Supervisor, auth.Legal:
		if who.Scoped() && (c.Township == nil || *c.Township != who.Township) {
			return apperr.Forbiddenf("case %d is not of township %s", c.ID, who.Township)
		}
		return nil
	case auth.Officer:
		if c.Officer != nil && *c.Officer == who.Officer {
			return nil
		}
		return apperr.Forbiddenf("case %d is not assigned to officer %s", c.ID, who.Officer)
	case "", auth.Reporter:
		// The public of Open311 GeoReport (which shows requests without reporter or
		// officer); reporters see what the public sees. The API's routes keep both out.
		// Internal work is not there at all: not_found, as for an ID never given, so
		// that sequential IDs tell nothing.
		if !slices.Contains(PublicSources, c.Source) {
			return apperr.NotFoundf("case %d not found", c.ID)
		}
		return nil
	}
	return apperr.Forbiddenf("role %s may not read cases", who.Role)
}

// Get returns one case. Errors: not_found, forbidden.
func (s *Store) Get(ctx context.Context, who auth.Identity, id int64) (Case, error) {
	c, err := getCase(ctx, s.db, id)
	if err != nil {
		return Case{}, err
	}
	return c, mayRead(who, c)
}

// List returns cases by report time, newest first. Scoped tokens see their township,
// officers their own cases. Errors: forbidden (a device token, a scoped token naming
// another township).
func (s *Store) List(ctx context.Context, who auth.Identity, f Filter) ([]Case, error) {
	if who.Role == auth.Officer {
		f.Officer = who.Officer
	} else if who.Role == auth.Device {
		return nil, apperr.Forbiddenf("role %s may not read cases", who.Role)
	}
	f, err := f.scoped(who)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	f.Limit = min(f.Limit, 10_000)
	// The public (and reporters, who see what it sees) read only PublicSources; every
	// source otherwise.
	var sources []string
	if who.Role == "" || who.Role == auth.Reporter {
		for _, src := range PublicSources {
			sources = append(sources, string(src))
		}
	}
	rows, err := s.db.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE `+filterWhere+`
		AND (coalesce(cardinality($9::text[]), 0) = 0 OR source = ANY($9))
		ORDER BY reported_at DESC, id DESC LIMIT $8`, f.filterArgs(f.Limit, sources)...)
	if err != nil {
		return nil, pgdb.Translate(err, "cases")
	}
	list, err := pgx.CollectRows(rows, scanCase)
	return list, pgdb.Translate(err, "cases")
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// appendEvent writes the next event of case c, chained to the last one, and tells the
// hook. The caller holds the case's row lock (or has just created the case).
func (s *Store) appendEvent(ctx context.Context, tx pgx.Tx, c Case, e Event) error {
	var prev []byte
	e.TownshipKey = c.TownshipKey()
	err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0),
			coalesce((SELECT hash FROM case_events WHERE township_key = $2 AND case_id = $1 ORDER BY seq DESC LIMIT 1), ''::bytea)
		FROM case_events WHERE township_key = $2 AND case_id = $1`, e.CaseID, e.TownshipKey).Scan(&e.Seq, &prev)
	if err != nil {
		return err
	}
	e.Seq++
	e.At = e.At.UTC().Truncate(time.Microsecond)
	var evidence []byte
	if e.Evidence != nil {
		if evidence, err = hex.DecodeString(*e.Evidence); err != nil || len(evidence) != 32 {
			return apperr.Invalidf("evidence hash %q is not a hex SHA-256", *e.Evidence)
		}
	}
	hash := Digest(prev, e)
	var detail *string
	if len(e.Detail) > 0 {
		d := string(e.Detail)
		detail = &d
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO case_events (township_key, case_id, seq, type, status, actor, actor_role, officer, department, note, at, lon, lat,
			prev_hash, hash, evidence, detail, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		e.TownshipKey, e.CaseID, e.Seq, e.Type, e.Status, e.Actor, e.ActorRole, e.Officer, e.Department, e.Note, e.At, e.Lon, e.Lat,
		prev, hash, evidence, detail, e.ReceivedAt)
	if err != nil || s.hook == nil {
		return err
	}
	e.PrevHash, e.Hash = hex.EncodeToString(prev), hex.EncodeToString(hash)
	return s.hook.Appended(ctx, tx, c, e)
}

// noteReceipt gives e, about to be appended, its time of receipt when its claimed time
// is back-dating, and marks its case (kept under e.TownshipKey) back-dated.
func (s *Store) noteReceipt(ctx context.Context, tx pgx.Tx, e *Event, received time.Time) error {
	if !backdated(e.At, received) {
		return nil
	}
	r := received.UTC().Truncate(time.Microsecond)
	e.ReceivedAt = &r
	_, err := tx.Exec(ctx, `UPDATE cases SET backdated = true WHERE township_key = $1 AND id = $2 AND NOT backdated`,
		e.TownshipKey, e.CaseID)
	return err
}

// Events returns the full history of a case in order. Errors: not_found, forbidden.
func (s *Store) Events(ctx context.Context, who auth.Identity, id int64) ([]Event, error) {
	c, err := s.Get(ctx, who, id)
	if err != nil {
		return nil, err
	}
	return s.events(ctx, c)
}

func (s *Store) events(ctx context.Context, c Case) ([]Event, error) {
	return eventsOf(ctx, s.db, c)
}

// eventColumns is the select list that scanEvent reads.
const eventColumns = `case_id, seq, type, status, actor, actor_role, officer, department, note, at, lat, lon, prev_hash, hash, evidence, detail,
	received_at, township_key`

// scanEvent reads a row of case_events in the order of eventColumns.
func scanEvent(row pgx.CollectableRow) (Event, error) {
	var e Event
	var prev, hash, evidence []byte
	var detail *string
	err := row.Scan(&e.CaseID, &e.Seq, &e.Type, &e.Status, &e.Actor, &e.ActorRole, &e.Officer, &e.Department,
		&e.Note, &e.At, &e.Lat, &e.Lon, &prev, &hash, &evidence, &detail, &e.ReceivedAt, &e.TownshipKey)
	e.PrevHash, e.Hash = hex.EncodeToString(prev), hex.EncodeToString(hash)
	if evidence != nil {
		h := hex.EncodeToString(evidence)
		e.Evidence = &h
	}
	if detail != nil {
		e.Detail = []byte(*detail)
	}
	return e, err
}

// eventsOf reads case c's history in order, on a pool or inside a transaction.
func eventsOf(ctx context.Context, q queryer, c Case) ([]Event, error) {
	rows, err := q.Query(ctx, `SELECT `+eventColumns+` FROM case_events WHERE township_key = $1 AND case_id = $2 ORDER BY seq`,
		c.TownshipKey(), c.ID)
	if err != nil {
		return nil, pgdb.Translate(err, "case history")
	}
	list, err := pgx.CollectRows(rows, scanEvent)
	return list, pgdb.Translate(err, "case history")
}

// eventsOfCases reads the histories of several cases, by case.
func eventsOfCases(ctx context.Context, q queryer, ids []int64) (map[int64][]Event, error) {
	rows, err := q.Query(ctx, `SELECT `+eventColumns+` FROM case_events WHERE case_id = ANY($1) ORDER BY case_id, seq`, ids)
	if err != nil {
		return nil, pgdb.Translate(err, "case histories")
	}
	list, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return nil, pgdb.Translate(err, "case histories")
	}
	out := make(map[int64][]Event, len(ids))
	for _, e := range list {
		out[e.CaseID] = append(out[e.CaseID], e)
	}
	return out, nil
}

// Verify checks the hash chain of a case's history and, through the evidence checker
// (UseEvidence), that each evidence event's file is still stored with the bytes its hash
// names: the first event where either breaks is reported. Errors: not_found, forbidden;
// those of the checker (a store it cannot read).
func (s *Store) Verify(ctx context.Context, who auth.Identity, id int64) (Verification, error) {
	events, err := s.Events(ctx, who, id)
	if err != nil {
		return Verification{}, err
	}
	v := Verify(id, events)
	if s.evidence == nil {
		return v, nil
	}
	for _, e := range events {
		if !v.OK && e.Seq >= v.Broken {
			break
		}
		if e.Evidence == nil {
			continue
		}
		problem, err := s.evidence.Check(ctx, e)
		if err != nil {
			return Verification{}, fmt.Errorf("check evidence of case %d event %d: %w", id, e.Seq, err)
		}
		if problem != "" {
			v.OK, v.Broken, v.Reason = false, e.Seq, problem
			break
		}
	}
	return v, nil
}
