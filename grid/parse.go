package grid

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/apperr"
)

// TownshipInput is a township read from an import file: WGS-84, validated, winding
// normalised.
type TownshipInput struct {
	Code string
	Name string
	Geom orb.MultiPolygon
}

// FeatureError says what is wrong with one feature of an import.
type FeatureError struct {
	Index  int    `json:"index"`
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"message"`
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)

// maxFeatureErrors caps how many feature errors one answer lists.
const maxFeatureErrors = 50

// ParseTownships reads a GeoJSON FeatureCollection of Polygon/MultiPolygon townships with
// `code` and `name` properties, in the given datum, and returns them in WGS-84. Any bad
// feature fails the whole import with an invalid error listing every bad feature (index,
// code and reason) in its "errors" member; nothing is partially accepted.
func ParseTownships(data []byte, datum geo.Datum) ([]TownshipInput, error) {
	fc, err := geo.ReadFeatureCollection(data)
	if err != nil {
		return nil, apperr.Invalidf("%v", err)
	}
	if len(fc.Features) == 0 {
		return nil, apperr.Invalidf("the FeatureCollection has no features")
	}
	var out []TownshipInput
	var bad []FeatureError
	seen := map[string]int{}
	for i, f := range fc.Features {
		t, fe := parseFeature(i, f, datum)
		if fe == nil {
			if first, dup := seen[t.Code]; dup {
				fe = &FeatureError{Index: i, Code: t.Code, Reason: "duplicate_code",
					Detail: fmt.Sprintf("code %s is also used by feature %d", t.Code, first)}
			}
		}
		if fe != nil {
			if len(bad) < maxFeatureErrors {
				bad = append(bad, *fe)
			}
			continue
		}
		seen[t.Code] = i
		out = append(out, t)
	}
	if len(bad) > 0 {
		first := bad[0]
		msg := fmt.Sprintf("feature %d", first.Index)
		if first.Code != "" {
			msg += " (" + first.Code + ")"
		}
		e := apperr.Invalidf("%s: %s", msg, first.Detail)
		if len(bad) > 1 {
			e.Message += fmt.Sprintf(" (and %d more bad features)", len(bad)-1)
		}
		e.Extra = map[string]any{"errors": bad}
		return nil, e
	}
	return out, nil
}

func parseFeature(i int, f *geojson.Feature, datum geo.Datum) (TownshipInput, *FeatureError) {
	fail := func(code, reason, format string, args ...any) (TownshipInput, *FeatureError) {
		return TownshipInput{}, &FeatureError{Index: i, Code: code, Reason: reason, Detail: fmt.Sprintf(format, args...)}
	}
	code, ok := stringProperty(f.Properties, "code")
	if !ok || !codePattern.MatchString(code) {
		return fail(code, "bad_code", "property \"code\" must be 1 to 32 letters, digits, '_', '.' or '-'")
	}
	name, ok := stringProperty(f.Properties, "name")
	if !ok || name == "" || len(name) > 200 {
		return fail(code, "bad_name", "property \"name\" must be a non-empty string of at most 200 bytes")
	}
	if f.Geometry == nil {
		return fail(code, geo.ReasonNotPolygonal, "the feature has no geometry")
	}
	if err := geo.ValidatePolygonal(f.Geometry); err != nil {
		var ve *geo.ValidationError
		if errors.As(err, &ve) {
			return fail(code, ve.Reason, "%s", ve.Message)
		}
		return fail(code, "invalid_geometry", "%v", err)
	}
	var mp orb.MultiPolygon
	switch g := f.Geometry.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	}
	mp = convertDatum(mp, datum)
	if datum != geo.WGS84 {
		// The shift can carry a vertex out of range (BD-09's offset applies everywhere)
		// or make close edges cross: what is stored must be valid itself.
		if err := geo.ValidatePolygonal(mp); err != nil {
			var ve *geo.ValidationError
			if errors.As(err, &ve) {
				return fail(code, ve.Reason, "in WGS-84, converted from %s: %s", datum, ve.Message)
			}
			return fail(code, "invalid_geometry", "%v", err)
		}
	}
	return TownshipInput{Code: code, Name: name, Geom: geo.NormalizeWindingMulti(mp)}, nil
}

// stringProperty reads a string property; a JSON number is accepted and written without
// exponent, since administrative codes such as 320281001 often arrive as numbers.
func stringProperty(p geojson.Properties, key string) (string, bool) {
	switch v := p[key].(type) {
	case string:
		return v, true
	case float64:
		if v == float64(int64(v)) {
			return strconv.FormatInt(int64(v), 10), true
		}
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case json.Number:
		return v.String(), true
	}
	return "", false
}

// convertDatum returns a copy of mp in WGS-84.
func convertDatum(mp orb.MultiPolygon, datum geo.Datum) orb.MultiPolygon {
	if datum == geo.WGS84 {
		return mp.Clone()
	}
	out := mp.Clone()
	for _, p := range out {
		for _, r := range p {
			for i := range r {
				r[i] = geo.ToWGS84(r[i], datum)
			}
		}
	}
	return out
}
