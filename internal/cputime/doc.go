// Package cputime reads the CPU time this process has used, for benchmarks that report it
// besides wall time (which a busy machine inflates with waiting).
package cputime
