// Package draw is the verifiable random draw of 双随机一公开: which units (inspection
// targets, case files) are drawn from a frozen pool, and which inspectors go to each,
// as a pure function of a secret seed, the pools and the rules. A draw is published
// first with the SHA-256 of its seed (the commitment); the seed is revealed when it is
// drawn, and anyone holding the public record recomputes the result with Verify, or with
// the stand-alone script of docs/draws.md, which follows the same specification.
//
// The package holds no database and no HTTP: patrol/inspection keeps draws and serves
// them, cmd/gridwatch verify-draw reads a public record.
package draw
