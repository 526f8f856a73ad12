package calendar

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

//go:embed data/*.json
var shipped embed.FS

// Shipped returns the arrangements published by the State Council that this build
// carries (data/*.json, each naming its notice). Errors: a file that does not read or
// validate, which is a bug of the build.
func Shipped() ([]Year, error) {
	names, err := fs.Glob(shipped, "data/*.json")
	if err != nil {
		return nil, err
	}
	var out []Year
	for _, name := range names {
		b, err := shipped.ReadFile(name)
		if err != nil {
			return nil, err
		}
		y, err := Parse(b)
		if err != nil {
			return nil, fmt.Errorf("shipped calendar %s: %w", name, err)
		}
		out = append(out, y)
	}
	return out, nil
}

// Parse reads an arrangement in its JSON form ({"year","source","holidays","workdays"},
// unknown fields refused) and validates it. Errors: invalid.
func Parse(b []byte) (Year, error) {
	var y Year
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&y); err != nil {
		return Year{}, apperr.Invalidf("calendar: %v", err)
	}
	if err := y.Validate(); err != nil {
		return Year{}, err
	}
	return y, nil
}
