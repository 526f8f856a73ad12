// Package auth holds API tokens and the identity behind each request: roles, an optional
// township scope and officer, tokens stored only as SHA-256 hashes, and the middleware
// that authenticates a bearer token and guards each route by role.
package auth
