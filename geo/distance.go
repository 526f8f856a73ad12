package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// EarthRadiusMeters is the mean Earth radius R1 = (2a+b)/3 of the WGS-84
// ellipsoid, 6,371,008.8 m, used as the sphere radius of [DistanceMeters]
// and [Destination]. On this sphere the distances are within about 0.5% of
// the ellipsoidal ones, which is ample for patrol and hotspot work. Note
// that orb's own geo package uses the equatorial radius instead, so its
// distances are about 0.1% longer.
const EarthRadiusMeters = 6371008.8

// DistanceMeters returns the great-circle distance in metres between two
// WGS-84 [lon, lat] positions, by the haversine formula on a sphere of
// radius [EarthRadiusMeters].
func DistanceMeters(a, b orb.Point) float64 {
	phi1, phi2 := radians(a[1]), radians(b[1])
	dPhi := phi2 - phi1
	dLambda := radians(b[0] - a[0])
	sinPhi, sinLambda := math.Sin(dPhi/2), math.Sin(dLambda/2)
	h := sinPhi*sinPhi + math.Cos(phi1)*math.Cos(phi2)*sinLambda*sinLambda
	// Rounding can push h a hair above 1 for antipodal points.
	h = math.Min(h, 1)
	return 2 * EarthRadiusMeters * math.Asin(math.Sqrt(h))
}

// BearingDegrees returns the initial great-circle bearing from a to b, both
// WGS-84 [lon, lat], in degrees clockwise from true north in [0, 360). The
// bearing between coincident points is 0.
func BearingDegrees(a, b orb.Point) float64 {
	phi1, phi2 := radians(a[1]), radians(b[1])
	dLambda := radians(b[0] - a[0])
	y := math.Sin(dLambda) * math.Cos(phi2)
	x := math.Cos(phi1)*math.Sin(phi2) - math.Sin(phi1)*math.Cos(phi2)*math.Cos(dLambda)
	return normalizeDegrees(degrees(math.Atan2(y, x)), 0)
}

// Destination returns the WGS-84 [lon, lat] position reached by travelling
// distMeters along the great circle that leaves p at bearingDeg (degrees
// clockwise from north), on a sphere of radius [EarthRadiusMeters]. The
// longitude of the result is normalised to [-180, 180).
func Destination(p orb.Point, bearingDeg, distMeters float64) orb.Point {
	phi1, lambda1 := radians(p[1]), radians(p[0])
	theta := radians(bearingDeg)
	delta := distMeters / EarthRadiusMeters // angular distance
	sinPhi2 := math.Sin(phi1)*math.Cos(delta) + math.Cos(phi1)*math.Sin(delta)*math.Cos(theta)
	phi2 := math.Asin(math.Max(-1, math.Min(1, sinPhi2)))
	lambda2 := lambda1 + math.Atan2(
		math.Sin(theta)*math.Sin(delta)*math.Cos(phi1),
		math.Cos(delta)-math.Sin(phi1)*sinPhi2,
	)
	return orb.Point{normalizeDegrees(degrees(lambda2), -180), degrees(phi2)}
}

func radians(deg float64) float64 { return deg * math.Pi / 180 }
func degrees(rad float64) float64 { return rad * 180 / math.Pi }

// normalizeDegrees wraps deg into [lo, lo+360).
func normalizeDegrees(deg, lo float64) float64 {
	d := math.Mod(deg-lo, 360)
	if d < 0 {
		d += 360
	}
	// Mod of a tiny negative value plus 360 can round to exactly 360.
	if d >= 360 {
		d -= 360
	}
	return d + lo
}
