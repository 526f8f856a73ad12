package app

import (
	"context"

	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// powerSectors gives the powers catalog the sectors of package cases, by code and Chinese
// name: powers may not import cases, which will read the catalog at intake.
type powerSectors struct{ cases *cases.Store }

// PowerSectors lists the sectors as the powers lists name them.
func (p powerSectors) PowerSectors(ctx context.Context) ([]powers.Ref, error) {
	list, err := p.cases.Sectors(ctx)
	if err != nil {
		return nil, err
	}
	refs := make([]powers.Ref, len(list))
	for i, s := range list {
		refs[i] = powers.Ref{Code: s.Code, Name: s.NameZH}
	}
	return refs, nil
}
