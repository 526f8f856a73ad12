//go:build unix

package alert

import (
	"syscall"
	"time"
)

// cpuTime returns the user and system CPU time of this process so far: benchmarks report
// it besides the wall time, which a busy machine inflates with waiting.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
