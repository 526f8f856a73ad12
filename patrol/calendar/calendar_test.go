package calendar

import (
	"testing"
)

func day(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func shippedCalendar(t *testing.T) Calendar {
	t.Helper()
	years, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	if len(years) != 2 || years[0].Year != 2025 || years[1].Year != 2026 {
		t.Fatalf("Shipped() = %d years, want 2025 and 2026", len(years))
	}
	return New(years...)
}

func TestAddWorkdays(t *testing.T) {
	c := shippedCalendar(t)
	tests := []struct {
		name         string
		from         string
		n            int
		want         string
		weekdaysOnly bool
	}{
		{"the adjusted Sunday before National Day is worked", "2025-09-26", 1, "2025-09-28", false},
		{"across the National Day break", "2025-09-30", 1, "2025-10-09", false},
		{"the adjusted Saturday after the break counts", "2025-09-30", 3, "2025-10-11", false},
		{"five working days across the break (hearing request)", "2025-09-30", 5, "2025-10-14", false},
		{"seven working days across the break (delivery)", "2025-09-30", 7, "2025-10-16", false},
		{"a notice on a holiday counts from the next working day", "2025-10-03", 2, "2025-10-10", false},
		{"Spring Festival: the adjusted Sunday", "2025-01-24", 1, "2025-01-26", false},
		{"Spring Festival: across the break", "2025-01-24", 3, "2025-02-05", false},
		{"2026 National Day and its adjusted Saturday", "2026-09-30", 2, "2026-10-09", false},
		{"2026: 10-10 is a working Saturday", "2026-09-30", 3, "2026-10-10", false},
		{"a year with no calendar counts weekdays", "2024-12-30", 3, "2025-01-03", true},
		{"a year with no calendar: weekends only skipped", "2027-09-30", 1, "2027-10-01", true},
		{"zero days", "2025-10-01", 0, "2025-10-01", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, wo := c.AddWorkdays(day(tt.from), tt.n)
			if got.String() != tt.want || wo != tt.weekdaysOnly {
				t.Errorf("AddWorkdays(%s, %d) = %s, %v, want %s, %v", tt.from, tt.n, got, wo, tt.want, tt.weekdaysOnly)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		y    Year
		ok   bool
	}{
		{"fine", Year{Year: 2025, Holidays: []Date{day("2025-10-01")}, Workdays: []Date{day("2025-09-28")}}, true},
		{"a date of another year", Year{Year: 2025, Holidays: []Date{day("2026-01-01")}}, false},
		{"a day both", Year{Year: 2025, Holidays: []Date{day("2025-10-01")}, Workdays: []Date{day("2025-10-01")}}, false},
		{"a day twice", Year{Year: 2025, Holidays: []Date{day("2025-10-01"), day("2025-10-01")}}, false},
		{"a year out of range", Year{Year: 1900}, false},
		{"a date missing", Year{Year: 2025, Workdays: []Date{{}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.y.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
