package httpx

import "testing"

func TestFormatBytes(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{20 << 20, "20 MiB"}, {512 << 10, "512 KiB"}, {1000, "1000 bytes"}, {1<<20 + 1, "1048577 bytes"}} {
		if got := FormatBytes(tt.n); got != tt.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
