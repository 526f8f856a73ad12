package position

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/geojson"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/track"
)

// MaxTrackWindow is the longest window a track or stops query may span.
const MaxTrackWindow = 7 * 24 * time.Hour

// maxSimplifyM caps the simplification tolerance of a track.
const maxSimplifyM = 500

// Points returns an officer's stored fixes in [from, to), in time order.
func (s *Store) Points(ctx context.Context, officerID string, from, to time.Time) ([]track.Point, error) {
	rows, err := s.db.Query(ctx, `
		SELECT time, lon, lat, h3 FROM positions
		WHERE officer = $1 AND time >= $2 AND time < $3 ORDER BY time`, officerID, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "positions")
	}
	pts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (track.Point, error) {
		var p track.Point
		err := row.Scan(&p.Time, &p.Pos[0], &p.Pos[1], &p.H3)
		return p, err
	})
	return pts, pgdb.Translate(err, "positions")
}

// trackReaders may read tracks: readers, and officers their own.
var trackReaders = []auth.Role{auth.Admin, auth.Supervisor, auth.Analyst, auth.Officer}

// points loads the fixes behind a track or stops request, checking that the caller may
// see the officer.
func (h *Handler) points(r *http.Request) ([]track.Point, error) {
	id := chi.URLParam(r, "id")
	caller := auth.Caller(r)
	if caller.Role == auth.Officer && caller.Officer != id {
		return nil, apperr.Forbiddenf("an officer token may read its own track only")
	}
	o, err := h.officers.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := caller.CheckTownship(o.Township); err != nil {
		return nil, err
	}
	from, to, err := httpx.TimeRange(r.URL.Query(), time.Now(), 24*time.Hour, MaxTrackWindow)
	if err != nil {
		return nil, err
	}
	return h.store.Points(r.Context(), id, from, to)
}

// getTrack answers a FeatureCollection of LineStrings, split at gaps and jumps, with
// properties start, end, points and length_m; ?simplify=M simplifies to M metres.
func (h *Handler) getTrack(w http.ResponseWriter, r *http.Request) error {
	tol, err := httpx.QueryInt(r.URL.Query(), "simplify", 0, 0, maxSimplifyM)
	if err != nil {
		return err
	}
	pts, err := h.points(r)
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	for _, seg := range track.Segments(pts, track.SegmentOptions{SimplifyM: float64(tol)}) {
		if len(seg.Line) < 2 {
			continue // a lone fix is no line
		}
		f := geojson.NewFeature(seg.Line)
		f.Properties = geojson.Properties{
			"start": seg.Start, "end": seg.End, "points": seg.Points, "length_m": round1(seg.LengthM),
		}
		fc.Append(f)
	}
	httpx.WriteGeoJSON(w, http.StatusOK, fc)
	return nil
}

// stopJSON is a stop in the API.
type stopJSON struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Lat    float64   `json:"lat"`
	Lon    float64   `json:"lon"`
	H3     string    `json:"h3"`
	Points int       `json:"points"`
}

// getStops answers the stay points: where the officer stayed within 50 m for 5 minutes
// or more (package track has the rule; ?radius_m= and ?min_minutes= tune it).
func (h *Handler) getStops(w http.ResponseWriter, r *http.Request) error {
	radius, err := httpx.QueryInt(r.URL.Query(), "radius_m", int(track.DefaultStopRadiusM), 5, 1000)
	if err != nil {
		return err
	}
	minutes, err := httpx.QueryInt(r.URL.Query(), "min_minutes", int(track.DefaultMinStopDuration/time.Minute), 1, 24*60)
	if err != nil {
		return err
	}
	pts, err := h.points(r)
	if err != nil {
		return err
	}
	stops := track.Stops(pts, track.StopOptions{RadiusM: float64(radius), MinDuration: time.Duration(minutes) * time.Minute})
	out := make([]stopJSON, len(stops))
	for i, s := range stops {
		out[i] = stopJSON{Start: s.Start, End: s.End, Lat: s.Center[1], Lon: s.Center[0], H3: grid.CellString(s.H3), Points: s.Points}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
