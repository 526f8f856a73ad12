package tiles

import (
	"context"
	"net/url"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/patrol/coverage"
	"github.com/gridwatch/gridwatch/patrol/position"
	"github.com/gridwatch/gridwatch/patrol/track"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// Layer names of patrol data.
const (
	LayerCoverage = "coverage"
	LayerTracks   = "tracks"
)

// Default windows of the patrol layers, when from and to are not given. The longest
// windows are their owners': [coverage.MaxWindow] and [position.MaxTrackWindow].
const (
	coverageDefault = 7 * 24 * time.Hour
	tracksDefault   = 24 * time.Hour
	// TracksMinZoom is the lowest zoom the tracks layer draws: below it a day of a
	// city's tracks is a smear, and the tiles would be large.
	TracksMinZoom = 11
)

// window is the time window [From, To) of a patrol layer, in whole seconds (UTC).
type window struct {
	From, To time.Time
}

// String returns the window as a query string, "from=…&to=…" in RFC 3339.
func (w window) String() string {
	return "from=" + w.From.Format(time.RFC3339) + "&to=" + w.To.Format(time.RFC3339)
}

// windowOf reads a request's from and to: to defaults to the end of the hour of now (so
// that tiles of the default window stay valid for up to an hour), from to span before
// to; both are cut to whole seconds, as the window's String writes them. Errors:
// invalid for an unreadable time, from not before to, or a window longer than max —
// whichever bounds were given.
func windowOf(q url.Values, span, max time.Duration, now time.Time) (window, error) {
	hourEnd := now.UTC().Truncate(time.Hour).Add(time.Hour)
	from, to, err := httpx.TimeRangeTruncated(q, hourEnd, span, max, time.Second)
	return window{From: from, To: to}, err
}

// coverageLayer draws patrol coverage per cell over a window: visits, distinct officers,
// dwell and last visit, rolled up to parent cells below zoom 12 (visits and dwell summed,
// officers the most in any child, last visit the latest).
type coverageLayer struct {
	grid     Grid
	coverage Coverage
}

// Parse reads the window (see windowOf) at r.Now. Errors: invalid.
func (l coverageLayer) Parse(_ context.Context, q url.Values, r Request) (window, error) {
	return windowOf(q, coverageDefault, coverage.MaxWindow, r.Now)
}

func (l coverageLayer) Fields() map[string]string {
	return map[string]string{"h3": "String", "township": "String", "visits": "Number", "officers": "Number",
		"dwell_s": "Number", "last_visit": "String", "cells": "Number"}
}

func (l coverageLayer) Features(ctx context.Context, r Request, w window) ([]mvt.Feature, error) {
	cityRes, err := l.grid.Resolution(ctx)
	if err != nil || cityRes == 0 {
		return nil, err
	}
	cells, err := l.coverage.Rollup(ctx, bufferedBound(r.Tile), rollupResolution(r.Tile.Z, cityRes), r.Caller.Township, w.From, w.To)
	if err != nil {
		return nil, err
	}
	out := make([]mvt.Feature, 0, len(cells))
	for i, c := range cells {
		out = append(out, mvt.Feature{ID: uint64(i + 1), Geometry: grid.Boundary(c.H3), Properties: map[string]any{
			"h3": c.H3.String(), "township": c.Township, "cells": c.Cells, "visits": c.Visits, "officers": c.Officers,
			"dwell_s": float64(int64(c.DwellS)), "last_visit": c.LastVisit,
		}})
	}
	return out, nil
}

// tracksLayer draws officers' tracks over a window as lines split at gaps, simplified to
// half a pixel of the zoom.
type tracksLayer struct {
	tracks Tracks
}

// trackParams are the parameters of the tracks layer: the window and an officer ("" =
// every officer).
type trackParams struct {
	window
	Officer string
}

// String returns the window and the officer as a query string.
func (p trackParams) String() string {
	s := p.window.String()
	if p.Officer != "" {
		s += "&officer=" + url.QueryEscape(p.Officer)
	}
	return s
}

// Parse reads the window (see windowOf) at r.Now and the officer. Errors: invalid.
func (l tracksLayer) Parse(_ context.Context, q url.Values, r Request) (trackParams, error) {
	w, err := windowOf(q, tracksDefault, position.MaxTrackWindow, r.Now)
	return trackParams{window: w, Officer: q.Get("officer")}, err
}

func (l tracksLayer) Fields() map[string]string {
	return map[string]string{"officer": "String", "start": "String", "end": "String", "points": "Number", "length_m": "Number"}
}

func (l tracksLayer) Features(ctx context.Context, r Request, p trackParams) ([]mvt.Feature, error) {
	if r.Tile.Z < TracksMinZoom {
		return nil, nil
	}
	officer := p.Officer
	if r.Officer != "" {
		if officer != "" && officer != r.Officer {
			return nil, nil // an officer token draws its own track only
		}
		officer = r.Officer
	}
	tracks, err := l.tracks.TracksIn(ctx, bufferedBound(r.Tile), p.From, p.To, r.Caller.Township, officer)
	if err != nil {
		return nil, err
	}
	tol := simplifyTolerance(r.Tile.Z) * 111_000 // metres
	var out []mvt.Feature
	for _, t := range tracks {
		for _, seg := range track.Segments(t.Points, track.SegmentOptions{SimplifyM: tol}) {
			if len(seg.Line) < 2 {
				continue
			}
			out = append(out, mvt.Feature{ID: uint64(len(out) + 1), Geometry: orb.LineString(seg.Line), Properties: map[string]any{
				"officer": t.Officer, "start": seg.Start, "end": seg.End, "points": seg.Points, "length_m": float64(int64(seg.LengthM)),
			}})
		}
	}
	return out, nil
}
