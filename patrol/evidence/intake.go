package evidence

import (
	"context"
	"io"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/geo"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/patrol/cases"
)

// Intake takes in the media of one intake request that creates a case (an Open311
// POST): photos staged as they stream in, then kept with the links as evidence of the
// new case in the transaction that creates it. Discard it when done: it removes what was
// staged and not kept. An Intake serves one request; it is not safe for concurrent use.
type Intake struct {
	store  *Store
	limits Limits
	photos []Upload
}

// NewIntake returns an Intake whose photos may each hold limits.FileBytes (zero: the
// default).
func (s *Store) NewIntake(limits Limits) *Intake {
	return &Intake{store: s, limits: limits.WithDefaults()}
}

// AddPhoto stages a photo: its bytes from r, the file name and Content-Type its part
// declared. A photo is a file whose bytes sniff as an image, or, when sniffing finds
// nothing better than octet-stream, whose declared type is image/* (HEIC, say). Errors:
// too_large over the per-file limit (naming it); invalid when the bytes are not a photo
// (naming what they are); the reader's and the file system's.
func (in *Intake) AddPhoto(filename, declaredType string, r io.Reader) error {
	st, err := in.store.blobs.Stage(r, in.limits.FileBytes)
	if err != nil {
		if apperr.CodeOf(err) == apperr.TooLarge {
			return apperr.New(apperr.TooLarge, "a photo is over the limit of %s per file", httpx.FormatBytes(in.limits.FileBytes))
		}
		return err
	}
	ct := contentType(st.Head, declaredType)
	if kind, _ := KindOf(ct); kind != Photo {
		in.store.blobs.Discard(st)
		return apperr.Invalidf("it is not a photo: its bytes are %s; only images are taken (JPEG, PNG, GIF, WebP, HEIC)", ct)
	}
	in.photos = append(in.photos, Upload{File: st, Kind: Photo, ContentType: ct, Filename: cleanFilename(filename)})
	return nil
}

// Photos returns how many photos are staged.
func (in *Intake) Photos() int { return len(in.photos) }

// Discard removes the staged photos that were not kept.
func (in *Intake) Discard() {
	for _, u := range in.photos {
		in.store.blobs.Discard(u.File)
	}
}

// Create creates a case (as cases' Create) and, in the same transaction, an evidence
// event and record per link (kept, never fetched: the server does not reach out to
// addresses its clients name) and per staged photo. A photo's capture position is the
// case's reported position and its capture time unknown; its position check is no_track,
// as no officer's track stands behind a citizen's photo. The photos are moved into place
// at the end of the transaction, after every insert: a failed creation leaves no event,
// and a file behind only when the COMMIT itself fails. Errors: those of cases' Create.
func (in *Intake) Create(ctx context.Context, who auth.Identity, nc cases.NewCase, urls []string) (cases.Case, error) {
	s := in.store
	now := s.now().UTC().Truncate(time.Microsecond)
	var recs []Record
	for _, u := range urls {
		recs = append(recs, Record{SHA256: LinkSHA256(u), Kind: Link, SizeBytes: int64(len(u)), ContentType: "text/uri-list",
			URL: &u, Uploader: who.Name, UploadedAt: now})
	}
	var lat, lon *float64
	if p := geo.ToWGS84(orb.Point{nc.Lon, nc.Lat}, nc.Datum); !math.IsNaN(p[0]) && !math.IsNaN(p[1]) {
		lon, lat = &p[0], &p[1]
	}
	for _, u := range in.photos {
		r := Record{SHA256: u.File.SHA256, Kind: Photo, SizeBytes: u.File.Size, ContentType: u.ContentType,
			Filename: u.Filename, Lat: lat, Lon: lon, Uploader: who.Name, UploadedAt: now}
		if lat != nil {
			check := PositionNoTrack
			r.PositionCheck = &check
		}
		recs = append(recs, r)
	}
	atts := make([]cases.Attachment, len(recs))
	for i, r := range recs {
		atts[i] = cases.Attachment{SHA256: r.SHA256, Note: note(r), Lat: r.Lat, Lon: r.Lon}
	}
	c, _, err := s.cases.CreateWithEvidence(ctx, who, nc, atts, func(ctx context.Context, tx pgx.Tx, _ cases.Case, events []cases.Event) error {
		if err := insert(ctx, tx, recs, events); err != nil {
			return err
		}
		for _, u := range in.photos {
			if err := s.blobs.Commit(u.File); err != nil {
				return err
			}
		}
		return nil
	})
	return c, err
}
