// Package plan plans patrol shifts: given the cells (sites) of a squadron's
// area, each with a priority (built by the caller from hot spot z, staleness,
// blind-zone flags and open cases) and a dwell time, and the officers of the
// shift with their start positions, it chooses for every officer an ordered
// list of sites so that the total priority collected within the shift is as
// large as possible. This is the team orienteering problem.
//
// The package is pure computation: no database, no H3. Positions are WGS-84
// [lon, lat] (SRID 4326). Times are seconds from the start of the shift.
//
// # Model
//
// A route starts at its officer's start position and need not return there
// (open routes): an officer ends the shift wherever the last stop is. A route
// is feasible when the arrival at its last stop plus that stop's dwell time is
// at most the budget. No site is visited twice, by the same or by different
// officers, and a site's priority is collected once. Sites with zero priority
// are never visited.
//
// Travel time between two points defaults to the great-circle distance
// ([geo.DistanceMeters]) times a detour factor (1.3 unless set) divided by the
// speed; [Problem.Travel] replaces it, for instance with a road-network time.
//
// # Solvers
//
// [Solve] is the heuristic meant for production: a greedy insertion
// construction followed by an iterated local search (2-opt, relocation and
// swaps between officers, insertion of unvisited sites, replacement of
// low-priority sites, ruin-and-recreate perturbations). It is deterministic
// for the same problem and seed. [Greedy] (nearest neighbour) and
// [BestRandom] are baselines to measure it against, and [Exact] solves small
// single-officer problems optimally, to measure its gap.
package plan
