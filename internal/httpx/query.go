package httpx

import (
	"math"
	"net/http"
	"strconv"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// QueryInt reads an integer query parameter within [lo, hi]; def when absent.
// Errors: invalid, naming the parameter and the range.
func QueryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, apperr.Invalidf("parameter %s=%q must be a whole number from %d to %d", name, s, lo, hi)
	}
	return v, nil
}

// QueryFloat reads a required finite number query parameter within [lo, hi].
// Errors: invalid, naming the parameter and the range.
func QueryFloat(r *http.Request, name string, lo, hi float64) (float64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, apperr.Invalidf("parameter %s is required", name)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < lo || v > hi {
		return 0, apperr.Invalidf("parameter %s=%q must be a number from %g to %g", name, s, lo, hi)
	}
	return v, nil
}
