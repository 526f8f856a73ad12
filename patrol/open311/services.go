package open311

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// Service groups: the two core sectors every township bureau handles, and the others.
const (
	groupCore  = "core"
	groupOther = "other"
)

// service is a GeoReport service: one enforcement sector.
type service struct {
	XMLName     xml.Name `xml:"service" json:"-"`
	ServiceCode string   `xml:"service_code" json:"service_code"`
	ServiceName string   `xml:"service_name" json:"service_name"`
	Description string   `xml:"description" json:"description"`
	Metadata    bool     `xml:"metadata" json:"metadata"` // always false: no attributes
	Type        string   `xml:"type" json:"type"`         // always realtime: the ID comes at once
	Keywords    string   `xml:"keywords" json:"keywords"`
	Group       string   `xml:"group" json:"group"`
}

// serviceName is "中文名 (English name)", or whichever of the two a sector has.
func serviceName(s cases.Sector) string {
	switch {
	case s.NameZH != "" && s.NameEN != "":
		return s.NameZH + " (" + s.NameEN + ")"
	case s.NameZH != "":
		return s.NameZH
	case s.NameEN != "":
		return s.NameEN
	}
	return s.Code
}

func newService(s cases.Sector) service {
	group, kind := groupOther, "其他执法领域 / other enforcement sector"
	if s.Core {
		group, kind = groupCore, "核心执法领域 / core enforcement sector"
	}
	var keywords []string
	for _, k := range []string{s.NameZH, s.NameEN, s.Code, group} {
		if k != "" {
			keywords = append(keywords, k)
		}
	}
	return service{
		ServiceCode: s.Code,
		ServiceName: serviceName(s),
		Description: kind + ": " + serviceName(s),
		Metadata:    false,
		Type:        "realtime",
		Keywords:    strings.Join(keywords, ", "),
		Group:       group,
	}
}

// services answers GET services.{fmt}: every sector as a service.
func (h *Handler) services(w http.ResponseWriter, r *http.Request, f format) error {
	if err := h.admit(r, auth.Identity{}); err != nil {
		return err
	}
	sectors, err := h.b.Sectors(r.Context())
	if err != nil {
		return err
	}
	list := make([]service, len(sectors))
	for i, s := range sectors {
		list[i] = newService(s)
	}
	writeList(w, r, f, http.StatusOK, "services", list)
	return nil
}

// serviceDefinition is the answer of GET services/{code}.{fmt}. Our services have no
// attributes, so the list is always empty: [] in JSON, <attributes></attributes> in XML.
type serviceDefinition struct {
	XMLName        xml.Name   `xml:"service_definition" json:"-"`
	ServiceCode    string     `xml:"service_code" json:"service_code"`
	AttributesXML  struct{}   `xml:"attributes" json:"-"`
	AttributesJSON []struct{} `xml:"-" json:"attributes"`
}

// definition answers GET services/{code}.{fmt}; 404 for an unknown code, as the
// spec says.
func (h *Handler) definition(w http.ResponseWriter, r *http.Request, f format) error {
	if err := h.admit(r, auth.Identity{}); err != nil {
		return err
	}
	code := chi.URLParam(r, "code")
	sectors, err := h.sectorsByCode(r.Context())
	if err != nil {
		return err
	}
	if _, ok := sectors[code]; !ok {
		return apperr.NotFoundf("service_code %q was not found", code)
	}
	def := serviceDefinition{ServiceCode: code, AttributesJSON: []struct{}{}}
	write(w, r, f, http.StatusOK, def, def)
	return nil
}
