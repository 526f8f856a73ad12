package documents_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgtest"
	"github.com/gridwatch/gridwatch/patrol/documents"
)

func TestSignerChecksLinks(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	key := []byte("0123456789abcdef0123456789abcdef")
	s := documents.NewSigner(key, clock)
	link := s.Sign(42, documents.Decision)
	u, err := url.Parse(link.URL)
	if err != nil || u.Path != "/documents/42/decision" {
		t.Fatalf("link %q: %v", link.URL, err)
	}
	if want := now.Add(documents.LinkTTL); !link.ExpiresAt.Equal(want) {
		t.Errorf("expires at %s, want %s", link.ExpiresAt, want)
	}
	exp, sig := u.Query().Get("expires"), u.Query().Get("signature")
	tampered := []byte(sig)
	tampered[3] = map[bool]byte{true: 'B', false: 'A'}[tampered[3] == 'A']
	tests := []struct {
		name    string
		signer  *documents.Signer
		id      int64
		kind    documents.Kind
		exp     string
		sig     string
		wantErr string // "" means it opens
	}{
		{"valid", s, 42, documents.Decision, exp, sig, ""},
		{"valid at its last second", documents.NewSigner(key, func() time.Time { return now.Add(documents.LinkTTL) }), 42, documents.Decision, exp, sig, ""},
		{"expired", documents.NewSigner(key, func() time.Time { return now.Add(documents.LinkTTL + time.Second) }), 42, documents.Decision, exp, sig, "expired"},
		{"tampered signature", s, 42, documents.Decision, exp, string(tampered), "signature"},
		{"expiry moved later", s, 42, documents.Decision, fmt.Sprint(now.Add(time.Hour).Unix()), sig, "signature"},
		{"another case", s, 43, documents.Decision, exp, sig, "signature"},
		{"another document", s, 42, documents.Receipt, exp, sig, "signature"},
		{"another key", documents.NewSigner([]byte("another key of thirty-two bytes!"), clock), 42, documents.Decision, exp, sig, "signature"},
		{"no signature", s, 42, documents.Decision, exp, "", "signature"},
		{"signature not base64", s, 42, documents.Decision, exp, "***", "signature"},
		{"no expiry", s, 42, documents.Decision, "", sig, "expiry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.signer.Check(tt.id, tt.kind, tt.exp, tt.sig)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check = %v, want the link to open", err)
			case tt.wantErr != "" && (apperr.CodeOf(err) != apperr.Forbidden || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Check = %v, want forbidden naming %q", err, tt.wantErr)
			}
		})
	}
}

// TestInstancesShareTheLinkKey: the first server makes the key, the next reads the same
// one, so a link signed by one instance opens on another.
func TestInstancesShareTheLinkKey(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	one, err := documents.LoadSigner(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	other, err := documents.LoadSigner(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(one.Sign(7, documents.Notice).URL)
	if err := other.Check(7, documents.Notice, u.Query().Get("expires"), u.Query().Get("signature")); err != nil {
		t.Errorf("a link signed by one instance on another: %v", err)
	}
	var keys int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM document_link_key").Scan(&keys); err != nil || keys != 1 {
		t.Errorf("%d keys (%v), want 1", keys, err)
	}
}

// TestSignedDocumentLinks: a reader of a case gets a link that opens its document with no
// token, under the documents' CSP; a link for another case or tampered with is refused
// (403 problem), as is a link asked for by a token that may not read the case.
func TestSignedDocumentLinks(t *testing.T) {
	c := procedureCity(t)
	kase := reportInB(t, c)
	linkPath := fmt.Sprintf("/api/v1/cases/%d/documents/filing/link", kase.ID)
	if code, raw := c.Do("GET", linkPath, "admin", nil, nil); code != 409 || !strings.Contains(string(raw), "立案") {
		t.Errorf("link to the filing of a case not filed = %d %s, want 409", code, raw)
	}
	mustEvent(t, c, "admin", kase.ID, map[string]any{"type": "file", "at": "2025-03-04T09:00:00+08:00"})
	var link documents.Link
	if code, raw := c.Do("GET", linkPath, "officerB", nil, &link); code != 403 {
		t.Errorf("link asked by an officer the case is not assigned to = %d %s, want 403", code, raw)
	}
	if code, raw := c.Do("GET", linkPath, "supA", nil, &link); code != 403 {
		t.Errorf("link asked by township A's supervisor for B's case = %d %s, want 403", code, raw)
	}
	if code, raw := c.Do("GET", linkPath, "legal", nil, &link); code != 200 || !strings.HasPrefix(link.URL, fmt.Sprintf("/documents/%d/filing?", kase.ID)) {
		t.Fatalf("link = %d %s", code, raw)
	}
	if left := time.Until(link.ExpiresAt); left <= 0 || left > documents.LinkTTL {
		t.Errorf("link expires in %s, want within %s", left, documents.LinkTTL)
	}
	open := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(c.URL + path) // no token
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp, string(raw)
	}
	resp, page := open(link.URL)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != documents.ContentSecurityPolicy ||
		!strings.Contains(page, "立案审批表") || !strings.Contains(page, fmt.Sprintf("B-2025-%05d", kase.ID)) {
		t.Errorf("the signed link = %d CSP %q: %.300s", resp.StatusCode, resp.Header.Get("Content-Security-Policy"), page)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	u, _ := url.Parse(link.URL)
	q := u.Query()
	sig := []byte(q.Get("signature"))
	sig[0] = map[bool]byte{true: 'B', false: 'A'}[sig[0] == 'A']
	for name, path := range map[string]string{
		"another case":     fmt.Sprintf("/documents/%d/filing?%s", kase.ID+1, q.Encode()),
		"another document": fmt.Sprintf("/documents/%d/decision?%s", kase.ID, q.Encode()),
		"no signature":     fmt.Sprintf("/documents/%d/filing?expires=%s", kase.ID, q.Get("expires")),
		"tampered":         fmt.Sprintf("/documents/%d/filing?expires=%s&signature=%s", kase.ID, q.Get("expires"), sig),
	} {
		resp, raw := open(path)
		if resp.StatusCode != 403 || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(raw, `"code":"forbidden"`) {
			t.Errorf("%s: %d %s %s, want a 403 problem", name, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
		}
	}
}
