package ingest

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/paulmach/orb"
)

// garminTrackPointV2 is the namespace of Garmin's TrackPointExtension v2,
// whose <speed> (m/s) and <course> (degrees) ParseGPX reads when a track
// point has no GPX 1.0 <speed> or <course>.
const garminTrackPointV2 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"

// ParseGPX reads a GPX 1.0 or 1.1 document as a stream and returns a fix
// for every track point, <gpx><trk><trkseg><trkpt>, in document order.
// Routes (<rte>) and waypoints (<wpt>) are skipped: a route is a plan, not
// a trace of where someone was, and a waypoint is a place of interest.
// Element names are matched without regard to namespace, so documents
// that omit or misdeclare the GPX namespace still parse.
//
// Each trkpt gives Point from its lat and lon attributes (WGS-84, as GPX
// prescribes; Datum is geo.WGS84), Time from <time> (ISO-8601; without a
// zone it is UTC), AltitudeM from <ele>, SpeedMS from GPX 1.0 <speed> (or
// Garmin TrackPointExtension v2 speed, both m/s), HeadingDeg from GPX 1.0
// <course> (or Garmin's), HDOP from <hdop>. Everything else, <sat>
// included, is ignored. DeviceID and Officer are left empty for the
// caller to fill in.
//
// A track point that cannot become a fix is not dropped silently: it
// yields a Rejection whose Index is the trkpt's position among all the
// document's track points, from 0: [CodeUntimed] when it has no <time>,
// [CodeMissingCoordinates] without lat or lon, [CodeBadTime] or
// [CodeBadNumber] for values that do not parse. Every trkpt thus gives
// exactly one fix or one rejection, which lets [Indexed] restore the
// indices for [Filter]. Rejections are sorted by Index.
//
// The call fails with a *[TooManyError] at the first track point beyond
// maxPoints, and with an *[Error] when the document is not well-formed
// XML, its root is not <gpx>, it declares an encoding other than UTF-8,
// US-ASCII or ISO-8859-1 (all CodeMalformed), or r reports an
// *http.MaxBytesError (CodeTooLarge). Callers should limit r, as the
// parser holds each element's text in memory.
func ParseGPX(r io.Reader, maxPoints int) ([]Fix, []Rejection, error) {
	dec := xml.NewDecoder(r)
	dec.CharsetReader = charsetReader
	p := gpxParser{maxPoints: maxPoints}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.start(t); err != nil {
				return nil, nil, err
			}
		case xml.EndElement:
			p.end()
		case xml.CharData:
			p.chars(t)
		}
	}
	if len(p.stack) > 0 || !p.rooted {
		// The decoder reports unclosed elements itself; this is the empty
		// document (or one with only a prolog).
		return nil, nil, malformed(nil, "the document has no <gpx> element")
	}
	return p.fixes, p.rejected, nil
}

// gpxPoint collects the raw values of one <trkpt>; an empty string is an
// absent value.
type gpxPoint struct {
	lat, lon                  string
	time, ele, hdop           string
	speed, course             string // GPX 1.0
	garminSpeed, garminCourse string
}

// gpxParser is the state of ParseGPX between tokens.
type gpxParser struct {
	maxPoints int
	rooted    bool     // the root <gpx> was seen
	stack     []string // local names of the open elements
	points    int      // track points seen
	inPoint   bool     // a <trkpt> is open, at depth len("gpx/trk/trkseg/trkpt")
	pt        gpxPoint
	field     *string // where the text of the open value element goes, or nil
	fieldAt   int     // depth of that element
	text      []byte

	fixes    []Fix
	rejected []Rejection
}

// pointDepth is the depth of a track point: gpx, trk, trkseg, trkpt.
const pointDepth = 4

func (p *gpxParser) start(t xml.StartElement) error {
	p.stack = append(p.stack, t.Name.Local)
	depth := len(p.stack)
	switch {
	case depth == 1:
		if t.Name.Local != "gpx" {
			return malformed(nil, "the root element is <%s>, not <gpx>", truncate(t.Name.Local))
		}
		p.rooted = true
	case depth == pointDepth && t.Name.Local == "trkpt" &&
		p.stack[1] == "trk" && p.stack[2] == "trkseg":
		p.points++
		if p.points > p.maxPoints {
			return &TooManyError{Limit: p.maxPoints}
		}
		p.inPoint = true
		p.pt = gpxPoint{}
		for _, a := range t.Attr {
			switch {
			case a.Name.Space != "":
			case a.Name.Local == "lat":
				p.pt.lat = a.Value
			case a.Name.Local == "lon":
				p.pt.lon = a.Value
			}
		}
	case p.inPoint && p.field == nil:
		p.field = p.pt.slot(t.Name, depth == pointDepth+1)
		p.fieldAt = depth
		p.text = p.text[:0]
	}
	return nil
}

// slot returns where the text of element name, met inside the track point
// (direct is true for its children), is kept, or nil to ignore it.
func (pt *gpxPoint) slot(name xml.Name, direct bool) *string {
	if direct {
		switch name.Local {
		case "time":
			return &pt.time
		case "ele":
			return &pt.ele
		case "speed":
			return &pt.speed
		case "course":
			return &pt.course
		case "hdop":
			return &pt.hdop
		}
		return nil
	}
	if name.Space == garminTrackPointV2 {
		switch name.Local {
		case "speed":
			return &pt.garminSpeed
		case "course":
			return &pt.garminCourse
		}
	}
	return nil
}

func (p *gpxParser) chars(c xml.CharData) {
	if p.field != nil && len(p.stack) == p.fieldAt {
		p.text = append(p.text, c...)
	}
}

func (p *gpxParser) end() {
	depth := len(p.stack)
	switch {
	case p.field != nil && depth == p.fieldAt:
		*p.field = strings.TrimSpace(string(p.text))
		p.field = nil
	case p.inPoint && depth == pointDepth:
		p.inPoint = false
		index := p.points - 1
		if f, rej := p.pt.fix(); rej != nil {
			rej.Index = index
			p.rejected = append(p.rejected, *rej)
		} else {
			p.fixes = append(p.fixes, f)
		}
	}
	// The decoder has checked that end tags match start tags.
	p.stack = p.stack[:depth-1]
}

// fix turns the collected values into a Fix.
func (pt *gpxPoint) fix() (Fix, *Rejection) {
	if strings.TrimSpace(pt.lat) == "" || strings.TrimSpace(pt.lon) == "" {
		return Fix{}, reject(CodeMissingCoordinates, "trkpt has no lat or lon attribute")
	}
	lat, rej := parseNumber("lat", pt.lat)
	if rej != nil {
		return Fix{}, rej
	}
	lon, rej := parseNumber("lon", pt.lon)
	if rej != nil {
		return Fix{}, rej
	}
	if pt.time == "" {
		return Fix{}, reject(CodeUntimed, "trkpt has no <time>")
	}
	t, ok := parseDateTime(pt.time)
	if !ok {
		return Fix{}, reject(CodeBadTime, "<time> %q is not an ISO-8601 date-time", truncate(pt.time))
	}
	f := Fix{Time: t, Point: orb.Point{lon, lat}, Datum: geo.WGS84}
	for _, o := range [...]struct {
		name string
		s    string
		dst  **float64
		norm func(float64) *float64
	}{
		{"ele", pt.ele, &f.AltitudeM, func(v float64) *float64 { return altitude(v, false) }},
		{"speed", firstNonEmpty(pt.speed, pt.garminSpeed), &f.SpeedMS, measure},
		{"course", firstNonEmpty(pt.course, pt.garminCourse), &f.HeadingDeg, heading},
		{"hdop", pt.hdop, &f.HDOP, measure},
	} {
		if o.s == "" {
			continue
		}
		v, rej := parseNumber("<"+o.name+">", o.s)
		if rej != nil {
			return Fix{}, rej
		}
		*o.dst = o.norm(v)
	}
	return f, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// xmlError turns an error of the XML decoder into an Error.
func xmlError(err error) *Error {
	if se, ok := errors.AsType[*xml.SyntaxError](err); ok {
		return malformed(err, "XML syntax error on line %d: %s", se.Line, truncate(se.Msg))
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return readError(err)
	}
	return malformed(err, "the GPX document could not be read: %s", truncate(err.Error()))
}

// charsetReader lets the XML decoder read the encodings besides UTF-8 that
// GPX writers declare in practice and that need no tables: US-ASCII and
// ISO-8859-1 (Latin-1).
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf8", "us-ascii", "ascii":
		// UTF-8, or a subset of it: nothing to convert.
		return input, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1":
		return &latin1Reader{r: bufio.NewReader(input)}, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q: use UTF-8", truncate(label))
}

// latin1Reader converts ISO-8859-1 to UTF-8: each byte is the code point
// of the same value, so bytes from 0x80 up become two bytes.
type latin1Reader struct {
	r       io.ByteReader
	pending byte  // second byte of a converted character that did not fit
	held    bool  // pending is set
	err     error // the source's error, returned once the output is drained
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if l.err != nil && !l.held {
			break
		}
		if l.held {
			p[n], l.held = l.pending, false
			n++
			continue
		}
		b, err := l.r.ReadByte()
		if err != nil {
			l.err = err
			break
		}
		if b < 0x80 {
			p[n] = b
			n++
			continue
		}
		p[n] = 0xC0 | b>>6
		l.pending, l.held = 0x80|b&0x3F, true
		n++
	}
	if n == 0 && len(p) > 0 {
		return 0, l.err
	}
	return n, nil
}
