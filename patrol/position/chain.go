package position

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/patrol/coverage"
)

// chainFix is a stored fix read back for coverage and filtering.
type chainFix struct {
	Time  time.Time
	Point orb.Point
	H3    int64
}

func (c chainFix) coverage() coverage.Fix { return coverage.Fix{Time: c.Time, H3: c.H3} }

// queueChains queues the read, for every officer of the batch, of the stored fixes from
// the last one before the batch's first time to the first one after its last time. In
// the usual case (a device sending its newest fixes) that is a single fix: the anchor.
// Each officer's read names a township (its chainTownship), the distribution column of
// positions on Citus, so that it goes to one shard there (docs/scaling.md); an officer's
// fixes are stored under the officer's township. The officers are read in the same round
// trip, so the township named is the one remembered from an earlier transaction; a read
// in the wrong one is done again (Store.rereadChains).
func queueChains(b *pgx.Batch, batches []*officerBatch) {
	for _, ob := range batches {
		ob.anchor, ob.old = nil, nil
		lo, hi := ob.items[0].Fix.Time, ob.items[len(ob.items)-1].Fix.Time
		b.Queue(`
			SELECT time, lon, lat, h3, time < $3 FROM positions
			WHERE township = $1 AND officer = $2 AND time BETWEEN
			      coalesce((SELECT max(time) FROM positions WHERE township = $1 AND officer = $2 AND time < $3), $3)
			  AND coalesce((SELECT min(time) FROM positions WHERE township = $1 AND officer = $2 AND time > $4), $4)
			ORDER BY time`, ob.chainTownship, ob.officer.ID, lo, hi).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var f chainFix
				var before bool
				if err := rows.Scan(&f.Time, &f.Point[0], &f.Point[1], &f.H3, &before); err != nil {
					return err
				}
				if before {
					anchor := f
					ob.anchor = &anchor
				}
				ob.old = append(ob.old, f)
			}
			return rows.Err()
		})
	}
}

// newFixes returns a batch's accepted fixes that are not stored yet, as rows to write:
// a fix whose time is in the officer's chain (which holds every stored fix between the
// anchor and the fix after the batch) or earlier in the batch is a duplicate.
func newFixes(b *officerBatch, res int) []Stored {
	seen := make(map[int64]bool, len(b.old)+len(b.accepted))
	for _, f := range b.old {
		seen[f.Time.UnixMicro()] = true
	}
	var out []Stored
	for _, f := range b.accepted {
		// PostgreSQL keeps microseconds: compare at that precision.
		t := f.Time.Truncate(time.Microsecond)
		if seen[t.UnixMicro()] {
			continue
		}
		seen[t.UnixMicro()] = true
		cell := int64(grid.CellAt(f.Point, res))
		out = append(out, Stored{Officer: b.officer.ID, Township: b.officer.Township, Lat: f.Point[1], Lon: f.Point[0],
			Time: t, H3: grid.CellString(cell), cell: cell, fix: f})
	}
	return out
}

// positionColumns are the columns ingest writes (geom is generated from lon and lat).
var positionColumns = []string{"officer", "time", "township", "lon", "lat", "h3",
	"accuracy_m", "speed_ms", "heading_deg", "altitude_m", "battery_pct"}

// copyPositions writes new fixes with binary COPY, the fastest way into PostgreSQL. The
// rows are encoded here rather than by pgx's CopyFrom, which asks the server for the
// columns' types first (a round trip per COPY) and encodes every value through its type
// map (a tenth of the process's CPU in batched ingest).
func copyPositions(ctx context.Context, conn *pgx.Conn, rows []Stored) error {
	if len(rows) == 0 {
		return nil
	}
	buf := make([]byte, 0, len(copyHeader)+len(rows)*copyRowBytes+2)
	buf = append(buf, copyHeader...)
	for _, s := range rows {
		buf = appendCopyRow(buf, s)
	}
	buf = binary.BigEndian.AppendUint16(buf, 0xffff) // the trailer: a row of -1 fields
	_, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(buf), copyPositionsSQL)
	return err
}

// copyPositionsSQL is the COPY statement of copyPositions, its columns positionColumns.
var copyPositionsSQL = "COPY positions (" + strings.Join(positionColumns, ", ") + ") FROM STDIN BINARY"

// copyHeader opens a binary COPY stream: the signature, no flags, no header extension.
const copyHeader = "PGCOPY\n\xff\r\n\x00" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00"

// copyRowBytes is about the size of one encoded row, to size the buffer.
const copyRowBytes = 2 + 11*4 + 24 + 8 + 12 + 8 + 8 + 8 + 5*4

// y2kMicros is 2000-01-01 00:00 UTC, PostgreSQL's epoch for timestamps, in microseconds
// since the Unix epoch.
const y2kMicros = 946_684_800_000_000

// appendCopyRow appends s in binary COPY format, its fields in the order and types of
// positionColumns: text, timestamptz, text, float8, float8, bigint, then five real.
func appendCopyRow(b []byte, s Stored) []byte {
	f := s.fix
	b = binary.BigEndian.AppendUint16(b, uint16(len(positionColumns)))
	b = appendCopyText(b, s.Officer)
	b = binary.BigEndian.AppendUint32(b, 8)
	b = binary.BigEndian.AppendUint64(b, uint64(s.Time.UnixMicro()-y2kMicros))
	b = appendCopyText(b, s.Township)
	b = binary.BigEndian.AppendUint32(b, 8)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(s.Lon))
	b = binary.BigEndian.AppendUint32(b, 8)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(s.Lat))
	b = binary.BigEndian.AppendUint32(b, 8)
	b = binary.BigEndian.AppendUint64(b, uint64(s.cell))
	for _, v := range [...]*float64{f.AccuracyM, f.SpeedMS, f.HeadingDeg, f.AltitudeM, f.BatteryPct} {
		if v == nil {
			b = binary.BigEndian.AppendUint32(b, 0xffffffff) // NULL
			continue
		}
		b = binary.BigEndian.AppendUint32(b, 4)
		b = binary.BigEndian.AppendUint32(b, math.Float32bits(float32(*v)))
	}
	return b
}

// appendCopyText appends a text field: its length, then its bytes.
func appendCopyText(b []byte, v string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

// queueInsert queues the insert of new fixes in one statement, for a transaction with
// too few of them to be worth a COPY's round trip.
func queueInsert(b *pgx.Batch, rows []Stored) {
	if len(rows) == 0 {
		return
	}
	officers, townships := make([]string, len(rows)), make([]string, len(rows))
	times := make([]time.Time, len(rows))
	lons, lats := make([]float64, len(rows)), make([]float64, len(rows))
	cells := make([]int64, len(rows))
	acc, speed, heading, alt, battery := make([]*float32, len(rows)), make([]*float32, len(rows)),
		make([]*float32, len(rows)), make([]*float32, len(rows)), make([]*float32, len(rows))
	for i, s := range rows {
		f := s.fix
		officers[i], times[i], townships[i], lons[i], lats[i], cells[i] = s.Officer, s.Time, s.Township, s.Lon, s.Lat, s.cell
		acc[i], speed[i], heading[i], alt[i], battery[i] = real(f.AccuracyM), real(f.SpeedMS), real(f.HeadingDeg), real(f.AltitudeM), real(f.BatteryPct)
	}
	b.Queue(`
		INSERT INTO positions (officer, time, township, lon, lat, h3, accuracy_m, speed_ms, heading_deg, altitude_m, battery_pct)
		SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::float8[], $5::float8[], $6::bigint[],
		                     $7::float4[], $8::float4[], $9::float4[], $10::float4[], $11::float4[])`,
		officers, times, townships, lons, lats, cells, acc, speed, heading, alt, battery)
}

// real narrows an optional reading to the column's float4; nil stays NULL.
func real(v *float64) *float32 {
	if v == nil {
		return nil
	}
	f := float32(*v)
	return &f
}

// coverageChanges returns the change each officer's new fixes make to the coverage of
// its chain (package coverage explains the rules).
func coverageChanges(batches []*officerBatch) []coverage.Change {
	var changes []coverage.Change
	for _, b := range batches {
		if len(b.fresh) == 0 {
			continue
		}
		added := make([]coverage.Fix, len(b.fresh))
		for i, s := range b.fresh {
			added[i] = coverage.Fix{Time: s.Time, H3: s.cell}
		}
		old := make([]coverage.Fix, len(b.old))
		for i, f := range b.old {
			old[i] = f.coverage()
		}
		merged := append(slices.Clone(old), added...)
		slices.SortStableFunc(merged, func(a, b coverage.Fix) int { return a.Time.Compare(b.Time) })
		anchored := b.anchor != nil
		for k, d := range coverage.Delta(coverage.Contributions(old, anchored), coverage.Contributions(merged, anchored)) {
			last := d.Last
			if last.IsZero() {
				last = k.Hour // the row exists already; greatest() keeps its last visit
			}
			changes = append(changes, coverage.Change{Key: k, Officer: b.officer.ID, Visits: d.Visits, DwellS: d.DwellS, Last: last})
		}
	}
	return changes
}

// queueLatest queues moving each officer's latest position forward to its newest
// inserted fix.
func queueLatest(b *pgx.Batch, inserted []Stored) {
	newest := map[string]Stored{}
	for _, s := range inserted {
		if cur, ok := newest[s.Officer]; !ok || s.Time.After(cur.Time) {
			newest[s.Officer] = s
		}
	}
	if len(newest) == 0 {
		return
	}
	var officers, townships []string
	var times []time.Time
	var lons, lats []float64
	var cells []int64
	for _, s := range newest {
		officers = append(officers, s.Officer)
		townships = append(townships, s.Township)
		times = append(times, s.Time)
		lons = append(lons, s.Lon)
		lats = append(lats, s.Lat)
		cells = append(cells, s.cell)
	}
	b.Queue(`
		INSERT INTO officer_latest AS l (officer, time, geom, h3, township)
		SELECT o, t, ST_SetSRID(ST_MakePoint(lon, lat), 4326), h3, tw
		FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::bigint[], $6::text[]) AS x(o, t, lon, lat, h3, tw)
		ON CONFLICT (officer) DO UPDATE
		SET time = EXCLUDED.time, geom = EXCLUDED.geom, h3 = EXCLUDED.h3, township = EXCLUDED.township
		WHERE EXCLUDED.time > l.time`,
		officers, times, lons, lats, cells, townships)
}
