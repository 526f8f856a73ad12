package grid

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/uber/h3-go/v4"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/pgdb"
)

// Squadron is an enforcement squadron (执法中队) of a township.
type Squadron struct {
	Code     string     `json:"code"`
	Name     string     `json:"name"`
	Township string     `json:"township"`
	Base     *orb.Point `json:"base"` // WGS-84 [lon, lat] where shifts start; optional
}

// Validate checks a squadron before it is stored. Errors: invalid.
func (q Squadron) Validate() error {
	if !areaCodePattern.MatchString(q.Code) {
		return apperr.Invalidf("squadron code %q must be 1 to 64 letters, digits, '_', '.' or '-'", q.Code)
	}
	if q.Name == "" || len(q.Name) > 200 {
		return apperr.Invalidf("a squadron needs a name of 1 to 200 bytes")
	}
	if q.Township == "" {
		return apperr.Invalidf("a squadron needs a township")
	}
	if q.Base != nil && !validLonLat(*q.Base) {
		return apperr.Invalidf("base %v is not a [lon, lat] position", *q.Base)
	}
	return nil
}

// CreateSquadron stores a new squadron. Errors: invalid (bad fields, unknown township),
// conflict (the code exists).
func (s *Store) CreateSquadron(ctx context.Context, q Squadron) error {
	if err := q.Validate(); err != nil {
		return err
	}
	var base []byte
	if q.Base != nil {
		var err error
		if base, err = wkb.Marshal(*q.Base); err != nil {
			return err
		}
	}
	tag, err := s.db.Exec(ctx, `
		INSERT INTO squadrons (code, name, township, base)
		SELECT $1, $2, t.code, ST_GeomFromWKB($4, 4326) FROM townships t WHERE t.code = $3`,
		q.Code, q.Name, q.Township, base)
	if err != nil {
		return pgdb.Translate(err, "squadron "+q.Code)
	}
	if tag.RowsAffected() == 0 {
		return apperr.Invalidf("unknown township %q", q.Township)
	}
	return nil
}

// Squadrons lists squadrons by code, of one township when township is not "".
func (s *Store) Squadrons(ctx context.Context, township string) ([]Squadron, error) {
	return s.squadrons(ctx, `WHERE $1 = '' OR township = $1 ORDER BY code`, township)
}

// Squadron returns one squadron. Errors: not_found.
func (s *Store) Squadron(ctx context.Context, code string) (Squadron, error) {
	list, err := s.squadrons(ctx, `WHERE code = $1`, code)
	if err != nil {
		return Squadron{}, err
	}
	if len(list) == 0 {
		return Squadron{}, apperr.NotFoundf("no squadron %q", code)
	}
	return list[0], nil
}

// SquadronTownship returns the township of a squadron. Errors: not_found.
func (s *Store) SquadronTownship(ctx context.Context, code string) (string, error) {
	q, err := s.Squadron(ctx, code)
	return q.Township, err
}

// squadrons reads the squadrons a condition selects.
func (s *Store) squadrons(ctx context.Context, where string, args ...any) ([]Squadron, error) {
	rows, err := s.db.Query(ctx, `SELECT code, name, township, ST_X(base), ST_Y(base) FROM squadrons `+where, args...)
	if err != nil {
		return nil, pgdb.Translate(err, "squadrons")
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Squadron, error) {
		var q Squadron
		var lon, lat *float64
		err := row.Scan(&q.Code, &q.Name, &q.Township, &lon, &lat)
		if lon != nil && lat != nil {
			q.Base = &orb.Point{*lon, *lat}
		}
		return q, err
	})
	return list, pgdb.Translate(err, "squadrons")
}

// GridArea is a grid area (网格): a set of cells of one township, owned by a squadron.
type GridArea struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Township string `json:"township"`
	Squadron string `json:"squadron,omitempty"`
	Cells    int    `json:"cells"`
}

// NewGridArea describes a grid area to create: by its cells, or by a polygon whose
// cells (those of the township with their centre inside) it takes.
type NewGridArea struct {
	Code, Name, Township, Squadron string
	Cells                          []h3.Cell
	Polygon                        orb.Polygon // WGS-84; used when Cells is empty
}

// areaCodePattern is the form of squadron and grid area codes.
var areaCodePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// maxListedCells caps how many offending cells an error names.
const maxListedCells = 10

// CreateGridArea stores a grid area and assigns its cells to it, in one transaction.
// Errors: invalid (bad fields, unknown township or squadron, a squadron of another
// township, cells not of the township, a polygon holding no cell or reaching into another
// township), conflict (the code exists, or cells already in another grid area — named).
func (s *Store) CreateGridArea(ctx context.Context, g NewGridArea) (GridArea, error) {
	if !areaCodePattern.MatchString(g.Code) {
		return GridArea{}, apperr.Invalidf("grid area code %q must be 1 to 64 letters, digits, '_', '.' or '-'", g.Code)
	}
	if g.Name == "" || len(g.Name) > 200 {
		return GridArea{}, apperr.Invalidf("a grid area needs a name of 1 to 200 bytes")
	}
	if len(g.Cells) == 0 && len(g.Polygon) == 0 {
		return GridArea{}, apperr.Invalidf("a grid area needs cells or a geometry")
	}
	out := GridArea{Code: g.Code, Name: g.Name, Township: g.Township, Squadron: g.Squadron}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", importLock); err != nil {
			return err
		}
		if err := checkOwner(ctx, tx, g.Township, g.Squadron); err != nil {
			return err
		}
		cells, err := gridCells(ctx, tx, g)
		if err != nil {
			return err
		}
		if err := checkFree(ctx, tx, cells); err != nil {
			return err
		}
		var squadron *string
		if g.Squadron != "" {
			squadron = &g.Squadron
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO grid_areas (code, name, township, squadron, geom)
			SELECT $1, $2, $3, $4, ST_Multi(ST_Union(geom)) FROM cells WHERE h3 = ANY($5)`,
			g.Code, g.Name, g.Township, squadron, cells); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE cells SET grid_area = $1 WHERE h3 = ANY($2)`, g.Code, cells); err != nil {
			return err
		}
		if err := refreshRollups(ctx, tx, []string{g.Township}); err != nil {
			return err
		}
		out.Cells = len(cells)
		return nil
	})
	if err != nil {
		return GridArea{}, pgdb.Translate(err, "grid area "+g.Code)
	}
	s.changed()
	return out, nil
}

// checkOwner checks that the township exists and the squadron, when given, is one of its.
func checkOwner(ctx context.Context, tx pgx.Tx, township, squadron string) error {
	var exists bool
	var squadronTownship *string
	err := tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM townships WHERE code = $1),
		       (SELECT township FROM squadrons WHERE code = $2)`, township, squadron).Scan(&exists, &squadronTownship)
	switch {
	case err != nil:
		return err
	case !exists:
		return apperr.Invalidf("unknown township %q", township)
	case squadron != "" && squadronTownship == nil:
		return apperr.Invalidf("unknown squadron %q", squadron)
	case squadron != "" && *squadronTownship != township:
		return apperr.Invalidf("squadron %s belongs to township %s, not %s", squadron, *squadronTownship, township)
	}
	return nil
}

// gridCells resolves a new grid area's cells: the listed ones, which must all be cells of
// its township, or those of the township whose centre is inside its polygon.
func gridCells(ctx context.Context, tx pgx.Tx, g NewGridArea) ([]int64, error) {
	if len(g.Cells) > 0 {
		ids := make([]int64, len(g.Cells))
		for i, c := range g.Cells {
			ids[i] = int64(c)
		}
		var outside []int64
		err := tx.QueryRow(ctx, `
			SELECT coalesce(array_agg(x ORDER BY x), '{}') FROM unnest($1::bigint[]) x
			WHERE NOT EXISTS (SELECT 1 FROM cells c WHERE c.h3 = x AND c.township = $2)`, ids, g.Township).Scan(&outside)
		if err != nil {
			return nil, err
		}
		if len(outside) > 0 {
			return nil, apperr.Invalidf("%d cells are not cells of township %s: %s", len(outside), g.Township, cellList(outside))
		}
		return ids, nil
	}
	b, err := wkb.Marshal(g.Polygon)
	if err != nil {
		return nil, err
	}
	var inside []int64
	var foreign int
	var foreignTownship *string
	err = tx.QueryRow(ctx, `
		WITH p AS (SELECT ST_GeomFromWKB($1, 4326) AS geom),
		hit AS (SELECT c.h3, c.township FROM cells c, p WHERE ST_Intersects(p.geom, c.center))
		SELECT coalesce(array_agg(h3 ORDER BY h3) FILTER (WHERE township = $2), '{}'),
		       count(*) FILTER (WHERE township <> $2),
		       min(township) FILTER (WHERE township <> $2)
		FROM hit`, b, g.Township).Scan(&inside, &foreign, &foreignTownship)
	if err != nil {
		return nil, err
	}
	if foreign > 0 {
		return nil, apperr.Invalidf("the geometry reaches outside township %s: it holds %d cells of township %s", g.Township, foreign, *foreignTownship)
	}
	if len(inside) == 0 {
		return nil, apperr.Invalidf("the geometry holds no cell centre of township %s", g.Township)
	}
	return inside, nil
}

// checkFree refuses cells that already belong to a grid area, naming them.
func checkFree(ctx context.Context, tx pgx.Tx, cells []int64) error {
	rows, err := tx.Query(ctx, `
		SELECT grid_area, count(*), array_agg(h3 ORDER BY h3)
		FROM cells WHERE h3 = ANY($1) AND grid_area IS NOT NULL
		GROUP BY grid_area ORDER BY grid_area`, cells)
	if err != nil {
		return err
	}
	type taken struct {
		Grid  string
		Count int
		Cells []int64
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[taken])
	if err != nil || len(list) == 0 {
		return err
	}
	parts := make([]string, len(list))
	for i, t := range list {
		parts[i] = fmt.Sprintf("%d in %s (%s)", t.Count, t.Grid, cellList(t.Cells))
	}
	return apperr.Conflictf("cells already belong to other grid areas: %s", strings.Join(parts, "; "))
}

func cellList(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i == maxListedCells {
			fmt.Fprintf(&b, " …")
			break
		}
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(h3.Cell(id).String())
	}
	return b.String()
}

// GridAreas lists grid areas by code, of one township when township is not "".
func (s *Store) GridAreas(ctx context.Context, township string) ([]GridArea, error) {
	rows, err := s.db.Query(ctx, `
		SELECT g.code, g.name, g.township, coalesce(g.squadron, ''),
		       (SELECT count(*) FROM cells c WHERE c.grid_area = g.code)::int
		FROM grid_areas g WHERE $1 = '' OR g.township = $1 ORDER BY g.code`, township)
	if err != nil {
		return nil, pgdb.Translate(err, "grid areas")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[GridArea])
	return list, pgdb.Translate(err, "grid areas")
}

func validLonLat(p orb.Point) bool {
	return p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}
