package civil

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDateOf(t *testing.T) {
	for _, tc := range []struct {
		name, instant, want string
	}{
		{"morning in China is the same day", "2026-10-01T00:30:00Z", "2026-10-01"},
		{"after 16:00 UTC is the next day in China", "2026-09-30T16:00:00Z", "2026-10-01"},
		{"just before China's midnight", "2026-09-30T15:59:59Z", "2026-09-30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, _ := time.Parse(time.RFC3339, tc.instant)
			if got := DateOf(at).String(); got != tc.want {
				t.Errorf("DateOf(%s) = %s, want %s", tc.instant, got, tc.want)
			}
		})
	}
}

func TestDateJSON(t *testing.T) {
	var d Date
	if err := json.Unmarshal([]byte(`"2025-10-11"`), &d); err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(d.AddDays(1)); string(b) != `"2025-10-12"` {
		t.Errorf("Marshal(AddDays(1)) = %s, want \"2025-10-12\"", b)
	}
	for _, bad := range []string{`"2025-13-01"`, `20251011`, `"11/10/2025"`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s) succeeded, want an error", bad)
		}
	}
}
