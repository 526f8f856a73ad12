package calendar

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Store keeps the calendar in PostgreSQL.
type Store struct {
	db *pgxpool.Pool
}

// NewStore returns a Store on db.
func NewStore(db *pgxpool.Pool) *Store { return &Store{db: db} }

// Stored is a year's arrangement as stored: who recorded it and when.
type Stored struct {
	Year
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Put stores a year's arrangement in place of the one it had, in one transaction.
// Errors: invalid (see Year.Validate).
func (s *Store) Put(ctx context.Context, by string, y Year) error {
	if err := y.Validate(); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		return put(ctx, tx, by, y)
	})
	return pgdb.Translate(err, "calendar")
}

// put replaces a year's arrangement inside the caller's transaction.
func put(ctx context.Context, tx pgx.Tx, by string, y Year) error {
	if _, err := tx.Exec(ctx, `DELETE FROM calendar_years WHERE year = $1`, y.Year); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO calendar_years (year, source, recorded_by) VALUES ($1, $2, $3)`,
		y.Year, y.Source, by); err != nil {
		return err
	}
	days := make([]time.Time, 0, len(y.Holidays)+len(y.Workdays))
	kinds := make([]string, 0, cap(days))
	for _, d := range y.Holidays {
		days, kinds = append(days, d.Time), append(kinds, "holiday")
	}
	for _, d := range y.Workdays {
		days, kinds = append(days, d.Time), append(kinds, "workday")
	}
	_, err := tx.Exec(ctx, `INSERT INTO calendar_days (day, year, kind) SELECT d::date, $1, k FROM unnest($2::timestamp[], $3::text[]) AS u(d, k)`,
		y.Year, days, kinds)
	return err
}

// LoadShipped stores the arrangements this build carries (Shipped) for the years the
// database has none of; a year already stored (an admin's correction) is kept. It returns
// the years it stored.
func (s *Store) LoadShipped(ctx context.Context) ([]int, error) {
	years, err := Shipped()
	if err != nil {
		return nil, err
	}
	var stored []int
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		stored = nil
		for _, y := range years {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM calendar_years WHERE year = $1)`, y.Year).Scan(&exists); err != nil {
				return err
			}
			if exists {
				continue
			}
			if err := put(ctx, tx, "shipped", y); err != nil {
				return err
			}
			stored = append(stored, y.Year)
		}
		return nil
	})
	return stored, pgdb.Translate(err, "shipped calendars")
}

// Get returns a year's stored arrangement. Errors: not_found when the year has none.
func (s *Store) Get(ctx context.Context, year int) (Stored, error) {
	var st Stored
	err := s.db.QueryRow(ctx, `SELECT year, source, recorded_by, recorded_at FROM calendar_years WHERE year = $1`, year).
		Scan(&st.Year.Year, &st.Source, &st.RecordedBy, &st.RecordedAt)
	if err != nil {
		if apperr.CodeOf(pgdb.Translate(err, "calendar")) == apperr.NotFound {
			return Stored{}, apperr.NotFoundf("no calendar for %d: periods that year count weekdays only", year)
		}
		return Stored{}, pgdb.Translate(err, "calendar")
	}
	cal, err := s.years(ctx, year, year)
	if err != nil {
		return Stored{}, err
	}
	y := cal[0]
	st.Holidays, st.Workdays = y.Holidays, y.Workdays
	return st, nil
}

// Between returns a Calendar holding the stored arrangements of the years from..to.
func (s *Store) Between(ctx context.Context, from, to int) (Calendar, error) {
	years, err := s.years(ctx, from, to)
	if err != nil {
		return Calendar{}, err
	}
	return New(years...), nil
}

// years reads the stored arrangements of from..to, in year order.
func (s *Store) years(ctx context.Context, from, to int) ([]Year, error) {
	rows, err := s.db.Query(ctx, `
		SELECT y.year, y.source, d.day, d.kind FROM calendar_years y LEFT JOIN calendar_days d ON d.year = y.year
		WHERE y.year BETWEEN $1 AND $2 ORDER BY y.year, d.day`, from, to)
	if err != nil {
		return nil, pgdb.Translate(err, "calendar")
	}
	defer rows.Close()
	var out []Year
	for rows.Next() {
		var year int
		var source string
		var day *time.Time
		var kind *string
		if err := rows.Scan(&year, &source, &day, &kind); err != nil {
			return nil, pgdb.Translate(err, "calendar")
		}
		if len(out) == 0 || out[len(out)-1].Year != year {
			out = append(out, Year{Year: year, Source: source, Holidays: []Date{}, Workdays: []Date{}})
		}
		y := &out[len(out)-1]
		if day == nil {
			continue
		}
		d := Date{Time: time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)}
		if *kind == "holiday" {
			y.Holidays = append(y.Holidays, d)
		} else {
			y.Workdays = append(y.Workdays, d)
		}
	}
	return out, pgdb.Translate(rows.Err(), "calendar")
}
