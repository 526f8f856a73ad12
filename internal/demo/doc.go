// Package demo loads the synthetic demo city into a database: the 17 townships of
// Jiangyin with synthetic shapes (package democity), their H3 cells, three squadrons
// each and grid areas of 50–150 cells covering every cell; a day of patrols (package
// simulate) and 90 days of cases (package casegen) sent through the real stores.
// Loading is idempotent: a second run re-imports the same shapes and keeps what exists.
//
// The generators live below this package, beside the benchmarks of internal/bench and
// away from the domain tree: they import the domain packages (grid, patrol/...) and no
// domain package imports them, not even in its tests. Tests and benchmarks that need the
// whole demo city (the analytics on it, the grid import and locate benchmarks) live here
// for the same reason.
package demo
