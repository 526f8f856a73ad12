// Package officer keeps the officers who patrol: their squadron (and so township) and
// the device identifier their phone reports. SQL in this file, HTTP in http.go.
package officer

import (
	"context"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Officer is a law-enforcement officer and grid patroller.
type Officer struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Squadron string `json:"squadron"`
	Township string `json:"township"`
	DeviceID string `json:"device_id,omitempty"`
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Validate checks an officer before it is stored. Errors: invalid.
func (o Officer) Validate() error {
	switch {
	case !idPattern.MatchString(o.ID):
		return apperr.Invalidf("officer id %q must be 1 to 64 letters, digits, '_', '.' or '-'", o.ID)
	case o.Name == "" || len(o.Name) > 200:
		return apperr.Invalidf("an officer needs a name of 1 to 200 bytes")
	case o.Squadron == "":
		return apperr.Invalidf("an officer needs a squadron")
	case len(o.DeviceID) > 128:
		return apperr.Invalidf("device_id is longer than 128 bytes")
	}
	return nil
}

// Squadrons tells the township of a squadron (package grid's Store).
type Squadrons interface {
	// SquadronTownship returns the township of a squadron. Errors: not_found.
	SquadronTownship(ctx context.Context, code string) (string, error)
}

// Store keeps officers in PostgreSQL.
type Store struct {
	db        *pgxpool.Pool
	squadrons Squadrons
	devices   *deviceCache
}

// NewStore returns a Store on db; squadrons places new officers' squadrons.
func NewStore(db *pgxpool.Pool, squadrons Squadrons) *Store {
	return &Store{db: db, squadrons: squadrons, devices: newDeviceCache(DeviceTTL, maxDevices)}
}

// SetClock replaces the clock that ages the devices remembered by ByDevice (tests).
func (s *Store) SetClock(now func() time.Time) { s.devices.now = now }

// Create stores an officer; the township is the squadron's. A non-empty scope confines
// the squadron to that township. It returns the stored officer. Errors: invalid (bad
// fields, unknown squadron), forbidden (a squadron outside scope), conflict (the id or
// device id is taken).
func (s *Store) Create(ctx context.Context, o Officer, scope string) (Officer, error) {
	if err := o.Validate(); err != nil {
		return Officer{}, err
	}
	township, err := s.squadrons.SquadronTownship(ctx, o.Squadron)
	if apperr.CodeOf(err) == apperr.NotFound {
		return Officer{}, apperr.Invalidf("unknown squadron %q", o.Squadron)
	}
	if err != nil {
		return Officer{}, err
	}
	if scope != "" && township != scope {
		return Officer{}, apperr.Forbiddenf("squadron %s is not of township %s", o.Squadron, scope)
	}
	o.Township = township
	if _, err := s.db.Exec(ctx, `
		INSERT INTO officers (id, name, squadron, township, device_id) VALUES ($1, $2, $3, $4, NULLIF($5, ''))`,
		o.ID, o.Name, o.Squadron, o.Township, o.DeviceID); err != nil {
		return Officer{}, pgdb.Translate(err, "officer "+o.ID+" or device "+o.DeviceID)
	}
	return o, nil
}

// Filter selects officers; empty fields select all.
type Filter struct {
	Township string
	Squadron string
}

// List returns officers by id.
func (s *Store) List(ctx context.Context, f Filter) ([]Officer, error) {
	return s.query(ctx, `
		SELECT id, name, squadron, township, coalesce(device_id, '') FROM officers
		WHERE ($1 = '' OR township = $1) AND ($2 = '' OR squadron = $2) ORDER BY id`, f.Township, f.Squadron)
}

// Get returns one officer. Errors: not_found.
func (s *Store) Get(ctx context.Context, id string) (Officer, error) {
	return s.one(ctx, "officer "+id, `
		SELECT id, name, squadron, township, coalesce(device_id, '') FROM officers WHERE id = $1`, id)
}

// ByDevice returns the officer whose phone reports deviceID, from memory when it was
// found within DeviceTTL (see deviceCache). Errors: not_found.
func (s *Store) ByDevice(ctx context.Context, deviceID string) (Officer, error) {
	if o, ok := s.devices.get(deviceID); ok {
		return o, nil
	}
	o, err := s.one(ctx, "device "+deviceID, `
		SELECT id, name, squadron, township, coalesce(device_id, '') FROM officers WHERE device_id = $1`, deviceID)
	if err == nil {
		s.devices.put(o)
	}
	return o, err
}

// Many returns the officers with the given ids, by id; unknown ids are left out.
func (s *Store) Many(ctx context.Context, ids []string) (map[string]Officer, error) {
	list, err := s.query(ctx, `
		SELECT id, name, squadron, township, coalesce(device_id, '') FROM officers WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Officer, len(list))
	for _, o := range list {
		out[o.ID] = o
	}
	return out, nil
}

// QueueMany queues on b the read of the officers with the given ids into dst, by id
// (unknown ids are left out), so that a caller's transaction reads them in a round trip
// it makes anyway.
func (s *Store) QueueMany(b *pgx.Batch, ids []string, dst map[string]Officer) {
	b.Queue(`SELECT id, name, squadron, township, coalesce(device_id, '') FROM officers WHERE id = ANY($1)`, ids).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var o Officer
				if err := rows.Scan(&o.ID, &o.Name, &o.Squadron, &o.Township, &o.DeviceID); err != nil {
					return err
				}
				dst[o.ID] = o
			}
			return rows.Err()
		})
}

func (s *Store) query(ctx context.Context, sql string, args ...any) ([]Officer, error) {
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, pgdb.Translate(err, "officers")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Officer])
	return list, pgdb.Translate(err, "officers")
}

func (s *Store) one(ctx context.Context, what, sql string, args ...any) (Officer, error) {
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return Officer{}, pgdb.Translate(err, what)
	}
	o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Officer])
	return o, pgdb.Translate(err, what)
}
