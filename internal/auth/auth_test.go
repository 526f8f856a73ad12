package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

func TestNewTokenIsRandomAndHashable(t *testing.T) {
	a, b := NewToken(), NewToken()
	if a == b {
		t.Fatal("two tokens are equal")
	}
	if !strings.HasPrefix(a, tokenPrefix) || len(a) != len(tokenPrefix)+43 {
		t.Errorf("token %q has the wrong shape", a)
	}
	if !plausibleToken(a) {
		t.Errorf("plausibleToken(%q) = false", a)
	}
	if len(HashToken(a)) != 32 || string(HashToken(a)) == string(HashToken(b)) {
		t.Error("hashes are not 32 distinct bytes")
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles {
		if got, err := ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	if _, err := ParseRole("root"); err == nil || !strings.Contains(err.Error(), "supervisor") {
		t.Errorf("ParseRole(root) error = %v, want one listing the roles", err)
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name, header, want string
		ok                 bool
	}{
		{"bearer", "Bearer gw_abc", "gw_abc", true},
		{"case-insensitive scheme", "bearer gw_abc", "gw_abc", true},
		{"missing", "", "", false},
		{"basic", "Basic dXNlcjpwYXNz", "", false},
		{"no token", "Bearer ", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			got, err := BearerToken(r)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("BearerToken(%q) = %q, %v", tt.header, got, err)
			}
			if err != nil && apperr.CodeOf(err) != apperr.Unauthorized {
				t.Errorf("code = %s, want unauthorized", apperr.CodeOf(err))
			}
		})
	}
}

// fakeAuthenticator knows one token. Unit tests of the middleware only; the Store is
// tested against PostgreSQL.
type fakeAuthenticator map[string]Identity

func (f fakeAuthenticator) Authenticate(_ context.Context, token string) (Identity, error) {
	if id, ok := f[token]; ok {
		return id, nil
	}
	return Identity{}, errBadToken
}

func TestMiddlewareAndAllow(t *testing.T) {
	tokens := fakeAuthenticator{
		"gw_admin":   {Name: "a", Role: Admin},
		"gw_analyst": {Name: "b", Role: Analyst},
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := Middleware(tokens)(Allow(Admin, Supervisor)(ok))
	tests := []struct {
		name, header string
		want         int
	}{
		{"allowed role", "Bearer gw_admin", http.StatusNoContent},
		{"other role", "Bearer gw_analyst", http.StatusForbidden},
		{"unknown token", "Bearer gw_nope", http.StatusUnauthorized},
		{"no header", "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/x", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tt.want {
				t.Errorf("status = %d, want %d (%s)", rec.Code, tt.want, rec.Body)
			}
		})
	}
}

func TestIdentityMaySee(t *testing.T) {
	city := Identity{Role: Analyst}
	town := Identity{Role: Supervisor, Township: "320281001"}
	if !city.MaySee("320281101") || !town.MaySee("320281001") || town.MaySee("320281101") {
		t.Error("MaySee does not follow the township scope")
	}
}

func TestTokenSpecValidate(t *testing.T) {
	tests := []struct {
		name string
		spec TokenSpec
		ok   bool
	}{
		{"admin", TokenSpec{Name: "x", Role: Admin}, true},
		{"no name", TokenSpec{Role: Admin}, false},
		{"bad role", TokenSpec{Name: "x", Role: "root"}, false},
		{"device without officer", TokenSpec{Name: "x", Role: Device}, false},
		{"device with officer", TokenSpec{Name: "x", Role: Device, Officer: "o1"}, true},
		{"negative ttl", TokenSpec{Name: "x", Role: Admin, TTL: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			if (err == nil) != tt.ok {
				t.Errorf("Validate(%+v) = %v, want ok=%v", tt.spec, err, tt.ok)
			}
			if err != nil && apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("code = %s, want invalid", apperr.CodeOf(err))
			}
		})
	}
}
