//go:build !unix

package bench

import "time"

// cpuTime returns 0: the soak reads CPU time with getrusage, on Unix only.
func cpuTime() time.Duration { return 0 }

// backendCPU returns nothing: it reads /proc.
func backendCPU(string) map[int]time.Duration { return nil }

// processCPU reports nothing: it reads /proc.
func processCPU(int) (time.Duration, bool) { return 0, false }
