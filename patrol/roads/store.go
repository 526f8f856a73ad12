package roads

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// ErrNoNetwork means travel over roads cannot be answered: no road is loaded, or the
// database lacks the pgRouting extension. Callers fall back to straight lines.
var ErrNoNetwork = errors.New("no road network: import roads and install pgRouting")

// Routing limits.
const (
	// MaxSnapM is how far a point may lie from the nearest road vertex and still be
	// routed over the network; a point farther off travels in a straight line.
	MaxSnapM = 2000.0
	// marginDeg widens the box of a query's points when choosing the edges to route on
	// (about 5 km), so that a way round just outside the box is still found.
	marginDeg = 0.05
)

// Store reads and writes the road network.
type Store struct {
	db *pgxpool.Pool
}

// NewStore returns a Store.
func NewStore(db *pgxpool.Pool) *Store { return &Store{db: db} }

// Summary describes an imported network.
type Summary struct {
	Vertices int     `json:"vertices"`
	Edges    int     `json:"edges"`
	LengthKm float64 `json:"length_km"`
	Routing  bool    `json:"routing"` // pgRouting is installed, so plans will use the network
}

// Import replaces the stored network with net, in one transaction.
func (s *Store) Import(ctx context.Context, net Network) (Summary, error) {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `TRUNCATE road_edges, road_vertices`); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"road_vertices"}, []string{"id", "geom"},
			pgx.CopyFromSlice(len(net.Vertices), func(i int) ([]any, error) {
				return []any{int64(i + 1), wkb.Value(net.Vertices[i])}, nil
			})); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"road_edges"},
			[]string{"id", "source", "target", "length_m", "oneway", "name", "kind", "geom"},
			pgx.CopyFromSlice(len(net.Edges), func(i int) ([]any, error) {
				e := net.Edges[i]
				return []any{int64(i + 1), int64(e.Source + 1), int64(e.Target + 1), e.LengthM, e.Oneway,
					nullIfEmpty(e.Name), nullIfEmpty(e.Kind), wkb.Value(e.Line)}, nil
			}))
		return err
	})
	if err != nil {
		return Summary{}, pgdb.Translate(err, "road network")
	}
	return s.Summary(ctx)
}

// Summary describes the stored network.
func (s *Store) Summary(ctx context.Context) (Summary, error) {
	var sum Summary
	err := s.db.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM road_vertices), count(*), coalesce(sum(length_m), 0) / 1000,
		       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgrouting')
		FROM road_edges`).Scan(&sum.Vertices, &sum.Edges, &sum.LengthKm, &sum.Routing)
	if err != nil {
		return Summary{}, pgdb.Translate(err, "road network")
	}
	sum.LengthKm = math.Round(sum.LengthKm*1000) / 1000
	return sum, nil
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Travel answers travel times between a fixed set of points: over the network between
// the road vertices nearest to them, plus the straight walks to and from those vertices.
type Travel struct {
	db      *pgxpool.Pool
	speedMS float64
	detour  float64
	index   map[orb.Point]int
	snaps   []snap
	road    map[[2]int64]float64 // metres between two vertices over the network
	edges   string               // the edge query the matrix used
}

// snap is a point's nearest road vertex.
type snap struct {
	vertex int64
	at     orb.Point
	metres float64
	routed bool // near enough to the network to use it
}

// NewTravel computes the network distances between every pair of points. speedMS is the
// travel speed; detour stretches straight-line stretches (to and from the network, and
// between points that the network does not connect). Errors: ErrNoNetwork when the
// network cannot be used.
func (s *Store) NewTravel(ctx context.Context, points []orb.Point, speedMS, detour float64) (*Travel, error) {
	if !(speedMS > 0) || !(detour >= 1) {
		return nil, fmt.Errorf("roads: speed %v m/s and detour %v, want > 0 and >= 1", speedMS, detour)
	}
	var usable bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgrouting')
		AND EXISTS (SELECT 1 FROM road_edges)`).Scan(&usable)
	if err != nil {
		return nil, pgdb.Translate(err, "road network")
	}
	if !usable || len(points) == 0 {
		return nil, ErrNoNetwork
	}
	t := &Travel{db: s.db, speedMS: speedMS, detour: detour, index: make(map[orb.Point]int, len(points)),
		road: map[[2]int64]float64{}}
	bound := orb.MultiPoint(points).Bound().Pad(marginDeg)
	t.edges = fmt.Sprintf(`SELECT id, source, target, length_m AS cost,
		CASE WHEN oneway THEN -1 ELSE length_m END AS reverse_cost
		FROM road_edges WHERE geom && ST_MakeEnvelope(%.7f, %.7f, %.7f, %.7f, 4326)`,
		bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1])
	var unique []orb.Point
	for _, p := range points {
		if _, ok := t.index[p]; !ok {
			t.index[p] = len(unique)
			unique = append(unique, p)
		}
	}
	if t.snaps, err = s.snap(ctx, unique); err != nil {
		return nil, err
	}
	var vids []int64
	seen := map[int64]bool{}
	for _, sn := range t.snaps {
		if sn.routed && !seen[sn.vertex] {
			seen[sn.vertex] = true
			vids = append(vids, sn.vertex)
		}
	}
	if len(vids) < 2 {
		return t, nil
	}
	rows, err := s.db.Query(ctx, `SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCostMatrix($1, $2::bigint[], true)`,
		t.edges, vids)
	if err != nil {
		return nil, pgdb.Translate(err, "road network")
	}
	var from, to int64
	var metres float64
	_, err = pgx.ForEachRow(rows, []any{&from, &to, &metres}, func() error {
		t.road[[2]int64{from, to}] = metres
		return nil
	})
	if err != nil {
		return nil, pgdb.Translate(err, "road network")
	}
	return t, nil
}

// snap finds each point's nearest road vertex.
func (s *Store) snap(ctx context.Context, points []orb.Point) ([]snap, error) {
	lons, lats := make([]float64, len(points)), make([]float64, len(points))
	for i, p := range points {
		lons[i], lats[i] = p[0], p[1]
	}
	rows, err := s.db.Query(ctx, `
		SELECT v.id, ST_X(v.geom), ST_Y(v.geom)
		FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat, i)
		CROSS JOIN LATERAL (
			SELECT id, geom FROM road_vertices
			ORDER BY geom <-> ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) LIMIT 1) v
		ORDER BY p.i`, lons, lats)
	if err != nil {
		return nil, pgdb.Translate(err, "road network")
	}
	out := make([]snap, 0, len(points))
	var sn snap
	_, err = pgx.ForEachRow(rows, []any{&sn.vertex, &sn.at[0], &sn.at[1]}, func() error {
		sn.metres = geo.DistanceMeters(points[len(out)], sn.at)
		sn.routed = sn.metres <= MaxSnapM
		out = append(out, sn)
		return nil
	})
	if err != nil {
		return nil, pgdb.Translate(err, "road network")
	}
	if len(out) != len(points) {
		return nil, ErrNoNetwork
	}
	return out, nil
}

// Seconds is the travel time from a to b, two of the points Travel was made for (other
// points travel in a straight line). It has the signature of plan.TravelFunc.
func (t *Travel) Seconds(a, b orb.Point) float64 {
	return t.Metres(a, b) / t.speedMS
}

// Metres is the distance travelled from a to b.
func (t *Travel) Metres(a, b orb.Point) float64 {
	leg, ok := t.roadLeg(a, b)
	if !ok {
		return geo.DistanceMeters(a, b) * t.detour
	}
	return (leg.snapA+leg.snapB)*t.detour + leg.road
}

// Line returns the path through stops along the network: straight to and from the road
// vertices, and along the roads between them, as Metres measured it.
func (t *Travel) Line(ctx context.Context, stops []orb.Point) (orb.LineString, error) {
	type ends struct{ from, to int64 }
	var froms, tos []int64
	for i := 1; i < len(stops); i++ {
		if l, ok := t.roadLeg(stops[i-1], stops[i]); ok {
			froms, tos = append(froms, l.from), append(tos, l.to)
		}
	}
	paths := map[ends]orb.LineString{}
	if len(froms) > 0 {
		rows, err := t.db.Query(ctx, `
			SELECT d.start_vid, d.end_vid,
			       CASE WHEN d.node = e.source THEN ST_AsBinary(e.geom) ELSE ST_AsBinary(ST_Reverse(e.geom)) END
			FROM pgr_dijkstra($1, $2, true) d
			JOIN road_edges e ON e.id = d.edge
			ORDER BY d.start_vid, d.end_vid, d.path_seq`,
			t.edges, fmt.Sprintf(`SELECT source, target FROM unnest('%s'::bigint[], '%s'::bigint[]) AS c(source, target)`,
				int64Array(froms), int64Array(tos)))
		if err != nil {
			return nil, pgdb.Translate(err, "road network")
		}
		var e ends
		var raw []byte
		_, err = pgx.ForEachRow(rows, []any{&e.from, &e.to, &raw}, func() error {
			g, err := wkb.Unmarshal(raw)
			if err != nil {
				return err
			}
			if ls, ok := g.(orb.LineString); ok {
				paths[e] = appendLine(paths[e], ls)
			}
			return nil
		})
		if err != nil {
			return nil, pgdb.Translate(err, "road network")
		}
	}
	var out orb.LineString
	for i, p := range stops {
		if i > 0 {
			if l, ok := t.roadLeg(stops[i-1], p); ok {
				out = appendLine(out, paths[ends{l.from, l.to}])
			}
		}
		out = appendLine(out, orb.LineString{p})
	}
	return out, nil
}

// leg is a stretch between two points that travels over the network.
type leg struct {
	from, to     int64   // the road vertices it runs between
	snapA, snapB float64 // metres from the points to their vertices
	road         float64 // metres over the network
}

// roadLeg returns how a and b are joined over the network; false when they travel in a
// straight line: a point not among Travel's, off the network, both at one vertex, or no
// path between their vertices within the routing box.
func (t *Travel) roadLeg(a, b orb.Point) (leg, bool) {
	ia, oka := t.index[a]
	ib, okb := t.index[b]
	if !oka || !okb {
		return leg{}, false
	}
	sa, sb := t.snaps[ia], t.snaps[ib]
	if !sa.routed || !sb.routed || sa.vertex == sb.vertex {
		return leg{}, false
	}
	road, ok := t.road[[2]int64{sa.vertex, sb.vertex}]
	return leg{from: sa.vertex, to: sb.vertex, snapA: sa.metres, snapB: sb.metres, road: road}, ok
}

// appendLine appends ls to out, without repeating a shared joint.
func appendLine(out, ls orb.LineString) orb.LineString {
	for _, p := range ls {
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	return out
}

func int64Array(v []int64) string {
	s := "{"
	for i, x := range v {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(x)
	}
	return s + "}"
}
