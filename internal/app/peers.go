package app

import (
	"encoding/json"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/cluster"
	"github.com/gridwatch/gridwatch/patrol/alert"
	"github.com/gridwatch/gridwatch/patrol/analytics"
	"github.com/gridwatch/gridwatch/patrol/position"
	"github.com/gridwatch/gridwatch/tiles"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// positionPublishers is where stored positions go: the live feed, the tile versions,
// the other instances and the alert rules.
type positionPublishers []position.Publisher

func (ps positionPublishers) Publish(stored []position.Stored) {
	for _, p := range ps {
		p.Publish(stored)
	}
}

// PublishAlarms hands the alarms of refused fixes to those that take them (the alert
// rules).
func (ps positionPublishers) PublishAlarms(alarms []position.Alarm) {
	for _, p := range ps {
		if ap, ok := p.(position.AlarmPublisher); ok {
			ap.PublishAlarms(alarms)
		}
	}
}

// patrolTiles bumps the versions of the tiles new positions change: tracks where the
// fixes are, coverage wherever the cells they fall in are drawn — at low zoom that is the
// rolled-up parent cell, whose hexagon reaches further than the fix.
type patrolTiles struct {
	v      *tiles.Versions
	rollup *tiles.Rollup
}

func (t patrolTiles) Publish(stored []position.Stored) {
	cells := make([]grid.Cell, 0, len(stored))
	points := make([]orb.Point, len(stored))
	for i, s := range stored {
		points[i] = orb.Point{s.Lon, s.Lat}
		if c, err := grid.ParseCell(s.H3); err == nil {
			cells = append(cells, c)
		}
	}
	t.v.TouchPoints(tiles.LayerTracks, points)
	t.rollup.Touch(tiles.LayerCoverage, cells)
	if len(stored) > 0 {
		t.v.TouchLayer(tiles.LayerBlindzones) // patrol effort is the blind-zone exposure
	}
}

func (s *Server) patrolTiles() patrolTiles {
	return patrolTiles{v: s.Tiles.Versions(), rollup: s.rollup}
}

// peerPositions sends stored positions to the other instances.
type peerPositions struct{ bus *cluster.Bus }

func (p peerPositions) Publish(stored []position.Stored) {
	if len(stored) == 0 {
		return
	}
	m := cluster.Message{Kind: cluster.KindPositions, Positions: make([]cluster.Position, len(stored))}
	for i, s := range stored {
		m.Positions[i] = cluster.Position{Officer: s.Officer, Township: s.Township, Lon: s.Lon, Lat: s.Lat,
			TimeMs: s.Time.UnixMilli(), H3: s.H3}
	}
	p.bus.Send(m)
}

// wireInvalidation tells the tile versions about every change to what tiles draw, so
// that exactly the touched tiles are built again, and the live feeds about every change
// of an alert; and tells the other instances too.
func (s *Server) wireInvalidation() {
	s.Cases.OnChange(func(p orb.Point) {
		s.caseChanged(p)
		s.Bus.Send(cluster.Message{Kind: cluster.KindCase, Lon: p[0], Lat: p[1]})
	})
	s.Alerts.OnChange(func(a alert.Alert) {
		data, err := json.Marshal(a)
		if err != nil {
			return
		}
		s.Live.PublishEvent("alert", a.Township, data)
		s.Bus.Send(cluster.Message{Kind: cluster.KindAlert, Township: a.Township, Alert: data})
	})
	s.Grid.OnChange(func() {
		s.gridChanged()
		s.Bus.Send(cluster.Message{Kind: cluster.KindGrid})
	})
}

func (s *Server) caseChanged(p orb.Point) {
	v := s.Tiles.Versions()
	v.Touch(tiles.LayerCases, p)
	// Statistics over the whole study area: any case may change any cell's result.
	v.TouchLayer(tiles.LayerHotspots)
	v.TouchLayer(tiles.LayerBlindzones)
}

func (s *Server) gridChanged() {
	for _, layer := range s.Tiles.Layers() {
		s.Tiles.Versions().TouchLayer(layer)
	}
}

// peerEvents applies what other instances report as if it had happened here.
type peerEvents struct{ s *Server }

func (e peerEvents) Receive(m cluster.Message) {
	switch m.Kind {
	case cluster.KindPositions:
		stored := make([]position.Stored, len(m.Positions))
		for i, p := range m.Positions {
			stored[i] = position.Stored{Officer: p.Officer, Township: p.Township, Lon: p.Lon, Lat: p.Lat,
				Time: time.UnixMilli(p.TimeMs).UTC(), H3: p.H3}
		}
		e.s.Live.Publish(stored)
		e.s.patrolTiles().Publish(stored)
	case cluster.KindCase:
		e.s.caseChanged(orb.Point{m.Lon, m.Lat})
	case cluster.KindGrid:
		e.s.gridChanged()
	case cluster.KindToken:
		if e.s.TokenCache != nil {
			e.s.TokenCache.Forget(m.Token)
		}
	case cluster.KindAlert:
		e.s.Live.PublishEvent("alert", m.Township, m.Alert)
	}
}

// Resync drops every cached tile and token: changes may have been missed.
func (e peerEvents) Resync() {
	e.s.gridChanged()
	if e.s.TokenCache != nil {
		e.s.TokenCache.Clear()
	}
}

// analysisVersions gives the analyses the versions of the data they read: those of the
// analysis layers, which every change of cases (hot spots) and of cases or coverage
// (blind zones) bumps.
type analysisVersions struct{ v *tiles.Versions }

func (a analysisVersions) Version(data string) uint64 {
	layer := tiles.LayerHotspots
	if data == analytics.DataPatrol {
		layer = tiles.LayerBlindzones
	}
	return a.v.Version(layer, mvt.Tile{})
}
