package evidence

import (
	"math"
	"mime"
	"strings"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/gridwatch/gridwatch/patrol/track"
)

// Kind is what a piece of evidence is.
type Kind string

// The kinds. Link is a URL kept as the citizen platform sent it; the others are files.
const (
	Photo    Kind = "photo"
	Video    Kind = "video"
	Audio    Kind = "audio"
	Document Kind = "document"
	Link     Kind = "link"
)

// ParseKind returns the file kind named s (not link, which only intake records).
func ParseKind(s string) (Kind, bool) {
	switch k := Kind(s); k {
	case Photo, Video, Audio, Document:
		return k, true
	}
	return "", false
}

// KindOf returns the kind of a file of MIME type contentType, and false when the type
// says none: image/* is a photo, video/* a video, audio/* (and Ogg) audio, PDF, plain
// text, Office and OpenDocument files (and the ZIP container they share) documents.
func KindOf(contentType string) (Kind, bool) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	switch {
	case strings.HasPrefix(mt, "image/"):
		return Photo, true
	case strings.HasPrefix(mt, "video/"):
		return Video, true
	case strings.HasPrefix(mt, "audio/"), mt == "application/ogg":
		return Audio, true
	case mt == "application/pdf", mt == "text/plain", mt == "application/zip", mt == "application/msword",
		mt == "application/rtf", mt == "text/rtf",
		strings.HasPrefix(mt, "application/vnd.openxmlformats-officedocument."),
		strings.HasPrefix(mt, "application/vnd.ms-"), strings.HasPrefix(mt, "application/vnd.oasis.opendocument."):
		return Document, true
	}
	return "", false
}

// PositionCheck is how a capture position compares with the uploader's GPS track.
type PositionCheck string

// The outcomes of the position check.
const (
	PositionOK      PositionCheck = "ok"       // within NearM of the track at the capture time
	PositionFar     PositionCheck = "far"      // farther than NearM
	PositionNoTrack PositionCheck = "no_track" // no fix of the uploader within TrackWindow
)

// Thresholds of the position check.
const (
	// TrackWindow is how far from the capture time a fix may be to count: the track is
	// read from capture time − TrackWindow to capture time + TrackWindow.
	TrackWindow = 5 * time.Minute
	// NearM is the largest distance, in metres, between the capture position and the
	// track at the capture time that is ok: a phone's GPS in town is good to some tens of
	// metres, a fix every few seconds to a minute leaves some more between fixes.
	NearM = 200.0
)

// CheckPosition compares the capture position p (WGS-84 [lon, lat]) at time at with the
// fixes of the uploader's track (in time order; those outside at ± TrackWindow are
// ignored): the track's position at that time is interpolated linearly between the fixes
// just before and just after, or is the one fix on a side when the other has none. It
// returns the outcome and the distance in metres (NaN with no_track).
func CheckPosition(fixes []track.Point, at time.Time, p orb.Point) (PositionCheck, float64) {
	var before, after *track.Point
	for i := range fixes {
		f := &fixes[i]
		if f.Time.Before(at.Add(-TrackWindow)) || f.Time.After(at.Add(TrackWindow)) {
			continue
		}
		if !f.Time.After(at) {
			before = f
		} else if after == nil {
			after = f
		}
	}
	var on orb.Point
	switch {
	case before == nil && after == nil:
		return PositionNoTrack, math.NaN()
	case before == nil:
		on = after.Pos
	case after == nil:
		on = before.Pos
	default:
		span := after.Time.Sub(before.Time).Seconds()
		frac := 0.0
		if span > 0 {
			frac = at.Sub(before.Time).Seconds() / span
		}
		on = orb.Point{before.Pos[0] + frac*(after.Pos[0]-before.Pos[0]), before.Pos[1] + frac*(after.Pos[1]-before.Pos[1])}
	}
	d := orbgeo.DistanceHaversine(on, p)
	if d <= NearM {
		return PositionOK, d
	}
	return PositionFar, d
}
