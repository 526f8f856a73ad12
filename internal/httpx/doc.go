// Package httpx is the HTTP plumbing every handler shares: handlers that return errors,
// RFC 9457 problem documents written from one place, JSON reading and writing with size
// limits, request IDs, access logs and panic recovery.
package httpx
