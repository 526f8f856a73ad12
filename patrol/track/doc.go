// Package track turns an officer's stored GPS fixes into the two things a
// patrol map shows: the lines walked or ridden ([Segments]) and the places
// where the officer stayed ([Stops]).
//
// Input is a [Point] slice of one officer, sorted by time, with positions in
// WGS-84 [lon, lat] (SRID 4326), as the store returns them after ingest has
// filtered out implausible fixes. Distances are great-circle distances in
// metres from the geo package ([geo.DistanceMeters]); simplification works in
// metres in a local projection, never in degrees.
//
// # Segments
//
// A track is cut wherever the phone was silent for longer than
// [SegmentOptions.MaxGap] (5 minutes by default: the phone was off, in a
// tunnel or out of battery) or the position jumped more than
// [SegmentOptions.MaxJumpM] (2 km by default) between two consecutive
// fixes, so that no line is drawn across a stretch nobody was seen on. A
// point whose time is earlier than its predecessor's also starts a new
// segment. A segment of a single point has no line but is still returned,
// so that the segments account for every input point.
//
// # Stops
//
// A stop (stay point, after Li et al., "Mining user similarity based on
// location history", ACM GIS 2008) is a maximal run of consecutive fixes
// that all lie within [StopOptions.RadiusM] (50 m) of the run's first fix,
// spans at least [StopOptions.MinDuration] (5 minutes) and has no silence
// longer than [StopOptions.MaxGap] (5 minutes) inside it. See [Stops] for
// the exact rule and how it differs from the paper.
//
// The package is pure Go: no database, no H3 library (a point's H3 cell is
// carried as the int64 the store keeps).
package track
