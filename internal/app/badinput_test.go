package app_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/auth"
)

// badBodies are sent to every route with the most privileged token: none may cause a 5xx,
// and every error must be a problem document.
var badBodies = []struct {
	name, contentType string
	body              []byte
}{
	{"garbage", "application/json", []byte("\x00\xff{not json")},
	{"empty", "application/json", nil},
	{"wrong type", "application/json", []byte(`[1,2,3]`)},
	{"deep nesting", "application/json", bytes.Repeat([]byte("["), 10000)},
	{"xml", "application/xml", []byte("<a/>")},
	{"over every limit", "application/json", bytes.Repeat([]byte(" "), 64<<20)},
}

// placeholder fills chi URL parameters with values that exist nowhere.
var placeholder = regexp.MustCompile(`\{[^}]+\}`)

func TestEveryRouteAnswersBadInputWithProblem(t *testing.T) {
	e := newEnv(t)
	type target struct{ method, path string }
	targets := []target{{"GET", "/healthz"}, {"GET", "/metrics"}}
	for _, group := range e.srv.APIRoutes() {
		for _, rt := range group {
			targets = append(targets, target{rt.Method, "/api/v1" + placeholder.ReplaceAllString(rt.Pattern, "no-such-thing")})
		}
	}
	for _, tg := range targets {
		for _, b := range badBodies {
			t.Run(tg.method+" "+tg.path+" "+b.name, func(t *testing.T) {
				resp, body := e.do(tg.method, tg.path+"?lat=abc&from=yesterday", auth.Admin,
					bytes.NewReader(b.body), "Content-Type", b.contentType)
				if resp.StatusCode >= 500 {
					t.Fatalf("status %d: %s", resp.StatusCode, body)
				}
				if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("error %d is not a problem document: %s", resp.StatusCode, body)
				}
			})
		}
	}
}

func TestRoutesDeclareRoles(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	for _, group := range e.srv.APIRoutes() {
		for _, rt := range group {
			key := rt.Method + " " + rt.Pattern
			if seen[key] {
				t.Errorf("route %s declared twice", key)
			}
			seen[key] = true
			if len(rt.Roles) == 0 {
				t.Errorf("route %s has no roles", key)
			}
			if !strings.HasPrefix(rt.Pattern, "/") {
				t.Errorf("route %s: pattern must start with /", key)
			}
		}
	}
	// Mount refuses a route without roles.
	defer func() {
		if recover() == nil {
			t.Error("Mount accepted a route without roles")
		}
	}()
	api.Mount(chi.NewRouter(), []api.Route{{Method: "GET", Pattern: "/x", Handler: nil}})
}
