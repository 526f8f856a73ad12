// Package citustest holds the tests that need a Citus cluster (scripts/citus), built with
// the tag citus and run by `make test-citus` (scripts/test-citus): the plans of township-
// scoped and city-wide requests, a worker stopped under a running server, and the demo
// city's answers compared with a single node's. Without the tag the package is empty.
package citustest
