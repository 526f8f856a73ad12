package documents

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// LinkTTL is how long a signed link opens its document: long enough for the tab the page
// opened to load it, short enough that a link left in a history or a log is soon dead.
const LinkTTL = 2 * time.Minute

// Link is a signed link to a document: its path (relative to the server) and when it
// stops opening it.
type Link struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Signer signs links to documents and checks them: an HMAC-SHA256 over the case, the
// document and the expiry with a secret key.
type Signer struct {
	key []byte
	now func() time.Time
}

// NewSigner returns a Signer with key (32 random bytes) on the clock now (time.Now when
// nil).
func NewSigner(key []byte, now func() time.Time) *Signer {
	if now == nil {
		now = time.Now
	}
	return &Signer{key: key, now: now}
}

// LoadSigner returns the Signer of the database's key, making the key when there is none
// yet: every instance on the database signs with the same key. Errors: the database's.
func LoadSigner(ctx context.Context, db *pgxpool.Pool) (*Signer, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("document link key: %w", err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO document_link_key (secret) VALUES ($1) ON CONFLICT (id) DO NOTHING`, fresh); err != nil {
		return nil, pgdb.Translate(err, "document link key")
	}
	var key []byte
	if err := db.QueryRow(ctx, `SELECT secret FROM document_link_key`).Scan(&key); err != nil {
		return nil, pgdb.Translate(err, "document link key")
	}
	return NewSigner(key, nil), nil
}

// Sign returns a link to document k of case id that opens it until LinkTTL from now.
func (s *Signer) Sign(id int64, k Kind) Link {
	exp := s.now().Add(LinkTTL).Truncate(time.Second)
	sig := base64.RawURLEncoding.EncodeToString(s.mac(id, k, exp.Unix()))
	return Link{URL: fmt.Sprintf("/documents/%d/%s?expires=%d&signature=%s", id, k, exp.Unix(), sig), ExpiresAt: exp.UTC()}
}

// Check says whether expires and signature, from a link's query, open document k of case
// id now. Errors: forbidden — the signature is not the server's for this case, document
// and expiry (tampered, of another case or document, malformed), or the link expired.
func (s *Signer) Check(id int64, k Kind, expires, signature string) error {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil {
		return apperr.Forbiddenf("the document link has no valid expiry: open the document from the case view")
	}
	sig, err := base64.RawURLEncoding.DecodeString(signature)
	if err != nil || !hmac.Equal(sig, s.mac(id, k, exp)) {
		return apperr.Forbiddenf("the document link's signature does not match case %d's %s: open the document from the case view", id, k)
	}
	if now := s.now(); now.Unix() > exp {
		return apperr.Forbiddenf("the document link expired at %s (links last %s): open the document again from the case view",
			time.Unix(exp, 0).UTC().Format(time.RFC3339), LinkTTL)
	}
	return nil
}

// mac is the signature of a link: HMAC-SHA256 over a version tag, the case, the document
// and the expiry (Unix seconds), each on a line of its own.
func (s *Signer) mac(id int64, k Kind, exp int64) []byte {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "gridwatch document link v1\n%d\n%s\n%d\n", id, k, exp)
	return m.Sum(nil)
}
