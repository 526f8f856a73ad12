// Package casegen makes the enforcement cases of gridwatch's demo city, with
// their lifecycles: where and when they are reported, in which sector, from
// which source, and what the township bureau did about them. It is pure and,
// for a given seed, deterministic; it calls H3 (through cgo) to place cases in
// cells and clusters around a centre.
//
// The cases are built for the analytics to find something (see
// docs/analytics.md): Gi* hot spots over all cells, an emerging hot spot, and
// blind zones (监管盲区), townships that file no case outside the two core
// sectors.
//
// # How many, and where
//
// [Generate] files a Poisson number of cases with mean [Options.PerMonth] ×
// (to − from) / [Month] (700 a month by default, the seed's 8,693 cases of
// 2019 over 12 months: about 2,070 in 90 days). A share
// [Options.HotspotShare] (20 %) of the mean goes to [Options.Hotspots] (4)
// clusters in equal parts, the rest to the background.
//
// The background covers every cell of every township: a cell's weight is its
// township's activity, uniform in 0.75–1.25 per township, times a cell
// factor e^(0.25·N(0,1)). A blind township gets its full share, all of it core.
//
// A cluster is the k-ring (k = 2 or 3, even odds) around a random centre in
// a township that is not blind, restricted to cells of such townships, kept
// two rings away from the other clusters, and placed in distinct townships
// while there are enough. Within it a case falls in a cell at distance d from
// the centre with weight 1 − d/(k+1). With the defaults a cluster holds about
// 100 cases in 90 days, some 3 a cell on average for k = 3 and 5 for k = 2,
// against a city mean under 0.2. Fewer clusters than asked for are placed
// only when no free cell is left. The first
// cluster ([Result.HotspotCenters][0]) intensifies: its cases are reported
// with a density rising linearly from (1 − [Options.Trend]) to (1 + Trend)
// times its mean over the window (0.2× to 1.8× by default); the others keep
// a steady rate. Each cluster also has a theme, a non-core sector four times
// likelier there than elsewhere.
//
// A case's point is uniform in its cell's boundary polygon shrunk by 3 %
// towards the mean of its vertices, and checked, so h3.LatLngToCell gives the
// case's cell back.
//
// # Sectors and sources
//
// [Sectors] lists the 12 sectors of the domain documentation. A case in a
// township that is not blind is core (urban_management 70 %, work_safety
// 30 %) with chance [Options.CoreShare] (70 %); otherwise it is one of nine
// other sectors: eco_environment 20 %, market_regulation 18 %,
// natural_resources 14 %, housing_construction 12 %, health 8 %, agriculture
// 8 %, transport 7 %, labor 7 %, water 6 %. Every case of a blind township is
// core. No case is ever filed in [EmptySector] (fire), so 11 sectors are used.
//
// Sources: core cases come from patrol 60 %, the 12345 hotline 20 %, the
// citizen app 15 % and referrals 5 %; other cases from patrol 35 %, hotline
// 30 %, app 20 %, referral 15 %. Title and description are drawn from a few
// short Chinese texts per sector; the description starts with the source
// (网格巡查发现, 12345热线市民来电反映, …).
//
// # When
//
// Times are drawn in China Standard Time (UTC+8) and returned in UTC, whole
// seconds. A report day is drawn over the window, then an hour by the
// source's rhythm: patrols 08:00–17:00 with a lunch dip and an evening round
// until 21:00, half as many on weekends; the hotline and the app from early
// morning to late evening, the app more in the evening; referrals in office
// hours on weekdays.
//
// # Lifecycle
//
// Each case gets one officer, drawn uniformly among its township's officers,
// who does every step but close; the command center closes (Officer empty).
//
//   - assign: 1–10 min after the report for patrol cases (the finder takes
//     it); otherwise log-normal, median 20 min (σ = 0.9, 2 min to 8 h), and
//     when that falls outside 07:30–21:30 the next 07:30 plus up to 45 min.
//   - accept: log-normal, median 6 min (σ = 0.8, 30 s to 2 h) later.
//   - arrive (on site): 30–90 min later, uniform; 1–5 min for patrol cases.
//   - resolve: after arrival, a mixture of quick cases (log-normal, σ = 0.9;
//     median 3 h for core cases, 90 %; 8 h for others, 70 %) and slow ones
//     under investigation or a rectification deadline (σ = 0.6; median 2
//     days core, 5 days others), between 15 min and 30 days.
//   - refer (流转), instead of resolve, for a share [Options.ReferShare]
//     (12 %) of non-core cases: to the sector's department ([Departments],
//     such as 市生态环境局), log-normal median 2 h (σ = 0.8) after arrival,
//     or after accept for the 40 % referred without a visit, moved into
//     office hours (08:30–17:30).
//   - close: 20–52 h after resolve, or 1–3 days after refer, moved into
//     office hours.
//
// Events at or after to are left out, so recent cases are still open at to:
// about 1 % unresolved and 3 % not yet closed over 90 days with the
// defaults.
package casegen
