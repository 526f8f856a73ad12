package position

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/track"
)

// OfficerTrack is one officer's fixes, in time order.
type OfficerTrack struct {
	Officer string
	Points  []track.Point
}

// TracksIn returns the fixes that lie in the WGS-84 bound b over [from, to), in township
// ("" = every township), of officer ("" = every officer): one OfficerTrack per officer,
// by officer ID. A map tile draws them. Errors: the database's, translated.
func (s *Store) TracksIn(ctx context.Context, b orb.Bound, from, to time.Time, township, officer string) ([]OfficerTrack, error) {
	rows, err := s.db.Query(ctx, `
		SELECT officer, time, lon, lat, h3 FROM positions
		WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND time >= $5 AND time < $6
		  AND ($7 = '' OR township = $7) AND ($8 = '' OR officer = $8)
		ORDER BY officer, time`, append(pgdb.BoundArgs(b), from, to, township, officer)...)
	if err != nil {
		return nil, pgdb.Translate(err, "positions")
	}
	var out []OfficerTrack
	var o string
	var p track.Point
	_, err = pgx.ForEachRow(rows, []any{&o, &p.Time, &p.Pos[0], &p.Pos[1], &p.H3}, func() error {
		if len(out) == 0 || out[len(out)-1].Officer != o {
			out = append(out, OfficerTrack{Officer: o})
		}
		last := &out[len(out)-1]
		last.Points = append(last.Points, p)
		return nil
	})
	return out, pgdb.Translate(err, "positions")
}
