package live

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/gridwatch/gridwatch/internal/demo/casegen"
)

// HotlinePerHour is the city's mean rate of 12345 hotline cases an hour: casegen's
// DefaultPerMonth cases a month, of which the hotline files 20 % of the core share (70 %)
// and 30 % of the rest — about 0.22 an hour, five a day.
var HotlinePerHour = casegen.DefaultPerMonth * (casegen.DefaultCoreShare*0.2 + (1-casegen.DefaultCoreShare)*0.3) /
	casegen.Month.Hours()

// Options tunes a simulation; the zero value asks for the defaults.
type Options struct {
	// MinEvery and MaxEvery bound the interval between two fixes of a phone, drawn
	// uniformly per phone. Default 10 s and 30 s.
	MinEvery, MaxEvery time.Duration
	// SOSAfter, WanderAfter and SilentAfter are when, after the start, the SOS phone
	// presses its button, the wanderer starts leaving its grid area and the silent phone
	// stops sending. Defaults 1, 2 and 3 minutes.
	SOSAfter, WanderAfter, SilentAfter time.Duration
	// CasesPerHour is the mean rate of hotline cases. Default HotlinePerHour.
	CasesPerHour float64
	// Seed makes a run reproducible.
	Seed uint64
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.MinEvery, 10*time.Second)
	def(&o.MaxEvery, 30*time.Second)
	def(&o.SOSAfter, time.Minute)
	def(&o.WanderAfter, 2*time.Minute)
	def(&o.SilentAfter, 3*time.Minute)
	if o.MaxEvery < o.MinEvery {
		o.MaxEvery = o.MinEvery
	}
	if o.CasesPerHour <= 0 {
		o.CasesPerHour = HotlinePerHour
	}
	return o
}

// Fix is one position a phone sends.
type Fix struct {
	Phone int       // index into the simulation's phones
	Time  time.Time // when the phone took it
	Point orb.Point // [lon, lat], WGS-84
	Alarm string    // "sos" on the SOS press, otherwise empty
}

// Case is one hotline call to file.
type Case struct {
	Time  time.Time
	Point orb.Point
	Cell  h3.Cell
}

// Sim is the pure core of a simulation: given the time, it says which fixes and cases
// are due. It is not safe for concurrent use.
type Sim struct {
	phones   []Phone
	walkers  []*Walker
	every    []time.Duration
	next     []time.Time
	last     []time.Time
	start    time.Time
	opt      Options
	rng      *rand.Rand
	nextCase time.Time
	sosSent  bool
}

// NewSim starts a simulation of phones at start.
func NewSim(phones []Phone, start time.Time, opt Options) (*Sim, error) {
	opt = opt.withDefaults()
	s := &Sim{phones: phones, start: start, opt: opt, rng: rand.New(rand.NewPCG(opt.Seed, 0x6c697665)),
		walkers: make([]*Walker, len(phones)), every: make([]time.Duration, len(phones)),
		next: make([]time.Time, len(phones)), last: make([]time.Time, len(phones))}
	for i, p := range phones {
		w, err := NewWalker(p.Cells, opt.Seed+uint64(i)*7919)
		if err != nil {
			return nil, fmt.Errorf("live: phone of %s: %w", p.Officer, err)
		}
		s.walkers[i] = w
		span := opt.MaxEvery - opt.MinEvery
		s.every[i] = opt.MinEvery + time.Duration(s.rng.Int64N(int64(span)+1))
		// Spread the first fixes over the first interval so the phones do not all send at once.
		s.next[i] = start.Add(time.Duration(s.rng.Int64N(int64(s.every[i]) + 1)))
		s.last[i] = start
	}
	s.nextCase = s.drawCase(start)
	return s, nil
}

// drawCase draws the time of the next hotline case after t (exponential interarrivals).
func (s *Sim) drawCase(t time.Time) time.Time {
	h := s.rng.ExpFloat64() / s.opt.CasesPerHour
	return t.Add(time.Duration(math.Min(h, 24*365) * float64(time.Hour)))
}

// Due returns the fixes and cases due at now, in time order per phone, and moves the
// walkers on.
func (s *Sim) Due(now time.Time) ([]Fix, []Case) {
	var fixes []Fix
	for i, p := range s.phones {
		for !s.next[i].After(now) {
			t := s.next[i]
			s.next[i] = t.Add(s.every[i])
			if p.Role == Silent && t.Sub(s.start) >= s.opt.SilentAfter {
				s.next[i] = now.Add(100 * 365 * 24 * time.Hour)
				break
			}
			if p.Role == Wanderer && t.Sub(s.start) >= s.opt.WanderAfter {
				s.walkers[i].Leave()
			}
			pt := s.walkers[i].Step(t.Sub(s.last[i]))
			s.last[i] = t
			f := Fix{Phone: i, Time: t, Point: pt}
			if p.Role == SOS && !s.sosSent && t.Sub(s.start) >= s.opt.SOSAfter {
				f.Alarm, s.sosSent = "sos", true
			}
			fixes = append(fixes, f)
		}
	}
	var cases []Case
	for len(s.phones) > 0 && !s.nextCase.After(now) {
		p := s.phones[s.rng.IntN(len(s.phones))]
		cell := p.Cells[s.rng.IntN(len(p.Cells))]
		cases = append(cases, Case{Time: s.nextCase, Point: center(cell), Cell: cell})
		s.nextCase = s.drawCase(s.nextCase)
	}
	return fixes, cases
}

// Plan gives the phones their protocols and roles: every fifth phone uses OsmAnd, and the
// first three OsmAnd phones are, in order, the SOS one, the wanderer and the silent one
// (the SOS needs OsmAnd's alarm parameter; the other two could use either). Fewer than
// three OsmAnd phones get fewer incidents.
func Plan(phones []Phone) {
	roles := []Role{SOS, Wanderer, Silent}
	for i := range phones {
		phones[i].OsmAnd = i%5 == 0
		phones[i].Role = Patrol
		if phones[i].OsmAnd && len(roles) > 0 {
			phones[i].Role, roles = roles[0], roles[1:]
		}
	}
}
