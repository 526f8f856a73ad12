package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgtest"
	"github.com/gridwatch/gridwatch/patrol/alert"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/documents"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// The authorization matrix: every route the router serves × every principal × the
// townships its object can be in, against a policy table written by hand from
// docs/api.md ("Authentication and roles" and each route's roles). The table is
// deliberately independent of the roles the code declares (api.Route.Roles): deriving it
// from them would check nothing. A route without an entry fails, and so does an entry
// without a route.
//
// Decisions the API makes, and that this test holds it to:
//   - no, malformed, unknown, expired or revoked token → 401 (Open311 and OsmAnd carry
//     their key in the request instead: 403 and 401 as their sections say);
//   - a role not allowed on the route → 403;
//   - a scoped token naming another township (a single object of it, or a list filter
//     ?township=) → 403, as docs/api.md states for townships, locate, analytics and plans;
//     a list without a filter holds the token's township only;
//   - officer and device tokens act for their own officer only: another officer's track,
//     case or positions → 403 (positions in a batch: that item rejected with
//     forbidden_officer).

// Fixture townships. Every identifier of an object of township B contains authzB, so
// that a leak shows as that string in an answer.
const (
	authzA = "TA001"
	authzB = "TB001"
)

// azTarget is the object a request is about.
type azTarget int

const (
	azNone  azTarget = iota // no township object: a global route, or a list without a filter
	azOwn                   // township A, and the officer bound to officer/device tokens
	azPeer                  // township A, another officer of it
	azOther                 // township B
)

func (t azTarget) String() string {
	return [...]string{"none", "own", "peer", "other"}[t]
}

var (
	azListTargets  = []azTarget{azNone, azOwn, azOther}
	azTownTargets  = []azTarget{azOwn, azOther}
	azPeerTargets  = []azTarget{azOwn, azPeer, azOther}
	azGlobalTarget = []azTarget{azNone}
)

// azAccess is how a route authenticates.
type azAccess int

const (
	azBearer azAccess = iota // Authorization: Bearer TOKEN; missing or bad → 401
	azPublic                 // no credential needed; any sent is ignored
	azKeyed                  // Open311 reads: public, but a key sent is checked and narrows the answer
)

// azScope is what township scope and officer binding mean for a route.
type azScope int

const (
	azGlobal   azScope = iota // not township data: scope does not matter
	azTownship                // a scoped token sees and changes its own township only
	azOwnOnly                 // as township, and officer/device tokens only their own officer's objects
)

// Role sets, from the table of "Authentication and roles".
var (
	azAdmin, azSupervisor, azAnalyst = auth.Admin, auth.Supervisor, auth.Analyst
	azOfficer, azDevice, azReporter  = auth.Officer, auth.Device, auth.Reporter
	azLegal                          = auth.Legal
	azEveryone                       = []auth.Role{azAdmin, azSupervisor, azAnalyst, azOfficer, azDevice, azReporter, azLegal}
	// azCaseReaders read cases: readers, the officers their own, legal reviewers.
	azCaseReaders = []auth.Role{azAdmin, azSupervisor, azAnalyst, azOfficer, azLegal}
	azReaders     = []auth.Role{azAdmin, azSupervisor, azAnalyst}
	azAdmins      = []auth.Role{azAdmin}
	// azPlanners keep inspection targets and draws; azReviewReaders read case-file reviews.
	azPlanners      = []auth.Role{azAdmin, azSupervisor}
	azReviewReaders = []auth.Role{azAdmin, azSupervisor, azAnalyst, azLegal}
)

// azRule is the decision for one route.
type azRule struct {
	why      string // the basis in docs/api.md, or the decision where it is silent
	access   azAccess
	roles    []auth.Role
	scope    azScope
	targets  []azTarget
	variants []string // requests of the same route that differ in what they ask (tile layers)
	// variantRoles overrides roles for some variants.
	variantRoles map[string][]auth.Role
	list         bool // the answer lists objects: a scoped token's holds none of another township
	items        bool // scope refusals are per item: 200 with rejected[].code = forbidden_officer
	badStatus    int  // status for a missing or bad credential (0: 401)
	// publicView are the roles whose key reads as the public does (keyed routes).
	publicView []auth.Role
	anyStatus  bool // allowed means only "not 401/403" (static pages: 503 before the bundle is built)
	cityOnly   bool // the city's data: a scoped token is refused (403) whatever it names
	req        func(e *authzEnv, c azCall) azRequest
	check      func(e *authzEnv, c azCall, body []byte) error // extra checks of an allowed answer
}

// azPolicy is the authorization table, keyed by "METHOD /pattern" as chi.Walk reports the
// route ("*" for every method).
var azPolicy = map[string]azRule{
	"GET /healthz": {why: "health: no token needed", access: azPublic, targets: azGlobalTarget,
		req: azGet("/healthz")},
	"GET /metrics": {why: "admin token required (scope does not matter: no township data)", roles: azAdmins,
		targets: azGlobalTarget, req: azGet("/metrics")},
	"* /osmand/{key}": {why: "the key is a device token (its officer only); any other role's 403, so that no admin token is put in a URL",
		roles: []auth.Role{azDevice}, scope: azOwnOnly, targets: azPeerTargets, req: azOsmAnd},
	"GET /*": {why: "command-centre pages are public static assets; their data comes through the API",
		access: azPublic, targets: azGlobalTarget, anyStatus: true,
		req: azGet("/")},
	"HEAD /*": {why: "as GET /*", access: azPublic, targets: azGlobalTarget, anyStatus: true,
		req: func(e *authzEnv, c azCall) azRequest { return azRequest{method: "HEAD", path: "/"} }},

	// 执法公示.
	"GET /public": {why: "执法公示: public, no token; names of persons masked", access: azPublic, targets: azGlobalTarget,
		req: azGet("/public")},
	"GET /api/v1/public/decisions": {why: "执法公示 as JSON: public, no token", access: azPublic, targets: azGlobalTarget,
		req: azGet("/api/v1/public/decisions")},

	// Open311 GeoReport v2.
	"GET /open311/v2/services.{format}": {why: "Open311 discovery is public", access: azPublic,
		targets: azGlobalTarget, req: azGet("/open311/v2/services.json")},
	"GET /open311/v2/services/{code}.{format}": {why: "Open311 discovery is public", access: azPublic,
		targets: azGlobalTarget, req: azGet("/open311/v2/services/urban_management.json")},
	"GET /open311/v2/requests.{format}": {why: "public; a key sent is checked (wrong → 403) and sees what it may read",
		access: azKeyed, roles: []auth.Role{azAdmin, azSupervisor, azAnalyst, azOfficer, azReporter, azLegal}, scope: azOwnOnly,
		list: true, badStatus: 403, targets: azGlobalTarget, req: azGet("/open311/v2/requests.json")},
	"GET /open311/v2/requests/{id}.{format}": {why: "public; a key sent is checked and sees what it may read",
		access: azKeyed, roles: []auth.Role{azAdmin, azSupervisor, azAnalyst, azOfficer, azReporter, azLegal}, scope: azOwnOnly,
		badStatus: 403, publicView: []auth.Role{azReporter}, targets: azPeerTargets, req: azOpen311Get("requests")},
	"GET /open311/v2/request/{id}.{format}": {why: "as requests/{id}",
		access: azKeyed, roles: []auth.Role{azAdmin, azSupervisor, azAnalyst, azOfficer, azReporter, azLegal}, scope: azOwnOnly,
		badStatus: 403, publicView: []auth.Role{azReporter}, targets: azPeerTargets, req: azOpen311Get("request")},
	"POST /open311/v2/requests.{format}": {why: "api_key of a reporter or admin; missing or wrong → 403; scoped: its township",
		roles: []auth.Role{azAdmin, azReporter}, scope: azTownship, badStatus: 403, targets: azTownTargets, req: azOpen311Post},

	// Tiles.
	"GET /tiles/style.json": {why: "tiles: admin, supervisor, analyst, officer", roles: azTileRoles,
		targets: azGlobalTarget, req: azGet("/tiles/style.json")},
	"GET /tiles/{layer}.json": {why: "tiles: admin, supervisor, analyst, officer; TileJSON holds no data",
		roles: azTileRoles, targets: azGlobalTarget, variants: azTileLayers, req: azTileJSON, check: azCheckTileJSON},
	"GET /tiles/{layer}/{z}/{x}/{y}.mvt": {why: "a scoped token's tiles hold only its township; officers see on " +
		"tiles what the API lets them read: the map, their own track and cases, not readers' coverage or analytics",
		roles: azTileRoles, scope: azTownship, targets: azGlobalTarget, variants: azMapTileLayers,
		variantRoles: map[string][]auth.Role{"coverage": azReaders},
		req:          azTile, check: azCheckTile},
	"GET /tiles/hotspots/{z}/{x}/{y}.mvt": {why: "as the other tiles, readers only (analytics); a route of its own for the analyses' rate limit",
		roles: azReaders, scope: azTownship, targets: azGlobalTarget, variants: []string{"hotspots"}, req: azTile, check: azCheckTile},
	"GET /tiles/blindzones/{z}/{x}/{y}.mvt": {why: "as hotspots",
		roles: azReaders, scope: azTownship, targets: azGlobalTarget, variants: []string{"blindzones"}, req: azTile, check: azCheckTile},

	// /api/v1.
	"GET /api/v1/me": {why: "all roles", roles: azEveryone, targets: azGlobalTarget, req: azGet("/api/v1/me")},
	"POST /api/v1/townships": {why: "admin; a scoped admin only its township", roles: azAdmins, scope: azTownship,
		targets: azTownTargets, req: azImport},
	"GET /api/v1/townships": {why: "readers; a scoped token sees its own township", roles: azReaders, scope: azTownship,
		list: true, targets: azGlobalTarget, req: azGet("/api/v1/townships")},
	"GET /api/v1/townships/{code}": {why: "readers; 403 another township for a scoped token", roles: azReaders,
		scope: azTownship, targets: azTownTargets, req: func(e *authzEnv, c azCall) azRequest {
			return azRequest{method: "GET", path: "/api/v1/townships/" + c.obj.township}
		}},
	"GET /api/v1/cells": {why: "readers; a scoped token gets its township's cells", roles: azReaders, scope: azTownship,
		list: true, targets: azListTargets, req: azList("/api/v1/cells")},
	"GET /api/v1/locate": {why: "admin, supervisor, analyst, officer; 403 a point in another township for a scoped token",
		roles: []auth.Role{azAdmin, azSupervisor, azAnalyst, azOfficer}, scope: azTownship, targets: azTownTargets,
		req: func(e *authzEnv, c azCall) azRequest {
			p := c.obj.point
			return azRequest{method: "GET", path: fmt.Sprintf("/api/v1/locate?lat=%f&lon=%f", p[1], p[0])}
		}},
	"POST /api/v1/squadrons": {why: "admin; scoped: its township", roles: azAdmins, scope: azTownship, targets: azTownTargets,
		req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/squadrons", map[string]any{"code": e.unique(c.obj.township + "-sq"),
				"name": "squadron", "township": c.obj.township})
		}},
	"GET /api/v1/squadrons": {why: "readers", roles: azReaders, scope: azTownship, list: true, targets: azListTargets,
		req: azList("/api/v1/squadrons")},
	"POST /api/v1/grids": {why: "admin; scoped: its township", roles: azAdmins, scope: azTownship, targets: azTownTargets,
		req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/grids", map[string]any{"code": e.unique(c.obj.township + "-g"),
				"name": "grid", "township": c.obj.township, "cells": []string{e.freeCell(c.obj.township)}})
		}},
	"GET /api/v1/grids": {why: "readers", roles: azReaders, scope: azTownship, list: true, targets: azListTargets,
		req: azList("/api/v1/grids")},
	"POST /api/v1/officers": {why: "admin; scoped: a squadron of its township", roles: azAdmins, scope: azTownship,
		targets: azTownTargets, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/officers", map[string]any{"id": e.unique(c.obj.township + "-o"),
				"name": "officer", "squadron": c.obj.squadron})
		}},
	"GET /api/v1/officers": {why: "readers", roles: azReaders, scope: azTownship, list: true, targets: azListTargets,
		req: azList("/api/v1/officers")},
	"GET /api/v1/officers/{id}": {why: "readers", roles: azReaders, scope: azTownship, targets: azTownTargets,
		req: func(e *authzEnv, c azCall) azRequest {
			return azRequest{method: "GET", path: "/api/v1/officers/" + c.obj.officer}
		}},
	"POST /api/v1/positions": {why: "admin; device and officer tokens for their own officer (forbidden_officer)",
		roles: []auth.Role{azAdmin, azDevice, azOfficer}, scope: azOwnOnly, items: true, targets: azPeerTargets,
		req: azPositions},
	"POST /api/v1/officers/{id}/gpx": {why: "admin; the officer's own device/officer token",
		roles: []auth.Role{azAdmin, azDevice, azOfficer}, scope: azOwnOnly, targets: azPeerTargets, req: azGPX},
	"GET /api/v1/officers/{id}/track": {why: "readers; an officer its own", roles: []auth.Role{azAdmin, azSupervisor, azAnalyst, azOfficer},
		scope: azOwnOnly, targets: azPeerTargets, req: azOfficerGet("track")},
	"GET /api/v1/officers/{id}/stops": {why: "as track", roles: []auth.Role{azAdmin, azSupervisor, azAnalyst, azOfficer},
		scope: azOwnOnly, targets: azPeerTargets, req: azOfficerGet("stops")},
	"GET /api/v1/coverage": {why: "readers", roles: azReaders, scope: azTownship, list: true, targets: azListTargets,
		req: azList("/api/v1/coverage")},
	"GET /api/v1/live": {why: "readers; latest positions of every officer the token may see", roles: azReaders,
		scope: azTownship, list: true, targets: azListTargets, req: azList("/api/v1/live")},
	"GET /api/v1/alerts": {why: "readers; scoped: its township's alerts", roles: azReaders, scope: azTownship, list: true,
		targets: azListTargets, req: azList("/api/v1/alerts")},
	"POST /api/v1/alerts/{id}/ack": {why: "admin, supervisor (scoped: its township's alerts, others not found)",
		roles: azPlanners, targets: azGlobalTarget, anyStatus: true, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/alerts/999999/ack", map[string]any{"note": "matrix"})
		}},
	"POST /api/v1/alerts/{id}/resolve": {why: "admin, supervisor (scoped: its township's alerts, others not found)",
		roles: azPlanners, targets: azGlobalTarget, anyStatus: true, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/alerts/999999/resolve", map[string]any{"note": "matrix"})
		}},
	"GET /api/v1/alert-settings/{township}": {why: "admin; a scoped admin its township's", roles: azAdmins,
		scope: azTownship, targets: azTownTargets, req: func(e *authzEnv, c azCall) azRequest {
			return azRequest{method: "GET", path: "/api/v1/alert-settings/" + c.obj.township}
		}},
	"PUT /api/v1/alert-settings/{township}": {why: "admin; a scoped admin its township's", roles: azAdmins,
		scope: azTownship, targets: azTownTargets, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("PUT", "/api/v1/alert-settings/"+c.obj.township, map[string]any{"left_area": map[string]any{"enabled": true, "minutes": 10}})
		}},
	"POST /api/v1/webhooks": {why: "admin; a scoped admin subscribes to its township's events only", roles: azAdmins,
		scope: azTownship, targets: azTownTargets, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/webhooks", map[string]any{"url": "https://platform.example/hook",
				"events": []string{"alert.raised"}, "township": c.obj.township, "secret": "0123456789abcdef"})
		}},
	"GET /api/v1/webhooks": {why: "admin; a scoped admin its township's subscriptions", roles: azAdmins,
		targets: azGlobalTarget, req: azGet("/api/v1/webhooks")},
	"DELETE /api/v1/webhooks/{id}": {why: "admin", roles: azAdmins, targets: azGlobalTarget, anyStatus: true,
		req: func(e *authzEnv, c azCall) azRequest {
			return azRequest{method: "DELETE", path: "/api/v1/webhooks/999999"}
		}},
	"GET /api/v1/webhooks/{id}/deliveries": {why: "admin", roles: azAdmins, targets: azGlobalTarget, anyStatus: true,
		req: azGet("/api/v1/webhooks/999999/deliveries")},
	"GET /api/v1/sectors": {why: "every role", roles: azEveryone, targets: azGlobalTarget, req: azGet("/api/v1/sectors")},
	"POST /api/v1/cases": {why: "admin, supervisor, officer, reporter; 403 a scoped token reporting outside its township",
		roles: []auth.Role{azAdmin, azSupervisor, azOfficer, azReporter}, scope: azTownship, targets: azTownTargets,
		req: func(e *authzEnv, c azCall) azRequest {
			p := c.obj.point
			return azJSON("POST", "/api/v1/cases", map[string]any{"sector": "urban_management", "title": "matrix",
				"lat": p[1], "lon": p[0]})
		}},
	"GET /api/v1/cases": {why: "admin, supervisor, analyst, officer, legal; scoped: its township; officers their cases",
		roles: azCaseReaders, scope: azOwnOnly, list: true, targets: azListTargets,
		req: azList("/api/v1/cases")},
	"GET /api/v1/cases/sla": {why: "readers", roles: azReaders, scope: azTownship, list: true, targets: azListTargets,
		req: azList("/api/v1/cases/sla")},
	"GET /api/v1/cases/overdue": {why: "readers and legal reviewers; scoped: its township", roles: []auth.Role{azAdmin, azSupervisor, azAnalyst, azLegal},
		scope: azTownship, list: true, targets: azListTargets, req: azList("/api/v1/cases/overdue")},
	"GET /api/v1/cases/{id}": {why: "same visibility as the list", roles: azCaseReaders,
		scope: azOwnOnly, targets: azPeerTargets, req: azCaseGet("")},
	"GET /api/v1/cases/{id}/events": {why: "the case's history: the case's visibility",
		roles: azCaseReaders, scope: azOwnOnly, targets: azPeerTargets, req: azCaseGet("/events")},
	"GET /api/v1/cases/{id}/verify": {why: "the case's history: the case's visibility",
		roles: azCaseReaders, scope: azOwnOnly, targets: azPeerTargets, req: azCaseGet("/verify")},
	"POST /api/v1/cases/{id}/events": {why: "admin; supervisor in its township; the assigned officer; legal reviewers a review (scoped: its township)",
		roles: []auth.Role{azAdmin, azSupervisor, azOfficer, azLegal}, scope: azOwnOnly, targets: azPeerTargets, req: azEvent},
	"POST /api/v1/cases/{id}/evidence": {why: "as the case's events: admin; supervisor in its township; the assigned officer",
		roles: []auth.Role{azAdmin, azSupervisor, azOfficer}, scope: azOwnOnly, targets: azPeerTargets, req: azEvidenceUpload},
	"GET /api/v1/cases/{id}/evidence": {why: "the case's evidence: the case's visibility (legal reviewers too)",
		roles: azCaseReaders, scope: azOwnOnly, targets: azPeerTargets, req: azCaseGet("/evidence")},
	"GET /api/v1/cases/{id}/documents/{kind}": {why: "the case's documents: the case's visibility; the fixture's cases are not " +
		"filed, so an allowed call answers 409 (no 立案 yet) past the authorization",
		roles: azCaseReaders, scope: azOwnOnly, targets: azPeerTargets, anyStatus: true, req: azCaseGet("/documents/filing")},
	"GET /api/v1/cases/{id}/documents/{kind}/link": {why: "a signed link to the case's document: the case's visibility; " +
		"409 past the authorization as the document's (the fixture's cases are not filed)",
		roles: azCaseReaders, scope: azOwnOnly, targets: azPeerTargets, anyStatus: true, req: azCaseGet("/documents/filing/link")},
	"GET /documents/{id}/{kind}": {why: "a document's signed link: no token, the signature (made for a reader of the case) " +
		"is the permission; 409 past it here, as the fixture's cases are not filed",
		access: azPublic, targets: azPeerTargets, anyStatus: true,
		req: func(e *authzEnv, c azCall) azRequest {
			return azRequest{method: "GET", path: e.srv.DocLinks.Sign(c.obj.caseID, documents.Filing).URL}
		}},
	"GET /api/v1/evidence/{sha256}": {why: "a file: to those who may read a case holding it",
		roles: azCaseReaders, scope: azOwnOnly, targets: azPeerTargets,
		req: func(e *authzEnv, c azCall) azRequest {
			return azRequest{method: "GET", path: "/api/v1/evidence/" + e.evidenceFile(c.obj.caseID)}
		}},
	"GET /api/v1/cases/{id}/dispatch": {why: "admin, supervisor (scoped: its township)", roles: []auth.Role{azAdmin, azSupervisor},
		scope: azTownship, targets: azTownTargets, req: azCaseGet("/dispatch")},
	"POST /api/v1/cases/{id}/dispatch": {why: "admin, supervisor (scoped: its township)", roles: []auth.Role{azAdmin, azSupervisor},
		scope: azTownship, targets: azTownTargets, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", fmt.Sprintf("/api/v1/cases/%d/dispatch", c.obj.caseID), map[string]any{"officer": c.obj.officer})
		}},
	"GET /api/v1/hotspots": {why: "analytics: readers; 403 another township for a scoped token", roles: azReaders,
		scope: azTownship, list: true, targets: azListTargets, req: azList("/api/v1/hotspots")},
	"GET /api/v1/hotspots/emerging": {why: "analytics: readers", roles: azReaders, scope: azTownship, list: true,
		targets: azListTargets, req: azList("/api/v1/hotspots/emerging")},
	"GET /api/v1/blindzones": {why: "analytics: readers", roles: azReaders, scope: azTownship, list: true,
		targets: azListTargets, req: azList("/api/v1/blindzones?level=grid")},
	"POST /api/v1/plans": {why: "admin; supervisor in its township", roles: []auth.Role{azAdmin, azSupervisor},
		scope: azTownship, targets: azTownTargets, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/plans", map[string]any{"squadron": c.obj.squadron,
				"start": e.now.Format(time.RFC3339), "duration_min": 30, "speed_kmh": 5, "officers": []string{c.obj.officer}})
		}},
	"GET /api/v1/plans": {why: "readers; scoped: its township's plans", roles: azReaders, scope: azTownship, list: true,
		targets: azListTargets, req: azList("/api/v1/plans")},
	"GET /api/v1/plans/{id}": {why: "readers (JSON, or GPX with .gpx)", roles: azReaders, scope: azTownship,
		targets: azTownTargets, variants: []string{"json", "gpx"}, req: func(e *authzEnv, c azCall) azRequest {
			p := fmt.Sprintf("/api/v1/plans/%d", c.obj.planID)
			if c.variant == "gpx" {
				p += ".gpx"
			}
			return azRequest{method: "GET", path: p}
		}},
	"GET /api/v1/plans/{id}/compliance": {why: "readers", roles: azReaders, scope: azTownship, targets: azTownTargets,
		req: func(e *authzEnv, c azCall) azRequest {
			return azRequest{method: "GET", path: fmt.Sprintf("/api/v1/plans/%d/compliance", c.obj.planID)}
		}},

	// The powers catalog: reference data every role reads; who holds what, readers; changes,
	// the city's admins.
	"GET /api/v1/departments": {why: "every role (reference data, like sectors)", roles: azEveryone,
		targets: azGlobalTarget, req: azGet("/api/v1/departments")},
	"GET /api/v1/powers/items": {why: "every role (reference data cases cite)", roles: azEveryone,
		targets: azGlobalTarget, req: azGet("/api/v1/powers/items")},
	"GET /api/v1/powers": {why: "readers; a scoped token only its township", roles: azReaders, scope: azTownship,
		list: true, targets: azListTargets, req: azList("/api/v1/powers?at=2018-06-01")},
	"GET /api/v1/assessment": {why: "readers; a scoped token only its township's units", roles: azReaders,
		scope: azTownship, list: true, targets: azListTargets, req: azList("/api/v1/assessment?period=month&from=2024-01-01")},
	"GET /api/v1/assessment/weights": {why: "readers: the city's weights, no township data", roles: azReaders,
		targets: azGlobalTarget, req: azGet("/api/v1/assessment/weights")},
	"PUT /api/v1/assessment/weights": {why: "admin, unscoped: the weights are the city's", roles: azAdmins, cityOnly: true,
		targets: azGlobalTarget, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("PUT", "/api/v1/assessment/weights", map[string]any{"weights": map[string]float64{"patrol": 1, "arrival": 1}})
		}},
	"GET /api/v1/powers/usage": {why: "analytics: readers; a scoped token only its township", roles: azReaders,
		scope: azTownship, list: true, targets: azListTargets, req: azList("/api/v1/powers/usage")},
	"GET /api/v1/powers/adjustments": {why: "readers; a scoped token only its township's changes", roles: azReaders,
		scope: azTownship, list: true, targets: azListTargets, req: azList("/api/v1/powers/adjustments")},
	"POST /api/v1/powers/adjustments": {why: "admin, unscoped: the delegations are the city's", roles: azAdmins,
		cityOnly: true, targets: azGlobalTarget, req: azPowersAdjust},
	"PUT /api/v1/powers/items/{code}/bands": {why: "admin, unscoped", roles: azAdmins, cityOnly: true,
		targets: azGlobalTarget, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("PUT", "/api/v1/powers/items/"+azItem+"/bands", []map[string]any{
				{"level": "一般", "min_yuan": 500, "max_yuan": 2000, "conditions": "首次"}})
		}},
	"POST /api/v1/powers/import": {why: "admin, unscoped: a list is the city's", roles: azAdmins, cityOnly: true,
		targets: azGlobalTarget, req: func(e *authzEnv, c azCall) azRequest {
			// A catalog naming no township: the fixture's delegations stay as they are.
			csv := "事项名称,所属领域,实施部门,事项类别\n" + e.unique("matrix item") + ",城市管理,城管局,行政处罚\n"
			return azRequest{method: "POST", path: "/api/v1/powers/import?effective=2018-06-01", body: []byte(csv), ctype: "text/csv"}
		}},
	"POST /api/v1/powers/bands/import": {why: "admin, unscoped", roles: azAdmins, cityOnly: true,
		targets: azGlobalTarget, req: func(e *authzEnv, c azCall) azRequest {
			csv := "事项编码,裁量阶次,适用情形,处罚标准\n" + azItem + ",轻微,首次,处500元以上1000元以下罚款\n"
			return azRequest{method: "POST", path: "/api/v1/powers/bands/import", body: []byte(csv), ctype: "text/csv"}
		}},

	// The working-day calendar: reference data every role reads; a year's arrangement, the
	// city's admins.
	// 双随机一公开 and 案卷评查 (docs/draws.md). The fixture holds no targets, draws or reviews:
	// a step on draw, task or review 999999 answers 404 past the authorization (anyStatus).
	"GET /public/draws/{id}": {why: "a draw's public record: public, no token", access: azPublic, targets: azGlobalTarget,
		anyStatus: true, req: azGet("/public/draws/1")},
	"GET /api/v1/public/draws/{id}": {why: "a draw's public record as JSON: public, no token", access: azPublic,
		targets: azGlobalTarget, anyStatus: true, req: azGet("/api/v1/public/draws/1")},
	"POST /api/v1/inspection/targets": {why: "admin, supervisor (a scoped one targets of its township: others are bad rows)",
		roles: azPlanners, targets: azGlobalTarget, anyStatus: true, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/inspection/targets", []map[string]any{{"name": e.unique("target"),
				"other_id": e.unique("T"), "sectors": []string{"urban_management"}, "lon": 120.2, "lat": 31.8, "risk": "low"}})
		}},
	"GET /api/v1/inspection/targets": {why: "readers; a scoped token its township's (the fixture holds none)", roles: azReaders,
		targets: azGlobalTarget, req: azGet("/api/v1/inspection/targets")},
	"POST /api/v1/inspection/draws": {why: "admin, supervisor (scoped: its township)", roles: azPlanners, targets: azGlobalTarget,
		anyStatus: true, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/inspection/draws", map[string]any{"kind": "inspection", "title": "matrix",
				"plan": map[string]any{"rules": map[string]any{"quotas": []map[string]any{{"stratum": "high", "count": 1}},
					"inspectors_per_unit": 1}}})
		}},
	"GET /api/v1/inspection/draws": {why: "readers; a scoped token its township's", roles: azReaders, targets: azGlobalTarget,
		req: azGet("/api/v1/inspection/draws")},
	"GET /api/v1/inspection/draws/{id}": {why: "readers", roles: azReaders, targets: azGlobalTarget, anyStatus: true,
		req: azGet("/api/v1/inspection/draws/999999")},
	"PUT /api/v1/inspection/draws/{id}": {why: "admin, supervisor; a draft only", roles: azPlanners, targets: azGlobalTarget,
		anyStatus: true, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("PUT", "/api/v1/inspection/draws/999999", map[string]any{"kind": "inspection", "title": "matrix"})
		}},
	"POST /api/v1/inspection/draws/{id}/publish": {why: "admin, supervisor", roles: azPlanners, targets: azGlobalTarget,
		anyStatus: true, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/inspection/draws/999999/publish", nil)
		}},
	"POST /api/v1/inspection/draws/{id}/draw": {why: "admin, supervisor", roles: azPlanners, targets: azGlobalTarget,
		anyStatus: true, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/inspection/draws/999999/draw", nil)
		}},
	"GET /api/v1/inspection/tasks": {why: "readers; officers the tasks drawn to them", roles: []auth.Role{azAdmin, azSupervisor, azAnalyst, azOfficer},
		targets: azGlobalTarget, req: azGet("/api/v1/inspection/tasks")},
	"POST /api/v1/inspection/tasks/{id}/result": {why: "the task's drawn officers; admin, supervisor of its township",
		roles: []auth.Role{azAdmin, azSupervisor, azOfficer}, targets: azGlobalTarget, anyStatus: true,
		req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/inspection/tasks/999999/result", map[string]any{"outcome": "no_problem"})
		}},
	"POST /api/v1/inspection/tasks/{id}/evidence": {why: "as the task's result: its drawn officers; admin, supervisor of its " +
		"township (refusals on a real task: patrol/inspection's TestOtherTownshipRefused and TestResultEvidence)",
		roles: []auth.Role{azAdmin, azSupervisor, azOfficer}, targets: azGlobalTarget, anyStatus: true,
		req: func(e *authzEnv, c azCall) azRequest {
			body, ctype := azMultipartPNG(e.unique("task-upload"))
			return azRequest{method: "POST", path: "/api/v1/inspection/tasks/999999/evidence", body: body, ctype: ctype}
		}},
	"GET /api/v1/inspection/tasks/{id}/evidence": {why: "as the tasks: readers, officers the tasks drawn to them",
		roles: []auth.Role{azAdmin, azSupervisor, azAnalyst, azOfficer}, targets: azGlobalTarget, anyStatus: true,
		req: azGet("/api/v1/inspection/tasks/999999/evidence")},
	"GET /api/v1/inspection/tasks/{id}/evidence/verify": {why: "as the tasks: readers, officers the tasks drawn to them",
		roles: []auth.Role{azAdmin, azSupervisor, azAnalyst, azOfficer}, targets: azGlobalTarget, anyStatus: true,
		req: azGet("/api/v1/inspection/tasks/999999/evidence/verify")},
	"GET /api/v1/inspection/reviews": {why: "readers and legal reviewers", roles: azReviewReaders, targets: azGlobalTarget,
		req: azGet("/api/v1/inspection/reviews")},
	"GET /api/v1/inspection/reviews/{id}": {why: "readers and legal reviewers", roles: azReviewReaders, targets: azGlobalTarget,
		anyStatus: true, req: azGet("/api/v1/inspection/reviews/999999")},
	"POST /api/v1/inspection/reviews/{id}/score": {why: "legal reviewers only", roles: []auth.Role{azLegal}, targets: azGlobalTarget,
		anyStatus: true, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/inspection/reviews/999999/score", map[string]any{"scores": map[string]int{"procedure": 1,
				"evidence": 1, "documents": 1, "reasoning": 1}})
		}},
	"GET /api/v1/inspection/summary": {why: "readers; a scoped token its township's row", roles: azReaders, targets: azGlobalTarget,
		req: azGet("/api/v1/inspection/summary")},
	"POST /api/v1/inspection/reviews/{id}/fixup/close": {why: "admin, supervisor of the review's township", roles: azPlanners,
		targets: azGlobalTarget, anyStatus: true, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/inspection/reviews/999999/fixup/close", map[string]any{"closure": "done"})
		}},

	"POST /api/v1/calendar": {why: "admin, unscoped: the calendar is the city's", roles: azAdmins, cityOnly: true,
		targets: azGlobalTarget, req: func(e *authzEnv, c azCall) azRequest {
			return azJSON("POST", "/api/v1/calendar", map[string]any{"year": 2031, "holidays": []string{"2031-01-01"},
				"workdays": []string{}})
		}},
	"GET /api/v1/calendar/{year}": {why: "every role (reference data deadlines are counted on)", roles: azEveryone,
		targets: azGlobalTarget, req: azGet("/api/v1/calendar/2025")},
}

// azItem is the fixture's item, held by both townships from 2018-03-01.
const azItem = "AZ-U1"

// azPowersAdjust grants a new item of the catalog to township A.
func azPowersAdjust(e *authzEnv, c azCall) azRequest {
	code := e.unique("AZ-ADJ")
	_, err := e.srv.Powers.ImportList(context.Background(), "authz-seed", powers.ListImport{Effective: azDay("2018-03-01"),
		Rows: []powers.ListRow{{Row: 2, Code: code, Name: "item " + code, Sector: "urban_management", Department: "城管局", Category: "处罚"}}})
	if err != nil {
		e.t.Fatalf("item for an adjustment: %v", err)
	}
	return azJSON("POST", "/api/v1/powers/adjustments", map[string]any{"effective": "2018-06-01", "document": "matrix",
		"grant": []map[string]any{{"item": code, "townships": []string{authzA}}}})
}

func azDay(s string) powers.Date {
	d, err := powers.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

var (
	azTileRoles  = []auth.Role{azAdmin, azSupervisor, azAnalyst, azOfficer}
	azTileLayers = []string{"townships", "grids", "cells", "coverage", "tracks", "cases", "hotspots", "blindzones"}
	// azMapTileLayers are the layers served by the generic tile route; the analyses have
	// routes of their own.
	azMapTileLayers = azTileLayers[:6]
)

// azPrincipal is who calls: a role with or without a township scope, or a bad credential.
type azPrincipal struct {
	name  string
	role  auth.Role // "" for a bad credential
	scope string    // township code, "" = unscoped
	token string    // "" = none sent
}

func (p azPrincipal) bad() bool      { return p.role == "" }
func (p azPrincipal) bound() bool    { return p.role == auth.Officer || p.role == auth.Device }
func (p azPrincipal) scoped() bool   { return p.scope != "" }
func (p azPrincipal) String() string { return p.name }

// azObjects are the fixture objects of one target.
type azObjects struct {
	township, squadron, officer, device string
	point                               orb.Point // a point of the township, where the officer's fixes are
	caseID, planID                      int64
}

// azCall is one cell of the matrix.
type azCall struct {
	p       azPrincipal
	tg      azTarget
	variant string
	obj     azObjects
}

// azRequest is what a call sends.
type azRequest struct {
	method, path, ctype string
	body                []byte
	noBearer            bool // the credential travels in the request itself
}

// authzEnv is the server with two seeded townships, shared by every case.
type authzEnv struct {
	t          *testing.T
	srv        *app.Server
	url        string
	adminToken string
	now        time.Time
	seq        int
	objs       map[azTarget]azObjects
	free       map[string][]string // township → cells in no grid area
	features   map[string]json.RawMessage
	tile       maptile.Tile
	boxes      map[string]orb.Bound // the townships' extents
	principals []azPrincipal
	lastFix    map[string]time.Time
	files      map[int64]string // case → the SHA-256 of an evidence file of it
}

func TestAuthzMatrix(t *testing.T) {
	e := newAuthzEnv(t)

	type entry struct {
		key  string
		rule azRule
	}
	var routes []string
	walkFn := func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, method+" "+pattern)
		return nil
	}
	if err := chi.Walk(e.srv.Handler().(chi.Routes), walkFn); err != nil {
		t.Fatal(err)
	}
	sort.Strings(routes)
	used := map[string]bool{}
	var entries []entry
	for _, rt := range routes {
		method, pattern, _ := strings.Cut(rt, " ")
		key := rt
		r, ok := azPolicy[key]
		if !ok {
			key = "* " + pattern
			r, ok = azPolicy[key]
		}
		if !ok {
			t.Errorf("route %s %s has no authorization decision: add an entry to the policy table of "+
				"internal/app/authz_test.go stating, from docs/api.md, which roles may call it and what a township "+
				"scope means for it (and document the route's roles in docs/api.md)", method, pattern)
			continue
		}
		if !used[key] {
			entries = append(entries, entry{key, r})
		}
		used[key] = true
	}
	for key := range azPolicy {
		if !used[key] {
			t.Errorf("policy entry %q matches no route of the router: remove it, or fix its pattern", key)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	count := 0
	for _, en := range entries {
		t.Run(en.key, func(t *testing.T) {
			variants := en.rule.variants
			if len(variants) == 0 {
				variants = []string{""}
			}
			for _, p := range e.principals {
				for _, tg := range en.rule.targets {
					for _, v := range variants {
						count++
						c := azCall{p: p, tg: tg, variant: v, obj: e.objs[tg]}
						e.run(t, en.key, en.rule, c)
					}
				}
			}
		})
	}
	// Routes are chi.Walk's method+pattern pairs; an any-method entry (/osmand/{key}, /*)
	// is exercised once for all its methods.
	t.Logf("authorization matrix: %d routes (%d policy entries) × %d principals × their targets and variants = %d cases",
		len(routes), len(entries), len(e.principals), count)

	t.Run("live feed keeps to the township", e.checkLiveFeed)
	t.Run("a scoped import keeps the city's resolution", e.checkScopedResplit)
}

// azVerdict is what the policy expects of a call.
type azVerdict struct {
	allow  bool
	status int    // when denied
	item   bool   // denied per item (200 with forbidden_officer)
	why    string // for failure messages
}

func (r azRule) expect(c azCall) azVerdict {
	if r.access == azPublic {
		return azVerdict{allow: true, why: "public"}
	}
	if c.p.token == "" && r.access == azKeyed {
		return azVerdict{allow: true, why: "public without a key"}
	}
	if c.p.bad() {
		st := r.badStatus
		if st == 0 {
			st = http.StatusUnauthorized
		}
		return azVerdict{status: st, why: "no valid credential"}
	}
	roles := r.roles
	if vr, ok := r.variantRoles[c.variant]; ok {
		roles = vr
	}
	if !slices.Contains(roles, c.p.role) {
		return azVerdict{status: http.StatusForbidden, why: "role not allowed"}
	}
	if slices.Contains(r.publicView, c.p.role) {
		return azVerdict{allow: true, why: "reads as the public"}
	}
	deny := azVerdict{status: http.StatusForbidden, item: r.items}
	if r.cityOnly && c.p.scoped() {
		deny.why = "the city's data: no township scope may change it"
		return deny
	}
	if r.scope != azGlobal && c.p.scoped() && c.tg == azOther {
		deny.why = "another township than the token's"
		return deny
	}
	if r.scope == azOwnOnly && c.p.bound() && !r.list && c.tg != azOwn {
		deny.why = "another officer than the token's"
		return deny
	}
	return azVerdict{allow: true, why: "allowed"}
}

func (e *authzEnv) run(t *testing.T, key string, r azRule, c azCall) {
	t.Helper()
	want := r.expect(c)
	rq := r.req(e, c)
	name := fmt.Sprintf("%s as %s on %s", key, c.p, c.tg)
	if c.variant != "" {
		name += " (" + c.variant + ")"
	}
	status, body := e.send(rq, c.p, key == "GET /api/v1/live")
	switch {
	case want.allow:
		ok := status >= 200 && status < 300
		if r.anyStatus {
			ok = status != 401 && status != 403
		}
		if !ok {
			t.Errorf("%s = %d, want allowed (%s; docs: %s): %.300s", name, status, want.why, r.why, body)
			return
		}
		if r.items {
			if err := azWantItem(body, ""); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if r.list {
			if err := e.checkList(c, r, body); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if r.check != nil {
			if err := r.check(e, c, body); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	case want.item:
		if status != 200 {
			t.Errorf("%s = %d, want 200 with the item rejected (%s): %.300s", name, status, want.why, body)
		} else if err := azWantItem(body, "forbidden_officer"); err != nil {
			t.Errorf("%s (%s): %v", name, want.why, err)
		}
	default:
		if status != want.status {
			t.Errorf("%s = %d, want %d (%s; docs: %s): %.300s", name, status, want.status, want.why, r.why, body)
		}
	}
}

// azWantItem checks a position ingest answer: one fix stored (code "") or rejected with code.
func azWantItem(body []byte, code string) error {
	var res struct {
		Accepted   int `json:"accepted"`
		Duplicates int `json:"duplicates"`
		Rejected   []struct {
			Code string `json:"code"`
		} `json:"rejected"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return fmt.Errorf("ingest answer: %v: %s", err, body)
	}
	if code == "" {
		if res.Accepted+res.Duplicates != 1 {
			return fmt.Errorf("fix not stored: %s", body)
		}
		return nil
	}
	if res.Accepted+res.Duplicates != 0 || len(res.Rejected) != 1 || res.Rejected[0].Code != code {
		return fmt.Errorf("answer %s, want the fix rejected with %s", body, code)
	}
	return nil
}

// forbiddenMarkers are strings that identify objects the principal may not see in a
// list: township B's for a scoped token, and for an officer token the other officers'
// cases.
func (e *authzEnv) forbiddenMarkers(c azCall, r azRule) []string {
	var m []string
	caseMarkers := func(id int64) []string {
		return []string{fmt.Sprintf(`"id":%d,`, id), fmt.Sprintf(`"service_request_id":"%d"`, id)}
	}
	if c.p.scoped() {
		m = append(m, authzB)
		m = append(m, caseMarkers(e.objs[azOther].caseID)...)
	}
	if r.scope == azOwnOnly && c.p.role == auth.Officer {
		m = append(m, authzB, e.objs[azPeer].officer)
		m = append(m, caseMarkers(e.objs[azPeer].caseID)...)
		m = append(m, caseMarkers(e.objs[azOther].caseID)...)
	}
	return m
}

// checkList checks that a list holds nothing the principal may not see, and — so that
// the check is not vacuous — that an unscoped reader's unfiltered list does hold
// township B's objects.
func (e *authzEnv) checkList(c azCall, r azRule, body []byte) error {
	for _, m := range e.forbiddenMarkers(c, r) {
		if bytes.Contains(body, []byte(m)) {
			return fmt.Errorf("LEAK: the answer holds %s, which this token may not see: %.400s", m, body)
		}
	}
	reader := c.p.role == azAdmin || c.p.role == azAnalyst || c.p.role == azSupervisor || c.p.token == ""
	// The public's Open311 list names no squadron or township: township B's case is
	// there by its ID.
	other := fmt.Sprintf(`"service_request_id":"%d"`, e.objs[azOther].caseID)
	if reader && !c.p.scoped() && c.tg == azNone && !bytes.Contains(body, []byte(authzB)) && !bytes.Contains(body, []byte(other)) {
		return fmt.Errorf("an unscoped reader's list holds nothing of township %s: the fixture does not test the scope: %.300s", authzB, body)
	}
	return nil
}

// send sends a request with the principal's credential and returns the status and body
// (for a live stream, the events that arrive before it goes quiet).
func (e *authzEnv) send(rq azRequest, p azPrincipal, stream bool) (int, []byte) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, e.url+rq.path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if rq.ctype != "" {
		req.Header.Set("Content-Type", rq.ctype)
	}
	if p.token != "" && !rq.noBearer {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer resp.Body.Close()
	if stream && resp.StatusCode == 200 {
		var out []byte
		for _, ev := range azReadEvents(resp.Body, 150*time.Millisecond, nil) {
			out = append(out, ev...)
			out = append(out, '\n')
		}
		return resp.StatusCode, out
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// azReadEvents reads the data lines of an event stream until nothing arrives for idle, or
// until stop returns true for an event.
func azReadEvents(r io.Reader, idle time.Duration, stop func([]byte) bool) [][]byte {
	lines := make(chan []byte)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if data, ok := bytes.CutPrefix(sc.Bytes(), []byte("data: ")); ok {
				select {
				case lines <- bytes.Clone(data):
				case <-done:
					return
				}
			}
		}
	}()
	var out [][]byte
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return out
			}
			out = append(out, l)
			if stop != nil && stop(l) {
				return out
			}
		case <-time.After(idle):
			return out
		}
	}
}

// Request builders.

func azGet(path string) func(*authzEnv, azCall) azRequest {
	return func(*authzEnv, azCall) azRequest { return azRequest{method: "GET", path: path} }
}

func azJSON(method, path string, v any) azRequest {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return azRequest{method: method, path: path, body: b, ctype: "application/json"}
}

// azList asks for a list, filtered to the target's township unless the target is none.
func azList(path string) func(*authzEnv, azCall) azRequest {
	return func(e *authzEnv, c azCall) azRequest {
		if c.tg == azNone {
			return azRequest{method: "GET", path: path}
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		return azRequest{method: "GET", path: path + sep + "township=" + c.obj.township}
	}
}

func azOfficerGet(what string) func(*authzEnv, azCall) azRequest {
	return func(e *authzEnv, c azCall) azRequest {
		return azRequest{method: "GET", path: "/api/v1/officers/" + c.obj.officer + "/" + what}
	}
}

func azCaseGet(suffix string) func(*authzEnv, azCall) azRequest {
	return func(e *authzEnv, c azCall) azRequest {
		return azRequest{method: "GET", path: fmt.Sprintf("/api/v1/cases/%d%s", c.obj.caseID, suffix)}
	}
}

func azOpen311Get(prefix string) func(*authzEnv, azCall) azRequest {
	return func(e *authzEnv, c azCall) azRequest {
		return azRequest{method: "GET", path: fmt.Sprintf("/open311/v2/%s/%d.json", prefix, c.obj.caseID)}
	}
}

func azOpen311Post(e *authzEnv, c azCall) azRequest {
	form := url.Values{"service_code": {"urban_management"}, "description": {"matrix"},
		"lat": {azFtoa(c.obj.point[1])}, "long": {azFtoa(c.obj.point[0])}}
	if c.p.token != "" {
		form.Set("api_key", c.p.token)
	}
	return azRequest{method: "POST", path: "/open311/v2/requests.json", body: []byte(form.Encode()),
		ctype: "application/x-www-form-urlencoded", noBearer: true}
}

func azOsmAnd(e *authzEnv, c azCall) azRequest {
	key := c.p.token
	if key == "" {
		key = "nokey"
	}
	at := e.fixTime(c.obj.officer)
	q := url.Values{"id": {c.obj.device}, "lat": {azFtoa(c.obj.point[1])}, "lon": {azFtoa(c.obj.point[0])},
		"timestamp": {strconv.FormatInt(at.Unix(), 10)}}
	return azRequest{method: "POST", path: "/osmand/" + key + "?" + q.Encode(), noBearer: true}
}

func azPositions(e *authzEnv, c azCall) azRequest {
	p := c.obj.point
	return azJSON("POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{{
		"officer": c.obj.officer, "time": e.fixTime(c.obj.officer).Format(time.RFC3339), "lat": p[1], "lon": p[0]}}})
}

func azGPX(e *authzEnv, c azCall) azRequest {
	p := c.obj.point
	doc := fmt.Sprintf(`<?xml version="1.0"?><gpx version="1.1" creator="authz" xmlns="http://www.topografix.com/GPX/1/1">`+
		`<trk><trkseg><trkpt lat="%f" lon="%f"><time>%s</time></trkpt></trkseg></trk></gpx>`,
		p[1], p[0], e.fixTime(c.obj.officer).Format(time.RFC3339))
	return azRequest{method: "POST", path: "/api/v1/officers/" + c.obj.officer + "/gpx", body: []byte(doc),
		ctype: "application/gpx+xml"}
}

// azEvent appends an event to a fresh case assigned to the target's officer, so that
// every call meets the case in the same state: admins and supervisors re-assign it,
// officers accept it.
func azEvent(e *authzEnv, c azCall) azRequest {
	if c.p.role == auth.Legal {
		id := e.penaltyCase(c.obj, time.Time{}, cases.EventFile, cases.EventInvestigate, cases.EventNotify)
		return azJSON("POST", fmt.Sprintf("/api/v1/cases/%d/events", id), map[string]any{"type": "review", "outcome": "approve"})
	}
	id := e.assignedCase(c.obj)
	body := map[string]any{"type": "assign", "officer": c.obj.officer}
	if c.p.role == auth.Officer {
		body = map[string]any{"type": "accept"}
	}
	return azJSON("POST", fmt.Sprintf("/api/v1/cases/%d/events", id), body)
}

// azEvidenceUpload uploads a small PNG to a case assigned to the target's officer.
func azEvidenceUpload(e *authzEnv, c azCall) azRequest {
	body, ctype := azMultipartPNG(e.unique("upload"))
	return azRequest{method: "POST", path: fmt.Sprintf("/api/v1/cases/%d/evidence", e.assignedCase(c.obj)), body: body, ctype: ctype}
}

// azMultipartPNG is a multipart upload of one PNG whose bytes end in tag.
func azMultipartPNG(tag string) ([]byte, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, _ := mw.CreateFormFile("file", "a.png")
	_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n" + tag))
	_ = mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// evidenceFile returns the SHA-256 of a file of the case, uploading one (as admin) the
// first time.
func (e *authzEnv) evidenceFile(caseID int64) string {
	e.t.Helper()
	if sum, ok := e.files[caseID]; ok {
		return sum
	}
	body, ctype := azMultipartPNG(e.unique("file"))
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/cases/%d/evidence", e.url, caseID), bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+e.adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Evidence []struct {
			SHA256 string `json:"sha256"`
		} `json:"evidence"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 201 || len(out.Evidence) != 1 {
		e.t.Fatalf("evidence for case %d: %d %v", caseID, resp.StatusCode, err)
	}
	e.files[caseID] = out.Evidence[0].SHA256
	return out.Evidence[0].SHA256
}

func azImport(e *authzEnv, c azCall) azRequest {
	fc := fmt.Sprintf(`{"type":"FeatureCollection","features":[%s]}`, e.features[c.obj.township])
	return azRequest{method: "POST", path: "/api/v1/townships", body: []byte(fc), ctype: "application/geo+json"}
}

func azTileJSON(e *authzEnv, c azCall) azRequest {
	return azRequest{method: "GET", path: "/tiles/" + c.variant + ".json"}
}

func azTile(e *authzEnv, c azCall) azRequest {
	p := fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", c.variant, e.tile.Z, e.tile.X, e.tile.Y)
	if c.variant == "blindzones" {
		p += "?level=grid" // a scoped token's township alone is one unit: nothing to compare
	}
	return azRequest{method: "GET", path: p}
}

// azCheckTileJSON checks that a scoped token's TileJSON bounds are its township's, not
// the city's.
func azCheckTileJSON(e *authzEnv, c azCall, body []byte) error {
	var tj struct {
		Bounds []float64 `json:"bounds"`
	}
	if err := json.Unmarshal(body, &tj); err != nil || len(tj.Bounds) != 4 {
		return fmt.Errorf("TileJSON bounds: %v: %s", err, body)
	}
	box := e.boxes[authzA]
	if !c.p.scoped() {
		box = box.Union(e.boxes[authzB])
	}
	const eps = 1e-6
	got := orb.Bound{Min: orb.Point{tj.Bounds[0], tj.Bounds[1]}, Max: orb.Point{tj.Bounds[2], tj.Bounds[3]}}
	if !box.Pad(eps).Contains(got.Min) || !box.Pad(eps).Contains(got.Max) ||
		!got.Pad(eps).Contains(box.Min) || !got.Pad(eps).Contains(box.Max) {
		return fmt.Errorf("TileJSON bounds %v, want %v (what %s may see)", tj.Bounds, box, c.p)
	}
	return nil
}

// azCheckTile decodes an allowed tile: a scoped token's holds no feature of township B; an
// officer's tracks are its own and its cases those assigned to it; an unscoped reader's
// shows both townships (else the check would be vacuous).
func azCheckTile(e *authzEnv, c azCall, body []byte) error {
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		return fmt.Errorf("tile does not decode: %v", err)
	}
	seen := map[string]bool{}
	for _, l := range layers {
		for _, f := range l.Features {
			for k, v := range f.Properties {
				s, _ := v.(string)
				for _, town := range []string{authzA, authzB} {
					if strings.Contains(s, town) {
						seen[town] = true
					}
				}
				if c.p.scoped() && strings.Contains(s, authzB) {
					return fmt.Errorf("LEAK: feature %s=%q of township %s in a tile of a token scoped to %s", k, s, authzB, c.p.scope)
				}
			}
			if c.p.role != auth.Officer {
				continue
			}
			switch c.variant {
			case "tracks":
				if o := f.Properties["officer"]; o != e.objs[azOwn].officer {
					return fmt.Errorf("LEAK: track of officer %v in a tile of officer %s's token", o, e.objs[azOwn].officer)
				}
			case "cases":
				id, _ := f.Properties["id"].(float64)
				got, err := e.srv.Cases.Get(context.Background(), auth.Identity{Role: auth.Admin}, int64(id))
				if err != nil {
					return fmt.Errorf("case %v of the tile: %v", f.Properties["id"], err)
				}
				if got.Officer == nil || *got.Officer != e.objs[azOwn].officer {
					return fmt.Errorf("LEAK: case %d (assigned to another officer) in a tile of officer %s's token", got.ID, e.objs[azOwn].officer)
				}
			}
		}
	}
	reader := c.p.role == azAdmin || c.p.role == azAnalyst || c.p.role == azSupervisor
	if reader && !c.p.scoped() && !(seen[authzA] && seen[authzB]) {
		return fmt.Errorf("an unscoped reader's %s tile does not show both townships (%v): the fixture does not test the scope", c.variant, seen)
	}
	return nil
}

// checkLiveFeed posts a fix in township B and then one in A while a scoped and an
// unscoped client listen: the scoped one must see A's and never B's.
func (e *authzEnv) checkLiveFeed(t *testing.T) {
	type stream struct {
		p      azPrincipal
		events [][]byte
		done   chan struct{}
	}
	a, b := e.objs[azOwn], e.objs[azOther]
	var scopedSup, analystP azPrincipal
	for _, p := range e.principals {
		switch {
		case p.role == auth.Supervisor && p.scoped():
			scopedSup = p
		case p.role == auth.Analyst && !p.scoped():
			analystP = p
		}
	}
	atA := e.fixTime(a.officer)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var streams []*stream
	for _, p := range []azPrincipal{scopedSup, analystP} {
		req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/api/v1/live", nil)
		req.Header.Set("Authorization", "Bearer "+p.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /api/v1/live as %s: %v %v", p, err, resp)
		}
		defer resp.Body.Close()
		s := &stream{p: p, done: make(chan struct{})}
		streams = append(streams, s)
		go func() {
			defer close(s.done)
			// Until A's new fix arrives: it is posted after B's.
			s.events = azReadEvents(resp.Body, 10*time.Second, func(ev []byte) bool {
				return bytes.Contains(ev, []byte(a.officer)) && bytes.Contains(ev, []byte(atA.UTC().Format("2006-01-02T15:04:05")))
			})
		}()
	}
	time.Sleep(300 * time.Millisecond) // both subscribed and past their snapshot
	for _, o := range []azObjects{b, a} {
		at := e.fixTime(o.officer)
		if o.officer == a.officer {
			at = atA
		}
		e.seed("POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{{
			"officer": o.officer, "time": at.Format(time.RFC3339), "lat": o.point[1], "lon": o.point[0]}}}, nil)
	}
	for _, s := range streams {
		<-s.done
		all := bytes.Join(s.events, []byte("\n"))
		if !bytes.Contains(all, []byte(atA.UTC().Format("2006-01-02T15:04:05"))) {
			t.Errorf("%s did not receive township A's new fix: %s", s.p, all)
		}
		sawB := bytes.Contains(all, []byte(authzB))
		if s.p.scoped() && sawB {
			t.Errorf("LEAK: %s received events of township %s's officers: %s", s.p, authzB, all)
		}
		if !s.p.scoped() && !sawB {
			t.Errorf("%s (unscoped) did not receive township %s's fix: the live check is vacuous: %s", s.p, authzB, all)
		}
	}
}

// checkScopedResplit: importing a township at another resolution than the city's splits
// every township again, so a scoped admin may re-import its own only at the city's.
func (e *authzEnv) checkScopedResplit(t *testing.T) {
	var scopedAdmin azPrincipal
	for _, p := range e.principals {
		if p.role == auth.Admin && p.scoped() {
			scopedAdmin = p
		}
	}
	body := []byte(fmt.Sprintf(`{"type":"FeatureCollection","features":[%s]}`, e.features[authzA]))
	for _, tt := range []struct {
		res  string
		want int
	}{{"8", http.StatusForbidden}, {"9", http.StatusCreated}, {"", http.StatusCreated}} {
		status, raw := e.send(azRequest{method: "POST", path: "/api/v1/townships?res=" + tt.res, body: body,
			ctype: "application/geo+json"}, scopedAdmin, false)
		if status != tt.want {
			t.Errorf("POST /api/v1/townships?res=%s as %s = %d, want %d: %s", tt.res, scopedAdmin, status, tt.want, raw)
		}
	}
	if res, err := e.srv.Grid.Resolution(context.Background()); err != nil || res != 9 {
		t.Errorf("after a scoped import the city is at resolution %d (%v), want 9", res, err)
	}
}

// Fixture.

func newAuthzEnv(t *testing.T) *authzEnv {
	t.Helper()
	ctx := context.Background()
	srv, err := app.Open(ctx, app.Config{DatabaseURL: pgtest.NewDB(t), RateLimits: &app.RateLimits{}, EvidenceDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e := &authzEnv{t: t, srv: srv, url: ts.URL, now: time.Now().UTC().Truncate(time.Second),
		objs: map[azTarget]azObjects{}, free: map[string][]string{}, features: map[string]json.RawMessage{},
		lastFix: map[string]time.Time{}, files: map[int64]string{}}
	e.adminToken, _, err = srv.Tokens.Create(ctx, auth.TokenSpec{Name: "authz-seed", Role: auth.Admin})
	if err != nil {
		t.Fatal(err)
	}

	// Two townships side by side in one z13 tile, so that one tile shows both.
	e.tile = maptile.At(orb.Point{120.25, 31.85}, 13)
	tb := e.tile.Bound()
	w, h := tb.Max[0]-tb.Min[0], tb.Max[1]-tb.Min[1]
	mid := tb.Min[0] + w/2
	boxes := map[string]orb.Bound{
		authzA: {Min: orb.Point{tb.Min[0] + 0.1*w, tb.Min[1] + 0.15*h}, Max: orb.Point{mid - 0.0005, tb.Max[1] - 0.15*h}},
		authzB: {Min: orb.Point{mid + 0.0005, tb.Min[1] + 0.15*h}, Max: orb.Point{tb.Max[0] - 0.1*w, tb.Max[1] - 0.15*h}},
	}
	e.boxes = boxes
	fc := geojson.NewFeatureCollection()
	for _, code := range []string{authzA, authzB} {
		f := geojson.NewFeature(boxes[code].ToPolygon())
		f.Properties = geojson.Properties{"code": code, "name": "township " + code}
		raw, err := f.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		e.features[code] = raw
		fc.Append(f)
	}
	raw, _ := fc.MarshalJSON()
	e.seedRaw("POST", "/api/v1/townships", raw, "application/geo+json", nil)

	// Per township: a squadron, a grid area over its western half, two officers (one in
	// B), a short track each, cases assigned to them, a plan.
	for _, code := range []string{authzA, authzB} {
		bx := boxes[code]
		west := orb.Bound{Min: bx.Min, Max: orb.Point{bx.Min[0] + (bx.Max[0]-bx.Min[0])/2, bx.Max[1]}}
		sq := code + "-sq"
		e.seed("POST", "/api/v1/squadrons", map[string]any{"code": sq, "name": "squadron " + code, "township": code,
			"base": []float64{west.Center()[0], west.Center()[1]}}, nil)
		e.seed("POST", "/api/v1/grids", map[string]any{"code": code + "-g", "name": "grid " + code, "township": code,
			"squadron": sq, "geometry": geojson.NewGeometry(west.ToPolygon())}, nil)
		// A second, small grid area east of the first: blind zones by grid compare units.
		e.seed("POST", "/api/v1/grids", map[string]any{"code": code + "-g2", "name": "grid 2 " + code, "township": code,
			"geometry": geojson.NewGeometry(orb.Bound{Min: orb.Point{west.Max[0] + 0.002, west.Min[1]},
				Max: orb.Point{west.Max[0] + 0.006, west.Min[1] + 0.006}}.ToPolygon())}, nil)
		var cells struct {
			Features []struct {
				ID         string         `json:"id"`
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		e.seed("GET", "/api/v1/cells?township="+code, nil, &cells)
		for _, f := range cells.Features {
			if f.Properties["grid"] == nil {
				e.free[code] = append(e.free[code], f.ID)
			}
		}
		officers := []string{code + "-o1"}
		if code == authzA {
			officers = append(officers, code+"-o2")
		}
		for i, o := range officers {
			dev := strings.Replace(o, "-o", "-d", 1)
			e.seed("POST", "/api/v1/officers", map[string]any{"id": o, "name": "officer " + o, "squadron": sq, "device_id": dev}, nil)
			// A walk eastward from the grid area's centre, 20 m every 15 s, ending 35
			// minutes ago; later fixes of the matrix are at its end.
			start := orb.Point{west.Center()[0] - 0.004, west.Center()[1] + float64(i)*0.004}
			var fixes []map[string]any
			var p orb.Point
			for k := range 12 {
				p = orb.Point{start[0] + float64(k)*0.0002, start[1]}
				at := e.now.Add(-47*time.Minute + time.Duration(k)*15*time.Second)
				fixes = append(fixes, map[string]any{"officer": o, "time": at.Format(time.RFC3339), "lat": p[1], "lon": p[0]})
				e.lastFix[o] = at
			}
			e.seed("POST", "/api/v1/positions", map[string]any{"positions": fixes}, nil)
			var c struct {
				ID int64 `json:"id"`
			}
			e.seed("POST", "/api/v1/cases", map[string]any{"sector": "urban_management", "title": "seed " + o,
				"lat": p[1], "lon": p[0]}, &c)
			e.seed("POST", fmt.Sprintf("/api/v1/cases/%d/events", c.ID), map[string]any{"type": "assign", "officer": o}, nil)
			tg := map[string]azTarget{authzA + "-o1": azOwn, authzA + "-o2": azPeer, authzB + "-o1": azOther}[o]
			e.objs[tg] = azObjects{township: code, squadron: sq, officer: o, device: dev, point: p, caseID: c.ID}
		}
		// A case outside the grid area, not assigned: hot spots need cells that differ.
		e.seed("POST", "/api/v1/cases", map[string]any{"sector": "work_safety", "title": "seed " + code,
			"lat": bx.Center()[1], "lon": bx.Max[0] - 0.002}, nil)
		var plan struct {
			ID int64 `json:"id"`
		}
		e.seed("POST", "/api/v1/plans", map[string]any{"squadron": sq, "start": e.now.Format(time.RFC3339),
			"duration_min": 30, "speed_kmh": 5, "officers": []string{code + "-o1"}}, &plan)
		for tg, o := range e.objs {
			if o.township == code {
				o.planID = plan.ID
				e.objs[tg] = o
			}
		}
	}
	// An SOS alert of each fixture officer.
	for _, tg := range []azTarget{azOwn, azPeer, azOther} {
		o := e.objs[tg]
		if _, _, err := srv.Alerts.Raise(ctx, alert.Change{Raise: true, Rule: alert.SOS, Officer: o.officer,
			Township: o.township, Time: e.now, Point: o.point, Detail: map[string]any{"alarm": "sos"}}); err != nil {
			t.Fatalf("seeding alerts: %v", err)
		}
	}
	// The powers catalog: one item both townships hold from 2018-03-01.
	if _, err := srv.Powers.ImportList(ctx, "authz-seed", powers.ListImport{Effective: azDay("2018-03-01"),
		Rows: []powers.ListRow{{Row: 2, Code: azItem, Name: "authz item", Sector: "urban_management", Department: "城管局",
			Category: "处罚", Townships: "全部"}}}); err != nil {
		t.Fatalf("seeding the powers catalog: %v", err)
	}
	if _, err := srv.Calendar.LoadShipped(ctx); err != nil {
		t.Fatalf("seeding the calendars: %v", err)
	}
	// A penalty case filed 200 days ago and never decided in each township: overdue.
	for _, tg := range []azTarget{azOwn, azOther} {
		e.penaltyCase(e.objs[tg], e.now.Add(-200*24*time.Hour), cases.EventFile)
	}
	if len(e.free[authzA]) < 4 || len(e.free[authzB]) < 4 {
		t.Fatalf("too few free cells for the grid area cases: %d in A, %d in B", len(e.free[authzA]), len(e.free[authzB]))
	}

	// Principals: every role unscoped and scoped to A (officer and device tokens bound to
	// A's first officer), and the bad credentials.
	for _, role := range auth.Roles {
		for _, scope := range []string{"", authzA} {
			spec := auth.TokenSpec{Name: "authz-" + string(role), Role: role, Township: scope}
			label := string(role)
			if scope != "" {
				spec.Name += "-scoped"
				label += "@A"
			}
			if role == auth.Officer || role == auth.Device {
				spec.Officer = e.objs[azOwn].officer
			}
			if role == auth.Legal {
				spec.Qualification = "A20193204810001"
			}
			tok, _, err := srv.Tokens.Create(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			e.principals = append(e.principals, azPrincipal{name: label, role: role, scope: scope, token: tok})
		}
	}
	revoked, id, err := srv.Tokens.Create(ctx, auth.TokenSpec{Name: "authz-revoked", Role: auth.Admin})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Tokens.Revoke(ctx, id.TokenID); err != nil {
		t.Fatal(err)
	}
	expired, _, err := srv.Tokens.Create(ctx, auth.TokenSpec{Name: "authz-expired", Role: auth.Admin, TTL: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	e.principals = append(e.principals,
		azPrincipal{name: "no token"},
		azPrincipal{name: "forged token", token: "gw_forged0000000000000000000000000000000000000"},
		azPrincipal{name: "revoked admin token", token: revoked},
		azPrincipal{name: "expired admin token", token: expired},
	)
	return e
}

// seed sends a request as the unscoped admin and fails the test unless it succeeds.
func (e *authzEnv) seed(method, path string, body, out any) {
	e.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	e.seedRaw(method, path, raw, "application/json", out)
}

func (e *authzEnv) seedRaw(method, path string, body []byte, ctype string, out any) {
	e.t.Helper()
	rq := azRequest{method: method, path: path, body: body}
	if body != nil {
		rq.ctype = ctype
	}
	status, raw := e.send(rq, azPrincipal{token: e.adminToken}, false)
	if status >= 300 {
		e.t.Fatalf("seeding: %s %s = %d: %s", method, path, status, raw)
	}
	if bytes.Contains(raw, []byte(`"rejected":[{`)) {
		e.t.Fatalf("seeding: %s %s rejected fixes: %s", method, path, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("seeding: %s %s: %v: %s", method, path, err, raw)
		}
	}
}

// unique returns prefix with a number no other call used.
func (e *authzEnv) unique(prefix string) string {
	e.seq++
	return fmt.Sprintf("%s-%d", prefix, e.seq)
}

// freeCell returns a cell of the township in no grid area, a different one each call.
func (e *authzEnv) freeCell(azTownship string) string {
	cells := e.free[azTownship]
	if len(cells) == 0 {
		e.t.Fatalf("no free cell left in %s", azTownship)
	}
	e.free[azTownship] = cells[1:]
	return cells[0]
}

// fixTime returns a time for the officer's next fix, a second after its last one, so
// that every fix is new and plausible (same place, later time).
func (e *authzEnv) fixTime(officer string) time.Time {
	t := e.lastFix[officer].Add(time.Second)
	e.lastFix[officer] = t
	return t
}

// assignedCase creates a case at the target's point assigned to its officer.
func (e *authzEnv) assignedCase(o azObjects) int64 {
	e.t.Helper()
	c, err := e.srv.Cases.CreateWithHistory(context.Background(), auth.Identity{Name: "authz-seed", Role: auth.Admin},
		cases.NewCase{Sector: "urban_management", Title: "event target", Lat: o.point[1], Lon: o.point[0]},
		[]cases.NewEvent{{Type: cases.EventAssign, Officer: o.officer}})
	if err != nil {
		e.t.Fatalf("case for %s: %v", o.officer, err)
	}
	return c.ID
}

func azFtoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// penaltyCase creates a case citing the fixture's item at the target's point, reported at
// reported (zero: now), with the procedure's events of the types given, an hour apart.
func (e *authzEnv) penaltyCase(o azObjects, reported time.Time, types ...cases.EventType) int64 {
	e.t.Helper()
	if reported.IsZero() {
		reported = time.Now().Add(-time.Duration(len(types)+1) * time.Hour)
	}
	var events []cases.NewEvent
	for i, t := range types {
		events = append(events, cases.NewEvent{Type: t, At: reported.Add(time.Duration(i+1) * time.Hour)})
	}
	c, err := e.srv.Cases.CreateWithHistory(context.Background(), auth.Identity{Name: "authz-seed", Role: auth.Admin},
		cases.NewCase{Item: azItem, Title: "penalty " + o.township, Lat: o.point[1], Lon: o.point[0], ReportedAt: reported}, events)
	if err != nil {
		e.t.Fatalf("penalty case in %s: %v", o.township, err)
	}
	return c.ID
}
