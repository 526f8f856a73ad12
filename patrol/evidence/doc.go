// Package evidence keeps the evidence of cases (调查取证): files — photos, videos, audio,
// documents — stored content-addressed by SHA-256 in a directory the server owns, and
// links kept without being fetched. Each piece is an evidence event in its case's
// hash-chained history (package cases), whose hash covers the file's, and a record here
// with its kind, size, content type, capture time and position, the device's
// mock-location flag and the check of the capture position against the uploader's GPS
// track. Verification re-hashes the stored files.
package evidence
