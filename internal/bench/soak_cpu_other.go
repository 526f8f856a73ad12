//go:build !unix

package bench

import "time"

// backendCPU returns nothing: it reads /proc.
func backendCPU(string) map[int]time.Duration { return nil }
