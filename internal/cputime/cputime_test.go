package cputime

import (
	"runtime"
	"testing"
)

func TestProcessGrowsWithWork(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("no getrusage here: Process is 0")
	}
	before := Process()
	x := 0
	for i := range 200_000_000 {
		x ^= i
	}
	if after := Process(); after <= before {
		t.Errorf("Process() = %v after a busy loop (%d), %v before: want more", after, x, before)
	}
}
