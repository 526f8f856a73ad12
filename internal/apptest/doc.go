// Package apptest helps end-to-end tests of the assembled server: [NewCity] builds the one
// small test city every package's integration tests share — a server on a fresh migrated
// database (package pgtest) with townships split into H3 cells, squadrons, grid areas,
// officers and named tokens — and [Client] talks JSON to a server with those tokens.
//
// It imports internal/app and so every domain package; domain packages use it only from
// their external tests (package x_test).
package apptest
