package simulate

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/patrol/ingest"
	"github.com/paulmach/orb"
)

// Constants of the motion and error models.
const (
	// noiseTauS is the correlation time of the GPS error, seconds: the
	// error of consecutive fixes is much alike, as a receiver's is.
	noiseTauS = 30.0
	// accuracyPerSigma turns the error's standard deviation per axis into
	// the accuracy a phone reports, the radius holding 68 % of fixes:
	// sqrt(-2 ln 0.32) for a circular Gaussian error.
	accuracyPerSigma = 1.5096
	// noiseClamp caps the error at this many standard deviations, so that
	// a fix is never farther from the truth than 2.9 times its accuracy.
	noiseClamp = 3.5
	// headingSigmaDeg and speedRelSigma are the errors of the reported
	// course and speed.
	headingSigmaDeg = 3.0
	speedRelSigma   = 0.05
	// stillSpeedSigmaMS is the spread of the small speeds a phone reports
	// when standing still.
	stillSpeedSigmaMS = 0.1
	// wanderMaxM is the largest lateral wander off a straight leg, metres,
	// and wanderPerCircum its cap relative to the cell size; the margin
	// kept from unpatrolled cells is the wander plus marginPerCircum.
	wanderMaxM      = 6.0
	wanderPerCircum = 0.08
	marginPerCircum = 0.05
	// wanderWaveMinM and wanderWaveMaxM bound the wavelength of the
	// wander, metres: long enough that the path is never much steeper
	// than the leg.
	wanderWaveMinM = 120.0
	wanderWaveMaxM = 300.0
	// targetPerCircum is how far, relative to the cell size, a target
	// point (where a trip ends and a stop may be) lies from its cell's
	// centre at most.
	targetPerCircum = 0.3
	// nearestTargets is how many of the nearest unvisited cells the next
	// target is drawn from.
	nearestTargets = 3
)

// Constants of the bad fixes.
const (
	jumpM = 5000.0 // a jump's distance from the true position
	// jumpMaxAfterGood is the longest time since the last good fix at
	// which a jump is injected: 5 km in 60 s is far above
	// ingest.DefaultMaxSpeedMS even after travel and GPS error.
	jumpMaxAfterGood = 60 * time.Second
	// futureShift is how far a bad clock puts a fix ahead: 1024 weeks, the
	// step of a GPS week-number rollover.
	futureShift = 1024 * 7 * 24 * time.Hour
	// coarseAccuracyMinM and coarseAccuracyMaxM bound the accuracy of a
	// cell-tower fix.
	coarseAccuracyMinM = 500.0
	coarseAccuracyMaxM = 2000.0
)

// badKind is a kind of bad fix; each is refused by ingest.Check with the
// code of the same name.
type badKind int

const (
	badZero badKind = iota
	badJump
	badFuture
	badCoarse
	badKinds
)

// code returns the rejection code ingest.Check gives a bad fix of kind k.
func (k badKind) code() ingest.Code {
	return [...]ingest.Code{
		badZero:   ingest.CodeZeroCoordinates,
		badJump:   ingest.CodeImpliedSpeed,
		badFuture: ingest.CodeFutureTime,
		badCoarse: ingest.CodeLowAccuracy,
	}[k]
}

// leg is one straight piece of a trip, with its lateral wander.
type leg struct {
	from, dir, norm vec // start, unit direction, unit left normal
	lengthM, s      float64
	ampM, waveK     float64 // wander amplitude, metres, and wave number, radians per metre
	phase           float64
	// stretch is the length of the wandering path over lengthM: the
	// officer moves along the leg at speed/stretch to keep the speed on
	// the path.
	stretch float64
}

// wander is the lateral offset at s: a wave that vanishes at both ends.
func (l *leg) wander(s float64) float64 {
	return l.ampM * math.Sin(math.Pi*s/l.lengthM) * math.Sin(l.waveK*s+l.phase)
}

// at returns the position at s metres along the leg.
func (l *leg) at(s float64) vec {
	if l.lengthM == 0 {
		return l.from
	}
	return l.from.add(l.dir.scale(s)).add(l.norm.scale(l.wander(s)))
}

// measure sets stretch from the mean length of the heading over the leg.
func (l *leg) measure() {
	const samples = 16
	var sum float64
	for i := range samples {
		sum += l.heading((float64(i) + 0.5) * l.lengthM / samples).len()
	}
	l.stretch = sum / samples
}

// heading returns the direction of travel at s metres along the leg, of
// length 1 where the path runs parallel to the leg.
func (l *leg) heading(s float64) vec {
	if l.lengthM == 0 {
		return l.dir
	}
	e := math.Pi / l.lengthM
	dw := l.ampM * (e*math.Cos(e*s)*math.Sin(l.waveK*s+l.phase) + l.waveK*math.Sin(e*s)*math.Cos(l.waveK*s+l.phase))
	return l.dir.add(l.norm.scale(dw))
}

// plannedStop is a stop the officer will make on reaching a target at or
// after at.
type plannedStop struct{ at, dur time.Duration }

// record is what a test wants to know about a simulated day beyond the
// fixes.
type record struct {
	patrol []int32 // the patrolled cells, indices into area.cells
	area   *area
	stops  []stopRecord
	// lunchStart and lunchEnd bound the lunch break; zero without one.
	lunchStart, lunchEnd time.Time
	bad                  map[time.Time]ingest.Code // the bad fixes by Time, with the code they earn
	truth                map[time.Time]orb.Point   // true position (WGS-84) of every fix by its time before any bad clock
}

type stopRecord struct {
	start, end time.Time
	pos        orb.Point // WGS-84
}

// walker simulates one officer's shift.
type walker struct {
	a   *area
	r   *router
	o   *Officer
	opt *Options
	rng *rand.Rand
	mem *floats

	start time.Time     // shift start, UTC
	dur   time.Duration // shift length

	wanderM, marginM, targetM float64

	// Motion.
	pos       vec
	cell      int32 // the patrolled cell last arrived in
	target    int32
	targetPos vec
	moving    bool
	leg       leg
	route     []vec // corners after the current leg
	routeBuf  []vec
	speedMS   float64
	dwelling  bool
	dwellEnd  time.Duration

	unvisited  []bool // patrolled cells not yet passed this lap, by area index
	nUnvisited int

	stops                []plannedStop
	nextStop             int
	hasLunch             bool
	lunchStart, lunchEnd time.Duration

	// GPS error: an AR(1) offset of variance v, which follows sigmaM.
	noise         vec
	v, sigmaM     float64
	degradedUntil time.Duration

	batteryPct, drainPctH, altM float64

	path []int32
	pts  []vec
	rec  *record
}

// newWalker draws the officer's plan for the day.
func newWalker(a *area, o *Officer, shift Shift, seed int64, opt *Options, mem *floats) *walker {
	w := &walker{
		a: a, r: newRouter(a), o: o, opt: opt, mem: mem,
		rng:   rand.New(rand.NewPCG(uint64(seed), idHash(o.ID)^dayStream)),
		start: shift.Start.UTC(), dur: shift.Duration,
		pos: a.start, cell: a.startCell,
		unvisited: make([]bool, len(a.cells)),
	}
	w.wanderM = min(wanderMaxM, wanderPerCircum*a.circumM)
	w.marginM = w.wanderM + marginPerCircum*a.circumM
	w.targetM = targetPerCircum * a.circumM

	if opt.LunchMax > 0 && w.dur >= max(MinLunchShift, 2*opt.LunchMax) {
		d := w.uniformDuration(opt.LunchMin, opt.LunchMax)
		start := w.dur/2 - d/2 + time.Duration((w.rng.Float64()-0.5)*0.2*float64(w.dur))
		start = start.Truncate(time.Millisecond)
		w.hasLunch, w.lunchStart, w.lunchEnd = true, start, start+d
	}
	// Stops and lunch take at most half the shift; stops that do not fit
	// are dropped.
	budget := w.dur/2 - (w.lunchEnd - w.lunchStart)
	n := opt.StopsMin + w.rng.IntN(opt.StopsMax-opt.StopsMin+1)
	for range n {
		s := plannedStop{at: w.uniformDuration(0, w.dur), dur: w.uniformDuration(opt.StopMin, opt.StopMax)}
		if s.dur <= budget {
			w.stops = append(w.stops, s)
			budget -= s.dur
		}
	}
	slices.SortFunc(w.stops, func(a, b plannedStop) int { return cmp.Compare(a.at, b.at) })

	w.sigmaM = opt.NoiseSigmaM
	w.batteryPct = 70 + 30*w.rng.Float64()
	w.drainPctH = 4 + 4*w.rng.Float64()
	w.altM = 3 + 7*w.rng.Float64()
	return w
}

// uniformDuration draws a duration uniformly in [lo, hi], in whole
// milliseconds.
func (w *walker) uniformDuration(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(w.rng.Int64N(int64((hi-lo)/time.Millisecond)+1))*time.Millisecond
}

func (w *walker) uniform(lo, hi float64) float64 { return lo + (hi-lo)*w.rng.Float64() }

// run simulates the shift and appends its fixes to out, in time order.
func (w *walker) run(out []ingest.Fix) []ingest.Fix {
	var (
		future  []ingest.Fix // fixes with a bad clock go last
		clock   time.Duration
		lastFix = time.Duration(-1)
		good    = time.Duration(-1) // time of the last good fix
	)
	lunchDone := !w.hasLunch
	for t := time.Duration(0); t < w.dur; t += w.uniformDuration(w.opt.IntervalMin, w.opt.IntervalMax) {
		if !lunchDone && t >= w.lunchStart {
			// The phone is off over lunch and the officer does not move.
			w.advance(clock, w.lunchStart)
			clock, t, lunchDone = w.lunchEnd, w.lunchEnd, true
			if t >= w.dur {
				break
			}
		}
		w.advance(clock, t)
		clock = t
		w.updateNoise(t, lastFix)
		lastFix = t
		f, bad := w.fix(t, good)
		switch {
		case bad == badFuture:
			future = append(future, f)
		case bad >= 0:
			out = append(out, f)
		default:
			out = append(out, f)
			good = t
		}
	}
	return append(out, future...)
}

// advance moves the officer on from clock from to clock to.
func (w *walker) advance(from, to time.Duration) {
	now := from
	remS := (to - from).Seconds()
	for remS > 0 {
		if w.dwelling {
			leftS := (w.dwellEnd - now).Seconds()
			if leftS >= remS {
				return
			}
			remS -= leftS
			now, w.dwelling = w.dwellEnd, false
			continue
		}
		if !w.moving {
			w.plan()
		}
		l := &w.leg
		axisMS := w.speedMS / l.stretch
		needS := (l.lengthM - l.s) / axisMS
		if needS > remS {
			l.s += axisMS * remS
			w.pos = l.at(l.s)
			return
		}
		remS -= needS
		now += time.Duration(needS * float64(time.Second))
		w.pos = l.at(l.lengthM)
		if len(w.route) > 0 {
			w.startLeg(w.route[0])
			w.route = w.route[1:]
			continue
		}
		w.moving, w.cell = false, w.target
		w.arrive(now)
	}
}

// plan picks the next target and the route to it, and sets off.
func (w *walker) plan() {
	a := w.a
	w.target = w.pickTarget()
	w.targetPos = w.targetPoint(w.target)
	w.pts = append(w.pts[:0], w.pos)
	var ok bool
	w.path, ok = w.r.path(w.path[:0], w.cell, w.target)
	if ok {
		for _, c := range w.path {
			w.pts = append(w.pts, a.centre[c])
			w.visit(c)
		}
	} else {
		// The area falls in pieces: ride straight to the next one.
		w.visit(w.target)
	}
	w.pts = append(w.pts, w.targetPos)
	w.routeBuf = a.pull(w.routeBuf[:0], w.pts, w.marginM)
	lo, hi := w.opt.speeds(w.o.Mode)
	w.speedMS = w.uniform(lo, hi)
	w.moving = true
	w.startLeg(w.routeBuf[0])
	w.route = w.routeBuf[1:]
}

// startLeg starts a straight leg from the current position to end.
func (w *walker) startLeg(end vec) {
	d := end.sub(w.pos)
	l := leg{from: w.pos, lengthM: d.len(), stretch: 1}
	if l.lengthM > 0 {
		l.dir = d.scale(1 / l.lengthM)
		l.norm = vec{-l.dir.y, l.dir.x}
		l.ampM = w.wanderM * w.rng.Float64()
		l.waveK = 2 * math.Pi / w.uniform(wanderWaveMinM, wanderWaveMaxM)
		l.phase = 2 * math.Pi * w.rng.Float64()
		l.measure()
	} else {
		l.dir = vec{0, 1}
	}
	w.leg = l
}

// pickTarget draws the next target among the nearest patrolled cells not
// yet passed in this lap; when all were, a new lap begins.
func (w *walker) pickTarget() int32 {
	if w.nUnvisited == 0 {
		for _, c := range w.a.patrol {
			w.unvisited[c] = c != w.cell
			if c != w.cell {
				w.nUnvisited++
			}
		}
		if w.nUnvisited == 0 {
			return w.cell // a single patrolled cell
		}
	}
	var best [nearestTargets]int32
	var bestD [nearestTargets]float64
	n := 0
	for _, c := range w.a.patrol {
		if !w.unvisited[c] {
			continue
		}
		d := w.pos.dist2(w.a.centre[c])
		// Insertion into the short sorted list of the nearest.
		k := min(n, nearestTargets-1)
		if n == nearestTargets && d >= bestD[k] {
			continue
		}
		for k > 0 && bestD[k-1] > d {
			best[k], bestD[k] = best[k-1], bestD[k-1]
			k--
		}
		best[k], bestD[k] = c, d
		n = min(n+1, nearestTargets)
	}
	return best[w.rng.IntN(n)]
}

// targetPoint draws the point where a trip to cell c ends: near its centre,
// and, for a trip within the current cell, not on top of the current
// position.
func (w *walker) targetPoint(c int32) vec {
	var p vec
	for range 8 {
		p = w.a.centre[c].add(polar(w.targetM*math.Sqrt(w.rng.Float64()), 2*math.Pi*w.rng.Float64()))
		if p.dist2(w.pos) >= 0.01*w.a.circumM*w.a.circumM {
			break
		}
	}
	return p
}

// visit marks patrolled cell c as passed in this lap.
func (w *walker) visit(c int32) {
	if w.unvisited[c] {
		w.unvisited[c] = false
		w.nUnvisited--
	}
}

// arrive makes the stop that is due, if there is one and it fits before
// the lunch break or the end of the shift; otherwise the stop waits for
// the next target.
func (w *walker) arrive(now time.Duration) {
	if w.nextStop == len(w.stops) || w.stops[w.nextStop].at > now {
		return
	}
	end := now + w.stops[w.nextStop].dur
	if end > w.dur || (w.hasLunch && now < w.lunchStart && end > w.lunchStart) {
		return
	}
	w.dwelling, w.dwellEnd = true, end
	w.nextStop++
	if w.rec != nil {
		w.rec.stops = append(w.rec.stops, stopRecord{
			start: w.start.Add(now), end: w.start.Add(end), pos: w.a.pl.unproject(w.targetPos),
		})
	}
}

// updateNoise moves the GPS error on to the fix at t, the previous one
// having been at last (negative for none).
func (w *walker) updateNoise(t, last time.Duration) {
	if w.sigmaM != w.opt.NoiseSigmaM && t >= w.degradedUntil {
		w.sigmaM = w.opt.NoiseSigmaM
	}
	if w.sigmaM == w.opt.NoiseSigmaM && w.rng.Float64() < w.opt.DegradedProb {
		w.sigmaM = w.uniform(w.opt.DegradedSigmaMinM, w.opt.DegradedSigmaMaxM)
		w.degradedUntil = t + w.uniformDuration(time.Minute, 4*time.Minute)
	}
	rho := 0.0
	if last >= 0 {
		rho = math.Exp(-(t - last).Seconds() / noiseTauS)
	}
	// The AR(1) step keeps the offset's variance equal to v as v moves
	// towards sigma², so the accuracy reported from v matches the error.
	k := math.Sqrt(1 - rho*rho)
	w.v = rho*rho*w.v + k*k*w.sigmaM*w.sigmaM
	w.noise = w.noise.scale(rho).add(vec{w.rng.NormFloat64(), w.rng.NormFloat64()}.scale(k * w.sigmaM))
	if r, lim := w.noise.len(), noiseClamp*math.Sqrt(w.v); r > lim {
		w.noise = w.noise.scale(lim / r)
	}
}

// fix returns the fix the device takes at t and, when it is a bad one,
// its kind (-1 for a good fix); good is the time of the last good fix.
func (w *walker) fix(t, good time.Duration) (ingest.Fix, badKind) {
	sd := math.Sqrt(w.v)
	f := ingest.Fix{
		DeviceID:  w.o.DeviceID,
		Officer:   w.o.ID,
		Time:      w.start.Add(t),
		Point:     w.a.pl.unproject(w.pos.add(w.noise)),
		Datum:     geo.WGS84,
		AccuracyM: w.mem.ptr(accuracyPerSigma * sd * w.uniform(0.8, 1.2)),
		AltitudeM: w.mem.ptr(round(w.altM+1.5*sd*w.rng.NormFloat64(), 10)),
	}
	if w.moving && !w.dwelling {
		f.SpeedMS = w.mem.ptr(round(max(0, w.speedMS*(1+speedRelSigma*w.rng.NormFloat64())), 100))
		h := bearingDeg(w.leg.heading(w.leg.s)) + headingSigmaDeg*w.rng.NormFloat64()
		f.HeadingDeg = w.mem.ptr(math.Mod(round(h+360, 10), 360))
	} else {
		// Phones report a little speed, and no course, when still.
		f.SpeedMS = w.mem.ptr(round(math.Abs(stillSpeedSigmaMS*w.rng.NormFloat64()), 100))
	}
	on := t
	if w.hasLunch && t >= w.lunchEnd {
		on -= w.lunchEnd - w.lunchStart
	}
	f.BatteryPct = w.mem.ptr(max(1, math.Round(w.batteryPct-w.drainPctH*on.Hours())))
	if w.rec != nil {
		w.rec.truth[f.Time] = w.a.pl.unproject(w.pos)
	}

	kind := badKind(-1)
	if w.rng.Float64() < w.opt.BadFixProb {
		kind = badKind(w.rng.IntN(int(badKinds)))
		if kind == badJump && (good < 0 || t-good > jumpMaxAfterGood) {
			kind = badCoarse // a jump after a silence could look plausible
		}
		w.spoil(&f, kind)
		if w.rec != nil {
			w.rec.bad[f.Time] = kind.code()
		}
	}
	return f, kind
}

// spoil turns f into a bad fix of kind k.
func (w *walker) spoil(f *ingest.Fix, k badKind) {
	switch k {
	case badZero:
		// What a phone sends before it has a fix: no readings at all.
		*f = ingest.Fix{DeviceID: f.DeviceID, Officer: f.Officer, Time: f.Time, Datum: f.Datum, BatteryPct: f.BatteryPct}
	case badJump:
		f.Point = geo.Destination(f.Point, 360*w.rng.Float64(), jumpM)
	case badFuture:
		f.Time = f.Time.Add(futureShift)
	case badCoarse:
		acc := round(w.uniform(coarseAccuracyMinM, coarseAccuracyMaxM), 1)
		off := vec{w.rng.NormFloat64(), w.rng.NormFloat64()}.scale(acc / accuracyPerSigma)
		f.Point = w.a.pl.unproject(w.pos.add(off))
		f.AccuracyM = w.mem.ptr(acc)
	}
}

// round rounds v to the nearest 1/per.
func round(v, per float64) float64 { return math.Round(v*per) / per }

// floats hands out pointers to float64 values carved from large blocks, so
// that the readings of a million fixes cost a few hundred allocations.
type floats struct{ block []float64 }

const floatBlock = 8192

// ptr returns a pointer to a new float64 holding v.
func (m *floats) ptr(v float64) *float64 {
	if len(m.block) == cap(m.block) {
		m.block = make([]float64, 0, floatBlock)
	}
	m.block = append(m.block, v)
	return &m.block[len(m.block)-1]
}
