//go:build unix

package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of CPU times in /proc/PID/stat: USER_HZ, 100 on every Linux
// architecture Go runs on.
const clockTick = 10 * time.Millisecond

// backendCPU returns the CPU time used so far by the PostgreSQL backends serving
// database, keyed by process ID, when the server runs on this machine and /proc shows
// its processes (as for scripts/devdb); otherwise nothing. A backend's process title is
// "postgres: USER DATABASE HOST(PORT) STATE".
func backendCPU(database string) map[int]time.Duration {
	out := map[int]time.Duration{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		cmd, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil || !bytes.HasPrefix(cmd, []byte("postgres: ")) {
			continue
		}
		f := strings.Fields(string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))
		if len(f) < 3 || f[2] != database {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil {
			continue
		}
		if t, ok := statCPU(dir); ok {
			out[pid] = t
		}
	}
	return out
}

// processCPU returns the CPU time used so far by process pid, when /proc shows it.
func processCPU(pid int) (time.Duration, bool) {
	return statCPU(filepath.Join("/proc", strconv.Itoa(pid)))
}

// statCPU reads the user and system CPU time of the process whose /proc directory is
// dir.
func statCPU(dir string) (time.Duration, bool) {
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return 0, false
	}
	// The fields after the command name, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	rest := strings.Fields(string(stat[i+1:]))
	if len(rest) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(rest[11], 10, 64)
	stime, err2 := strconv.ParseInt(rest[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * clockTick, true
}
