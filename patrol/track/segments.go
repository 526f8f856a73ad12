package track

import (
	"math"
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"
)

// Point is one stored fix of an officer.
type Point struct {
	Time time.Time // when the device took the fix
	Pos  orb.Point // WGS-84 [lon, lat], decimal degrees
	H3   int64     // the H3 cell of Pos at the store's resolution; 0 if unknown
}

// The defaults of [SegmentOptions] and [StopOptions].
const (
	// DefaultMaxGap is the longest silence between two fixes, 5 minutes,
	// that still belongs to one segment or one stop.
	DefaultMaxGap = 5 * time.Minute
	// DefaultMaxJumpM is the longest step between two consecutive fixes,
	// 2 km, that still belongs to one segment.
	DefaultMaxJumpM = 2000.0
)

// SegmentOptions tunes [Segments]. The zero value asks for the defaults; a
// zero or negative field means its default.
type SegmentOptions struct {
	// MaxGap is the longest time between consecutive points of one
	// segment; a longer gap starts a new segment. Default [DefaultMaxGap].
	MaxGap time.Duration
	// MaxJumpM is the longest great-circle distance, in metres, between
	// consecutive points of one segment; a longer jump starts a new
	// segment. Default [DefaultMaxJumpM].
	MaxJumpM float64
	// SimplifyM is the Douglas–Peucker tolerance in metres applied to each
	// segment's line; 0 (or negative) keeps every point.
	SimplifyM float64
}

// withDefaults returns o with every zero or negative field set to its
// default.
func (o SegmentOptions) withDefaults() SegmentOptions {
	if o.MaxGap <= 0 {
		o.MaxGap = DefaultMaxGap
	}
	if !(o.MaxJumpM > 0) {
		o.MaxJumpM = DefaultMaxJumpM
	}
	return o
}

// Segment is a stretch of a track without a gap or a jump.
type Segment struct {
	Start time.Time // time of the segment's first point
	End   time.Time // time of its last point
	// Points is the number of input points in the segment, before any
	// simplification.
	Points int
	// LengthM is the great-circle length of Line in metres: of the
	// simplified line when SimplifyM is set, so that GPS jitter does not
	// add to it, and 0 for a one-point segment.
	LengthM float64
	// Line holds the segment's positions, WGS-84 [lon, lat]: every input
	// point, or the ones Douglas–Peucker keeps, which are always a subset
	// of the input points including the first and the last. It is nil for
	// a segment of one point.
	Line orb.LineString
}

// Segments splits pts, one officer's points sorted by time, into segments.
// Consecutive points a, b belong to different segments when b.Time is more
// than opt.MaxGap after a.Time, when b.Time is before a.Time, or when they
// are more than opt.MaxJumpM apart; a gap of exactly MaxGap or a jump of
// exactly MaxJumpM does not split.
//
// Every input point is in exactly one returned segment, in input order, so
// the Points fields add up to len(pts). A segment of one point (an isolated
// fix) is returned with Start == End, LengthM 0 and a nil Line, for the
// caller to count or skip. The lines of all segments share one backing
// array; Segments returns nil for no points.
func Segments(pts []Point, opt SegmentOptions) []Segment {
	if len(pts) == 0 {
		return nil
	}
	opt = opt.withDefaults()
	coords := make([]orb.Point, len(pts))
	for i := range pts {
		coords[i] = pts[i].Pos
	}
	var (
		segs    []Segment
		scratch orb.LineString // planar copy reused by simplification
		start   int
	)
	for i := 1; i <= len(pts); i++ {
		if i < len(pts) && !splits(pts[i-1], pts[i], opt) {
			continue
		}
		seg := Segment{Start: pts[start].Time, End: pts[i-1].Time, Points: i - start}
		if seg.Points > 1 {
			// The three-index slice keeps an append to one line from
			// overwriting the next.
			seg.Line = orb.LineString(coords[start:i:i])
			if opt.SimplifyM > 0 {
				seg.Line, scratch = simplifyLine(seg.Line, opt.SimplifyM, scratch)
			}
			seg.LengthM = lengthM(seg.Line)
		}
		segs = append(segs, seg)
		start = i
	}
	return segs
}

// splits reports whether b, the point after a, starts a new segment.
func splits(a, b Point, opt SegmentOptions) bool {
	dt := b.Time.Sub(a.Time)
	return dt < 0 || dt > opt.MaxGap || geo.DistanceMeters(a.Pos, b.Pos) > opt.MaxJumpM
}

// lengthM is the great-circle length of ls in metres.
func lengthM(ls orb.LineString) float64 {
	var m float64
	for i := 1; i < len(ls); i++ {
		m += geo.DistanceMeters(ls[i-1], ls[i])
	}
	return m
}

// simplifyLine runs Douglas–Peucker with a tolerance of tolM metres on ls,
// in place, and returns the kept points (a prefix of ls, the originals,
// never round-tripped through the projection) and the scratch buffer for
// reuse.
func simplifyLine(ls orb.LineString, tolM float64, scratch orb.LineString) (orb.LineString, orb.LineString) {
	if len(ls) <= 2 {
		return ls, scratch
	}
	pl := newPlane(ls)
	scratch = scratch[:0]
	for _, p := range ls {
		scratch = append(scratch, pl.project(p))
	}
	kept := simplify.DouglasPeucker(tolM).LineString(scratch)
	// Douglas–Peucker keeps a subsequence, so the originals are found by
	// walking both in order; projecting is deterministic, so a kept planar
	// point equals the projection of its original exactly. k <= i
	// throughout, so ls[k] is written only after it was read.
	k := 0
	for _, p := range ls {
		if k < len(kept) && pl.project(p) == kept[k] {
			ls[k] = p
			k++
		}
	}
	return ls[:k:k], scratch
}

// plane is an equirectangular projection to metres east and north of an
// origin, on the sphere of geo.EarthRadiusMeters. Over a few tens of
// kilometres in latitude its scale error stays below 1 %, ample for a
// simplification tolerance.
type plane struct {
	lon0, lat0 float64
	kx, ky     float64 // metres per degree of longitude and latitude
}

// newPlane returns the projection centred on the middle of ls's latitude
// range.
func newPlane(ls orb.LineString) plane {
	b := ls.Bound()
	lat0 := (b.Min[1] + b.Max[1]) / 2
	ky := geo.EarthRadiusMeters * math.Pi / 180
	return plane{lon0: ls[0][0], lat0: lat0, kx: ky * math.Cos(lat0*math.Pi/180), ky: ky}
}

// project returns p in metres east and north of the origin.
func (pl plane) project(p orb.Point) orb.Point {
	return orb.Point{(p[0] - pl.lon0) * pl.kx, (p[1] - pl.lat0) * pl.ky}
}
