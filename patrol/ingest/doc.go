// Package ingest turns officers' GPS position reports into plausible fixes:
// it parses the three ways positions arrive and filters out the ones a
// careful tracking server would not store.
//
// The sources, each parsed without a database or network:
//
//   - [ParseOsmAnd]: the OsmAnd protocol as Traccar Client sends it to
//     /osmand/{key}, query or form parameters (speed in knots) or the JSON
//     body of Traccar Client 9 (one location, or an array of them);
//   - [ParseBatch]: the JSON body of POST /api/v1/positions, parsed item
//     by item so that one bad item does not sink the batch;
//   - [ParseGPX]: a GPX 1.0 or 1.1 track, streamed, for
//     POST /api/v1/officers/{id}/gpx.
//
// Every parser returns [Fix] values whose Point is WGS-84 [lon, lat]
// (SRID 4326): positions declared in GCJ-02 or BD-09 are converted with
// the geo package, and Fix.Datum records what was sent. Times are UTC.
// Unknown optional readings (accuracy, speed, heading, altitude, battery)
// are nil pointers, never 0.
//
// # Refusals
//
// A refusal has a stable [Code]. An upload that cannot be read at all is
// an *[Error] (or a *[TooManyError] over the caller's item limit); the HTTP
// layer maps CodeTooLarge and CodeTooMany to 413 and the rest to 400. One
// item of a batch or GPX document that cannot be parsed is a [Rejection]
// carrying the item's index, and the others go on.
//
// # Filtering
//
// [Check] decides whether one fix is plausible: coordinates on Earth and
// not (0, 0), a time neither in the future nor too old, an accuracy good
// enough, and a speed from the previous accepted fix that an officer can
// reach. [Filter] runs it over one officer's upload in time order and
// keeps the original indices in its rejections. The limits are in
// [FilterConfig]. Duplicates (same officer, same time) are the store's
// business.
package ingest
