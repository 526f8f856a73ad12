// Package simulate makes realistic days of patrol GPS fixes for the demo:
// officers walking or riding e-bikes through their grid areas, with stops,
// a lunch break, GPS error and the occasional bad fix. It is pure and, for
// a given seed, deterministic; it calls H3 (through cgo) only to read the
// officers' areas.
//
// [Day] simulates a [Shift] of several [Officer] values and returns
// [ingest.Fix] values as a phone would send them: WGS-84 positions, UTC
// times, accuracy, speed, course, altitude and battery.
//
// # Where officers go
//
// An officer patrols only part of the area: a compact patch of
// [Options.CoverageFraction] of its cells (75 % by default), grown from the
// cell of [Officer.Base] by Eden growth (each step takes a random cell next
// to the patch, cells with more neighbours in the patch much likelier, so
// that it grows round and without holes). The patch depends on the officer's ID, area, base and the
// coverage fraction, not on the day's seed, so an officer keeps to the same
// beat day after day and the rest of the area (and the city) stays
// unvisited across a demo of many days: the blind zones the demo must show.
//
// Within the patch the officer goes from target to target: the next target
// is drawn among the three nearest patch cells not yet passed in the
// current lap (a new lap starts when all were), and the trip ends at a
// point within 30 % of the cell size from its centre. The trip follows the
// shortest chain of neighbouring patch cells, pulled straight wherever a
// straight line keeps clear of every cell outside the patch, with a few
// metres of lateral wander on each straight leg. Positions therefore never
// leave the patch except by GPS error; an area in several pieces is the
// exception, between whose pieces the officer rides straight. Each trip
// has a speed drawn in the mode's range (1.1–1.5 m/s on foot, 4–6 m/s on
// an e-bike). Travel to and from the post is not simulated.
//
// # Time
//
// A fix is taken at the shift's start and then every 5 to 10 s (uniform,
// whole milliseconds). 2 to 6 stops of 5 to 25 minutes are planned at
// random times; a stop is made at the first target reached after its time
// at which it fits before the lunch break or the end of the shift. Shifts
// of at least [MinLunchShift] (and at least twice Options.LunchMax) have a
// lunch break of 30 to 60 minutes near their middle, during which the
// phone is off: no fixes, and the officer resumes from where the break
// began. Stops and lunch together take at most
// half the shift.
//
// # Readings
//
// GPS error is a first-order autoregressive (Gauss–Markov) offset with a
// 30 s correlation time and 4 m standard deviation per axis; a spell of
// poor reception (chance 0.2 % per fix) raises it to 20–40 m for 1 to 4
// minutes. The error is capped at 3.5 standard deviations, and the accuracy
// reported is the 68 % radius of the current error (1.51 σ, ±20 %), so a
// fix is never more than 2.9 times its accuracy from the truth. Speed is
// the trip's speed ±5 % with the course of the path ±3° while moving, and a
// small speed without a course while still. Battery starts at 70–100 % and
// falls 4–8 % an hour while the phone is on, in whole percent.
//
// # Bad fixes
//
// With chance 0.2 % per fix ([Options.BadFixProb]) the device sends a bad
// fix instead of the good one, of one of four kinds, each refused by
// [ingest.Check] with its default [ingest.FilterConfig]: (0, 0) with no
// readings (zero_coordinates); a position 5 km off, only within 60 s of the
// last good fix (implied_speed); a time 1024 weeks ahead, a GPS
// week-rollover bug (future_time); a cell-tower fix of 500–2000 m accuracy
// (low_accuracy). A fix with a future time is placed after the officer's
// other fixes, so that each officer's fixes stay in time order. Every good
// fix passes Check against the previous good fix: the options are bounded
// ([MaxSigmaM], [MaxSpeedMS]) so that it does.
package simulate
