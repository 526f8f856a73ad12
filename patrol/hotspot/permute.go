package hotspot

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

const (
	// chunkCells is how many consecutive cells a worker takes at a time: large
	// enough to make the shared counter cheap, small enough to balance load
	// and to notice cancellation quickly.
	chunkCells = 512
	// linearMax is the largest neighbour count whose draws are checked for
	// repeats by scanning the draws so far; larger neighbourhoods use a
	// per-worker stamp array. Both accept and reject exactly the same draws,
	// so the choice changes speed, never results.
	linearMax = 16
)

// Permutations returns, for each cell, the two-sided pseudo p-value of its Gi*
// from r conditional permutations.
//
// For cell i with k = |N_i| neighbours, x_i stays in place and each
// permutation draws k values without replacement from the other n−1 cells.
// With x_i, the global mean and the SD fixed, Gi*_i depends on the draw only
// through its sum, so a permutation is extreme when its sum is at least as far
// from its expectation k·(Σx − x_i)/(n−1) as the observed neighbour sum (a
// folded, two-sided test, comparable with [PValue]). The result is
// (extreme+1)/(r+1). Cells with no neighbours, or with all other cells as
// neighbours, get 1: every draw reproduces the observation.
//
// Each cell has its own random stream, a function of (seed, i) only, so the
// p-values are the same for any number of workers (≤ 0 means
// runtime.GOMAXPROCS(0)). Errors wrap [ErrInvalidInput], [ErrZeroVariance] or,
// when ctx ends first, ctx.Err().
func Permutations(ctx context.Context, x []float64, nb Neighbors, r int, seed uint64, workers int) ([]float64, error) {
	if _, err := prepare(x, nb); err != nil {
		return nil, err
	}
	return permute(ctx, x, nb, r, seed, workers)
}

// permute is Permutations on validated input.
func permute(ctx context.Context, x []float64, nb Neighbors, r int, seed uint64, workers int) ([]float64, error) {
	if r < 1 {
		return nil, fmt.Errorf("%w: %d permutations", ErrInvalidInput, r)
	}
	n := len(x)
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, (n+chunkCells-1)/chunkCells)

	data := newPermData(x, r, seed)
	p := make([]float64, n)
	var next atomic.Int64 // index of the next chunk to hand out
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w := permuter{permData: data, linear: linearMax}
			for ctx.Err() == nil {
				start := int(next.Add(1)-1) * chunkCells
				if start >= n {
					return
				}
				for i := start; i < min(start+chunkCells, n); i++ {
					p[i] = w.pValue(i, nb[i])
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("hotspot permutations: %w", err)
	}
	return p, nil
}

// permData is what every worker reads and none writes.
type permData struct {
	x []float64
	// x32 is x stored as float32 when that is exact, as it is for counts: it
	// halves the memory the random reads touch. Sums are still float64 and in
	// the same order, so the results are identical to reading x.
	x32    []float32
	r      int     // permutations per cell
	seed   uint64  // caller's seed
	total  float64 // Σx
	maxAbs float64 // max |x|, to size the rounding tolerance
	reject uint32  // 2^32 mod (n−1): the low products Lemire's method rejects
}

// newPermData prepares x for r permutations per cell from seed.
func newPermData(x []float64, r int, seed uint64) *permData {
	d := &permData{x: x, r: r, seed: seed}
	x32 := make([]float32, len(x))
	exact := true
	for i, v := range x {
		d.total += v
		d.maxAbs = max(d.maxAbs, math.Abs(v))
		x32[i] = float32(v)
		exact = exact && float64(x32[i]) == v
	}
	if exact {
		d.x32 = x32
	}
	if m := uint32(len(x) - 1); m > 0 {
		d.reject = -m % m
	}
	return d
}

// permuter is the state of one permutation worker.
type permuter struct {
	*permData
	linear int // neighbourhoods up to this size (≤ linearMax) scan their draws
	rng    rand.PCG
	seen   []uint32 // seen[j] == stamp: j drawn in this permutation (large k)
	stamp  uint32
}

// pValue returns the pseudo p-value of cell i with neighbours nbrs.
func (w *permuter) pValue(i int, nbrs []int32) float64 {
	n, k := len(w.x), len(nbrs)
	if k == 0 || k >= n-1 {
		return 1
	}
	var observed float64
	for _, j := range nbrs {
		observed += w.x[j]
	}
	expected := float64(k) * (w.total - w.x[i]) / float64(n-1)
	// A draw of the same values as the observation, summed in another order,
	// may differ from it by rounding; such a draw must still count as extreme.
	tol := float64(k) * w.maxAbs * 1e-12
	limit := math.Abs(observed-expected) - tol

	w.rng.Seed(cellSeed(w.seed, i))
	var extreme int
	if w.x32 != nil {
		extreme = countExtreme(w, w.x32, i, k, expected, limit)
	} else {
		extreme = countExtreme(w, w.x, i, k, expected, limit)
	}
	return float64(extreme+1) / float64(w.r+1)
}

// countExtreme runs the r permutations of cell skip, which has k neighbours,
// and counts those whose sum is at least limit away from expected.
//
// Each permutation draws k distinct cells uniformly from all cells but skip:
// candidates come from [0, n−1), with the last cell standing in for skip, as
// uniform integers by Lemire's multiply-and-reject method ("Fast random
// integer generation in an interval", 2019) on 32-bit halves of PCG outputs;
// a candidate already drawn in this permutation is rejected. This is the hot
// path, written out in one function so the random bits stay in registers.
func countExtreme[T float32 | float64](w *permuter, x []T, skip, k int, expected, limit float64) int {
	var (
		last    = uint32(len(x) - 1)
		scan    = k <= w.linear
		bits    uint64
		spare   bool
		extreme int
	)
	for range w.r {
		var (
			sum   float64
			got   int
			small [linearMax]int32 // draws so far, when scanning
		)
		if !scan {
			w.nextStamp()
		}
		for got < k {
			var r uint32
			if spare {
				r, spare = uint32(bits>>32), false
			} else {
				bits = w.rng.Uint64()
				r, spare = uint32(bits), true
			}
			prod := uint64(r) * uint64(last)
			if uint32(prod) < w.reject {
				continue // accepting it would make some cells likelier than others
			}
			j := int32(prod >> 32)
			if int(j) == skip {
				j = int32(last)
			}
			if scan {
				if contains(small[:got], j) {
					continue
				}
				small[got] = j
			} else {
				if w.seen[j] == w.stamp {
					continue
				}
				w.seen[j] = w.stamp
			}
			sum += float64(x[j])
			got++
		}
		if math.Abs(sum-expected) >= limit {
			extreme++
		}
	}
	return extreme
}

// contains is slices.Contains, small enough to be inlined in countExtreme.
func contains(s []int32, v int32) bool {
	for _, e := range s {
		if e == v {
			return true
		}
	}
	return false
}

// nextStamp starts a permutation on the stamp path.
func (w *permuter) nextStamp() {
	if w.seen == nil {
		w.seen = make([]uint32, len(w.x))
	}
	w.stamp++
	if w.stamp == 0 { // wrapped: old stamps would look current
		clear(w.seen)
		w.stamp = 1
	}
}

// cellSeed derives the two PCG seed words of cell i from the caller's seed
// with the SplitMix64 finaliser, so neighbouring cells get unrelated streams.
func cellSeed(seed uint64, i int) (uint64, uint64) {
	a := mix64(seed ^ mix64(uint64(i)))
	return a, mix64(a ^ 0x6a09e667f3bcc909)
}

// mix64 is the SplitMix64 output function (Steele, Lea & Flood, 2014).
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
