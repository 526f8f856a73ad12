package analytics

import (
	"testing"
	"time"
)

func TestDayWindow(t *testing.T) {
	china := time.FixedZone("CST", 8*3600)
	for _, tt := range []struct {
		name     string
		from, to time.Time
		want     string
	}{
		{"China midnights", time.Date(2024, 3, 1, 0, 0, 0, 0, china), time.Date(2024, 3, 11, 0, 0, 0, 0, china), "2024-03-01–2024-03-11"},
		{"ending inside a day counts it", time.Date(2024, 3, 1, 0, 0, 0, 0, china), time.Date(2024, 3, 10, 9, 0, 0, 0, china), "2024-03-01–2024-03-11"},
		{"UTC midnight is 08:00 in China", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC), "2024-03-01–2024-03-03"},
		{"a second after a China midnight", time.Date(2024, 2, 29, 16, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 16, 0, 1, 0, time.UTC), "2024-03-01–2024-03-03"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from, to := dayWindow(tt.from, tt.to)
			if got := from.String() + "–" + to.String(); got != tt.want {
				t.Errorf("dayWindow(%s, %s) = %s, want %s", tt.from, tt.to, got, tt.want)
			}
		})
	}
}
