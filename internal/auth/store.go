package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Store keeps API tokens in PostgreSQL.
type Store struct {
	db *pgxpool.Pool
}

// NewStore returns a Store on db.
func NewStore(db *pgxpool.Pool) *Store { return &Store{db: db} }

// TokenSpec describes a token to create.
type TokenSpec struct {
	Name     string
	Role     Role
	Township string        // optional township code scope
	Officer  string        // officer ID; required for officer and device tokens, optional for legal ones
	TTL      time.Duration // 0: never expires
	// Qualification is the holder's legal professional qualification certificate number
	// (法律职业资格证书编号): required for legal tokens, refused for others.
	Qualification string
}

// Validate checks a spec before it reaches the database. Errors have code invalid.
func (s TokenSpec) Validate() error {
	if s.Name == "" || len(s.Name) > 200 {
		return apperr.Invalidf("a token needs a name of 1 to 200 characters")
	}
	if _, err := ParseRole(string(s.Role)); err != nil {
		return apperr.Invalidf("%v", err)
	}
	if (s.Role == Officer || s.Role == Device) && s.Officer == "" {
		return apperr.Invalidf("a %s token needs an officer", s.Role)
	}
	if s.Role == Legal && (s.Qualification == "" || len(s.Qualification) > 100) {
		return apperr.Invalidf("a legal token needs the holder's legal professional qualification (1 to 100 bytes)")
	}
	if s.Role != Legal && s.Qualification != "" {
		return apperr.Invalidf("only a legal token carries a qualification")
	}
	if s.TTL < 0 {
		return apperr.Invalidf("a token's lifetime cannot be negative")
	}
	return nil
}

// TokenInfo is what is known of a stored token; never the token itself.
type TokenInfo struct {
	Identity
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// Create stores a new token and returns it; this is the only time it is known.
// Errors: invalid for a bad spec or an unknown township.
func (s *Store) Create(ctx context.Context, spec TokenSpec) (string, Identity, error) {
	if err := spec.Validate(); err != nil {
		return "", Identity{}, err
	}
	token := NewToken()
	var expires *time.Time
	if spec.TTL > 0 {
		t := time.Now().Add(spec.TTL)
		expires = &t
	}
	id := Identity{Name: spec.Name, Role: spec.Role, Township: spec.Township, Officer: spec.Officer, Qualification: spec.Qualification}
	// The township's foreign key refuses an unknown township (townships are grid's).
	err := s.db.QueryRow(ctx, `
		INSERT INTO api_tokens (name, role, township, officer, token_hash, expires_at, qualification)
		VALUES ($1, $2, NULLIF($3, ''), NULLIF($4, ''), $5, $6, NULLIF($7, ''))
		RETURNING id`,
		spec.Name, spec.Role, spec.Township, spec.Officer, HashToken(token), expires, spec.Qualification,
	).Scan(&id.TokenID)
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.ConstraintName == "api_tokens_township_fkey" {
		return "", Identity{}, apperr.Invalidf("unknown township %q", spec.Township)
	}
	if err != nil {
		return "", Identity{}, pgdb.Translate(err, "token")
	}
	return token, id, nil
}

// errBadToken is the one answer for a token that is unknown, expired or revoked, so that
// the answer does not tell which.
var errBadToken = apperr.New(apperr.Unauthorized, "the token is not valid (unknown, expired or revoked)")

// Authenticate returns the identity of a live token. It notes the time of use, at most
// once a minute per token so that busy devices do not turn every request into a write.
// Errors: unauthorized for a bad token, unavailable when the database is down.
func (s *Store) Authenticate(ctx context.Context, token string) (Identity, error) {
	id, _, err := s.authenticate(ctx, token)
	return id, err
}

// authenticate is Authenticate that also returns when the token expires (zero: never),
// for the Cache.
func (s *Store) authenticate(ctx context.Context, token string) (Identity, time.Time, error) {
	if !plausibleToken(token) {
		return Identity{}, time.Time{}, errBadToken
	}
	var id Identity
	var township, officer, qualification *string
	var stored []byte
	var expires *time.Time
	hash := HashToken(token)
	err := s.db.QueryRow(ctx, `
		WITH t AS (
			SELECT id, name, role, township, officer, last_used_at, token_hash, qualification, expires_at
			FROM api_tokens
			WHERE token_hash = $1 AND revoked_at IS NULL
			  AND (expires_at IS NULL OR expires_at > now())
		), touched AS (
			UPDATE api_tokens a SET last_used_at = now()
			FROM t
			WHERE a.id = t.id AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
		)
		SELECT id, name, role, township, officer, token_hash, qualification, expires_at FROM t`,
		hash,
	).Scan(&id.TokenID, &id.Name, &id.Role, &township, &officer, &stored, &qualification, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return Identity{}, time.Time{}, errBadToken
	}
	// The index lookup compares hashes, which an attacker cannot steer; comparing the
	// found hash again in constant time keeps the check itself free of timing signals.
	if err == nil && subtle.ConstantTimeCompare(stored, hash) != 1 {
		return Identity{}, time.Time{}, errBadToken
	}
	if err != nil {
		return Identity{}, time.Time{}, fmt.Errorf("authenticate: %w", pgdb.Translate(err, "token"))
	}
	id.Township = deref(township)
	id.Officer = deref(officer)
	id.Qualification = deref(qualification)
	var until time.Time
	if expires != nil {
		until = *expires
	}
	return id, until, nil
}

// List returns all tokens, newest first.
func (s *Store) List(ctx context.Context) ([]TokenInfo, error) {
	rows, err := s.db.Query(ctx, `
		SELECT id, name, role, township, officer, created_at, expires_at, revoked_at, last_used_at, qualification
		FROM api_tokens ORDER BY id DESC`)
	if err != nil {
		return nil, pgdb.Translate(err, "tokens")
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (TokenInfo, error) {
		var t TokenInfo
		var township, officer, qualification *string
		err := row.Scan(&t.TokenID, &t.Name, &t.Role, &township, &officer,
			&t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.LastUsedAt, &qualification)
		t.Township, t.Officer, t.Qualification = deref(township), deref(officer), deref(qualification)
		return t, err
	})
}

// Revoke ends the token with the given ID. Errors: not_found when there is no live
// token with that ID.
func (s *Store) Revoke(ctx context.Context, tokenID int64) error {
	tag, err := s.db.Exec(ctx,
		`UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, tokenID)
	if err != nil {
		return pgdb.Translate(err, "token")
	}
	if tag.RowsAffected() == 0 {
		return apperr.NotFoundf("no live token with id %d", tokenID)
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
