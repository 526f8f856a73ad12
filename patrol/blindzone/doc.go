// Package blindzone finds supervision blind zones (监管盲区): units where
// officers patrol but no case outside the two core sectors is ever filed, units
// nobody patrols, and units with neither patrol nor cases (双空白, "double
// blank").
//
// The package is pure computation: no database, no H3. A unit is whatever the
// caller aggregates — a township, a grid area or a cell neighbourhood — given as
// a [Unit] with its area, its patrol effort and its case counts by sector over
// one time window. Pass every unit of the study area, including those with no
// patrol and no case: they are exactly what this package exists to show.
//
// # Cases
//
// Sectors marked [Sector.Core] (urban_management and work_safety) give
// cases_core; every other sector gives cases_other. The test is about
// cases_other: core cases are filed everywhere a bureau works, so only the
// other sectors show whether patrol actually reaches beyond them.
//
// # Exposure
//
// Cases are compared with the patrol effort that could have found them. To
// mix units measured in different ways, exposure is expressed in one basis:
// patrol hours whenever any unit has patrol hours, else patrol visits when any
// unit has visits, else area in km². A unit's exposure is its own measure
// converted to the basis with a city-wide ratio, taking the first that applies:
//
//  1. patrol hours, when positive: used as they are ([FromHours]);
//  2. patrol visits, when positive: visits × (Σ hours / Σ visits over the
//     units that have both), the average hours of a visit ([FromVisits]) —
//     coverage counts a visit with zero dwell when an officer passes a cell
//     with a single fix, so small units can have visits and no hours;
//  3. area: AreaKm2 × (Σ hours / Σ area over the units that have hours and
//     area), the patrol density of the patrolled city ([FromArea]).
//
// With hours as the basis, exposure is thus "hours-equivalent": an unpatrolled
// unit counts as if it had been patrolled as densely as the patrolled units
// are on average, so its expectation is what the city's patrol would have
// found there. With visits as the basis, step 1 is skipped and step 3 uses
// Σ visits / Σ area; with area as the basis, exposure is the area. A ratio
// whose denominator is zero is skipped; a unit none of whose measures can be
// converted gets exposure 0. The conversion ratios use every unit, including
// the one being tested: they calibrate units of measure, not case rates.
//
// # Expectation and p-value
//
// For unit u the rate of non-core cases is leave-one-out — u's own cases and
// exposure are taken out, so a silent unit cannot lower its own expectation
// nor a busy one raise it:
//
//	r_u = (Σ_v cases_other_v − cases_other_u) / (Σ_v exposure_v − exposure_u)
//	expected_other_u = r_u × exposure_u
//	p_absence_u = P(N ≤ cases_other_u), N ~ Poisson(expected_other_u)
//
// With no case observed, p_absence = e^(−expected). When no other unit has
// exposure, r_u is undefined: expected_other is 0 and p_absence 1.
// [PoissonCDF] computes the lower tail through the regularized upper
// incomplete gamma function, accurate for large expectations too.
//
// p-values are adjusted with Benjamini–Hochberg ([hotspot.AdjustBH]) within
// the family of units the sector gap test applies to: the patrolled units.
// Units without patrol are adjusted among themselves, for information only;
// mixing them in would let their (expectedly) tiny p-values loosen the
// correction for the patrolled units.
//
// # Kinds
//
// A unit is patrolled when it has at least one visit or positive patrol hours.
// Its [Kind] is the first of these that applies:
//
//  1. [DoubleBlank]: not patrolled and no case at all, core or other;
//  2. [SectorGap]: patrolled, fewer non-core cases than expected, and the
//     BH-adjusted p_absence below [Options.Alpha] (default 0.05);
//  3. [PatrolGap]: not patrolled (but some case);
//  4. [None].
//
// A sector gap needs patrol and the other two exclude it, so the order only
// decides that a double blank is not also reported as a patrol gap.
//
// [Result.SectorsMissing] lists, for every unit whatever its kind, the
// non-core sectors with no case in the unit although their own leave-one-out
// expectation (that sector's rate over the other units × exposure) is at least
// [Options.MinExpected] (default 3). [Result.Reason] says in one sentence why
// the unit got its kind, with the numbers behind it.
package blindzone
