package httpx

import (
	"net/http"
	"slices"
	"strings"
)

// CORS lets pages served from the listed origins call the API from a browser. The API
// authenticates with bearer tokens, never cookies, so credentials are not allowed and a
// listed origin gains nothing a script could not do with the token anyway. With no origins
// no CORS header is sent: browsers keep other sites' pages from reading answers, and the
// command-center pages are served by the server itself (same origin).
func CORS(origins []string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if len(origins) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			h := w.Header()
			h.Add("Vary", "Origin")
			if origin == "" || !(slices.Contains(origins, origin) || slices.Contains(origins, "*")) {
				next.ServeHTTP(w, r)
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", "ETag, Retry-After, X-Request-ID")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-None-Match, X-Request-ID")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ParseOrigins splits a comma-separated list of origins such as
// "https://wall.example.org, https://ops.example.org", dropping blanks and trailing slashes.
func ParseOrigins(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			out = append(out, o)
		}
	}
	return out
}
