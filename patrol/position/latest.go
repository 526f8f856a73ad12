package position

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// latestColumns is the select list of officer_latest that scanLatest reads.
const latestColumns = `officer, township, ST_Y(geom), ST_X(geom), time, h3`

func scanLatest(row pgx.CollectableRow) (Stored, error) {
	var p Stored
	err := row.Scan(&p.Officer, &p.Township, &p.Lat, &p.Lon, &p.Time, &p.cell)
	p.H3 = grid.CellString(p.cell)
	return p, err
}

// Latest returns the newest position of each officer, of one township when not "", by
// officer.
func (s *Store) Latest(ctx context.Context, township string) ([]Stored, error) {
	rows, err := s.db.Query(ctx, `SELECT `+latestColumns+`
		FROM officer_latest WHERE $1 = '' OR township = $1 ORDER BY officer`, township)
	if err != nil {
		return nil, pgdb.Translate(err, "latest positions")
	}
	list, err := pgx.CollectRows(rows, scanLatest)
	return list, pgdb.Translate(err, "latest positions")
}

// LatestOf returns an officer's newest position. Errors: not_found (no fix yet).
func (s *Store) LatestOf(ctx context.Context, officerID string) (Stored, error) {
	rows, err := s.db.Query(ctx, `SELECT `+latestColumns+` FROM officer_latest WHERE officer = $1`, officerID)
	if err != nil {
		return Stored{}, pgdb.Translate(err, "latest position")
	}
	p, err := pgx.CollectExactlyOneRow(rows, scanLatest)
	return p, pgdb.Translate(err, "latest position of officer "+officerID)
}

// Nearby is an officer's newest position and its geodesic distance from a point.
type Nearby struct {
	Officer   string
	DistanceM float64
	Time      time.Time
}

// Nearest returns, of the given officers, those with a fix newer than since, nearest
// first to p (WGS-84) by their newest position, at most limit of them. Ties and the
// order within the limit follow the planar distance in degrees; callers wanting the
// geodesic order sort by DistanceM.
func (s *Store) Nearest(ctx context.Context, officers []string, p orb.Point, since time.Time, limit int) ([]Nearby, error) {
	rows, err := s.db.Query(ctx, `
		SELECT l.officer, ST_Distance(l.geom::geography, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography), l.time
		FROM officer_latest l
		WHERE l.officer = ANY($1) AND l.time > $4
		ORDER BY l.geom <-> ST_SetSRID(ST_MakePoint($2, $3), 4326), l.officer
		LIMIT $5`, officers, p[0], p[1], since, limit)
	if err != nil {
		return nil, pgdb.Translate(err, "officers nearby")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Nearby])
	return list, pgdb.Translate(err, "officers nearby")
}

// KeepPartitionsAhead creates the daily position partitions of yesterday to two days
// ahead (in the database's calendar), so that ingest rarely has to.
func (s *Store) KeepPartitionsAhead(ctx context.Context) error {
	if _, err := s.db.Exec(ctx, `SELECT ensure_position_partitions(current_date - 1, current_date + 2)`); err != nil {
		return fmt.Errorf("create position partitions ahead: %w", pgdb.Translate(err, "position partitions"))
	}
	return nil
}
