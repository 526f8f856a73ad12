package app

import (
	"context"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// names gives package documents the names of townships and officers from their owners.
type names struct {
	grid     *grid.Store
	officers *officer.Store
}

func (n names) TownshipName(ctx context.Context, code string) (string, error) {
	list, err := n.grid.Townships(ctx, code)
	if err != nil {
		return "", err
	}
	if len(list) == 0 {
		return "", apperr.NotFoundf("no township %s", code)
	}
	return list[0].Name, nil
}

func (n names) OfficerName(ctx context.Context, id string) (string, error) {
	o, err := n.officers.Get(ctx, id)
	if err != nil {
		return "", err
	}
	return o.Name, nil
}
