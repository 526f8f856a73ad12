package app

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/patrol/alert"
	"github.com/gridwatch/gridwatch/patrol/analytics"
	"github.com/gridwatch/gridwatch/patrol/assessment"
	"github.com/gridwatch/gridwatch/patrol/calendar"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/coverage"
	"github.com/gridwatch/gridwatch/patrol/documents"
	"github.com/gridwatch/gridwatch/patrol/evidence"
	"github.com/gridwatch/gridwatch/patrol/inspection"
	"github.com/gridwatch/gridwatch/patrol/officer"
	"github.com/gridwatch/gridwatch/patrol/open311"
	"github.com/gridwatch/gridwatch/patrol/planning"
	"github.com/gridwatch/gridwatch/patrol/position"
	"github.com/gridwatch/gridwatch/patrol/powers"
	"github.com/gridwatch/gridwatch/patrol/webhook"
	"github.com/gridwatch/gridwatch/web"
)

// routes builds the router: plumbing middleware, the open endpoints, and the /api/v1 tree
// where every route declares its roles (package api).
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	if s.cfg.TrustProxy {
		r.Use(middleware.RealIP)
	}
	r.Use(httpx.RequestIDs, httpx.Observe(s.metrics.Observe), httpx.Recover, httpx.CORS(s.cfg.CORSOrigins))
	r.NotFound(httpx.NotFound)
	r.MethodNotAllowed(httpx.MethodNotAllowed)

	r.Method(http.MethodGet, "/healthz", httpx.HandlerFunc(s.healthz))
	r.With(s.guard(), auth.Allow(auth.Admin)).Method(http.MethodGet, "/metrics", s.metrics.Handler())

	r.With(s.osmandLimit()).Handle("/osmand/{key}", s.positionHandler().OsmAnd())
	georeport := open311.NewHandler(s.Cases, s.guardian())
	georeport.UseMedia(open311Media{s.Evidence, s.cfg.Evidence})
	georeport.UseLimiter(s.limits.open311)
	r.Mount("/open311/v2", georeport.Routes())

	r.Route("/tiles", func(r chi.Router) {
		r.Use(s.guard())
		s.limits.api.Mount(r, s.Tiles.Routes())
	})

	// 执法公示 needs no token: the public reads it (/public, the tree /api/v1/public), limited
	// per address.
	public := documents.NewPublisher(s.Cases, s.Powers, names{s.Grid, s.Officers}, s.cfg.DisclosureWindow)
	r.With(s.publicLimit()).Method(http.MethodGet, "/public", httpx.HandlerFunc(public.Page))
	// A document's signed link opens it in a tab of its own, without a token, under the
	// document's CSP (patrol/documents/links.go).
	r.With(s.publicLimit()).Method(http.MethodGet, "/documents/{id}/{kind}", httpx.HandlerFunc(s.documents().Signed))
	// 双随机一公开: a draw's public record, which anyone may recompute.
	draws := inspection.NewPublisher(s.Inspections)
	r.With(s.publicLimit()).Method(http.MethodGet, "/public/draws/{id}", httpx.HandlerFunc(draws.Page))
	r.Route("/api/v1/public", func(r chi.Router) {
		r.Use(s.publicLimit())
		r.Method(http.MethodGet, "/decisions", httpx.HandlerFunc(public.JSON))
		r.Method(http.MethodGet, "/draws/{id}", httpx.HandlerFunc(draws.JSON))
	})
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(s.guard())
		s.limits.api.Mount(r, s.APIRoutes()...)
	})
	// The pages are read-only: other methods on any path stay 405/404 problems.
	pages := web.Handler()
	r.Method(http.MethodGet, "/*", pages)
	r.Method(http.MethodHead, "/*", pages)
	return r
}

// APIRoutes returns the route tables of the /api/v1 tree, for mounting and for tests
// that check every route's authorization.
func (s *Server) APIRoutes() [][]api.Route {
	return [][]api.Route{
		{{Method: http.MethodGet, Pattern: "/me", Roles: api.Everyone, Handler: me}},
		grid.NewHandler(s.Grid).Routes(),
		officer.NewHandler(s.Officers).Routes(),
		s.positionHandler().Routes(),
		coverage.NewHandler(s.Coverage).Routes(),
		s.Live.Routes(),
		cases.NewHandler(s.Cases, s.cfg.ClaimWindow).Routes(),
		analytics.NewHandler(s.Analytics, analytics.Limits{}).Routes(),
		planning.NewHandler(s.Plans).Routes(),
		powers.NewHandler(s.Powers).Routes(),
		evidence.NewHandler(s.Evidence, s.cfg.Evidence).Routes(),
		calendar.NewHandler(s.Calendar).Routes(),
		s.documents().Routes(),
		inspection.NewHandler(s.Inspections).Routes(),
		alert.NewHandler(s.Alerts, s.Watcher).Routes(),
		webhook.NewHandler(s.Webhooks).Routes(),
		assessment.NewHandler(s.Assessment).Routes(),
	}
}

func (s *Server) documents() *documents.Handler {
	return documents.NewHandler(s.Cases, s.Powers, names{s.Grid, s.Officers}, s.DocLinks)
}

func (s *Server) positionHandler() *position.Handler {
	return position.NewHandler(s.Positions, s.Officers, s.guardian(),
		positionPublishers{s.Live, s.patrolTiles(), peerPositions{s.Bus}, s.Watcher})
}

// healthz answers 200 when the database answers within two seconds, 503 otherwise.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		if r.Context().Err() != nil {
			return r.Context().Err()
		}
		return apperr.Wrap(err, apperr.Unavailable, "the database is unreachable")
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// meResponse is the answer of GET /api/v1/me.
type meResponse struct {
	Name     string  `json:"name"`
	Role     string  `json:"role"`
	Township *string `json:"township"`
	Officer  *string `json:"officer"`
}

func me(w http.ResponseWriter, r *http.Request) error {
	id, _ := auth.FromContext(r.Context())
	httpx.WriteJSON(w, http.StatusOK, meResponse{
		Name:     id.Name,
		Role:     string(id.Role),
		Township: nullable(id.Township),
		Officer:  nullable(id.Officer),
	})
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
