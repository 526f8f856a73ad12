package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// FuzzBearerToken parses arbitrary Authorization headers. A refusal is unauthorized
// with a message; an accepted header is "Bearer" in any case, a space and the token,
// which comes back trimmed and non-empty. Whatever is accepted and looks like a token
// is at most 128 bytes with the gw_ prefix before it may reach the database.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{
		"", "Bearer gw_" + strings.Repeat("A", 43), "bearer gw_x", "BEARER  gw_x  ", "Bearer", "Bearer ", "Bearer  ",
		"Basic dXNlcjpwYXNz", "Bearer gw_a b", "Bearer\tgw_x", "Bearer gw_" + strings.Repeat("x", 200), "Token gw_x",
		" Bearer gw_x", "Bearer \x00", "Bearer gw_é",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		token, err := BearerToken(r)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Unauthorized || apperr.MessageOf(err) == "" {
				t.Fatalf("BearerToken(%q) error %v is not unauthorized", header, err)
			}
			return
		}
		scheme, rest, ok := strings.Cut(header, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			t.Fatalf("BearerToken(%q) = %q: accepted another scheme", header, token)
		}
		if token == "" || token != strings.TrimSpace(token) || token != strings.TrimSpace(rest) {
			t.Fatalf("BearerToken(%q) = %q, want the trimmed rest of the header", header, token)
		}
		if plausibleToken(token) && (len(token) > 128 || !strings.HasPrefix(token, tokenPrefix)) {
			t.Fatalf("plausibleToken(%q) = true", token)
		}
	})
}

// FuzzParseRole accepts exactly the role names and gives them back unchanged.
func FuzzParseRole(f *testing.F) {
	for _, s := range []string{"admin", "Admin", "supervisor", "device", "reporter ", "", "root", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRole(s)
		known := false
		for _, k := range Roles {
			known = known || string(k) == s
		}
		if (err == nil) != known {
			t.Fatalf("ParseRole(%q) = %q, %v; known role: %v", s, r, err, known)
		}
		if err == nil && string(r) != s {
			t.Fatalf("ParseRole(%q) = %q", s, r)
		}
	})
}
