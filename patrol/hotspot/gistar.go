package hotspot

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// ErrZeroVariance is returned when every value analysed is the same, so Gi* is
// undefined (0/0). HTTP handlers should map it to 422 Unprocessable Content.
var ErrZeroVariance = errors.New("hotspot: all values are equal, so Gi* is undefined")

// ErrInvalidInput is wrapped by every error about malformed arguments: length
// mismatches, neighbour indices out of range, repeated or equal to the cell
// itself, NaN or infinite values, no cells, a negative permutation count. It
// points at a caller bug or a bad request (400/422), never at the data.
var ErrInvalidInput = errors.New("hotspot: invalid input")

// Neighbors holds, for each cell i = 0..n-1, the indices of its neighbours,
// excluding i itself: typically the cell's H3 k-ring restricted to the study
// area, minus the cell. Every listed neighbour has weight 1; Gi* always adds
// the cell itself (binary weights, star form). Lists need not be symmetric
// or sorted, but an index may appear only once per list.
type Neighbors [][]int32

// validate checks that nb describes n cells.
func (nb Neighbors) validate(n int) error {
	if len(nb) != n {
		return fmt.Errorf("%w: %d neighbour lists for %d cells", ErrInvalidInput, len(nb), n)
	}
	// last[j] == i+1 when j was already listed for cell i: duplicate detection
	// in O(total neighbours) without sorting the caller's lists.
	last := make([]int32, n)
	for i, list := range nb {
		for _, j := range list {
			switch {
			case j < 0 || int(j) >= n:
				return fmt.Errorf("%w: neighbour %d of cell %d is outside [0, %d)", ErrInvalidInput, j, i, n)
			case int(j) == i:
				return fmt.Errorf("%w: cell %d lists itself as a neighbour", ErrInvalidInput, i)
			case last[j] == int32(i+1):
				return fmt.Errorf("%w: cell %d lists neighbour %d twice", ErrInvalidInput, i, j)
			}
			last[j] = int32(i + 1)
		}
	}
	return nil
}

// moments are the global statistics Gi* compares every neighbourhood with.
type moments struct {
	n    int     // number of values (cells, or bins of a cube)
	mean float64 // x̄
	sd   float64 // population standard deviation S
}

// momentsOf returns the moments of all values in rows, rejecting non-finite
// values, empty input and constant input.
func momentsOf(rows ...[]float64) (moments, error) {
	var (
		n      int
		sum    float64
		lo, hi = math.Inf(1), math.Inf(-1)
	)
	for t, row := range rows {
		for i, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				if len(rows) > 1 {
					return moments{}, fmt.Errorf("%w: value %v at step %d, cell %d", ErrInvalidInput, v, t, i)
				}
				return moments{}, fmt.Errorf("%w: value %v at cell %d", ErrInvalidInput, v, i)
			}
			sum += v
			lo, hi = min(lo, v), max(hi, v)
		}
		n += len(row)
	}
	if n == 0 {
		return moments{}, fmt.Errorf("%w: no cells", ErrInvalidInput)
	}
	// Test equality directly: a computed SD of equal values can come out as a
	// tiny non-zero number (the mean of 0.1, 0.1, 0.1 is not exactly 0.1).
	if lo == hi {
		return moments{}, ErrZeroVariance
	}
	mean := sum / float64(n)
	// Two passes (Σ(x−x̄)²/n) rather than Σx²/n − x̄²: the same quantity, without
	// the cancellation of the one-pass form.
	var ss float64
	for _, row := range rows {
		for _, v := range row {
			d := v - mean
			ss += d * d
		}
	}
	return moments{n: n, mean: mean, sd: math.Sqrt(ss / float64(n))}, nil
}

// z converts the sum of a neighbourhood of w values (self included; binary
// weights, so W = S1 = w) to the Gi* z-score.
func (m moments) z(sum float64, w int) float64 {
	n, wf := float64(m.n), float64(w)
	den := m.sd * math.Sqrt((n*wf-wf*wf)/(n-1))
	if den == 0 {
		// w == n: the neighbourhood is everything, its sum is the total, and
		// there is nothing to compare it with.
		return 0
	}
	return (sum - m.mean*wf) / den
}

// starSums sets dst[i] = x_i + Σ_{j∈N_i} x_j and returns dst.
func starSums(dst, x []float64, nb Neighbors) []float64 {
	for i, list := range nb {
		s := x[i]
		for _, j := range list {
			s += x[j]
		}
		dst[i] = s
	}
	return dst
}

// prepare validates x and nb together and returns the moments of x.
func prepare(x []float64, nb Neighbors) (moments, error) {
	if err := nb.validate(len(x)); err != nil {
		return moments{}, err
	}
	return momentsOf(x)
}

// GiStar returns the Getis-Ord Gi* z-score of every cell of x, with binary
// weights over each cell and its neighbours nb, and the global mean and
// population SD of x. It returns an error wrapping [ErrInvalidInput] for
// malformed input and [ErrZeroVariance] when all values are equal.
func GiStar(x []float64, nb Neighbors) ([]float64, error) {
	m, err := prepare(x, nb)
	if err != nil {
		return nil, err
	}
	return giStar(x, nb, m), nil
}

// giStar is GiStar on validated input.
func giStar(x []float64, nb Neighbors, m moments) []float64 {
	z := starSums(make([]float64, len(x)), x, nb)
	for i := range z {
		z[i] = m.z(z[i], len(nb[i])+1)
	}
	return z
}

// PValue returns the two-sided p-value of a standard normal z-score,
// P(|Z| ≥ |z|) = erfc(|z|/√2).
func PValue(z float64) float64 {
	return math.Erfc(math.Abs(z) / math.Sqrt2)
}

// Options tunes [Analyze]. The zero value is the documented default: analytic
// p-values, Benjamini–Hochberg FDR control, all cores.
type Options struct {
	// Permutations is the number R of conditional permutations per cell; 0
	// uses the analytic normal p-value. The smallest pseudo p-value is
	// 1/(R+1): R = 999 gives 0.001, which BH over many cells may not bring
	// below 0.01, so large areas need larger R to reach the 99 % bin.
	Permutations int
	// Seed makes permutation p-values reproducible: the same seed, data and
	// neighbours give the same p-values, whatever Workers is.
	Seed uint64
	// Workers is the number of goroutines for permutations; ≤ 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// NoFDR bins cells from their raw p-values instead of the
	// Benjamini–Hochberg adjusted ones. FDR control is the default.
	NoFDR bool
}

// Result holds the hot spot statistics of every cell, indexed like the input.
type Result struct {
	Z    []float64 // Gi* z-score; its sign says hot (+) or cold (−)
	P    []float64 // two-sided p-value: normal, or pseudo p from permutations
	PFDR []float64 // Benjamini–Hochberg adjusted P over all cells of the result
	Bin  []int     // ArcGIS Gi_Bin −3..3, from PFDR (default) or from P
	Mean float64   // global mean x̄ the neighbourhoods were compared with
	SD   float64   // global population standard deviation S
}

// newResult bins z and p into a Result.
func newResult(z, p []float64, m moments, fdr bool) Result {
	q := AdjustBH(p)
	src := q
	if !fdr {
		src = p
	}
	bin := make([]int, len(z))
	for i := range z {
		bin[i] = Bin(z[i], src[i])
	}
	return Result{Z: z, P: p, PFDR: q, Bin: bin, Mean: m.mean, SD: m.sd}
}

// Analyze runs a complete Gi* hot spot analysis of x over the neighbours nb:
// z-scores, p-values (analytic, or from opts.Permutations conditional
// permutations), Benjamini–Hochberg adjusted p-values and bins. Z is always
// the analytic Gi*; permutations change only P, and through it PFDR and Bin.
// ctx cancels permutations. Errors wrap [ErrInvalidInput], [ErrZeroVariance]
// or ctx.Err().
func Analyze(ctx context.Context, x []float64, nb Neighbors, opts Options) (Result, error) {
	if opts.Permutations < 0 {
		return Result{}, fmt.Errorf("%w: %d permutations", ErrInvalidInput, opts.Permutations)
	}
	m, err := prepare(x, nb)
	if err != nil {
		return Result{}, err
	}
	z := giStar(x, nb, m)
	var p []float64
	if opts.Permutations > 0 {
		p, err = permute(ctx, x, nb, opts.Permutations, opts.Seed, opts.Workers)
		if err != nil {
			return Result{}, err
		}
	} else {
		p = make([]float64, len(z))
		for i, zi := range z {
			p[i] = PValue(zi)
		}
	}
	return newResult(z, p, m, !opts.NoFDR), nil
}
