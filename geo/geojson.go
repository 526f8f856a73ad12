package geo

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// ErrInvalidGeoJSON is wrapped by every error [ReadFeatureCollection]
// returns; test for it with errors.Is.
var ErrInvalidGeoJSON = errors.New("invalid GeoJSON")

// ReadFeatureCollection decodes data as a GeoJSON FeatureCollection
// (RFC 7946; positions are [lon, lat], SRID 4326). Data that is not JSON,
// is not an object of type "FeatureCollection" (a bare null included), has
// an element of "features" that is not a Feature, has a null feature, or
// has a malformed geometry (a position that is not two or more numbers included)
// returns an error wrapping [ErrInvalidGeoJSON]. Features with a null geometry are kept
// (RFC 7946 allows them); [ValidatePolygonal] rejects them. Geometries are
// not validated here.
func ReadFeatureCollection(data []byte) (*geojson.FeatureCollection, error) {
	fc, err := unmarshalFeatureCollection(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidGeoJSON, err)
	}
	// orb decodes a bare JSON null to an empty collection without a type.
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("%w: not a FeatureCollection", ErrInvalidGeoJSON)
	}
	for i, f := range fc.Features {
		if f == nil {
			return nil, fmt.Errorf("%w: feature %d is null", ErrInvalidGeoJSON, i)
		}
	}
	var positions struct {
		Features []struct {
			Geometry *strictGeometry `json:"geometry"`
		} `json:"features"`
	}
	if err := positionError(json.Unmarshal(data, &positions)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidGeoJSON, err)
	}
	return fc, nil
}

// ReadGeometry parses a bare GeoJSON geometry. Malformed input, including input that
// makes orb's decoder panic, returns an error wrapping [ErrInvalidGeoJSON]. The geometry
// is not validated here.
func ReadGeometry(data []byte) (g orb.Geometry, err error) {
	defer func() {
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("%w: malformed geometry (decoder failed: %v)", ErrInvalidGeoJSON, r)
		}
	}()
	parsed, err := geojson.UnmarshalGeometry(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidGeoJSON, err)
	}
	if parsed.Coordinates == nil && parsed.Geometries == nil {
		return nil, fmt.Errorf("%w: the geometry is empty or not GeoJSON", ErrInvalidGeoJSON)
	}
	if err := positionError(json.Unmarshal(data, new(strictGeometry))); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidGeoJSON, err)
	}
	return parsed.Geometry(), nil
}

// orb decodes a position into a [2]float64 as encoding/json does: null, missing and
// extra members are silently dropped, so [null, 31.8], [120.2] and [] become points on
// the equator or the prime meridian — a township reaching to Africa. strictGeometry
// decodes a geometry again, after orb accepted it, only to check every position.
type strictGeometry struct {
	Type        string            `json:"type"`
	Coordinates strictCoordinates `json:"coordinates"`
	Geometries  []*strictGeometry `json:"geometries"`
}

// strictCoordinates checks the positions of the coordinates member of a geometry; it
// needs the geometry's type, so strictGeometry's decoding calls it through
// UnmarshalJSON with the raw member kept.
type strictCoordinates struct{ raw []byte }

// UnmarshalJSON keeps the member for strictGeometry.UnmarshalJSON.
func (c *strictCoordinates) UnmarshalJSON(b []byte) error {
	c.raw = b
	return nil
}

// UnmarshalJSON decodes the geometry and checks its positions at the depth its type
// gives them. Other problems are orb's to report.
func (g *strictGeometry) UnmarshalJSON(b []byte) error {
	type plain strictGeometry
	if err := json.Unmarshal(b, (*plain)(g)); err != nil {
		return err
	}
	raw := g.Coordinates.raw
	if len(raw) == 0 {
		return nil
	}
	switch g.Type {
	case "Point":
		return json.Unmarshal(raw, new(strictPosition))
	case "MultiPoint", "LineString":
		return json.Unmarshal(raw, new([]strictPosition))
	case "Polygon", "MultiLineString":
		return json.Unmarshal(raw, new([][]strictPosition))
	case "MultiPolygon":
		return json.Unmarshal(raw, new([][][]strictPosition))
	}
	return nil
}

// strictPosition accepts a GeoJSON position: an array of two or more numbers (RFC 7946
// 3.1.1).
type strictPosition struct{}

// badPositionError reports a position that is not two or more numbers.
type badPositionError struct{ position string }

func (e *badPositionError) Error() string {
	return fmt.Sprintf("position %s is not an array of two or more numbers [lon, lat]", e.position)
}

// UnmarshalJSON fails with *badPositionError unless b is two or more numbers. A JSON
// null comes here too.
func (strictPosition) UnmarshalJSON(b []byte) error {
	var v []*float64
	if err := json.Unmarshal(b, &v); err != nil || len(v) < 2 || slices.Contains(v, nil) {
		s := string(b)
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return &badPositionError{position: s}
	}
	return nil
}

// positionError returns the *badPositionError in err, nil when there is none: every
// other problem of the document was orb's to find.
func positionError(err error) error {
	if bp, ok := errors.AsType[*badPositionError](err); ok {
		return bp
	}
	return nil
}

// unmarshalFeatureCollection wraps orb's decoder, turning a panic into an
// error. orb v0.14.0 dereferences a nil pointer on a GeometryCollection
// with a null member ("geometries": [null]); the input is outside data, so
// the decoder must not be able to take the process down.
func unmarshalFeatureCollection(data []byte) (fc *geojson.FeatureCollection, err error) {
	defer func() {
		if r := recover(); r != nil {
			fc, err = nil, fmt.Errorf("malformed geometry (decoder failed: %v)", r)
		}
	}()
	return geojson.UnmarshalFeatureCollection(data)
}

// Reason codes of [ValidationError]. They are stable: clients and logs may
// match on them.
const (
	ReasonNotPolygonal         = "not_polygonal"           // not a Polygon or MultiPolygon, or null
	ReasonEmpty                = "empty"                   // a polygon without rings or a multipolygon without polygons
	ReasonTooFewPoints         = "too_few_points"          // a ring with fewer than 4 positions (3 distinct corners + closing)
	ReasonRingNotClosed        = "ring_not_closed"         // a ring whose last position differs from its first
	ReasonNonFinite            = "non_finite"              // a NaN or infinite coordinate
	ReasonCoordinateOutOfRange = "coordinate_out_of_range" // lon outside [-180, 180] or lat outside [-90, 90]
	ReasonLatLonSwapped        = "lat_lon_swapped"         // out of range, but in range once swapped
	ReasonSelfIntersection     = "self_intersection"       // two edges of one ring cross or touch
	ReasonHoleOutsideShell     = "hole_outside_shell"      // an interior ring outside its exterior ring
)

// ValidationError reports why a geometry is not an acceptable polygonal
// area. Reason is one of the Reason constants; Message is a human-readable
// sentence naming the polygon, ring and vertex concerned (indices from 0),
// ready for a caller to prefix with the feature's index or code.
type ValidationError struct {
	Reason  string
	Message string
}

// Error returns the Message.
func (e *ValidationError) Error() string { return e.Message }

func invalid(reason, format string, args ...any) *ValidationError {
	return &ValidationError{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// ValidatePolygonal checks that g is a Polygon or MultiPolygon fit to be
// stored as an area in SRID 4326:
//   - every polygon has at least one ring and every ring at least 4
//     positions (3 distinct corners and the closing one), the last equal to
//     the first; repeated consecutive positions are tolerated;
//   - every coordinate is finite with lon in [-180, 180] and lat in
//     [-90, 90];
//   - no ring crosses or touches itself, except where consecutive edges
//     meet (including the closing vertex);
//   - every hole lies inside its polygon's exterior ring (one vertex of the
//     hole is tested).
//
// It does not check winding order (see [NormalizeWinding]) nor whether
// rings of the same polygon cross each other. It returns nil or a
// *[ValidationError] describing the first problem found.
func ValidatePolygonal(g orb.Geometry) error {
	switch g := g.(type) {
	case orb.Polygon:
		return validatePolygon(g, "")
	case orb.MultiPolygon:
		if len(g) == 0 {
			return invalid(ReasonEmpty, "multipolygon has no polygons")
		}
		for i, p := range g {
			if err := validatePolygon(p, fmt.Sprintf("polygon %d ", i)); err != nil {
				return err
			}
		}
		return nil
	case nil:
		return invalid(ReasonNotPolygonal, "geometry is null, want Polygon or MultiPolygon")
	case orb.Ring, orb.Bound:
		// orb reports these as "Polygon"; name the Go type to avoid a
		// confusing "is Polygon, want Polygon".
		return invalid(ReasonNotPolygonal, "geometry is %T, want orb.Polygon or orb.MultiPolygon", g)
	default:
		return invalid(ReasonNotPolygonal, "geometry is %s, want Polygon or MultiPolygon", g.GeoJSONType())
	}
}

// validatePolygon checks one polygon; where prefixes messages ("polygon 2 "
// inside a multipolygon, "" otherwise).
func validatePolygon(p orb.Polygon, where string) error {
	if len(p) == 0 {
		return invalid(ReasonEmpty, "%spolygon has no rings", where)
	}
	for i, r := range p {
		kind := "exterior"
		if i > 0 {
			kind = "hole"
		}
		if err := validateRing(r, fmt.Sprintf("%sring %d (%s)", where, i, kind)); err != nil {
			return err
		}
	}
	for i, hole := range p[1:] {
		if !holeInsideShell(hole, p[0]) {
			return invalid(ReasonHoleOutsideShell, "%sring %d (hole) lies outside the exterior ring", where, i+1)
		}
	}
	return nil
}

// validateRing checks coordinates, size, closure and simplicity of r; where
// names the ring in messages.
func validateRing(r orb.Ring, where string) error {
	for i, pt := range r {
		if err := validatePosition(pt); err != nil {
			err.Message = fmt.Sprintf("%s vertex %d: %s", where, i, err.Message)
			return err
		}
	}
	if len(r) < 4 {
		return invalid(ReasonTooFewPoints, "%s has %d positions, want at least 4 (3 corners and the closing repeat of the first)", where, len(r))
	}
	if r[0] != r[len(r)-1] {
		return invalid(ReasonRingNotClosed, "%s is not closed: first position %v differs from last %v", where, r[0], r[len(r)-1])
	}
	edges := ringEdges(r)
	if len(edges) < 3 {
		return invalid(ReasonTooFewPoints, "%s has only %d distinct consecutive positions, want at least 4", where, len(edges)+1)
	}
	if a, b, ok := findSelfIntersection(r, edges); ok {
		return invalid(ReasonSelfIntersection, "%s intersects itself: edge %d-%d meets edge %d-%d",
			where, a.from, a.to, b.from, b.to)
	}
	return nil
}

// validatePosition checks one [lon, lat] position. The returned error's
// Message has no location; the caller adds it.
func validatePosition(pt orb.Point) *ValidationError {
	lon, lat := pt[0], pt[1]
	if !isFinite(lon) || !isFinite(lat) {
		return invalid(ReasonNonFinite, "coordinate [%v, %v] is not finite", lon, lat)
	}
	if math.Abs(lat) > 90 && math.Abs(lat) <= 180 && math.Abs(lon) <= 90 {
		return invalid(ReasonLatLonSwapped,
			"latitude %v is outside [-90, 90]; the position [%v, %v] looks like [lat, lon], GeoJSON wants [lon, lat]",
			lat, lon, lat)
	}
	if math.Abs(lon) > 180 || math.Abs(lat) > 90 {
		return invalid(ReasonCoordinateOutOfRange,
			"position [%v, %v] is out of range: want lon in [-180, 180] and lat in [-90, 90] (SRID 4326)", lon, lat)
	}
	return nil
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// edge is one non-degenerate edge of a ring, from r[from] to r[to], with
// its bounding box. seq numbers the edges in ring order, skipping
// zero-length edges, so that neighbours can be recognised.
type edge struct {
	from, to               int
	seq                    int
	minX, maxX, minY, maxY float64
}

// ringEdges returns the edges of the closed ring r in order, skipping
// repeated consecutive positions.
func ringEdges(r orb.Ring) []edge {
	edges := make([]edge, 0, len(r)-1)
	from := 0
	for to := 1; to < len(r); to++ {
		if r[to] == r[from] {
			continue
		}
		a, b := r[from], r[to]
		edges = append(edges, edge{
			from: from, to: to, seq: len(edges),
			minX: min(a[0], b[0]), maxX: max(a[0], b[0]),
			minY: min(a[1], b[1]), maxY: max(a[1], b[1]),
		})
		from = to
	}
	return edges
}

// findSelfIntersection returns a pair of edges of r that meet other than at
// the vertex joining neighbours. It sorts edges by their west end and
// sweeps east, comparing each edge only with the edges whose x-range
// overlaps it and then only when their y-ranges overlap too: about
// O(n log n) for boundary-like rings, O(n²) only for pathological ones.
// edges is reordered.
func findSelfIntersection(r orb.Ring, edges []edge) (edge, edge, bool) {
	n := len(edges)
	slices.SortFunc(edges, func(a, b edge) int { return cmp.Compare(a.minX, b.minX) })
	for i := range edges {
		a := &edges[i]
		for j := i + 1; j < n && edges[j].minX <= a.maxX; j++ {
			b := &edges[j]
			if b.maxY < a.minY || b.minY > a.maxY {
				continue
			}
			if edgesMeet(r, *a, *b, n) {
				if a.seq > b.seq {
					return *b, *a, true
				}
				return *a, *b, true
			}
		}
	}
	return edge{}, edge{}, false
}

// edgesMeet reports whether edges a and b of ring r (n edges in all)
// intersect in a way a simple ring does not allow.
func edgesMeet(r orb.Ring, a, b edge, n int) bool {
	if a.seq > b.seq {
		a, b = b, a
	}
	switch {
	case b.seq == a.seq+1:
		// a ends where b starts: fine unless b doubles back along a.
		return foldsBack(r[a.from], r[a.to], r[b.to])
	case a.seq == 0 && b.seq == n-1:
		// b ends at the closing vertex, where a starts.
		return foldsBack(r[a.to], r[a.from], r[b.from])
	}
	return segmentsIntersect(r[a.from], r[a.to], r[b.from], r[b.to])
}

// foldsBack reports whether the path p -> s -> q turns back on itself, so
// that the segments p-s and s-q overlap beyond their shared point s.
func foldsBack(p, s, q orb.Point) bool {
	if orientation(p, s, q) != 0 {
		return false
	}
	return (p[0]-s[0])*(q[0]-s[0])+(p[1]-s[1])*(q[1]-s[1]) > 0
}

// segmentsIntersect reports whether the closed segments p1-p2 and q1-q2
// share at least one point (crossing, touching or overlapping).
func segmentsIntersect(p1, p2, q1, q2 orb.Point) bool {
	d1 := orientation(q1, q2, p1)
	d2 := orientation(q1, q2, p2)
	d3 := orientation(p1, p2, q1)
	d4 := orientation(p1, p2, q2)
	if d1*d2 < 0 && d3*d4 < 0 {
		return true
	}
	return (d1 == 0 && onSegment(q1, q2, p1)) ||
		(d2 == 0 && onSegment(q1, q2, p2)) ||
		(d3 == 0 && onSegment(p1, p2, q1)) ||
		(d4 == 0 && onSegment(p1, p2, q2))
}

// orientation returns the sign of the turn a -> b -> c: +1 counter-clockwise,
// -1 clockwise, 0 collinear.
func orientation(a, b, c orb.Point) float64 {
	cross := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case cross > 0:
		return 1
	case cross < 0:
		return -1
	}
	return 0
}

// onSegment reports whether p, known to be collinear with a and b, lies
// within the segment a-b.
func onSegment(a, b, p orb.Point) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) &&
		min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

// holeInsideShell reports whether hole lies inside shell, judged by the
// first vertex of hole that is not on shell's boundary (a hole may touch
// its shell at a point). A hole lying entirely on the boundary counts as
// inside.
func holeInsideShell(hole, shell orb.Ring) bool {
	for _, pt := range hole {
		inside, onBoundary := pointInRing(pt, shell)
		if !onBoundary {
			return inside
		}
	}
	return true
}

// pointInRing locates pt against the closed ring r by counting crossings of
// a ray running east from pt.
func pointInRing(pt orb.Point, r orb.Ring) (inside, onBoundary bool) {
	x, y := pt[0], pt[1]
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if orientation(a, b, pt) == 0 && onSegment(a, b, pt) {
			return false, true
		}
		// Half-open test on y so a ray through a vertex counts it once.
		if (a[1] > y) != (b[1] > y) {
			xCross := a[0] + (y-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if x < xCross {
				inside = !inside
			}
		}
	}
	return inside, false
}

// NormalizeWinding returns a copy of p whose exterior ring runs
// counter-clockwise and whose holes run clockwise, as RFC 7946 §3.1.6 asks
// of GeoJSON (orientation measured in the lon/lat plane). Rings without
// area, or with fewer than 3 positions, are copied unchanged. p itself is
// not modified.
func NormalizeWinding(p orb.Polygon) orb.Polygon {
	if p == nil {
		return nil
	}
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		want := orb.CW
		if i == 0 {
			want = orb.CCW
		}
		out[i] = r.Clone()
		if len(r) >= 3 && r.Orientation() == -want {
			out[i].Reverse()
		}
	}
	return out
}

// NormalizeWindingMulti applies [NormalizeWinding] to every polygon of mp
// and returns the copy; mp itself is not modified.
func NormalizeWindingMulti(mp orb.MultiPolygon) orb.MultiPolygon {
	if mp == nil {
		return nil
	}
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		out[i] = NormalizeWinding(p)
	}
	return out
}
