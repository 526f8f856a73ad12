package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// Blobs is the evidence store on disk: each file at sha256/<first 2 hex digits>/<hex
// SHA-256> under its directory, written to tmp/ first and renamed into place once
// complete and synced, so that a file under sha256/ is always whole. One file per hash:
// the same bytes uploaded twice are stored once.
type Blobs struct {
	dir string
}

// OpenBlobs returns the store in dir, creating it (and its tmp and sha256 directories)
// when missing. Errors: those of the file system.
func OpenBlobs(dir string) (*Blobs, error) {
	for _, d := range []string{dir, filepath.Join(dir, "tmp"), filepath.Join(dir, "sha256")} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("evidence store: %w", err)
		}
	}
	return &Blobs{dir: dir}, nil
}

// Dir returns the store's directory.
func (b *Blobs) Dir() string { return b.dir }

// Path returns where the file of a hex SHA-256 is (or would be) stored.
func (b *Blobs) Path(sum string) string {
	return filepath.Join(b.dir, "sha256", sum[:2], sum)
}

// Staged is a file written to the store's tmp directory, not yet in place.
type Staged struct {
	path   string
	SHA256 string // lower-case hex
	Size   int64  // bytes
	Head   []byte // the first bytes, up to 512, for sniffing the content type
}

// Stage copies r into a temporary file of the store, hashing it on the way, and syncs
// it. Errors: too_large when r holds more than maxBytes (naming the limit); the reader's
// own error; those of the file system.
func (b *Blobs) Stage(r io.Reader, maxBytes int64) (*Staged, error) {
	f, err := os.CreateTemp(filepath.Join(b.dir, "tmp"), "upload-*")
	if err != nil {
		return nil, fmt.Errorf("evidence store: %w", err)
	}
	st := &Staged{path: f.Name()}
	h := sha256.New()
	head := &headWriter{max: 512}
	n, err := io.Copy(io.MultiWriter(f, h, head), io.LimitReader(r, maxBytes+1))
	if err == nil && n > maxBytes {
		err = apperr.New(apperr.TooLarge, "a file is over the limit of %s per file", httpx.FormatBytes(maxBytes))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(st.path)
		return nil, err
	}
	st.SHA256, st.Size, st.Head = hex.EncodeToString(h.Sum(nil)), n, head.b
	return st, nil
}

// Commit moves a staged file into place under its hash (replacing a file of the same
// hash: the same bytes) and syncs the directory. Errors: those of the file system.
func (b *Blobs) Commit(st *Staged) error {
	final := b.Path(st.SHA256)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return fmt.Errorf("evidence store: %w", err)
	}
	if err := os.Rename(st.path, final); err != nil {
		return fmt.Errorf("evidence store: %w", err)
	}
	st.path = ""
	d, err := os.Open(filepath.Dir(final))
	if err != nil {
		return fmt.Errorf("evidence store: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("evidence store: %w", err)
	}
	return nil
}

// Discard removes a staged file that was not committed; it does nothing to a committed one.
func (b *Blobs) Discard(st *Staged) {
	if st != nil && st.path != "" {
		_ = os.Remove(st.path)
		st.path = ""
	}
}

// Open opens the stored file of a hex SHA-256. Errors: not_found when it is not stored.
func (b *Blobs) Open(sum string) (*os.File, error) {
	f, err := os.Open(b.Path(sum))
	if errors.Is(err, os.ErrNotExist) {
		return nil, apperr.NotFoundf("evidence file %s is not in the store", sum)
	}
	return f, err
}

// Rehash reads the stored file of a hex SHA-256 and returns the hash of its bytes now.
// Errors: not_found when it is missing; those of the file system.
func (b *Blobs) Rehash(sum string) (string, error) {
	f, err := b.Open(sum)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("evidence store: read %s: %w", sum, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	b   []byte
	max int
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.max - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
