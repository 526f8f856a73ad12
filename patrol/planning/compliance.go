package planning

import (
	"context"
	"encoding/xml"
	"io"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/auth"
)

// OfficerCompliance compares one officer's plan with where the officer went.
type OfficerCompliance struct {
	Officer   string   `json:"officer"`
	Planned   int      `json:"planned"`
	OnTime    []string `json:"visited"`   // planned cells first entered by the planned leave + 30 min
	Late      []string `json:"late"`      // planned cells first entered later in the shift
	Missed    []string `json:"missed"`    // planned cells never entered during the shift
	Unplanned []string `json:"unplanned"` // cells entered that were not in the plan
}

// Compliance is a plan's compliance, per officer and in total.
type Compliance struct {
	Plan     int64               `json:"plan"`
	Officers []OfficerCompliance `json:"officers"`
	Planned  int                 `json:"planned"`
	OnTime   int                 `json:"visited"`
	Late     int                 `json:"late"`
	Missed   int                 `json:"missed"`
	Percent  float64             `json:"visited_percent"` // on time or late, of planned
}

// Compliance checks a plan against the officers' stored fixes from the shift's start to
// its end plus LateTolerance. Errors: not_found, forbidden.
func (s *Store) Compliance(ctx context.Context, who auth.Identity, id int64) (Compliance, error) {
	p, err := s.Get(ctx, who, id)
	if err != nil {
		return Compliance{}, err
	}
	return s.check(ctx, id, p)
}

// check compares plan id, p, with the officers' stored fixes.
func (s *Store) check(ctx context.Context, id int64, p Plan) (Compliance, error) {
	out := Compliance{Plan: id}
	for _, r := range p.Routes {
		first, err := s.firstVisits(ctx, r.Officer, p.Start, p.End.Add(LateTolerance))
		if err != nil {
			return Compliance{}, err
		}
		oc := OfficerCompliance{Officer: r.Officer, Planned: len(r.Waypoints), OnTime: []string{}, Late: []string{},
			Missed: []string{}, Unplanned: []string{}}
		planned := map[string]bool{}
		for _, w := range r.Waypoints {
			planned[w.H3] = true
			t, ok := first[w.H3]
			switch {
			case !ok:
				oc.Missed = append(oc.Missed, w.H3)
			case t.After(w.Leave.Add(LateTolerance)):
				oc.Late = append(oc.Late, w.H3)
			default:
				oc.OnTime = append(oc.OnTime, w.H3)
			}
		}
		for cell := range first {
			if !planned[cell] {
				oc.Unplanned = append(oc.Unplanned, cell)
			}
		}
		slices.Sort(oc.Unplanned)
		out.Officers = append(out.Officers, oc)
		out.Planned += oc.Planned
		out.OnTime += len(oc.OnTime)
		out.Late += len(oc.Late)
		out.Missed += len(oc.Missed)
	}
	if out.Planned > 0 {
		out.Percent = round(100 * float64(out.OnTime+out.Late) / float64(out.Planned))
	}
	return out, nil
}

// firstVisits returns, per cell, when the officer was first there in [from, to).
func (s *Store) firstVisits(ctx context.Context, officer string, from, to time.Time) (map[string]time.Time, error) {
	points, err := s.src.Positions.Points(ctx, officer, from, to)
	if err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for _, p := range points { // in time order: the first fix in a cell is the first visit
		if c := grid.CellString(p.H3); out[c].IsZero() {
			out[c] = p.Time
		}
	}
	return out, nil
}

// gpx is the GPX 1.1 document of a plan: one route per officer.
type gpx struct {
	XMLName xml.Name   `xml:"http://www.topografix.com/GPX/1/1 gpx"`
	Version string     `xml:"version,attr"`
	Creator string     `xml:"creator,attr"`
	Routes  []gpxRoute `xml:"rte"`
	Tracks  []gpxTrack `xml:"trk"`
}

// gpxTrack is the street path of a route planned along roads.
type gpxTrack struct {
	Name   string       `xml:"name"`
	Points []gpxTrackPt `xml:"trkseg>trkpt"`
}

type gpxTrackPt struct {
	Lat float64 `xml:"lat,attr"`
	Lon float64 `xml:"lon,attr"`
}

type gpxRoute struct {
	Name   string     `xml:"name"`
	Points []gpxPoint `xml:"rtept"`
}

type gpxPoint struct {
	Lat  float64 `xml:"lat,attr"`
	Lon  float64 `xml:"lon,attr"`
	Time string  `xml:"time"`
	Name string  `xml:"name"`
	Desc string  `xml:"desc,omitempty"`
}

// WriteGPX writes the plan's routes as GPX 1.1, each waypoint named by its cell with its
// ETA as time, for officers' phones and navigation apps. A plan made along roads also has
// one track per officer: the street path between the waypoints.
func WriteGPX(w io.Writer, p Plan) error {
	doc := gpx{Version: "1.1", Creator: "gridwatch"}
	for _, r := range p.Routes {
		route := gpxRoute{Name: r.Officer, Points: []gpxPoint{{Lat: r.Start[1], Lon: r.Start[0], Time: p.Start.Format(time.RFC3339), Name: "start"}}}
		for _, wp := range r.Waypoints {
			desc := ""
			for i, reason := range wp.Reasons {
				if i > 0 {
					desc += "; "
				}
				desc += reason
			}
			route.Points = append(route.Points, gpxPoint{Lat: wp.Lat, Lon: wp.Lon, Time: wp.ETA.Format(time.RFC3339), Name: wp.H3, Desc: desc})
		}
		doc.Routes = append(doc.Routes, route)
		if r.Line == nil || p.Travel != TravelRoads {
			continue
		}
		if line, ok := r.Line.Geometry().(orb.LineString); ok {
			track := gpxTrack{Name: r.Officer}
			for _, pt := range line {
				track.Points = append(track.Points, gpxTrackPt{Lat: pt[1], Lon: pt[0]})
			}
			doc.Tracks = append(doc.Tracks, track)
		}
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	return enc.Encode(doc)
}
