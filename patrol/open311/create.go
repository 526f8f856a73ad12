package open311

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// Limits of POST requests.
const (
	maxBodyBytes       = 64 << 10 // a form; the fields of a multipart body together
	maxFields          = 1000     // fields of a multipart body
	maxPhotos          = 5        // photos of a multipart body
	maxDescriptionRune = 4000     // the spec's limit of description
	maxAddressRunes    = 500
	maxCodeRunes       = 100
	maxTitleRunes      = 60
	maxMediaURLBytes   = 2000
)

// createForm is the content of a POST requests form, checked.
type createForm struct {
	ServiceCode string
	Lat, Lon    float64   // in Datum
	Datum       geo.Datum // wgs84 unless the datum extension says otherwise
	Description string
	Address     string // address_string; kept in the case's description
	Source      cases.Source
	MediaURL    string // media_url: kept as link evidence, never fetched
}

// readForm reads the parameters of a POST: the body, form-encoded as the spec says
// (application/x-www-form-urlencoded; a body without a Content-Type is read as such) or
// multipart/form-data, followed by those of the query string. A form may hold at most
// maxBodyBytes; a multipart body the media's body limit (maxBodyBytes without media),
// its photos given to in as they stream in (readMultipart). Errors have code invalid or
// too_large.
func (h *Handler) readForm(w http.ResponseWriter, r *http.Request, in MediaIntake) (url.Values, error) {
	mediaType := "application/x-www-form-urlencoded"
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return nil, apperr.Invalidf("Content-Type %q is malformed", ct)
		}
		mediaType = mt
	}
	limit := int64(maxBodyBytes)
	if mediaType == "multipart/form-data" && h.media != nil {
		_, limit = h.media.Limits()
	}
	if r.ContentLength > limit {
		return nil, apperr.New(apperr.TooLarge, "request body is over the limit of %s", httpx.FormatBytes(limit))
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	var vals url.Values
	switch mediaType {
	case "application/x-www-form-urlencoded":
		b, err := io.ReadAll(body)
		if err != nil {
			return nil, bodyError(err)
		}
		if vals, err = url.ParseQuery(string(b)); err != nil {
			return nil, apperr.Invalidf("the form body is malformed: %v", err)
		}
	case "multipart/form-data":
		r.Body = body
		var err error
		if vals, err = readMultipart(r, in); err != nil {
			return nil, err
		}
	default:
		return nil, apperr.Invalidf("Content-Type %q is not a form: send application/x-www-form-urlencoded", mediaType)
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, apperr.Invalidf("the query string is malformed: %v", err)
	}
	for k, v := range query {
		vals[k] = append(vals[k], v...)
	}
	return vals, nil
}

// readMultipart reads a multipart/form-data body part by part. A part with a file name
// is a photo, whatever its field's name (GeoReport clients that upload call it media):
// at most maxPhotos of them, each given to in (read and dropped when in is nil); a file
// that is not an image is refused, naming its field. The other parts are fields, at
// most maxFields of at most maxBodyBytes together. Errors: invalid; too_large (a photo
// over the per-file limit, the fields over theirs, the body over the request's).
func readMultipart(r *http.Request, in MediaIntake) (url.Values, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, apperr.Invalidf("the form body could not be read: %v", err)
	}
	vals := url.Values{}
	photos, fields, fieldBytes := 0, 0, int64(0)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return vals, nil
		}
		if err != nil {
			return nil, bodyError(err)
		}
		name := part.FormName()
		if filename := part.FileName(); filename != "" {
			if photos++; photos > maxPhotos {
				return nil, apperr.Invalidf("at most %d photos per request; part %.40q is one more", maxPhotos, name)
			}
			if in == nil {
				_, err = io.Copy(io.Discard, part)
			} else {
				err = in.AddPhoto(filename, part.Header.Get("Content-Type"), part)
			}
			if err != nil {
				return nil, photoError(name, filename, err)
			}
			continue
		}
		if fields++; fields > maxFields {
			return nil, apperr.Invalidf("at most %d form fields per request", maxFields)
		}
		b, err := io.ReadAll(io.LimitReader(part, maxBodyBytes-fieldBytes+1))
		if err != nil {
			return nil, bodyError(err)
		}
		if fieldBytes += int64(len(b)); fieldBytes > maxBodyBytes {
			return nil, apperr.New(apperr.TooLarge, "the form fields are over the limit of %s together (photos aside)", httpx.FormatBytes(maxBodyBytes))
		}
		vals[name] = append(vals[name], string(b))
	}
}

// photoError names the part of a photo that could not be taken in.
func photoError(field, filename string, err error) error {
	code := apperr.CodeOf(err)
	switch code {
	case apperr.Invalid, apperr.TooLarge:
		return apperr.Wrap(err, code, "part %.40q (file %.80q): %s", field, filename, apperr.MessageOf(err))
	}
	return bodyError(err)
}

// bodyError reports a failure to read the body: too_large over the limit, invalid
// otherwise (truncated or malformed multipart).
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return httpx.TooLargeError(err)
	}
	return apperr.Wrap(err, apperr.Invalid, "the form body could not be read: %v", err)
}

// parseCreateForm checks the fields of a POST requests form: service_code (required),
// lat and long (required: we cannot locate address_string or address_id), description
// (at most 4,000 characters), address_string, and the extensions datum (wgs84, gcj02 or
// bd09; wgs84 when absent, as the spec's coordinates are) and source (hotline_12345 or
// citizen_app, the default). Text must be UTF-8 without control characters but line
// breaks and tabs. api_key, jurisdiction_id, email, first_name, last_name, phone,
// device_id, account_id and attribute[…] are not read here; media_url is checked to be
// an absolute http or https URL. Errors have code invalid.
func parseCreateForm(vals url.Values) (createForm, error) {
	var cf createForm
	var err error
	if cf.ServiceCode, err = field(vals, "service_code", maxCodeRunes, false); err != nil {
		return cf, err
	}
	if cf.ServiceCode == "" {
		return cf, apperr.Invalidf("service_code is required; GET services lists them")
	}
	latText, lonText := strings.TrimSpace(vals.Get("lat")), strings.TrimSpace(vals.Get("long"))
	if latText == "" && lonText == "" {
		return cf, apperr.Invalidf("lat and long are required: this endpoint locates a request by " +
			"its coordinates (WGS-84 decimal degrees) and cannot use address_string or address_id alone")
	}
	if cf.Lat, err = coordinate("lat", latText, 90); err != nil {
		return cf, err
	}
	if cf.Lon, err = coordinate("long", lonText, 180); err != nil {
		return cf, err
	}
	if cf.Datum, err = geo.ParseDatum(strings.TrimSpace(vals.Get("datum"))); err != nil {
		return cf, apperr.Invalidf("datum %q must be wgs84, gcj02 or bd09", vals.Get("datum"))
	}
	if cf.Description, err = field(vals, "description", maxDescriptionRune, true); err != nil {
		return cf, err
	}
	if cf.Address, err = field(vals, "address_string", maxAddressRunes, false); err != nil {
		return cf, err
	}
	if cf.MediaURL, err = mediaURL(vals); err != nil {
		return cf, err
	}
	cf.Source = cases.SourceCitizenApp
	if s := strings.TrimSpace(vals.Get("source")); s != "" {
		cf.Source = cases.Source(s)
		if !slices.Contains([]cases.Source{cases.SourceHotline, cases.SourceCitizenApp}, cf.Source) {
			return cf, apperr.Invalidf("source %q must be %s or %s", s, cases.SourceHotline, cases.SourceCitizenApp)
		}
	}
	return cf, nil
}

// mediaURL returns the checked media_url, "" when none was sent.
func mediaURL(vals url.Values) (string, error) {
	s := strings.TrimSpace(vals.Get("media_url"))
	if s == "" {
		return "", nil
	}
	if len(s) > maxMediaURLBytes || !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", apperr.Invalidf("media_url must be a URL of at most %d bytes without control characters", maxMediaURLBytes)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", apperr.Invalidf("media_url %.80q must be an absolute http or https URL without credentials", s)
	}
	return s, nil
}

// field returns the trimmed first value of a text parameter, checking that it is UTF-8,
// at most maxRunes characters long and free of control characters (line breaks and tabs
// are allowed when multiline).
func field(vals url.Values, name string, maxRunes int, multiline bool) (string, error) {
	s := strings.TrimSpace(vals.Get(name))
	if !utf8.ValidString(s) {
		return "", apperr.Invalidf("%s is not valid UTF-8", name)
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return "", apperr.Invalidf("%s has %d characters; at most %d are allowed", name, n, maxRunes)
	}
	for _, c := range s {
		if unicode.IsControl(c) && !(multiline && (c == '\n' || c == '\r' || c == '\t')) {
			return "", apperr.Invalidf("%s holds the control character %U", name, c)
		}
	}
	return s, nil
}

// coordinate parses lat or long: a finite number of degrees within ±limit.
func coordinate(name, s string, limit float64) (float64, error) {
	if s == "" {
		return 0, apperr.Invalidf("lat and long must both be sent; %s is missing", name)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < -limit || v > limit {
		return 0, apperr.Invalidf("%s=%q must be decimal degrees from %g to %g", name, s, -limit, limit)
	}
	return v, nil
}

// title makes the case's title: the first line of the description, shortened, or the
// service's name when there is no description.
func title(description string, s cases.Sector) string {
	line, _, _ := strings.Cut(description, "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return serviceName(s)
	}
	if utf8.RuneCountInString(line) > maxTitleRunes {
		runes := []rune(line)
		line = strings.TrimSpace(string(runes[:maxTitleRunes-1])) + "…"
	}
	return line
}

// newCase builds the case to create from a checked form. address_string has no field of
// its own in a case, so it is kept at the end of the description.
func newCase(cf createForm, s cases.Sector) cases.NewCase {
	description := cf.Description
	if cf.Address != "" {
		if description != "" {
			description += "\n\n"
		}
		description += "地址 / address: " + cf.Address
	}
	return cases.NewCase{
		Sector:      s.Code,
		Title:       title(cf.Description, s),
		Description: description,
		Lat:         cf.Lat,
		Lon:         cf.Lon,
		Datum:       cf.Datum,
		Source:      cf.Source,
	}
}

// created is the answer of POST requests: the new request's ID at once (our services are
// realtime, so there is never a token).
type created struct {
	XMLName          xml.Name `xml:"request" json:"-"`
	ServiceRequestID string   `xml:"service_request_id" json:"service_request_id"`
	ServiceNotice    string   `xml:"service_notice" json:"service_notice"`
	AccountID        text     `xml:"account_id" json:"account_id"` // always null
}

// createRequest answers POST requests.{fmt}: 201 with [{"service_request_id", …}] and a
// Location of the new request. The api_key must be a reporter's or an admin's token:
// missing, unknown or of another role, 403 (spec: "403 for errors because of wrong or
// missing api_key"). An unknown service_code is 404, as the spec lists for this method;
// other bad fields 400 (a file part that is not a photo too, naming its field); a form
// over 64 KiB, a photo or multipart body over the media's limits 413.
func (h *Handler) createRequest(w http.ResponseWriter, r *http.Request, f format) error {
	ctx := r.Context()
	var in MediaIntake
	if h.media != nil {
		in = h.media.NewIntake()
		defer in.Discard()
	}
	vals, err := h.readForm(w, r, in)
	if err != nil {
		return err
	}
	who, err := h.identify(ctx, vals.Get("api_key"), r)
	if err != nil {
		return err
	}
	switch who.Role {
	case auth.Reporter, auth.Admin:
	case "": // the public
		return apperr.Forbiddenf("api_key is required to create a service request")
	default:
		return apperr.Forbiddenf("api_key of role %s may not create service requests; a reporter key is needed", who.Role)
	}
	cf, err := parseCreateForm(vals)
	if err != nil {
		return err
	}
	sectors, err := h.sectorsByCode(ctx)
	if err != nil {
		return err
	}
	sector, ok := sectors[cf.ServiceCode]
	if !ok {
		return apperr.NotFoundf("service_code %q was not found; GET services.%s lists them", cf.ServiceCode, extension(f))
	}
	var c cases.Case
	if in != nil {
		var urls []string
		if cf.MediaURL != "" {
			urls = []string{cf.MediaURL}
		}
		c, err = in.Create(ctx, who, newCase(cf, sector), urls)
	} else {
		c, err = h.b.Create(ctx, who, newCase(cf, sector))
	}
	if err != nil {
		return err
	}
	id := strconv.FormatInt(c.ID, 10)
	w.Header().Set("Location", path.Join(path.Dir(r.URL.Path), "requests", id+"."+extension(f)))
	out := []created{{ServiceRequestID: id, ServiceNotice: serviceNotice(c)}}
	writeList(w, r, f, http.StatusCreated, "service_requests", out)
	return nil
}
