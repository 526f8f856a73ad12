package open311

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestServices(t *testing.T) {
	h := newTestHandler(newFakeBackend())
	want := []service{
		{ServiceCode: "urban_management", ServiceName: "城市管理 (Urban management)",
			Description: "核心执法领域 / core enforcement sector: 城市管理 (Urban management)",
			Type:        "realtime", Keywords: "城市管理, Urban management, urban_management, core", Group: "core"},
		{ServiceCode: "work_safety", ServiceName: "安全生产 (Work safety)",
			Description: "核心执法领域 / core enforcement sector: 安全生产 (Work safety)",
			Type:        "realtime", Keywords: "安全生产, Work safety, work_safety, core", Group: "core"},
		{ServiceCode: "ecology", ServiceName: "生态环境 (Ecology and environment)",
			Description: "其他执法领域 / other enforcement sector: 生态环境 (Ecology and environment)",
			Type:        "realtime", Keywords: "生态环境, Ecology and environment, ecology, other", Group: "other"},
	}
	for _, ext := range formats() {
		t.Run(ext, func(t *testing.T) {
			rec := do(t, h, "GET", "/services."+ext+"?jurisdiction_id=example.gov.cn", "", "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d: %s", rec.Code, rec.Body)
			}
			checkContentType(t, rec, ext)
			var got []service
			if ext == "xml" {
				var doc struct {
					XMLName  xml.Name  `xml:"services"`
					Services []service `xml:"service"`
				}
				if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
					t.Fatalf("not a services document: %v: %s", err, rec.Body)
				}
				got = doc.Services
				if !strings.Contains(rec.Body.String(), "<metadata>false</metadata><type>realtime</type>") {
					t.Errorf("XML lacks metadata/type elements: %s", rec.Body)
				}
			} else {
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
					t.Fatalf("not a JSON array: %v: %s", err, rec.Body)
				}
				// service_code is a string, never a number (the spec's example 001 is no JSON).
				if !strings.Contains(rec.Body.String(), `"service_code":"ecology"`) ||
					!strings.Contains(rec.Body.String(), `"metadata":false`) {
					t.Errorf("JSON fields not as expected: %s", rec.Body)
				}
			}
			for i := range got {
				got[i].XMLName = xml.Name{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("services (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServicesEmptyIsEmptyList(t *testing.T) {
	b := newFakeBackend()
	b.sectors = nil
	h := newTestHandler(b)
	tests := []struct{ ext, want string }{
		{"json", "[]\n"},
		{"xml", `<?xml version="1.0" encoding="utf-8"?>` + "\n<services></services>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.ext, func(t *testing.T) {
			if got := do(t, h, "GET", "/services."+tt.ext, "", "").Body.String(); got != tt.want {
				t.Errorf("body = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestServiceDefinition(t *testing.T) {
	h := newTestHandler(newFakeBackend())
	tests := []struct {
		name, target string
		wantStatus   int
		wantBody     string
	}{
		{"json", "/services/ecology.json", 200, `{"service_code":"ecology","attributes":[]}` + "\n"},
		{"xml", "/services/ecology.xml", 200, `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
			`<service_definition><service_code>ecology</service_code><attributes></attributes></service_definition>` + "\n"},
		{"unknown code json", "/services/potholes.json", 404, ""},
		{"unknown code xml", "/services/potholes.xml", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, h, "GET", tt.target, "", "")
			ext := tt.target[strings.LastIndex(tt.target, ".")+1:]
			if tt.wantStatus != 200 {
				if d := wantError(t, rec, ext, tt.wantStatus); !strings.Contains(d, "potholes") {
					t.Errorf("description %q does not name the code", d)
				}
				return
			}
			checkContentType(t, rec, ext)
			if rec.Code != tt.wantStatus || rec.Body.String() != tt.wantBody {
				t.Errorf("GET %s = %d %s, want %d %s", tt.target, rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}
