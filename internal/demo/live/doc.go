// Package live keeps the demo city alive in real time: about 300 phones on shift send
// fixes to a running server over HTTP, through the same endpoints real devices use (a fifth
// through the OsmAnd protocol, the rest through the JSON batch), the 12345 hotline files
// cases at the city's rate, and a few planned incidents make the alert rules fire within
// minutes: an SOS, an officer wandering out of their grid area, a phone going silent.
//
// The walk of each phone ([Walker]) is pure and deterministic for a seed; [Run] drives the
// walkers with the wall clock and stops when its context ends.
package live
