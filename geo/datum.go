package geo

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// Datum names the geodetic datum (coordinate system) a position is given in.
// All three datums use [lon, lat] in decimal degrees; they differ by an
// offset of up to several hundred metres inside China.
type Datum string

const (
	// WGS84 is the datum of raw GNSS receivers and of gridwatch storage
	// (SRID 4326).
	WGS84 Datum = "wgs84"
	// GCJ02 is the obfuscated datum mandated for maps published in China and
	// used by the AMap (Gaode) and Tencent map SDKs.
	GCJ02 Datum = "gcj02"
	// BD09 is Baidu's datum: GCJ-02 with a further Baidu-specific shift.
	BD09 Datum = "bd09"
)

// ErrUnknownDatum is wrapped by the error [ParseDatum] returns for a name it
// does not know; test for it with errors.Is.
var ErrUnknownDatum = errors.New("unknown datum")

// ParseDatum returns the Datum named by s, ignoring case. The empty string
// means WGS84, so that a client which declares nothing is taken to send raw
// GNSS positions. Any other name returns an error wrapping
// [ErrUnknownDatum] that lists the allowed values.
func ParseDatum(s string) (Datum, error) {
	if s == "" {
		return WGS84, nil
	}
	for _, d := range []Datum{WGS84, GCJ02, BD09} {
		if strings.EqualFold(s, string(d)) {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w %q: want one of %s, %s, %s (empty means %s)",
		ErrUnknownDatum, s, WGS84, GCJ02, BD09, WGS84)
}

// ToWGS84 converts p, a [lon, lat] position in datum d, to WGS-84 (SRID
// 4326). It panics if d is not one of the package's Datum constants: a
// datum that comes from outside must go through [ParseDatum] first.
func ToWGS84(p orb.Point, d Datum) orb.Point {
	switch d {
	case WGS84:
		return p
	case GCJ02:
		return GCJ02ToWGS84(p)
	case BD09:
		return BD09ToWGS84(p)
	}
	panic(fmt.Sprintf("geo.ToWGS84: unknown datum %q", string(d)))
}

// FromWGS84 converts p, a WGS-84 [lon, lat] position, to datum d. It panics
// if d is not one of the package's Datum constants: a datum that comes from
// outside must go through [ParseDatum] first.
func FromWGS84(p orb.Point, d Datum) orb.Point {
	switch d {
	case WGS84:
		return p
	case GCJ02:
		return WGS84ToGCJ02(p)
	case BD09:
		return WGS84ToBD09(p)
	}
	panic(fmt.Sprintf("geo.FromWGS84: unknown datum %q", string(d)))
}

// InChina reports whether p lies inside the rough rectangle, lon 72.004 to
// 137.8347 and lat 0.8293 to 55.8271 (degrees, bounds included), that the
// common GCJ-02 implementations use to decide whether to apply the shift.
// The rectangle is generous: it also covers Mongolia, the Korean peninsula,
// western Japan and much of South-East Asia, where real Chinese map SDKs do
// not shift. It is only meant to keep positions far from China unshifted;
// gridwatch's own area (Jiangyin) is deep inside it. A non-finite
// coordinate is reported as outside.
func InChina(p orb.Point) bool {
	lon, lat := p[0], p[1]
	return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271
}

// Parameters of the GCJ-02 shift. The shift is computed in metres with
// empirical formulas and turned into degrees on the Krasovsky 1940
// ellipsoid, as the published algorithm does.
const (
	krasovskyA  = 6378245.0              // semi-major axis, metres
	krasovskyE2 = 0.00669342162296594323 // first eccentricity squared
)

// WGS84ToGCJ02 converts a WGS-84 [lon, lat] position to GCJ-02. Positions
// outside [InChina] are returned unchanged. The conversion is the published
// closed-form one, exact to floating-point rounding.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	return gcj02Shift(p)
}

// gcjInverseTolDeg is the largest forward residual, in degrees, that the
// GCJ-02 inverse accepts: 1e-9° is 0.11 mm of latitude and at most 0.11 mm
// of longitude, well inside the documented 1 mm bound.
const gcjInverseTolDeg = 1e-9

// gcjInverseMaxIter caps the inverse iteration. Each step shrinks the error
// about a thousandfold, so over China 3 to 5 evaluations of the forward
// shift reach the tolerance; the cap only guards against pathological input.
const gcjInverseMaxIter = 20

// GCJ02ToWGS84 converts a GCJ-02 [lon, lat] position to WGS-84 (SRID 4326).
// GCJ-02 has no closed-form inverse, so the result w is found by fixed-point
// iteration until WGS84ToGCJ02(w) is within 1e-9° (about 0.1 mm) of p on
// each axis (at most 20 steps, a cap never reached over China); the
// round-trip error is thus below 1 mm, and so is the error of w itself
// because the shift varies slowly with position. Positions
// outside [InChina] are returned unchanged; within a few hundred metres of
// that rectangle's edges the two directions may disagree on whether to
// shift, which does not matter for gridwatch's area.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	w := p
	for range gcjInverseMaxIter {
		// The shift changes by only 1-2 mm per metre of position, so
		// subtracting the residual is a strong contraction. gcj02Shift is
		// used without the InChina test so the iteration stays smooth even
		// if w wanders across the rectangle's edge.
		g := gcj02Shift(w)
		dLon, dLat := g[0]-p[0], g[1]-p[1]
		if math.Abs(dLon) < gcjInverseTolDeg && math.Abs(dLat) < gcjInverseTolDeg {
			break
		}
		w = orb.Point{w[0] - dLon, w[1] - dLat}
	}
	return w
}

// gcj02OneStep is the usual one-step approximation of the GCJ-02 inverse,
// 2p - f(p), good to a few metres. It equals the first iterate of
// GCJ02ToWGS84 and is kept to check that against published vectors.
func gcj02OneStep(p orb.Point) orb.Point {
	g := gcj02Shift(p)
	return orb.Point{2*p[0] - g[0], 2*p[1] - g[1]}
}

// gcj02Shift applies the GCJ-02 offset to p without the InChina test.
func gcj02Shift(p orb.Point) orb.Point {
	lon, lat := p[0], p[1]
	// The empirical formulas are written around an origin at 105°E 35°N.
	x, y := lon-105.0, lat-35.0
	northM := gcjNorthMeters(x, y)
	eastM := gcjEastMeters(x, y)

	// Turn metres into degrees with the Krasovsky radii of curvature: the
	// meridian radius M for latitude, the prime-vertical radius N scaled
	// by cos(lat) for longitude.
	phi := lat * math.Pi / 180
	sin := math.Sin(phi)
	w := 1 - krasovskyE2*sin*sin
	meridianR := krasovskyA * (1 - krasovskyE2) / (w * math.Sqrt(w))
	parallelR := krasovskyA / math.Sqrt(w) * math.Cos(phi)
	return orb.Point{
		lon + eastM/parallelR*180/math.Pi,
		lat + northM/meridianR*180/math.Pi,
	}
}

// gcjNorthMeters is the empirical northward GCJ-02 offset, in metres, at
// (x, y) degrees from the 105°E 35°N origin.
func gcjNorthMeters(x, y float64) float64 {
	return -100 + 2*x + 3*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x)) +
		gcjRipple(x) +
		gcjWave(y, 20, 40, 160, 320)
}

// gcjEastMeters is the empirical eastward GCJ-02 offset, in metres, at
// (x, y) degrees from the 105°E 35°N origin.
func gcjEastMeters(x, y float64) float64 {
	return 300 + x + 2*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x)) +
		gcjRipple(x) +
		gcjWave(x, 20, 40, 150, 300)
}

// gcjRipple is the short-period longitude term shared by both offsets.
func gcjRipple(x float64) float64 {
	return (20*math.Sin(6*math.Pi*x) + 20*math.Sin(2*math.Pi*x)) * 2 / 3
}

// gcjWave is the sum of the four long-period sine terms of one offset, with
// periods of 2, 6, 24 and 60 degrees of t and amplitudes c1..c4.
func gcjWave(t, c1, c2, c3, c4 float64) float64 {
	return (c1*math.Sin(math.Pi*t)+c2*math.Sin(math.Pi*t/3))*2/3 +
		(c3*math.Sin(math.Pi*t/12)+c4*math.Sin(math.Pi*t/30))*2/3
}

// bdXPi is Baidu's angular constant, π·3000/180, from the published BD-09
// formulas.
const bdXPi = math.Pi * 3000 / 180

// Baidu's constant offset of BD-09 from GCJ-02, in degrees.
const (
	bdLonOffset = 0.0065
	bdLatOffset = 0.006
)

// GCJ02ToBD09 converts a GCJ-02 [lon, lat] position to BD-09 with Baidu's
// published formula. The shift is applied everywhere, also outside China,
// as the common implementations do.
func GCJ02ToBD09(p orb.Point) orb.Point {
	x, y := p[0], p[1]
	r := math.Hypot(x, y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return orb.Point{r*math.Cos(theta) + bdLonOffset, r*math.Sin(theta) + bdLatOffset}
}

// BD09ToGCJ02 converts a BD-09 [lon, lat] position to GCJ-02 with Baidu's
// published approximate inverse, which is what Baidu's own tools and the
// common libraries compute. It is not an exact inverse of [GCJ02ToBD09]: a
// round trip through both moves a point by up to about 0.2 m over China
// (0.25 m is the tested bound), far below the accuracy of phone positions.
func BD09ToGCJ02(p orb.Point) orb.Point {
	x, y := p[0]-bdLonOffset, p[1]-bdLatOffset
	r := math.Hypot(x, y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	return orb.Point{r * math.Cos(theta), r * math.Sin(theta)}
}

// WGS84ToBD09 converts a WGS-84 [lon, lat] position to BD-09 by way of
// GCJ-02; outside [InChina] only the BD-09 step applies.
func WGS84ToBD09(p orb.Point) orb.Point {
	return GCJ02ToBD09(WGS84ToGCJ02(p))
}

// BD09ToWGS84 converts a BD-09 [lon, lat] position to WGS-84 (SRID 4326)
// by way of GCJ-02, with the error bounds of [BD09ToGCJ02] and
// [GCJ02ToWGS84].
func BD09ToWGS84(p orb.Point) orb.Point {
	return GCJ02ToWGS84(BD09ToGCJ02(p))
}
