package evidence

import (
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/patrol/track"
)

func TestCheckPosition(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	// North along 120.22 E, 0.002° (about 222 m) in two minutes.
	fixes := []track.Point{
		{Time: t0, Pos: orb.Point{120.22, 31.839}},
		{Time: t0.Add(2 * time.Minute), Pos: orb.Point{120.22, 31.841}},
	}
	tests := []struct {
		name  string
		fixes []track.Point
		at    time.Duration
		p     orb.Point
		want  PositionCheck
	}{
		{"on the interpolated track", fixes, time.Minute, orb.Point{120.22, 31.840}, PositionOK},
		{"150 m off the track", fixes, time.Minute, orb.Point{120.2216, 31.840}, PositionOK},
		// Without interpolation the nearest fix is 111 m away; the track itself is 222 m.
		{"a fix's place, a minute later", fixes, time.Minute, orb.Point{120.22, 31.842}, PositionFar},
		{"after the last fix, within the window", fixes, 6 * time.Minute, orb.Point{120.22, 31.841}, PositionOK},
		{"1 km away", fixes, time.Minute, orb.Point{120.2306, 31.840}, PositionFar},
		{"beyond the window", fixes, 8 * time.Minute, orb.Point{120.22, 31.841}, PositionNoTrack},
		{"before the window", fixes, -6 * time.Minute, orb.Point{120.22, 31.839}, PositionNoTrack},
		{"no fixes", nil, 0, orb.Point{120.22, 31.84}, PositionNoTrack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, d := CheckPosition(tt.fixes, t0.Add(tt.at), tt.p)
			if got != tt.want {
				t.Errorf("CheckPosition(at +%v, %v) = %s (%.1f m), want %s", tt.at, tt.p, got, d, tt.want)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		contentType string
		want        Kind
		ok          bool
	}{
		{"image/jpeg", Photo, true},
		{"video/mp4", Video, true},
		{"audio/amr", Audio, true},
		{"application/ogg", Audio, true},
		{"application/pdf", Document, true},
		{"text/plain; charset=utf-8", Document, true},
		{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", Document, true},
		{"application/octet-stream", "", false},
		{"text/html; charset=utf-8", "", false},
		{";;", "", false},
	}
	for _, tt := range tests {
		if got, ok := KindOf(tt.contentType); got != tt.want || ok != tt.ok {
			t.Errorf("KindOf(%q) = %q, %t, want %q, %t", tt.contentType, got, ok, tt.want, tt.ok)
		}
	}
}
