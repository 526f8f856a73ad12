package evidence_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/evidence"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// city is township A with officers a1-1 (assigned the case) and a1-2, and a case at
// (31.84 N, 120.22 E) assigned to a1-1, whose track passes the case a minute and two ago.
type city struct {
	*apptest.City
	t    *testing.T
	id   int64
	now  time.Time
	path string
}

func newCity(t *testing.T, limits evidence.Limits) *city {
	t.Helper()
	tc := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{{Code: "A", Name: "甲镇", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)}},
		Squadrons: []grid.Squadron{{Code: "A1", Name: "甲一", Township: "A"}},
		Officers:  []officer.Officer{{ID: "a1-1", Squadron: "A1"}, {ID: "a1-2", Squadron: "A1"}},
		Tokens: map[string]auth.TokenSpec{
			"admin":     {Role: auth.Admin},
			"analyst":   {Role: auth.Analyst},
			"reporter":  {Role: auth.Reporter},
			"officer11": {Role: auth.Officer, Officer: "a1-1"},
			"officer12": {Role: auth.Officer, Officer: "a1-2"},
		},
		Evidence: limits,
	})
	c := &city{City: tc, t: t, now: time.Now().UTC().Truncate(time.Second)}
	var cs cases.Case
	if code, raw := c.Do("POST", "/api/v1/cases", "admin", map[string]any{"sector": "urban_management", "title": "占道经营",
		"lat": 31.84, "lon": 120.22}, &cs); code != 201 {
		t.Fatalf("POST /cases = %d %s", code, raw)
	}
	c.id = cs.ID
	c.path = fmt.Sprintf("/api/v1/cases/%d/evidence", c.id)
	if code, raw := c.Do("POST", fmt.Sprintf("/api/v1/cases/%d/events", c.id), "admin", map[string]any{"type": "assign", "officer": "a1-1"}, nil); code != 201 {
		t.Fatalf("assign = %d %s", code, raw)
	}
	// a1-1 walks north along 120.22 E: 31.839 two minutes ago, 31.841 a minute ago.
	fixes := []map[string]any{
		{"officer": "a1-1", "time": c.now.Add(-2 * time.Minute), "lat": 31.839, "lon": 120.22, "accuracy": 5},
		{"officer": "a1-1", "time": c.now.Add(-time.Minute), "lat": 31.841, "lon": 120.22, "accuracy": 5},
	}
	var res struct {
		Accepted int `json:"accepted"`
	}
	if code, raw := c.Do("POST", "/api/v1/positions", "admin", map[string]any{"positions": fixes}, &res); code != 200 || res.Accepted != 2 {
		t.Fatalf("POST /positions = %d %s", code, raw)
	}
	return c
}

// part is a file of an upload with the fields that describe it.
type part struct {
	name   string
	data   []byte
	fields map[string]string
}

// upload posts the parts as multipart/form-data with who's token.
func (c *city) upload(who string, parts ...part) (int, []byte) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		for _, k := range []string{"kind", "sha256", "captured_at", "lat", "lon", "datum", "mock_location"} {
			if err := mw.WriteField(k, p.fields[k]); err != nil {
				c.t.Fatal(err)
			}
		}
		w, err := mw.CreateFormFile("file", p.name)
		if err != nil {
			c.t.Fatal(err)
		}
		_, _ = w.Write(p.data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.URL+c.path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.Tokens[who])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// pngBytes is a PNG header followed by n bytes of payload: sniffed as image/png.
func pngBytes(n int, fill byte) []byte {
	return append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{fill}, n)...)
}

func pdfBytes(text string) []byte { return []byte("%PDF-1.4\n" + text + "\n%%EOF\n") }

func (c *city) verify() cases.Verification {
	c.t.Helper()
	var v cases.Verification
	if code, raw := c.Do("GET", fmt.Sprintf("/api/v1/cases/%d/verify", c.id), "admin", nil, &v); code != 200 {
		c.t.Fatalf("verify = %d %s", code, raw)
	}
	return v
}

func (c *city) list(who string) []evidence.Record {
	c.t.Helper()
	var list []evidence.Record
	if code, raw := c.Do("GET", c.path, who, nil, &list); code != 200 {
		c.t.Fatalf("GET evidence = %d %s", code, raw)
	}
	return list
}

func (c *city) events() []cases.Event {
	c.t.Helper()
	var list []cases.Event
	if code, raw := c.Do("GET", fmt.Sprintf("/api/v1/cases/%d/events", c.id), "admin", nil, &list); code != 200 {
		c.t.Fatalf("GET events = %d %s", code, raw)
	}
	return list
}

// storedFiles lists the files of the evidence store and of its tmp directory.
func (c *city) storedFiles() (files, tmp []string) {
	dir := c.Server.Evidence.Blobs().Dir()
	files, _ = filepath.Glob(filepath.Join(dir, "sha256", "*", "*"))
	tmp, _ = filepath.Glob(filepath.Join(dir, "tmp", "*"))
	return files, tmp
}

func TestUploadListServeAndPositionChecks(t *testing.T) {
	c := newCity(t, evidence.Limits{})
	photo, doc := pngBytes(3000, 7), pdfBytes("现场检查笔录")
	captured := c.now.Add(-90 * time.Second).Format(time.RFC3339)
	code, raw := c.upload("officer11",
		// On the track: halfway between the fixes, at 31.840.
		part{"现场.png", photo, map[string]string{"sha256": strings.ToUpper(sum(photo)), "captured_at": captured,
			"lat": "31.8401", "lon": "120.2201", "mock_location": "false"}},
		// 1.1 km east of the track, from a device that reports a mock location.
		part{"笔录.pdf", doc, map[string]string{"captured_at": captured, "lat": "31.84", "lon": "120.2316", "mock_location": "true"}},
	)
	if code != 201 {
		t.Fatalf("upload = %d %s", code, raw)
	}
	list := c.list("analyst")
	if len(list) != 2 {
		t.Fatalf("evidence = %+v", list)
	}
	p, d := list[0], list[1]
	if p.Kind != evidence.Photo || p.ContentType != "image/png" || p.SHA256 != sum(photo) || p.SizeBytes != int64(len(photo)) ||
		p.Filename != "现场.png" || p.PositionCheck == nil || *p.PositionCheck != evidence.PositionOK ||
		p.MockLocation == nil || *p.MockLocation || p.Officer == nil || *p.Officer != "a1-1" || p.Uploader != "officer11" {
		t.Errorf("photo = %+v", p)
	}
	if d.Kind != evidence.Document || d.ContentType != "application/pdf" || d.PositionCheck == nil ||
		*d.PositionCheck != evidence.PositionFar || d.DistanceM == nil || *d.DistanceM < 1000 || d.MockLocation == nil || !*d.MockLocation {
		t.Errorf("document = %+v", d)
	}
	// The history holds an evidence event per file whose hash covers the file's.
	events := c.events()
	last := events[len(events)-2:]
	for i, e := range last {
		if e.Type != cases.EventEvidence || e.Evidence == nil || *e.Evidence != list[i].SHA256 || e.Seq != list[i].Seq ||
			e.Status != cases.StatusAssigned || e.Lat == nil {
			t.Errorf("event %d = %+v", i, e)
		}
	}
	if v := c.verify(); !v.OK {
		t.Errorf("verify = %+v", v)
	}
	// Served to those who may read the case, byte for byte.
	req, _ := http.NewRequest("GET", c.URL+"/api/v1/evidence/"+p.SHA256, nil)
	req.Header.Set("Authorization", "Bearer "+c.Tokens["officer11"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, photo) || resp.Header.Get("Content-Type") != "image/png" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET evidence file = %d %v, %d bytes", resp.StatusCode, resp.Header, len(got))
	}
	if code, raw := c.Do("GET", "/api/v1/evidence/"+p.SHA256, "officer12", nil, nil); code != 403 {
		t.Errorf("GET evidence file by another officer = %d %s, want 403", code, raw)
	}
	if code, _ := c.Do("GET", "/api/v1/evidence/"+sum([]byte("nothing")), "admin", nil, nil); code != 404 {
		t.Errorf("GET unknown evidence file = %d, want 404", code)
	}
	// Another officer may not add evidence to the case.
	if code, raw := c.upload("officer12", part{"a.png", photo, nil}); code != 403 {
		t.Errorf("upload by another officer = %d %s, want 403", code, raw)
	}
	// The same bytes again: a new record and event, one file.
	if code, raw := c.upload("admin", part{"again.png", photo, map[string]string{"lat": "31.84", "lon": "120.22"}}); code != 201 {
		t.Fatalf("upload again = %d %s", code, raw)
	}
	list = c.list("admin")
	// An admin acts for no officer: there is no track to check against.
	if len(list) != 3 || list[2].PositionCheck == nil || *list[2].PositionCheck != evidence.PositionNoTrack {
		t.Errorf("after the admin's upload = %+v", list)
	}
	if files, tmp := c.storedFiles(); len(files) != 2 || len(tmp) != 0 {
		t.Errorf("store holds %v (tmp %v), want 2 files", files, tmp)
	}
	// Captured long before the officer's track: no fix within 5 minutes.
	old := c.now.Add(-time.Hour).Format(time.RFC3339)
	if code, raw := c.upload("officer11", part{"old.png", pngBytes(10, 1), map[string]string{"captured_at": old, "lat": "31.84", "lon": "120.22"}}); code != 201 {
		t.Fatalf("upload = %d %s", code, raw)
	}
	list = c.list("admin")
	if r := list[3]; r.PositionCheck == nil || *r.PositionCheck != evidence.PositionNoTrack || r.DistanceM != nil {
		t.Errorf("capture an hour before the track = %+v", r)
	}
}

func TestBadUploadsWriteNothing(t *testing.T) {
	c := newCity(t, evidence.Limits{FileBytes: 4 << 10})
	good := pngBytes(100, 3)
	before := len(c.events())
	tests := []struct {
		name   string
		parts  []part
		status int
		want   string
	}{
		{"hash mismatch", []part{{"a.png", good, map[string]string{"sha256": sum([]byte("other"))}}}, 400, "not the declared sha256"},
		{"malformed hash", []part{{"a.png", good, map[string]string{"sha256": "abc"}}}, 400, "64 hex digits"},
		{"unknown kind", []part{{"a.png", good, map[string]string{"kind": "hologram"}}}, 400, "unknown kind"},
		{"link is not an upload kind", []part{{"a.png", good, map[string]string{"kind": "link"}}}, 400, "unknown kind"},
		{"kind not sniffed", []part{{"a.bin", []byte{0, 1, 2, 3, 0xff}, nil}}, 400, "declare kind"},
		{"over the file limit", []part{{"big.png", pngBytes(5<<10, 1), nil}}, 413, "4 KiB per file"},
		{"second file over the limit", []part{{"a.png", good, nil}, {"big.png", pngBytes(5<<10, 1), nil}}, 413, "file 2"},
		{"second file's hash wrong", []part{{"a.png", good, map[string]string{"sha256": sum(good)}},
			{"b.png", pngBytes(10, 9), map[string]string{"sha256": sum(good)}}}, 400, "file 2 (b.png)"},
		{"second file's kind unknown", []part{{"a.png", good, nil}, {"b.png", pngBytes(10, 9), map[string]string{"kind": "x"}}}, 400, "file 2"},
		{"half a position", []part{{"a.png", good, map[string]string{"lat": "31.84"}}}, 400, "not a position"},
		{"future capture", []part{{"a.png", good, map[string]string{"captured_at": c.now.Add(time.Hour).Format(time.RFC3339)}}}, 400, "future"},
		{"no file", nil, 400, "no file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, raw := c.upload("officer11", tt.parts...)
			if code != tt.status || !strings.Contains(string(raw), tt.want) {
				t.Errorf("upload = %d %s, want %d naming %q", code, raw, tt.status, tt.want)
			}
		})
	}
	if n := len(c.events()); n != before {
		t.Errorf("history has %d events after bad uploads, want %d", n, before)
	}
	if list := c.list("admin"); len(list) != 0 {
		t.Errorf("evidence after bad uploads = %+v", list)
	}
	if files, tmp := c.storedFiles(); len(files) != 0 || len(tmp) != 0 {
		t.Errorf("store after bad uploads holds %v, tmp %v", files, tmp)
	}
	// Over the whole request's limit (the route's body limit).
	small := newCity(t, evidence.Limits{FileBytes: 4 << 10, RequestBytes: 6 << 10})
	if code, raw := small.upload("officer11", part{"a.png", pngBytes(3<<10, 1), nil}, part{"b.png", pngBytes(3<<10, 2), nil}); code != 413 ||
		!strings.Contains(string(raw), "6 KiB") {
		t.Errorf("upload over the request limit = %d %s, want 413 naming 6 KiB", code, raw)
	}
}

func TestVerifyFindsChangedAndMissingFiles(t *testing.T) {
	c := newCity(t, evidence.Limits{})
	a, b := pngBytes(500, 1), pdfBytes("送达回证")
	if code, raw := c.upload("officer11", part{"a.png", a, nil}, part{"b.pdf", b, nil}); code != 201 {
		t.Fatalf("upload = %d %s", code, raw)
	}
	if code, raw := c.Do("POST", fmt.Sprintf("/api/v1/cases/%d/events", c.id), "officer11", map[string]any{"type": "accept"}, nil); code != 201 {
		t.Fatalf("accept = %d %s", code, raw)
	}
	list := c.list("admin")
	blobs := c.Server.Evidence.Blobs()
	if v := c.verify(); !v.OK {
		t.Fatalf("verify before tampering = %+v", v)
	}
	// One byte of the photo changed: verification breaks at its event.
	changed := bytes.Clone(a)
	changed[100] ^= 1
	if err := os.WriteFile(blobs.Path(list[0].SHA256), changed, 0o640); err != nil {
		t.Fatal(err)
	}
	v := c.verify()
	if v.OK || v.Broken != list[0].Seq || !strings.Contains(v.Reason, "was changed") || !strings.Contains(v.Reason, list[0].SHA256) {
		t.Errorf("verify after changing the photo = %+v, want broken at %d", v, list[0].Seq)
	}
	// Restored, then the document removed: broken at the document's event.
	if err := os.WriteFile(blobs.Path(list[0].SHA256), a, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(blobs.Path(list[1].SHA256)); err != nil {
		t.Fatal(err)
	}
	v = c.verify()
	if v.OK || v.Broken != list[1].Seq || !strings.Contains(v.Reason, "missing") {
		t.Errorf("verify after removing the document = %+v, want broken at %d", v, list[1].Seq)
	}
	if code, _ := c.Do("GET", "/api/v1/evidence/"+list[1].SHA256, "admin", nil, nil); code != 404 {
		t.Errorf("GET a missing file = %d, want 404", code)
	}
	// Uploading the same bytes again puts the file back and verification passes.
	if code, raw := c.upload("admin", part{"b.pdf", b, nil}); code != 201 {
		t.Fatalf("upload = %d %s", code, raw)
	}
	if v := c.verify(); !v.OK {
		t.Errorf("verify after restoring = %+v", v)
	}
	var out json.RawMessage
	c.Do("GET", fmt.Sprintf("/api/v1/cases/%d", c.id), "admin", nil, &out)
}

func TestOpen311MediaURLKeptAsLink(t *testing.T) {
	c := newCity(t, evidence.Limits{})
	post := func(media string) (int, []byte) {
		form := url.Values{"api_key": {c.Tokens["reporter"]}, "service_code": {"urban_management"}, "lat": {"31.84"},
			"long": {"120.22"}, "description": {"井盖缺失"}, "media_url": {media}}
		return c.postOpen311(strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
	}
	const media = "https://img.example.cn/upload/2026/05/01/井盖.jpg?x=1"
	c.follow(post(media))
	list := c.list("admin")
	if len(list) != 1 || list[0].Kind != evidence.Link || list[0].URL == nil || *list[0].URL != media ||
		list[0].SHA256 != sum([]byte(media)) || list[0].Uploader != "reporter" {
		t.Fatalf("evidence of the Open311 request = %+v", list)
	}
	if v := c.verify(); !v.OK || v.Events != 2 {
		t.Errorf("verify = %+v", v)
	}
	// A link has no file to serve: the server never fetches it.
	if code, _ := c.Do("GET", "/api/v1/evidence/"+list[0].SHA256, "admin", nil, nil); code != 404 {
		t.Errorf("GET a link's hash = %d, want 404", code)
	}
	for _, bad := range []string{"javascript:alert(1)", "file:///etc/passwd", "//host/x.jpg", "http://user:pw@host/x.jpg"} {
		if code, raw := post(bad); code != 400 || !strings.Contains(string(raw), "media_url") {
			t.Errorf("media_url %q = %d %s, want 400", bad, code, raw)
		}
	}
}

// postOpen311 posts a service request to Open311 and returns the answer.
func (c *city) postOpen311(body io.Reader, contentType string) (int, []byte) {
	c.t.Helper()
	resp, err := http.Post(c.URL+"/open311/v2/requests.json", contentType, body)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// follow points the city at the case an Open311 POST answered 201 with.
func (c *city) follow(code int, raw []byte) {
	c.t.Helper()
	var created []struct {
		ID string `json:"service_request_id"`
	}
	if err := json.Unmarshal(raw, &created); code != 201 || err != nil || len(created) != 1 {
		c.t.Fatalf("POST requests = %d %s", code, raw)
	}
	c.path = "/api/v1/cases/" + created[0].ID + "/evidence"
	fmt.Sscan(created[0].ID, &c.id)
}

// TestOpen311PhotosKeptAsEvidence posts a citizen's request with photos as
// multipart/form-data: the photos are files of the new case, their bytes served back,
// their position the request's with no track behind it, and the case verifies. A refused
// request keeps no file and writes no case.
func TestOpen311PhotosKeptAsEvidence(t *testing.T) {
	c := newCity(t, evidence.Limits{FileBytes: 4 << 10})
	post := func(fields map[string]string, files ...part) (int, []byte) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range fields {
			_ = mw.WriteField(k, v)
		}
		for _, f := range files {
			w, err := mw.CreateFormFile(f.fields["field"], f.name)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = w.Write(f.data)
		}
		_ = mw.Close()
		return c.postOpen311(&body, mw.FormDataContentType())
	}
	fields := map[string]string{"api_key": c.Tokens["reporter"], "service_code": "urban_management", "lat": "31.85",
		"long": "120.23", "description": "占道堆放", "media_url": "https://img.example.cn/a.jpg"}
	before := c.events()
	photo, second := pngBytes(3<<10, 5), pngBytes(1<<10, 6)
	media := map[string]string{"field": "media"}

	// Refused: a PDF in a file part, a photo over the per-file limit, an unknown service.
	for _, bad := range []struct {
		name   string
		fields map[string]string
		files  []part
		status int
		want   string
	}{
		{"a PDF", fields, []part{{"a.png", photo, media}, {"r.pdf", pdfBytes("x"), map[string]string{"field": "report"}}}, 400, `part \"report\" (file \"r.pdf\"): it is not a photo`},
		{"over the limit", fields, []part{{"big.png", pngBytes(5<<10, 1), media}}, 413, "4 KiB per file"},
		{"unknown service", map[string]string{"api_key": c.Tokens["reporter"], "service_code": "potholes", "lat": "31.85", "long": "120.23"},
			[]part{{"a.png", photo, media}}, 404, "potholes"},
	} {
		if code, raw := post(bad.fields, bad.files...); code != bad.status || !strings.Contains(string(raw), bad.want) {
			t.Errorf("%s: %d %s, want %d naming %s", bad.name, code, raw, bad.status, bad.want)
		}
	}
	if files, tmp := c.storedFiles(); len(files) != 0 || len(tmp) != 0 {
		t.Errorf("refused requests left files %v, staged %v", files, tmp)
	}
	var open []cases.Case
	c.Do("GET", "/api/v1/cases", "admin", nil, &open)
	if len(open) != 1 || len(c.events()) != len(before) {
		t.Fatalf("refused requests wrote cases: %d cases", len(open))
	}

	c.follow(post(fields, part{"井盖.png", photo, media}, part{"b.png", second, map[string]string{"field": "photo"}}))
	list := c.list("analyst")
	if len(list) != 3 || list[0].Kind != evidence.Link || list[1].Kind != evidence.Photo || list[2].Kind != evidence.Photo {
		t.Fatalf("evidence of the request = %+v", list)
	}
	for i, want := range [][]byte{photo, second} {
		r := list[i+1]
		if r.SHA256 != sum(want) || r.SizeBytes != int64(len(want)) || r.ContentType != "image/png" || r.Uploader != "reporter" ||
			r.Officer != nil || r.CapturedAt != nil || r.MockLocation != nil {
			t.Errorf("photo %d = %+v", i+1, r)
		}
		if r.Lat == nil || r.Lon == nil || *r.Lat != 31.85 || *r.Lon != 120.23 || r.PositionCheck == nil || *r.PositionCheck != evidence.PositionNoTrack {
			t.Errorf("photo %d: position %v, %v checked %v, want the request's, no_track", i+1, r.Lat, r.Lon, r.PositionCheck)
		}
		req, _ := http.NewRequest("GET", c.URL+"/api/v1/evidence/"+r.SHA256, nil)
		req.Header.Set("Authorization", "Bearer "+c.Tokens["analyst"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, want) {
			t.Errorf("GET photo %d = %d, %d bytes, want its %d bytes", i+1, resp.StatusCode, len(got), len(want))
		}
	}
	if list[1].Filename != "井盖.png" {
		t.Errorf("filename = %q", list[1].Filename)
	}
	if v := c.verify(); !v.OK || v.Events != 4 {
		t.Errorf("verify = %+v, want ok over the report and 3 evidence events", v)
	}
	if files, tmp := c.storedFiles(); len(files) != 2 || len(tmp) != 0 {
		t.Errorf("store holds %v, staged %v; want the 2 photos", files, tmp)
	}
	// The photo changed on disk breaks the case's chain at its event.
	if err := os.WriteFile(c.Server.Evidence.Blobs().Path(list[1].SHA256), second, 0o640); err != nil {
		t.Fatal(err)
	}
	if v := c.verify(); v.OK || v.Broken != list[1].Seq {
		t.Errorf("verify after changing the photo = %+v, want broken at %d", v, list[1].Seq)
	}
}
