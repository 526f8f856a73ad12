package cluster

import (
	"encoding/json"
	"math"
	"strconv"
)

// appendPosition appends p's JSON, byte for byte what json.Marshal writes, to b; ok is
// false when json.Marshal fails (a coordinate that is not finite). Positions are most of
// what instances send, and encoding/json's reflection was a twentieth of the process's
// CPU in batched ingest: the usual values (plain ASCII, coordinates in degrees) are
// written here, anything else by encoding/json.
func appendPosition(b []byte, p Position) (out []byte, ok bool) {
	if !plainJSON(p.Officer) || !plainJSON(p.Township) || !plainJSON(p.H3) || !plainFloat(p.Lon) || !plainFloat(p.Lat) {
		j, err := json.Marshal(p)
		if err != nil {
			return b, false
		}
		return append(b, j...), true
	}
	b = append(b, `{"i":"`...)
	b = append(b, p.Officer...)
	b = append(b, `","t":"`...)
	b = append(b, p.Township...)
	b = append(b, `","x":`...)
	b = strconv.AppendFloat(b, p.Lon, 'f', -1, 64)
	b = append(b, `,"y":`...)
	b = strconv.AppendFloat(b, p.Lat, 'f', -1, 64)
	b = append(b, `,"m":`...)
	b = strconv.AppendInt(b, p.TimeMs, 10)
	b = append(b, `,"h":"`...)
	b = append(b, p.H3...)
	return append(b, `"}`...), true
}

// plainJSON reports whether json.Marshal writes s as it is between quotes: printable
// ASCII without the characters it escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// plainFloat reports whether json.Marshal writes f in strconv's 'f' format: finite, zero
// or with a magnitude from 1e-6 to 1e21.
func plainFloat(f float64) bool {
	a := math.Abs(f)
	return a == 0 || (a >= 1e-6 && a < 1e21)
}
