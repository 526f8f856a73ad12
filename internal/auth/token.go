package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// tokenPrefix marks Gridwatch tokens so that they are recognisable in logs and by secret
// scanners.
const tokenPrefix = "gw_"

// NewToken returns a fresh random token: the prefix and 32 random bytes, base64url.
func NewToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms.
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken returns the SHA-256 of a token: what the database stores and looks up.
// Tokens carry 256 random bits, so a fast hash is enough; nothing compares the secret
// itself byte by byte.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// plausibleToken rejects strings that cannot be tokens before they reach the database.
func plausibleToken(s string) bool {
	return strings.HasPrefix(s, tokenPrefix) && len(s) <= 128
}
