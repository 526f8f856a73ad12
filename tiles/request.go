package tiles

import (
	"context"
	"net/url"
	"time"

	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/tiles/mvt"
)

// Request is what every layer knows of a tile request before reading its own
// parameters: the tile, the caller (auth.Caller; its Township is the scope of what the
// tile shows, "" = all), the officer an officer token is confined to ("" = none) and the
// time of the request, read once so that the cache key and the query see the same clock.
type Request struct {
	Tile    mvt.Tile
	Caller  auth.Identity
	Officer string
	Now     time.Time
}

// Params are a layer's query parameters, parsed and validated once per request.
type Params interface {
	// String returns the parameters in one canonical form: requests that must see
	// different tiles have different strings, and equal parameters equal strings.
	String() string
}

// Source is a tile layer whose query parameters parse into P.
type Source[P Params] interface {
	// Parse reads and validates the layer's parameters from q for r. Errors: invalid
	// for a bad parameter (400), or what a lookup behind it returns.
	Parse(ctx context.Context, q url.Values, r Request) (P, error)
	// Features returns the features of r.Tile for the parameters p, in WGS-84.
	Features(ctx context.Context, r Request, p P) ([]mvt.Feature, error)
	// Fields describes the properties, for TileJSON.
	Fields() map[string]string
}

// Query is a tile request parsed once: a [Request] and its layer's parameters. Its
// String is the canonical form of everything that shapes the tile besides the layer,
// the tile and the data version: the Params of the cache [Key].
type Query[P Params] struct {
	Request
	Params P
}

// String returns the canonical form of q's parameters and scope.
func (q Query[P]) String() string {
	return q.Params.String() + "|township=" + q.Caller.Township + "|officer=" + q.Officer
}

// layer is a [Source] whose parameter type is hidden, so that a server holds all its
// layers in one map.
type layer interface {
	// parse reads q once for r and returns the parsed request and the function that
	// builds its features.
	parse(ctx context.Context, q url.Values, r Request) (Params, func(context.Context) ([]mvt.Feature, error), error)
	Fields() map[string]string
}

// bind makes a layer of src.
func bind[P Params](src Source[P]) layer { return bound[P]{src} }

type bound[P Params] struct{ Source[P] }

func (b bound[P]) parse(ctx context.Context, q url.Values, r Request) (Params, func(context.Context) ([]mvt.Feature, error), error) {
	p, err := b.Parse(ctx, q, r)
	if err != nil {
		return nil, nil, err
	}
	query := Query[P]{Request: r, Params: p}
	return query, func(ctx context.Context) ([]mvt.Feature, error) { return b.Features(ctx, r, p) }, nil
}

// noParams are the parameters of a layer that reads none.
type noParams struct{}

func (noParams) String() string { return "" }
