package powers

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// BandsResult is what a discretion list import did: the items whose bands it set and the
// bands it stored.
type BandsResult struct {
	Items int `json:"items"`
	Bands int `json:"bands"`
}

// resolveBands checks every row of a discretion list against the stored items and returns
// each listed item's bands, or every bad row.
func resolveBands(rows []BandRow, c catalog) (map[string][]Band, []RowError) {
	byItem := map[string][]Band{}
	first := map[string]int{} // item code + level → row
	var errs []RowError
	bad := func(row int, reason, format string, args ...any) {
		errs = append(errs, RowError{Row: row, Reason: reason, Message: fmt.Sprintf(format, args...)})
	}
	for _, r := range rows {
		name := strings.TrimSpace(r.Item)
		it, ok := c.item(name, name)
		switch {
		case name == "":
			bad(r.Row, ReasonMissing, "row %d names no item", r.Row)
		case !ok:
			bad(r.Row, ReasonUnknownItem, "row %d: unknown item %q (a code or name of the powers list)", r.Row, name)
		}
		level := Level(strings.TrimSpace(r.Level))
		if _, known := levelOrder[level]; !known {
			bad(r.Row, ReasonBadLevel, "row %d: level %q is not 轻微, 一般 or 严重", r.Row, r.Level)
		}
		lo, hi, err := ParseRange(r.Range)
		if err != nil {
			bad(r.Row, ReasonBadRange, "row %d: %v", r.Row, err)
		}
		if len(r.Conditions) > MaxBandConditions {
			bad(r.Row, ReasonTooLong, "row %d: the conditions are longer than %d bytes", r.Row, MaxBandConditions)
		}
		if !ok || err != nil {
			continue
		}
		key := it.Code + "\x00" + string(level)
		if prev, dup := first[key]; dup {
			bad(r.Row, ReasonDuplicate, "row %d gives item %s level %s again (first in row %d)", r.Row, it.Code, level, prev)
			continue
		}
		first[key] = r.Row
		byItem[it.Code] = append(byItem[it.Code], Band{Level: level, MinYuan: lo, MaxYuan: hi,
			Conditions: strings.TrimSpace(r.Conditions)})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	for code, bands := range byItem {
		if err := ValidateBands(bands); err != nil {
			errs = append(errs, RowError{Row: first[code+"\x00"+string(bands[0].Level)], Reason: ReasonBadRange,
				Message: fmt.Sprintf("item %s: %s", code, apperr.MessageOf(err))})
		}
	}
	return byItem, errs
}

// ImportBands stores a published discretion list (自由裁量基准): each item it names gets
// the bands of its rows in place of those it had; items it does not name keep theirs.
// readerErrs are the rows the reader refused. Errors (nothing written): invalid with
// every bad row in the problem's errors member — the reader's, unknown items, bad
// levels and ranges, a level given twice for one item; invalid for a list with no row.
func (s *Store) ImportBands(ctx context.Context, rows []BandRow, readerErrs []RowError) (BandsResult, error) {
	var res BandsResult
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := lockAdjustments(ctx, tx); err != nil {
			return err
		}
		c, err := loadCatalog(ctx, tx, nil, nil)
		if err != nil {
			return err
		}
		byItem, errs := resolveBands(rows, c)
		if errs = append(errs, readerErrs...); len(errs) > 0 {
			return RowsError(errs)
		}
		if len(byItem) == 0 {
			return apperr.Invalidf("the list holds no band")
		}
		for _, bands := range byItem {
			res.Items++
			res.Bands += len(bands)
		}
		return storeBands(ctx, tx, byItem)
	})
	if err != nil {
		return BandsResult{}, pgdb.Translate(err, "discretion list")
	}
	return res, nil
}
