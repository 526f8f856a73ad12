package planning

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// FuzzPlanRequest reads a POST /plans body as the handler does (DecodeJSON under the
// route's 64 KiB limit) and checks it with the request's rules. Failures are invalid or
// too_large; an accepted request has a squadron, a start, a duration in (0, 1440]
// minutes, a speed of 1 to 60 km/h, 1 to 50 officers, a dwell of 0 to 120 minutes and a
// detour factor of 1 to 3 when given, and no negative weight — so the solver's budget
// and speed are finite and positive. Seeds: f.Add below.
func FuzzPlanRequest(f *testing.F) {
	const limit = 64 << 10
	for _, s := range []string{
		`{"squadron":"sq1","start":"2026-11-27T08:00:00+08:00","duration_min":480,"speed_kmh":5,"officers":["o1","o2"],"dwell_min":5,"detour_factor":1.3,"weights":{"hotspot":1,"staleness":1,"blind_zone":0.5,"open_cases":1}}`,
		`{"squadron":"sq1","start":"2026-11-27T08:00:00Z","duration_min":0,"speed_kmh":5,"officers":["o1"]}`,
		`{"squadron":"sq1","start":"2026-11-27T08:00:00Z","duration_min":1e400,"speed_kmh":5,"officers":["o1"]}`,
		`{"squadron":"sq1","start":"2026-11-27T08:00:00Z","duration_min":60,"speed_kmh":0.5,"officers":["o1"]}`,
		`{"squadron":"sq1","start":"2026-11-27T08:00:00Z","duration_min":60,"speed_kmh":5,"officers":[]}`,
		`{"squadron":"sq1","start":"2026-11-27T08:00:00Z","duration_min":60,"speed_kmh":5,"officers":["o1"],"dwell_min":-1}`,
		`{"squadron":"sq1","start":"2026-11-27T08:00:00Z","duration_min":60,"speed_kmh":5,"officers":["o1"],"detour_factor":null}`,
		`{"squadron":"sq1","start":"2026-11-27T08:00:00Z","duration_min":60,"speed_kmh":5,"officers":["o1"],"weights":{"hotspot":-1}}`,
		`{"squadron":"sq1","start":"0001-01-01T00:00:00Z","duration_min":60,"speed_kmh":5,"officers":["o1"]}`,
		`{"squadron":"sq1","start":"9999-12-31T23:59:59Z","duration_min":1440,"speed_kmh":60,"officers":["o1"]}`,
		`{"squadron":"sq1","start":"yesterday","duration_min":60,"speed_kmh":5,"officers":["o1"]}`,
		`{"squadron":"sq1","duration_min":"60"}`, `{"route":[]}`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/plans", bytes.NewReader(body))
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, limit)
		var req Request
		err := httpx.DecodeJSON(r, &req)
		if err == nil {
			err = req.validate()
		}
		if err != nil {
			if c := apperr.CodeOf(err); c != apperr.Invalid && !(c == apperr.TooLarge && len(body) > limit) {
				t.Fatalf("plan body %q: error %v has code %s", body, err, c)
			}
			return
		}
		switch {
		case req.Squadron == "" || req.Start.IsZero():
			t.Fatalf("accepted a plan without squadron or start: %+v", req)
		case !(req.DurationMin > 0 && req.DurationMin <= 1440) || !(req.SpeedKmh >= 1 && req.SpeedKmh <= 60):
			t.Fatalf("accepted duration %v min, speed %v km/h", req.DurationMin, req.SpeedKmh)
		case len(req.Officers) < 1 || len(req.Officers) > 50:
			t.Fatalf("accepted %d officers", len(req.Officers))
		case req.DwellMin != nil && !(*req.DwellMin >= 0 && *req.DwellMin <= 120):
			t.Fatalf("accepted dwell %v", *req.DwellMin)
		case req.DetourFactor != nil && !(*req.DetourFactor >= 1 && *req.DetourFactor <= 3):
			t.Fatalf("accepted detour factor %v", *req.DetourFactor)
		case req.Weights != nil && (req.Weights.Hotspot < 0 || req.Weights.Staleness < 0 || req.Weights.Blind < 0 || req.Weights.Cases < 0):
			t.Fatalf("accepted weights %+v", *req.Weights)
		}
		if end := at(req.Start, req.DurationMin*60); !end.After(req.Start) {
			t.Fatalf("a shift from %v for %v min ends at %v", req.Start, req.DurationMin, end)
		}
	})
}
