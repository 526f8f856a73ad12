package demo

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// The days of the demo catalog's two documents.
var (
	CatalogEffective    = powers.Date{Time: time.Date(2018, 3, 1, 0, 0, 0, 0, time.UTC)}
	AdjustmentEffective = powers.Date{Time: time.Date(2018, 9, 1, 0, 0, 0, 0, time.UTC)}
)

// LoadPowers stores the demo's powers catalog (catalog.go) through the powers store: the
// township list of 2018-03-01, then the adjustment of 2018-09-01. It does nothing when
// adjustments exist already.
func LoadPowers(ctx context.Context, g *grid.Store, store *powers.Store) error {
	existing, err := store.Adjustments(ctx, "")
	if err != nil || len(existing) > 0 {
		return err
	}
	towns, err := g.Townships(ctx, "")
	if err != nil {
		return err
	}
	codes := make([]string, len(towns))
	for i, t := range towns {
		codes[i] = t.Code
	}
	slices.Sort(codes)
	res, err := store.ImportList(ctx, importer.Name, powers.ListImport{Effective: CatalogEffective, Document: CatalogDocument,
		Rows: catalogRows(codes)})
	if err != nil {
		return fmt.Errorf("demo powers list: %w", err)
	}
	change := func(items []string) []powers.Change {
		out := make([]powers.Change, len(items))
		for i, it := range items {
			out[i] = powers.Change{Item: it, Townships: codes}
		}
		return out
	}
	if _, err := store.Adjust(ctx, importer.Name, powers.NewAdjustment{Effective: AdjustmentEffective, Document: AdjustmentDocument,
		Grant: change(AdjustedGrant), Revoke: change(AdjustedRevoke)}); err != nil {
		return fmt.Errorf("demo powers adjustment: %w", err)
	}
	slog.InfoContext(ctx, "demo powers loaded", "items", res.Items.Created, "delegations", res.Delegations.Granted)
	return nil
}
