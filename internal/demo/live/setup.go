package live

import (
	"context"
	"fmt"
	"strings"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

// Stores are the server's stores that preparing the phones reads and writes.
type Stores struct {
	Grid     *grid.Store
	Officers *officer.Store
	Tokens   *auth.Store
}

// tokenPrefix names the device tokens of the simulated phones.
const tokenPrefix = "demo-phone "

// Prepare builds a phone for every officer with a device whose squadron has grid areas:
// the officer patrols one of them (the officers of a squadron take its areas in turn, as
// the demo's patrols do), with a fresh device token; the phone tokens of earlier runs are
// revoked. The phones are in officer order, with their roles given by [Plan].
func Prepare(ctx context.Context, st Stores) ([]Phone, error) {
	list, err := st.Tokens.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range list {
		if strings.HasPrefix(t.Name, tokenPrefix) && t.RevokedAt == nil {
			if err := st.Tokens.Revoke(ctx, t.TokenID); err != nil {
				return nil, err
			}
		}
	}
	areas, err := st.Grid.GridAreas(ctx, "")
	if err != nil {
		return nil, err
	}
	bySquadron := map[string][]grid.GridArea{}
	for _, a := range areas {
		if a.Squadron != "" && a.Cells > 0 {
			bySquadron[a.Squadron] = append(bySquadron[a.Squadron], a)
		}
	}
	officers, err := st.Officers.List(ctx, officer.Filter{})
	if err != nil {
		return nil, err
	}
	var phones []Phone
	turn := map[string]int{}
	for _, o := range officers {
		sq := bySquadron[o.Squadron]
		if o.DeviceID == "" || len(sq) == 0 {
			continue
		}
		area := sq[turn[o.Squadron]%len(sq)]
		turn[o.Squadron]++
		cells, err := st.Grid.CellsOf(ctx, grid.CellFilter{Grid: area.Code})
		if err != nil {
			return nil, err
		}
		token, _, err := st.Tokens.Create(ctx, auth.TokenSpec{Name: tokenPrefix + o.ID, Role: auth.Device, Officer: o.ID})
		if err != nil {
			return nil, fmt.Errorf("live: token of %s: %w", o.ID, err)
		}
		phones = append(phones, Phone{Officer: o.ID, DeviceID: o.DeviceID, Token: token, Cells: cells})
	}
	Plan(phones)
	return phones, nil
}
