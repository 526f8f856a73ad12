package open311_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/officer"
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

// TestOpen311ShowsOnlyPublicWork replays the finding of the issue: a case found on patrol
// was readable by anyone by its sequential ID, with its exact position and the officer's
// state. Now the public reads only citizens' and the hotline's requests, with a coarse
// position and a public status, by ID and in lists alike.
func TestOpen311ShowsOnlyPublicWork(t *testing.T) {
	tc := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{{Code: "320281001", Name: "澄江", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)}},
		Squadrons: []grid.Squadron{{Code: "S1", Name: "澄江一", Township: "320281001"}},
		Officers:  []officer.Officer{{ID: "o-1", Squadron: "S1"}},
		Tokens: map[string]auth.TokenSpec{"officer": {Role: auth.Officer, Officer: "o-1"}, "admin": {Role: auth.Admin},
			"hotline": {Role: auth.Reporter}},
	})
	var patrol, citizen cases.Case
	if code, raw := tc.Do("POST", "/api/v1/cases", "officer", map[string]any{"sector": "water", "title": "巡查发现违规取水",
		"lat": 31.84123, "lon": 120.25456}, &patrol); code != 201 || patrol.Source != cases.SourcePatrol {
		t.Fatalf("patrol case: %d %s", code, raw)
	}
	if code, raw := tc.Do("POST", "/api/v1/cases", "hotline", map[string]any{"sector": "water", "title": "河边有人取水",
		"lat": 31.84123, "lon": 120.25456, "source": "hotline_12345"}, &citizen); code != 201 {
		t.Fatalf("hotline case: %d %s", code, raw)
	}
	for _, ev := range []map[string]any{{"type": "assign", "officer": "o-1"}} {
		if code, raw := tc.Do("POST", "/api/v1/cases/"+strconv.FormatInt(citizen.ID, 10)+"/events", "admin", ev, nil); code != 201 {
			t.Fatalf("%v: %d %s", ev, code, raw)
		}
	}
	if code, raw := tc.Do("POST", "/api/v1/cases/"+strconv.FormatInt(citizen.ID, 10)+"/events", "officer", map[string]any{"type": "accept"}, nil); code != 201 {
		t.Fatalf("accept: %d %s", code, raw)
	}
	get := func(path string) (int, string) {
		resp, err := http.Get(tc.HTTP.URL + "/open311/v2/" + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	patrolID, citizenID := strconv.FormatInt(patrol.ID, 10), strconv.FormatInt(citizen.ID, 10)
	for _, path := range []string{"requests/" + patrolID + ".json", "requests/" + patrolID + ".json?api_key=" + tc.Tokens["hotline"]} {
		if code, body := get(path); code != 404 {
			t.Errorf("%s (a patrol case) = %d %s, want 404", path, code, body)
		}
	}
	code, body := get("requests.json")
	if code != 200 || strings.Contains(body, `"service_request_id":"`+patrolID+`"`) || !strings.Contains(body, `"service_request_id":"`+citizenID+`"`) {
		t.Errorf("public list = %d %s, want the hotline case only", code, body)
	}
	code, body = get("requests/" + citizenID + ".json")
	for _, want := range []string{`"status_notes":"处理中 / in progress"`, `"lat":31.841,`, `"long":120.255,`} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("public read of the hotline case = %d %s, want %s", code, body, want)
		}
	}
	for _, leak := range []string{"officer", "31.84123", "120.25456", "S1"} {
		if strings.Contains(body, leak) {
			t.Errorf("public read of the hotline case shows %q: %s", leak, body)
		}
	}
}
