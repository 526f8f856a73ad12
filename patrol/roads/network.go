// Package roads keeps the road network that patrol plans may route along, and answers
// travel times over it with pgRouting. The network is optional: without it (or without the
// pgRouting extension) planning uses great-circle distances times a detour factor.
//
// An imported file is a GeoJSON FeatureCollection of LineStrings and MultiLineStrings,
// such as an OpenStreetMap extract of ways. Lines need not be split at junctions: a
// position shared by two lines, or met twice by one, becomes a vertex, and lines are cut
// there, the way osm2pgrouting nodes OpenStreetMap ways.
package roads

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/apperr"
)

// Limits of an import.
const (
	MaxFeatures      = 500_000
	maxFeatureErrors = 20
	// keyScale rounds positions to 1e-7 degrees (about 1 cm) when finding junctions, so
	// that the same position written by two lines matches despite float noise.
	keyScale = 1e7
)

// Network is a noded road network: vertices and the edges between them.
type Network struct {
	Vertices []orb.Point
	Edges    []Edge
}

// Edge is a stretch of road between two vertices (indexes into Network.Vertices).
type Edge struct {
	Source, Target int
	Line           orb.LineString
	LengthM        float64
	Oneway         bool // travel only from Source to Target
	Name, Kind     string
}

// FeatureError names a bad feature of an import.
type FeatureError struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// line is a parsed input line before noding.
type line struct {
	pts        orb.LineString
	oneway     bool
	name, kind string
}

// Parse reads a GeoJSON FeatureCollection of road lines in the given datum and nodes it.
// Properties used: "name", "highway" or "kind" (the road class), and "oneway" ("yes",
// "true", "1" or true: along the line; "-1": against it). Every bad feature is named in
// the error's "errors" member; nothing is returned then.
func Parse(data []byte, datum geo.Datum) (Network, error) {
	fc, err := geo.ReadFeatureCollection(data)
	if err != nil {
		return Network{}, apperr.Invalidf("%v", err)
	}
	if len(fc.Features) == 0 {
		return Network{}, apperr.Invalidf("the FeatureCollection has no features")
	}
	if len(fc.Features) > MaxFeatures {
		return Network{}, apperr.New(apperr.TooLarge, "%d features, at most %d", len(fc.Features), MaxFeatures)
	}
	var lines []line
	var bad []FeatureError
	for i, f := range fc.Features {
		ls, fe := parseFeature(i, f, datum)
		if fe != nil {
			if len(bad) < maxFeatureErrors {
				bad = append(bad, *fe)
			}
			continue
		}
		lines = append(lines, ls...)
	}
	if len(bad) > 0 {
		e := apperr.Invalidf("feature %d: %s", bad[0].Index, bad[0].Detail)
		if len(bad) > 1 {
			e.Message += fmt.Sprintf(" (and %d more bad features)", len(bad)-1)
		}
		e.Extra = map[string]any{"errors": bad}
		return Network{}, e
	}
	return node(lines), nil
}

func parseFeature(i int, f *geojson.Feature, datum geo.Datum) ([]line, *FeatureError) {
	fail := func(reason, format string, args ...any) ([]line, *FeatureError) {
		return nil, &FeatureError{Index: i, Reason: reason, Detail: fmt.Sprintf(format, args...)}
	}
	var parts []orb.LineString
	switch g := f.Geometry.(type) {
	case orb.LineString:
		parts = []orb.LineString{g}
	case orb.MultiLineString:
		parts = g
	default:
		return fail("not_linear", "the geometry must be a LineString or MultiLineString")
	}
	oneway, reversed := onewayOf(f.Properties["oneway"])
	name, _ := f.Properties["name"].(string)
	kind, _ := f.Properties["highway"].(string)
	if kind == "" {
		kind, _ = f.Properties["kind"].(string)
	}
	out := make([]line, 0, len(parts))
	for _, part := range parts {
		pts := make(orb.LineString, 0, len(part))
		for _, p := range part {
			if !inRange(p) {
				return fail(geo.ReasonCoordinateOutOfRange, "position %v is not a finite lon, lat in range", p)
			}
			if p = geo.ToWGS84(p, datum); !inRange(p) {
				return fail(geo.ReasonCoordinateOutOfRange, "position %v is out of range in WGS-84, converted from %s", p, datum)
			}
			if len(pts) == 0 || key(pts[len(pts)-1]) != key(p) {
				pts = append(pts, p)
			}
		}
		if len(pts) < 2 {
			return fail(geo.ReasonTooFewPoints, "a line needs two distinct positions")
		}
		if reversed {
			for a, b := 0, len(pts)-1; a < b; a, b = a+1, b-1 {
				pts[a], pts[b] = pts[b], pts[a]
			}
		}
		out = append(out, line{pts: pts, oneway: oneway, name: name, kind: kind})
	}
	return out, nil
}

// onewayOf reads OpenStreetMap's oneway tag: whether travel is one way, and whether it
// runs against the line's direction.
func onewayOf(v any) (oneway, reversed bool) {
	switch v := v.(type) {
	case bool:
		return v, false
	case float64:
		return v == 1 || v == -1, v == -1
	case string:
		switch strings.ToLower(v) {
		case "yes", "true", "1":
			return true, false
		case "-1", "reverse":
			return true, true
		}
	}
	return false, false
}

type pointKey [2]int64

func key(p orb.Point) pointKey {
	return pointKey{int64(math.Round(p[0] * keyScale)), int64(math.Round(p[1] * keyScale))}
}

// node cuts lines at junctions: their ends and every position used more than once.
func node(lines []line) Network {
	uses := map[pointKey]int{}
	for _, l := range lines {
		for _, p := range l.pts {
			uses[key(p)]++
		}
		// Ends are vertices even when no other line touches them.
		uses[key(l.pts[0])] += 2
		uses[key(l.pts[len(l.pts)-1])] += 2
	}
	var net Network
	ids := map[pointKey]int{}
	vertex := func(p orb.Point) int {
		k := key(p)
		id, ok := ids[k]
		if !ok {
			id = len(net.Vertices)
			ids[k] = id
			net.Vertices = append(net.Vertices, p)
		}
		return id
	}
	for _, l := range lines {
		start := 0
		for i := 1; i < len(l.pts); i++ {
			if uses[key(l.pts[i])] < 2 {
				continue
			}
			seg := append(orb.LineString(nil), l.pts[start:i+1]...)
			net.Edges = append(net.Edges, Edge{Source: vertex(seg[0]), Target: vertex(seg[len(seg)-1]),
				Line: seg, LengthM: lengthM(seg), Oneway: l.oneway, Name: l.name, Kind: l.kind})
			start = i
		}
	}
	return net
}

func lengthM(ls orb.LineString) float64 {
	sum := 0.0
	for i := 1; i < len(ls); i++ {
		sum += geo.DistanceMeters(ls[i-1], ls[i])
	}
	return sum
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func inRange(p orb.Point) bool {
	return finite(p[0]) && finite(p[1]) && p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}
