//go:build !unix

package bench

import "time"

// backendCPU returns nothing: it reads /proc.
func backendCPU(string) map[int]time.Duration { return nil }

// processCPU reports nothing: it reads /proc.
func processCPU(int) (time.Duration, bool) { return 0, false }
