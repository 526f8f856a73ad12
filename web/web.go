// Package web serves the command-center pages — the map wall, dispatch, the patrol
// planner and the analyst's view — from the bundle that `make web` (scripts/web build)
// writes to web/dist and the binary embeds. The pages are one HTML document and hashed
// assets: the document is never cached (a new binary shows at once), the assets are
// cached for a year (their names change with their content). Pages carry a strict
// Content-Security-Policy: scripts, styles and connections only from the server itself,
// with the blob: workers and images that MapLibre GL needs.
//
// A binary built before the bundle answers its pages with 503 and says to run `make web`;
// everything else under the handler (unknown paths, /api/… paths no route took) is a 404
// problem document, as elsewhere in the API.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// dist is the bundle. It always holds at least a placeholder (dist/.gitkeep), so that the
// module compiles on a clean checkout before the bundle is built.
//
//go:embed all:dist
var dist embed.FS

// Pages are the paths that answer the pages' document; the script picks the page from
// the path.
var Pages = []string{"/", "/dispatch", "/planner", "/analyst", "/inspections", "/assessment"}

// ContentSecurityPolicy is sent with every page. MapLibre GL runs its workers from blob:
// URLs and draws images from data: and blob: URLs; nothing runs inline.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; worker-src 'self' blob:; child-src 'self' blob:; connect-src 'self'; " +
	"font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// assetMaxAge is how long browsers keep hashed assets: a year, as their names change with
// their content.
const assetMaxAge = "public, max-age=31536000, immutable"

// Handler returns the handler of the embedded bundle (see NewHandler).
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path: cannot happen
	}
	return NewHandler(sub)
}

// NewHandler serves a bundle laid out as scripts/web builds it: index.html at the root,
// hashed files under assets/. Pages (see Pages) answer index.html, or 503 when the bundle
// has none; a page's path with trailing slashes is redirected (301) to the page; GET /assets/NAME answers the file (its .gz sibling when the client accepts
// gzip); GET /glyphs/… answers an empty glyph set (the pages draw their Chinese labels
// with the browser's fonts and need no glyph server); anything else is a 404 problem.
func NewHandler(bundle fs.FS) http.Handler {
	index, err := fs.ReadFile(bundle, "index.html")
	if err != nil {
		index = nil
	}
	h := &handler{bundle: bundle, index: index, pages: map[string]bool{}}
	for _, p := range Pages {
		h.pages[p] = true
	}
	return httpx.HandlerFunc(h.serve)
}

type handler struct {
	bundle fs.FS
	index  []byte // nil when the bundle was not built
	pages  map[string]bool
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request) error {
	p := r.URL.Path
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if h.pages[p] || strings.HasPrefix(p, "/assets/") {
			return apperr.New(apperr.MethodNotAllowed, "method %s is not allowed on %s", r.Method, p)
		}
		return apperr.NotFoundf("no route for %s %s", r.Method, p)
	}
	switch {
	case h.pages[p]:
		return h.page(w, r)
	case p != "/" && h.pages[strings.TrimRight(p, "/")]:
		// "/dispatch/" is how people type a page: send them to it. The target is one of
		// Pages, never taken from the request, so this cannot redirect elsewhere.
		target := strings.TrimRight(p, "/")
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return nil
	case strings.HasPrefix(p, "/assets/"):
		return h.asset(w, r, strings.TrimPrefix(p, "/assets/"))
	case strings.HasPrefix(p, "/glyphs/") && strings.HasSuffix(p, ".pbf"):
		// An empty protobuf is a valid glyph set with no glyphs.
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Header().Set("Cache-Control", assetMaxAge)
		w.WriteHeader(http.StatusOK)
		return nil
	}
	return apperr.NotFoundf("no route for %s %s", r.Method, p)
}

// page answers the pages' document with the security headers, or 503 without a bundle.
func (h *handler) page(w http.ResponseWriter, r *http.Request) error {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-cache")
	if h.index == nil {
		return notBuilt(w, r)
	}
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "index.html", zeroTime, bytes.NewReader(h.index))
	return nil
}

// notBuilt answers a page of a binary built without the bundle: an HTML page for a
// browser, a problem document for anything else.
func notBuilt(w http.ResponseWriter, r *http.Request) error {
	const msg = "the command-center pages were not built: run `make web`, then rebuild the binary"
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		return apperr.New(apperr.Unavailable, msg)
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Retry-After", "60")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, err := fmt.Fprintf(w, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Gridwatch: pages not built</title></head>"+
		"<body><h1>503: pages not built</h1><p>This binary was built without the command-center pages: %s.</p>"+
		"<p>The API under <code>/api/v1</code> works.</p></body></html>\n", strings.TrimPrefix(msg, "the command-center pages were not built: "))
	return err
}

// asset answers a hashed file of the bundle, gzipped when the build left a .gz beside it
// and the client takes gzip.
func (h *handler) asset(w http.ResponseWriter, r *http.Request, name string) error {
	name = path.Clean(name)
	full := "assets/" + name
	if !fs.ValidPath(full) || strings.HasSuffix(name, ".gz") {
		return apperr.NotFoundf("no asset %q", name)
	}
	info, err := fs.Stat(h.bundle, full)
	if err != nil || !info.Mode().IsRegular() {
		return apperr.NotFoundf("no asset %q", name)
	}
	hd := w.Header()
	hd.Set("Cache-Control", assetMaxAge)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Add("Vary", "Accept-Encoding")
	if ctype := contentTypes[path.Ext(name)]; ctype != "" {
		hd.Set("Content-Type", ctype)
	}
	body := full
	if httpx.AcceptsEncoding(r.Header, "gzip") {
		if gz, err := fs.Stat(h.bundle, full+".gz"); err == nil && gz.Mode().IsRegular() {
			body = full + ".gz"
			hd.Set("Content-Encoding", "gzip")
		}
	}
	f, err := h.bundle.Open(body)
	if err != nil {
		return err
	}
	defer f.Close()
	content, ok := f.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		content = bytes.NewReader(data)
	}
	http.ServeContent(w, r, name, zeroTime, content)
	return nil
}

// zeroTime leaves Last-Modified out: embedded files have no time.
var zeroTime time.Time

// contentTypes are the bundle's kinds of file; ServeContent sniffs the rest.
var contentTypes = map[string]string{
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".map":  "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".woff": "font/woff",
}
