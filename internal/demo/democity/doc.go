// Package democity makes gridwatch's demo city: Jiangyin (江阴, Jiangsu) with its 17 real
// townships and sub-districts, but synthetic boundaries, squadrons and grid areas. Every
// function is pure and, for a given seed, deterministic.
//
// # Townships
//
// [Townships] lists the 10 towns (镇) and 7 sub-districts (街道) with their real 9-digit
// division codes and names, read from an extract of the AreaCity data set
// (github.com/xiangyuecn/AreaCity-JsSpider-StatsGov) embedded unchanged in data/, under
// its MIT licence ([License]).
//
// # Shapes
//
// The boundaries of [Shapes] are SYNTHETIC: they are not, and do not approximate
// closely, the real boundaries of Jiangyin or of its townships. They are made in three
// steps, in a plane of kilometres tangent at 31.84° N, 120.28° E:
//
//  1. A county outline of 987 km² (the real city's area), about 45 km east to west by
//     25 km north to south: a super-ellipse made irregular by random low harmonics of its
//     radius, with random meanders along its northern edge, the bank of the Yangtze. It
//     is star-shaped about its centre.
//  2. A seat for each township, placed by hand where the real township roughly lies
//     relative to the others (澄江 in the middle on the river; 夏港, 申港, 利港 and 璜土
//     along the river to the west; 月城, 青阳, 徐霞客 to the south; 华士, 周庄, 新桥,
//     长泾, 顾山, 祝塘 to the east and south-east), then moved up to 1 km at random, and
//     pulled towards the centre when needed until it lies inside the outline's kernel.
//  3. The Voronoi region of each seat, clipped to the outline.
//
// Because every seat sees the whole outline (it lies in the kernel), each clipped region
// is star-shaped about its seat, hence one connected polygon without holes. Each border
// vertex is computed once from what defines it (an outline vertex, the crossing of an
// outline edge with the bisector of two seats, or the point equidistant from three
// seats) and reused by every township that has it, so neighbours share their border
// vertices exactly, float64 for float64, and the townships tile the outline without gap
// or overlap.
//
// Areas quoted here and checked by the tests are on a sphere of the mean Earth radius
// (6,371,008.8 m), with each edge taken as straight in Lambert's cylindrical equal-area
// projection, as orb's geo.Area does (orb uses the equatorial radius); here that is within
// 0.1 % of the area on the WGS-84 ellipsoid. The whole city measures 987 ± 1 km² that way.
//
// # Squadrons and grid areas
//
// [Partition] divides one township, as H3 cells, among its squadrons (执法中队) and each
// squadron's share into grid areas (网格) of a bounded number of cells, contiguous and
// compact; see its documentation for the method and for what happens to small or
// fragmented townships. Naming them is left to the caller.
//
// The package calls H3 through cgo (github.com/uber/h3-go/v4).
package democity
