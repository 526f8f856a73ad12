package bench

import "math"

func cosine(a float64) float64 { return math.Cos(a) }
func sine(a float64) float64   { return math.Sin(a) }

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }
