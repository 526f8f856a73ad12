package open311

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// fakeMedia keeps photos in memory and creates cases through the backend, as the
// evidence store does through the case store.
type fakeMedia struct {
	b                   *fakeBackend
	fileBytes, maxBytes int64
	kept                []photo // photos of the cases created
	discarded           int     // intakes discarded
}

type photo struct {
	filename string
	data     []byte
}

func newFakeMedia(b *fakeBackend) *fakeMedia {
	return &fakeMedia{b: b, fileBytes: 1 << 10, maxBytes: 8 << 10}
}
func (m *fakeMedia) NewIntake() MediaIntake { return &fakeIntake{m: m} }
func (m *fakeMedia) Limits() (int64, int64) { return m.fileBytes, m.maxBytes }
func (in *fakeIntake) Discard()             { in.m.discarded++ }

type fakeIntake struct {
	m      *fakeMedia
	photos []photo
}

func (in *fakeIntake) AddPhoto(filename, _ string, r io.Reader) error {
	b, err := io.ReadAll(io.LimitReader(r, in.m.fileBytes+1))
	if err != nil {
		return err
	}
	if int64(len(b)) > in.m.fileBytes {
		return apperr.New(apperr.TooLarge, "a photo is over the limit of 1 KiB per file")
	}
	if ct := http.DetectContentType(b); !strings.HasPrefix(ct, "image/") {
		return apperr.Invalidf("it is not a photo: its bytes are %s", ct)
	}
	in.photos = append(in.photos, photo{filename, b})
	return nil
}

func (in *fakeIntake) Create(ctx context.Context, who auth.Identity, nc cases.NewCase, urls []string) (cases.Case, error) {
	c, err := in.m.b.Create(ctx, who, nc)
	if err == nil {
		in.m.kept = append(in.m.kept, in.photos...)
	}
	return c, err
}

// filePart is a file part of a multipart body.
type filePart struct {
	field, filename, contentType string
	data                         []byte
}

// multipartWith encodes fields, then files, as multipart/form-data.
func multipartWith(t testing.TB, fields map[string]string, files ...filePart) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+f.field+`"; filename="`+f.filename+`"`)
		if f.contentType != "" {
			h.Set("Content-Type", f.contentType)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(f.data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), mw.FormDataContentType()
}

var (
	jpeg = append([]byte("\xff\xd8\xff\xe0"), bytes.Repeat([]byte{7}, 200)...)
	png  = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{8}, 200)...)
)

func TestCreateRequestKeepsPhotos(t *testing.T) {
	fields := map[string]string{"api_key": reporterKey, "service_code": "ecology", "lat": "31.2", "long": "121.5",
		"media_url": "https://img.example.cn/a.jpg"}
	b := newFakeBackend()
	m := newFakeMedia(b)
	h := newTestHandler(b)
	h.UseMedia(m)
	body, ct := multipartWith(t, fields, filePart{"media", "井盖.jpg", "image/jpeg", jpeg}, filePart{"photo2", "b.png", "", png})
	rec := do(t, h, "POST", "/requests.json", ct, body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("status = %d, want 201: %s", rec.Code, rec.Body)
	}
	if len(b.created) != 1 || len(m.kept) != 2 || m.kept[0].filename != "井盖.jpg" || !bytes.Equal(m.kept[1].data, png) {
		t.Errorf("created %d cases, kept photos %+v", len(b.created), m.kept)
	}
	if m.discarded != 1 {
		t.Errorf("intakes discarded = %d, want 1 (every request's, after its case)", m.discarded)
	}
}

func TestCreateRequestPhotoErrors(t *testing.T) {
	fields := map[string]string{"api_key": reporterKey, "service_code": "ecology", "lat": "31.2", "long": "121.5"}
	photos := func(n int) []filePart {
		var list []filePart
		for range n {
			list = append(list, filePart{"media", "p.jpg", "", jpeg})
		}
		return list
	}
	tests := []struct {
		name       string
		fields     map[string]string
		files      []filePart
		wantStatus int
		wantIn     []string
	}{
		{"a PDF in media", fields, []filePart{{"media", "a.pdf", "application/pdf", []byte("%PDF-1.4\nx")}}, 400,
			[]string{`"media"`, "a.pdf", "not a photo", "application/pdf"}},
		{"text in another field", fields, []filePart{{"attachment", "n.txt", "text/plain", []byte("hello")}}, 400,
			[]string{`"attachment"`, "not a photo"}},
		{"six photos", fields, photos(6), 400, []string{"at most 5 photos"}},
		{"a photo over the per-file limit", fields, []filePart{{"media", "big.jpg", "", append(bytes.Clone(jpeg), make([]byte, 1<<10)...)}}, 413,
			[]string{`"media"`, "1 KiB per file"}},
		{"fields over 64 KiB", map[string]string{"api_key": reporterKey, "service_code": "ecology", "lat": "31.2", "long": "121.5",
			"description": strings.Repeat("a", 70<<10)}, nil, 413, []string{"64 KiB"}},
		{"an unknown service with a photo", map[string]string{"api_key": reporterKey, "service_code": "potholes", "lat": "31.2", "long": "121.5"},
			photos(1), 404, []string{"potholes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			m := newFakeMedia(b)
			m.maxBytes = 200 << 10 // the fields' limit is reached first
			h := newTestHandler(b)
			h.UseMedia(m)
			body, ct := multipartWith(t, tt.fields, tt.files...)
			rec := do(t, h, "POST", "/requests.json", ct, body)
			d := wantError(t, rec, "json", tt.wantStatus)
			for _, w := range tt.wantIn {
				if !strings.Contains(d, w) {
					t.Errorf("description %q lacks %q", d, w)
				}
			}
			if len(b.created) != 0 || len(m.kept) != 0 || m.discarded != 1 {
				t.Errorf("created %v, kept %d photos, %d intakes discarded (want 1)", b.created, len(m.kept), m.discarded)
			}
		})
	}
}

// TestCreateRequestBodyLimits: a multipart body may be as large as the media allow, a
// form stays at 64 KiB.
func TestCreateRequestBodyLimits(t *testing.T) {
	fields := map[string]string{"api_key": reporterKey, "service_code": "ecology", "lat": "31.2", "long": "121.5"}
	b := newFakeBackend()
	m := newFakeMedia(b)
	m.fileBytes = 100 << 10
	h := newTestHandler(b)
	h.UseMedia(m)
	photo := append(bytes.Clone(jpeg), make([]byte, 90<<10)...)
	body, ct := multipartWith(t, fields, filePart{"media", "p.jpg", "", photo})
	if d := wantError(t, do(t, h, "POST", "/requests.json", ct, body), "json", 413); !strings.Contains(d, "8 KiB") {
		t.Errorf("a 90 KiB photo under an 8 KiB body limit: %q does not name 8 KiB", d)
	}
	m.maxBytes = 200 << 10
	if rec := do(t, h, "POST", "/requests.json", ct, body); rec.Code != http.StatusCreated {
		t.Errorf("a 90 KiB photo = %d, want 201: %s", rec.Code, rec.Body)
	}
	// Sent without a length, the body is cut at the limit all the same.
	m.maxBytes = 64 << 10
	r := httptest.NewRequest("POST", "/requests.json", io.NopCloser(strings.NewReader(body)))
	r.ContentLength = -1
	r.Header.Set("Content-Type", ct)
	if d := wantError(t, newRecorder(h, r), "json", http.StatusRequestEntityTooLarge); !strings.Contains(d, "64 KiB") {
		t.Errorf("chunked body over the limit: %q does not name 64 KiB", d)
	}
	form := "api_key=" + reporterKey + "&service_code=ecology&lat=31&long=121&description=" + strings.Repeat("a", 70<<10)
	if d := wantError(t, do(t, h, "POST", "/requests.json", formContentType, form), "json", 413); !strings.Contains(d, "64 KiB") {
		t.Errorf("form over 64 KiB: %q", d)
	}
}
