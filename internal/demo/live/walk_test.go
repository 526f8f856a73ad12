package live

import (
	"testing"
	"time"

	orbgeo "github.com/paulmach/orb/geo"
	"github.com/uber/h3-go/v4"
)

// area returns a compact area of 19 cells (a disk of radius 2) at resolution 9 in the
// demo city, and a second one 3 km east.
func area(t *testing.T, east float64) []h3.Cell {
	t.Helper()
	c := h3.LatLngToCell(h3.LatLng{Lat: 31.84, Lng: 120.25 + east}, 9)
	return c.GridDisk(2)
}

// inArea says whether a position falls in one of the cells.
func inArea(cells []h3.Cell, lon, lat float64) bool {
	at := h3.LatLngToCell(h3.LatLng{Lat: lat, Lng: lon}, cells[0].Resolution())
	for _, c := range cells {
		if c == at {
			return true
		}
	}
	return false
}

func TestWalkerStaysInItsAreaAndMoves(t *testing.T) {
	cells := area(t, 0)
	w, err := NewWalker(cells, 42)
	if err != nil {
		t.Fatal(err)
	}
	start := w.At()
	far := 0.0
	for i := range 2000 { // 2000 × 15 s: more than eight hours
		p := w.Step(15 * time.Second)
		if !inArea(cells, p[0], p[1]) {
			t.Fatalf("step %d: %v is outside the area", i, p)
		}
		far = max(far, orbgeo.Distance(start, p))
	}
	if far < 300 {
		t.Errorf("walker got at most %.0f m from its start, want it to patrol the area", far)
	}
}

func TestWalkerIsDeterministic(t *testing.T) {
	cells := area(t, 0)
	a, _ := NewWalker(cells, 7)
	b, _ := NewWalker(cells, 7)
	for range 100 {
		if pa, pb := a.Step(20*time.Second), b.Step(20*time.Second); pa != pb {
			t.Fatalf("same seed, different walks: %v and %v", pa, pb)
		}
	}
}

func TestWalkerLeaves(t *testing.T) {
	cells := area(t, 0)
	w, _ := NewWalker(cells, 3)
	w.Step(time.Minute)
	w.Leave()
	from := w.At()
	var p = from
	for range 20 { // 20 × 20 s at 4 m/s: 1.6 km
		p = w.Step(20 * time.Second)
	}
	if inArea(cells, p[0], p[1]) {
		t.Errorf("wanderer still in its area at %v after 7 minutes of leaving", p)
	}
	for range 100 {
		p = w.Step(20 * time.Second)
	}
	if d := orbgeo.Distance(from, p); d < LeaveM-1 || d > LeaveM+1 {
		t.Errorf("wanderer stopped %.0f m from where it left, want %.0f", d, LeaveM)
	}
}

func TestNewWalkerNeedsCells(t *testing.T) {
	if _, err := NewWalker(nil, 1); err == nil {
		t.Error("NewWalker(nil) succeeded")
	}
}

// phones returns n planned phones, alternating between two areas.
func phones(t *testing.T, n int) []Phone {
	a, b := area(t, 0), area(t, 0.03)
	list := make([]Phone, n)
	for i := range list {
		list[i] = Phone{Officer: "o" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Cells: a}
		if i%2 == 1 {
			list[i].Cells = b
		}
	}
	Plan(list)
	return list
}

func TestPlan(t *testing.T) {
	list := phones(t, 300)
	osmand, roles := 0, map[Role]int{}
	for _, p := range list {
		if p.OsmAnd {
			osmand++
		}
		roles[p.Role]++
		if p.Role == SOS && !p.OsmAnd {
			t.Errorf("SOS phone %s does not use OsmAnd, whose alarm parameter it needs", p.Officer)
		}
	}
	if osmand != 60 {
		t.Errorf("%d OsmAnd phones of 300, want a fifth (60)", osmand)
	}
	if roles[SOS] != 1 || roles[Wanderer] != 1 || roles[Silent] != 1 {
		t.Errorf("roles = %v, want one SOS, one wanderer, one silent", roles)
	}
}

// TestSimulatedHour runs 300 phones over an hour of simulated time, one second at a time,
// and checks the rates and the incidents.
func TestSimulatedHour(t *testing.T) {
	list := phones(t, 300)
	start := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC) // 11:00 in the city
	sim, err := NewSim(list, start, Options{Seed: 5, CasesPerHour: 12})
	if err != nil {
		t.Fatal(err)
	}
	perPhone := make([]int, len(list))
	var sos, cases, out int
	var lastAt = make([]time.Time, len(list))
	for s := 0; s <= 3600; s++ {
		now := start.Add(time.Duration(s) * time.Second)
		fixes, cs := sim.Due(now)
		for _, f := range fixes {
			p := list[f.Phone]
			if f.Time.After(now) || !f.Time.After(lastAt[f.Phone]) {
				t.Fatalf("fix of %s at %v: not in (%v, %v]", p.Officer, f.Time, lastAt[f.Phone], now)
			}
			lastAt[f.Phone] = f.Time
			perPhone[f.Phone]++
			if f.Alarm == "sos" {
				sos++
				if p.Role != SOS || f.Time.Sub(start) < time.Minute {
					t.Errorf("SOS from %s (%v) at +%v", p.Officer, p.Role, f.Time.Sub(start))
				}
			}
			if !inArea(p.Cells, f.Point[0], f.Point[1]) {
				if p.Role != Wanderer {
					t.Fatalf("%s (%v) left its area at %v", p.Officer, p.Role, f.Point)
				}
				out++
			}
		}
		cases += len(cs)
	}
	total := 0
	for i, n := range perPhone {
		total += n
		switch list[i].Role {
		case Silent:
			if n < 6 || n > 18 { // three minutes at one fix per 10–30 s
				t.Errorf("silent phone sent %d fixes, want those of its first three minutes", n)
			}
		default:
			if n < 120 || n > 361 {
				t.Errorf("%s sent %d fixes in an hour, want one every 10–30 s", list[i].Officer, n)
			}
		}
	}
	if sos != 1 {
		t.Errorf("%d SOS presses, want 1", sos)
	}
	if out < 20 {
		t.Errorf("wanderer sent %d fixes outside its area, want it to stay out", out)
	}
	if cases < 3 || cases > 25 { // Poisson with mean 12: outside [3, 25] once in a few thousand
		t.Errorf("%d cases in an hour at 12 an hour", cases)
	}
	// 300 phones at one fix per 20 s on average: 54,000 an hour, 15 a second.
	if total < 36_000 || total > 108_000 {
		t.Errorf("%d fixes in an hour from 300 phones", total)
	}
}

func TestHotlineRate(t *testing.T) {
	// The city's 700 cases a month, about a quarter from the hotline: 0.1 to 0.5 an hour.
	if HotlinePerHour < 0.1 || HotlinePerHour > 0.5 {
		t.Errorf("HotlinePerHour = %v", HotlinePerHour)
	}
}

// h3Disk returns a disk of cells of radius k at resolution 9 in the demo city.
func h3Disk(k int) []h3.Cell {
	return h3.LatLngToCell(h3.LatLng{Lat: 31.84, Lng: 120.25}, 9).GridDisk(k)
}
