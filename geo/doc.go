// Package geo holds the pure geographic logic of gridwatch: datum
// conversion between WGS-84, GCJ-02 and BD-09, great-circle distances and
// bearings, and reading and validating the polygonal GeoJSON that describes
// townships and grid areas.
//
// Every position is an [orb.Point] in [lon, lat] order, in decimal degrees.
// Unless a name says otherwise the datum is WGS-84 (SRID 4326), which is
// what gridwatch stores. Positions from Chinese map SDKs arrive in GCJ-02
// (AMap, Tencent) or BD-09 (Baidu) and must go through [ToWGS84] before they
// are stored or compared with anything else.
//
// The package has no database, network or cgo dependency. It shares its
// name with github.com/paulmach/orb/geo; code that needs both imports orb's
// package as orbgeo.
package geo
