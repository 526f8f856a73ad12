//go:build !unix

package cputime

import "time"

// Process returns 0: CPU time is read with getrusage, on Unix only.
func Process() time.Duration { return 0 }
