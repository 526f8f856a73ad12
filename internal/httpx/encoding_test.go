package httpx

import (
	"net/http"
	"testing"
)

func TestAcceptsEncoding(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string // nil: no header
		coding string
		want   bool
	}{
		{"no header, gzip", nil, "gzip", false},
		{"no header, identity", nil, "identity", true},
		{"gzip named", []string{"gzip"}, "gzip", true},
		{"gzip among others", []string{"br, gzip, deflate"}, "gzip", true},
		{"case of the coding", []string{"GZip"}, "gzip", true},
		{"gzip with q", []string{"gzip;q=0.5"}, "gzip", true},
		{"gzip with spaces around q", []string{"gzip ; q = 0.8"}, "gzip", true},
		{"gzip refused", []string{"gzip;q=0"}, "gzip", false},
		{"gzip refused as 0.000", []string{"gzip;q=0.000"}, "gzip", false},
		{"malformed q", []string{"gzip;q=high"}, "gzip", false},
		{"q above 1", []string{"gzip;q=2"}, "gzip", false},
		{"substring is not a coding", []string{"x-gzip-not"}, "gzip", false},
		{"identity only", []string{"identity"}, "gzip", false},
		{"star takes gzip", []string{"*"}, "gzip", true},
		{"star refused", []string{"*;q=0"}, "gzip", false},
		{"named refusal beats star", []string{"*, gzip;q=0"}, "gzip", false},
		{"named beats star refusal", []string{"gzip, *;q=0"}, "gzip", true},
		{"several header lines", []string{"br", "gzip"}, "gzip", true},
		{"identity by default", []string{"gzip"}, "identity", true},
		{"identity refused by star", []string{"gzip, *;q=0"}, "identity", false},
		{"identity refused by name", []string{"identity;q=0, gzip"}, "identity", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tc.header {
				h.Add("Accept-Encoding", v)
			}
			if got := AcceptsEncoding(h, tc.coding); got != tc.want {
				t.Errorf("AcceptsEncoding(%q, %q) = %v, want %v", tc.header, tc.coding, got, tc.want)
			}
		})
	}
}
