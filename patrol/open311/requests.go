package open311

import (
	"cmp"
	"encoding/json"
	"encoding/xml"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// text is an optional string: null in JSON when empty, as in the spec's examples, and an
// empty element in XML.
type text string

// MarshalJSON writes null for the empty text.
func (t text) MarshalJSON() ([]byte, error) {
	if t == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(t))
}

func textPtr(s *string) text {
	if s == nil {
		return ""
	}
	return text(*s)
}

// serviceRequest is a GeoReport service request: one case. Times are RFC 3339,
// coordinates WGS-84 decimal degrees.
type serviceRequest struct {
	XMLName           xml.Name `xml:"request" json:"-"`
	ServiceRequestID  string   `xml:"service_request_id" json:"service_request_id"`
	Status            string   `xml:"status" json:"status"` // open or closed
	StatusNotes       text     `xml:"status_notes" json:"status_notes"`
	ServiceName       string   `xml:"service_name" json:"service_name"`
	ServiceCode       string   `xml:"service_code" json:"service_code"`
	Description       text     `xml:"description" json:"description"`
	AgencyResponsible text     `xml:"agency_responsible" json:"agency_responsible"`
	ServiceNotice     text     `xml:"service_notice" json:"service_notice"`
	RequestedDatetime string   `xml:"requested_datetime" json:"requested_datetime"`
	UpdatedDatetime   string   `xml:"updated_datetime" json:"updated_datetime"`
	ExpectedDatetime  text     `xml:"expected_datetime" json:"expected_datetime"`
	Address           text     `xml:"address" json:"address"`
	AddressID         text     `xml:"address_id" json:"address_id"`
	Zipcode           text     `xml:"zipcode" json:"zipcode"`
	Lat               float64  `xml:"lat" json:"lat"`
	Long              float64  `xml:"long" json:"long"`
	MediaURL          text     `xml:"media_url" json:"media_url"`
}

// statusNotes tells the case's own status, finer than open/closed, in Chinese and English.
func statusNotes(c cases.Case) string {
	switch c.Status {
	case cases.StatusReported:
		return "已登记 / reported"
	case cases.StatusAssigned:
		return "已派遣 / assigned to an officer"
	case cases.StatusAccepted:
		return "已接单 / accepted by the officer"
	case cases.StatusOnSite:
		return "已到场 / officer on site"
	case cases.StatusResolved:
		return "已处置 / resolved"
	case cases.StatusReferred:
		if c.Department != nil && *c.Department != "" {
			return "已流转至 " + *c.Department + " / referred to " + *c.Department
		}
		return "已流转 / referred to the responsible department"
	case cases.StatusClosed:
		return "已结案 / closed"
	}
	return string(c.Status)
}

// noticeOutside is the service notice of a case located in no township.
const noticeOutside = "位置不在任何乡镇（街道）范围内，已受理，待人工核实 / " +
	"the location is outside every township: accepted, to be checked by hand"

// serviceNotice is what the reporter should know about the handling of c.
func serviceNotice(c cases.Case) string {
	if c.Outside {
		return noticeOutside
	}
	return ""
}

// formatTime writes t in RFC 3339 (the spec's W3C format), "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// publicStatusNotes is the status the public reads: received, in progress or closed —
// never an officer's state.
func publicStatusNotes(c cases.Case) string {
	switch {
	case c.Status == cases.StatusReported:
		return "已受理 / received"
	case c.Status.Open():
		return "处理中 / in progress"
	}
	return "已办结 / closed"
}

// coarseDegrees is the grid the public's positions are rounded to: 0.001°, about 100 m
// north–south and 95 m east–west here, enough to find the street, not the doorway.
const coarseDegrees = 1000

// coarse rounds a coordinate to the public's grid.
func coarse(deg float64) float64 { return math.Round(deg*coarseDegrees) / coarseDegrees }

// newServiceRequest turns a case into a service request; sectors names its service. For
// the public (public true: no key, or a reporter's) the request shows a coarse position,
// the public status and the department it was referred to, never the squadron or an
// officer's state; staff keys read the case as it is.
func newServiceRequest(c cases.Case, sectors map[string]cases.Sector, public bool) serviceRequest {
	name := c.Sector
	if s, ok := sectors[c.Sector]; ok {
		name = serviceName(s)
	}
	status := "closed"
	if c.Status.Open() {
		status = "open"
	}
	// The department a case was referred to answers for it; before that, the squadron.
	agency := textPtr(c.Department)
	if agency == "" && !public {
		agency = textPtr(c.Squadron)
	}
	updated := c.UpdatedAt
	if updated.IsZero() {
		updated = c.ReportedAt
	}
	notes, lat, lon := statusNotes(c), c.Lat, c.Lon
	if public {
		notes, lat, lon = publicStatusNotes(c), coarse(c.Lat), coarse(c.Lon)
	}
	return serviceRequest{
		ServiceRequestID:  strconv.FormatInt(c.ID, 10),
		Status:            status,
		StatusNotes:       text(notes),
		ServiceName:       name,
		ServiceCode:       c.Sector,
		Description:       text(c.Description),
		AgencyResponsible: agency,
		ServiceNotice:     text(serviceNotice(c)),
		RequestedDatetime: formatTime(c.ReportedAt),
		UpdatedDatetime:   formatTime(updated),
		Lat:               lat,
		Long:              lon,
	}
}

// isPublic reports whether who reads as the public does: no key, or a reporter's (the
// hotline's key must not show it more than its callers may see).
func isPublic(who auth.Identity) bool {
	return who.Role == "" || who.Role == auth.Reporter
}

// writeRequests writes cases as a service_requests document, as who may read them.
func writeRequests(w http.ResponseWriter, r *http.Request, f format, who auth.Identity, list []cases.Case, sectors map[string]cases.Sector) {
	out := make([]serviceRequest, len(list))
	for i, c := range list {
		out[i] = newServiceRequest(c, sectors, isPublic(who))
	}
	writeList(w, r, f, http.StatusOK, "service_requests", out)
}

// getRequest answers GET requests/{id}.{fmt} and request/{id}.{fmt}: the case as a list
// of one. An ID that is not a positive whole number names no request: 404.
func (h *Handler) getRequest(w http.ResponseWriter, r *http.Request, f format) error {
	raw := chi.URLParam(r, "id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return apperr.NotFoundf("service_request_id %q was not found", raw)
	}
	who, err := h.identify(r.Context(), r.URL.Query().Get("api_key"), r)
	if err != nil {
		return err
	}
	c, err := h.b.Get(r.Context(), who, id)
	if err != nil {
		return err
	}
	sectors, err := h.sectorsByCode(r.Context())
	if err != nil {
		return err
	}
	writeRequests(w, r, f, who, []cases.Case{c}, sectors)
	return nil
}

// listRequests answers GET requests.{fmt}; see parseListQuery for the arguments. The
// answer is sorted newest first and holds at most maxRequests requests.
func (h *Handler) listRequests(w http.ResponseWriter, r *http.Request, f format) error {
	ctx := r.Context()
	q := r.URL.Query()
	lq, err := parseListQuery(q, h.now())
	if err != nil {
		return err
	}
	who, err := h.identify(ctx, q.Get("api_key"), r)
	if err != nil {
		return err
	}
	sectors, err := h.sectorsByCode(ctx)
	if err != nil {
		return err
	}

	var found []cases.Case
	if len(lq.ids) > 0 {
		// service_request_id overrides every other argument (spec). Requests that do not
		// exist or that the caller may not see are left out, as a search would.
		for _, id := range lq.ids {
			c, err := h.b.Get(ctx, who, id)
			switch apperr.CodeOf(err) {
			case "":
				found = append(found, c)
			case apperr.NotFound, apperr.Forbidden:
			default:
				return err
			}
		}
		writeRequests(w, r, f, who, found, sectors)
		return nil
	}

	for _, code := range lq.codes {
		if _, ok := sectors[code]; !ok {
			return apperr.Invalidf("service_code %q is not a service; GET services.%s lists them", code, extension(f))
		}
	}
	// The case store filters by one sector: one query per requested code, merged. No
	// code means every sector, in one query.
	codes := lq.codes
	if len(codes) == 0 {
		codes = []string{""}
	}
	for _, code := range codes {
		list, err := h.b.List(ctx, who, cases.Filter{
			Sector: code,
			Open:   lq.open,
			From:   lq.from,
			To:     lq.to,
			Limit:  maxRequests,
		})
		if err != nil {
			return err
		}
		found = append(found, list...)
	}
	slices.SortStableFunc(found, func(a, b cases.Case) int {
		if c := b.ReportedAt.Compare(a.ReportedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	if len(found) > maxRequests {
		found = found[:maxRequests]
	}
	writeRequests(w, r, f, who, found, sectors)
	return nil
}

// extension names format f as in a path.
func extension(f format) string {
	if f == formatJSON {
		return "json"
	}
	return "xml"
}
