package app

import (
	"github.com/gridwatch/gridwatch/patrol/evidence"
	"github.com/gridwatch/gridwatch/patrol/open311"
)

// open311Media keeps the media of Open311 requests in the evidence store, within the
// evidence upload limits: a photo at most as large as an evidence file, the multipart
// body at most as large as an evidence upload.
type open311Media struct {
	store  *evidence.Store
	limits evidence.Limits
}

func (m open311Media) NewIntake() open311.MediaIntake { return m.store.NewIntake(m.limits) }

func (m open311Media) Limits() (fileBytes, bodyBytes int64) {
	l := m.limits.WithDefaults()
	return l.FileBytes, l.RequestBytes
}
