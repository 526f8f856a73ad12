package open311_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
)

// TestOpen311AgainstTheRealStore drives /open311/v2 of a whole server on PostGIS the way
// a GeoReport client does: discover services, post a request with a reporter's api_key,
// read it back by both paths and formats, and get errors in the spec's format.
func TestOpen311AgainstTheRealStore(t *testing.T) {
	tc := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{{Code: "320281001", Name: "澄江", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)}},
		Tokens:    map[string]auth.TokenSpec{"12345 hotline": {Role: auth.Reporter}, "analyst": {Role: auth.Analyst}},
	})
	ts, key, analyst := tc.HTTP, tc.Tokens["12345 hotline"], tc.Tokens["analyst"]
	get := func(path string) (int, string) {
		resp, err := http.Get(ts.URL + "/open311/v2/" + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	code, body := get("services.xml")
	var services struct {
		Services []struct {
			Code string `xml:"service_code"`
		} `xml:"service"`
	}
	if err := xml.Unmarshal([]byte(body), &services); err != nil || code != 200 || len(services.Services) != 12 {
		t.Fatalf("services.xml = %d %s", code, body)
	}

	form := url.Values{"api_key": {key}, "service_code": {"eco_environment"}, "lat": {"31.84"}, "long": {"120.25"},
		"description": {"河边有人倾倒垃圾"}, "email": {"citizen@example.org"}}
	resp, err := http.Post(ts.URL+"/open311/v2/requests.json", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var created []struct {
		ID string `json:"service_request_id"`
	}
	if err := json.Unmarshal(raw, &created); err != nil || resp.StatusCode != 201 || len(created) != 1 || created[0].ID == "" {
		t.Fatalf("POST requests.json = %d %s", resp.StatusCode, raw)
	}
	id := created[0].ID

	for _, path := range []string{"requests/" + id + ".json", "request/" + id + ".json"} {
		code, body := get(path)
		var reqs []map[string]any
		if err := json.Unmarshal([]byte(body), &reqs); err != nil || code != 200 || len(reqs) != 1 ||
			reqs[0]["status"] != "open" || reqs[0]["service_code"] != "eco_environment" || reqs[0]["service_request_id"] != id {
			t.Errorf("%s = %d %s", path, code, body)
		}
	}
	if code, body := get("requests/" + id + ".xml"); code != 200 || !strings.Contains(body, "<service_request_id>"+id+"</service_request_id>") {
		t.Errorf("requests/%s.xml = %d %s", id, code, body)
	}

	// The case is a real one: located and in the API, with its history started.
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/cases/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+analyst)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(raw), `"township":"320281001"`) || !strings.Contains(string(raw), `"reporter":"12345 hotline"`) {
		t.Errorf("the Open311 request as a case: %s", raw)
	}

	// Errors in the spec's format.
	bad := url.Values{"api_key": {"gw_wrong"}, "service_code": {"water"}, "lat": {"31.84"}, "long": {"120.25"}, "description": {"x"}}
	resp, _ = http.Post(ts.URL+"/open311/v2/requests.xml", "application/x-www-form-urlencoded", strings.NewReader(bad.Encode()))
	raw, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(raw), "<errors><error><code>403</code>") {
		t.Errorf("wrong api_key = %d %s", resp.StatusCode, raw)
	}
	if code, body := get("requests/999999.json"); code != 404 || !strings.Contains(body, `"code":404`) {
		t.Errorf("unknown request = %d %s", code, body)
	}
}
