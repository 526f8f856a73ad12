package httpx

import (
	"net/http"
	"strconv"
	"strings"
)

// AcceptsEncoding reports whether the request's Accept-Encoding header (RFC 9110
// §12.5.3) takes the content coding: named with a q-value above 0, or left to "*" with
// one. A coding named with q=0 is refused even when "*" would take it. Without the
// header, or with an empty one, only "identity" is taken. Codings are matched without
// regard to case; a malformed q-value counts as 0.
func AcceptsEncoding(h http.Header, coding string) bool {
	values := h.Values("Accept-Encoding")
	if len(values) == 0 {
		return strings.EqualFold(coding, "identity")
	}
	named, star := -1.0, -1.0
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(elem, ";")
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			q := qValue(params)
			switch {
			case strings.EqualFold(name, coding):
				named = max(named, q)
			case name == "*":
				star = max(star, q)
			}
		}
	}
	if named >= 0 {
		return named > 0
	}
	if star >= 0 {
		return star > 0
	}
	// identity is acceptable unless refused, by name or by "*;q=0".
	return strings.EqualFold(coding, "identity")
}

// qValue returns the q parameter of an Accept-Encoding element's parameters, 1 when it
// has none, 0 when it is malformed or out of range.
func qValue(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}
