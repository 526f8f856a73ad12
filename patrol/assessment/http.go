package assessment

import (
	"fmt"
	"net/http"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gridwatch/gridwatch/internal/api"
	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
)

// Handler serves the assessment API.
type Handler struct {
	store *Store
	now   func() time.Time
}

// NewHandler returns a Handler on store.
func NewHandler(store *Store) *Handler { return &Handler{store: store, now: time.Now} }

// Routes returns the assessment routes of /api/v1: the assessment and its weights for
// readers (scoped tokens see their township's units), changing the weights for admins.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodGet, Pattern: "/assessment", Roles: api.Readers, Limit: api.LimitExport, Handler: h.assess},
		{Method: http.MethodGet, Pattern: "/assessment/weights", Roles: api.Readers, Handler: h.weights},
		{Method: http.MethodPut, Pattern: "/assessment/weights", Roles: api.Admins, MaxBody: 4 << 10, Handler: h.setWeights},
	}
}

func (h *Handler) assess(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	levels := Levels
	if l := q.Get("level"); l != "" {
		switch l {
		case Township, Squadron, Officer:
			levels = []string{l}
		default:
			return apperr.Invalidf("level %q: must be township, squadron or officer", l)
		}
	}
	format := q.Get("format")
	switch format {
	case "", "json", "csv", "xlsx":
	default:
		return apperr.Invalidf("format %q: must be json, csv or xlsx", format)
	}
	win, err := ParseWindow(q.Get("period"), q.Get("from"), h.now())
	if err != nil {
		return err
	}
	rep, err := h.store.Assess(r.Context(), auth.Caller(r), q.Get("township"), win, levels)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("assessment-%s-%s", win.Period, win.First)
	switch format {
	case "csv":
		header, rows := rep.table(true)
		return httpx.WriteCSV(w, name, header, len(rows), func(i int) []any { return rows[i] })
	case "xlsx":
		return writeXLSX(w, name, rep)
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
	return nil
}

func (h *Handler) weights(w http.ResponseWriter, r *http.Request) error {
	ws, err := h.store.Weights(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]Weights{"weights": ws})
	return nil
}

// WeightsInput is the body of PUT /assessment/weights: every indicator's weight; one
// left out weighs nothing.
type WeightsInput struct {
	Weights Weights `json:"weights"`
}

func (h *Handler) setWeights(w http.ResponseWriter, r *http.Request) error {
	who := auth.Caller(r)
	if who.Scoped() {
		return apperr.Forbiddenf("the assessment's weights are the city's: a token scoped to township %s may not change them", who.Township)
	}
	var in WeightsInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	ws, err := h.store.SetWeights(r.Context(), who.Name, in.Weights)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]Weights{"weights": ws})
	return nil
}

// levelNames are the levels' names in the tables and the sheets' names.
var levelNames = map[string]string{Township: "镇街", Squadron: "中队", Officer: "执法人员"}

// table is the report as rows, one per unit: the level (withLevel), the unit, its score,
// interval and ranks, each indicator's observed value, estimate and score ("无数据"
// without data), and the reasons.
func (rep Report) table(withLevel bool) ([]string, [][]any) {
	var header []string
	if withLevel {
		header = append(header, "级别")
	}
	header = append(header, "单位编码", "单位名称", "所属镇街", "综合得分", "得分下限", "得分上限", "名次(最好)", "名次(最差)")
	for _, d := range Definitions {
		header = append(header, d.NameZH+"·实际", d.NameZH+"·收缩估计", d.NameZH+"·得分")
	}
	for _, sec := range rep.Sectors {
		header = append(header, "执法体量·"+sec.Name+"(与全市之比)")
	}
	header = append(header, "说明")
	var rows [][]any
	for _, lr := range rep.Levels {
		rows = append(rows, lr.rows(withLevel, rep.Sectors)...)
	}
	return header, rows
}

// rows are the level's rows of table; sectors are the columns of the volume's breakdown:
// the shrunk ratio of the unit's rate to the city's.
func (lr LevelReport) rows(withLevel bool, sectors []SectorName) [][]any {
	var rows [][]any
	for _, u := range lr.Units {
		var row []any
		if withLevel {
			row = append(row, levelNames[lr.Level])
		}
		row = append(row, u.Code, u.Name, u.Township, value(u.Score), value(u.ScoreLo), value(u.ScoreHi), rankOf(u.RankBest), rankOf(u.RankWorst))
		var reasons string
		ratio := map[string]*float64{}
		for _, in := range u.Indicators {
			row = append(row, value(in.Observed), value(in.Estimate), value(in.Score))
			reasons += in.Reason
			for _, s := range in.Sectors {
				ratio[s.Sector] = s.Ratio
			}
		}
		for _, sec := range sectors {
			row = append(row, value(ratio[sec.Code]))
		}
		rows = append(rows, append(row, reasons))
	}
	return rows
}

// value is a number of the tables, or 无数据 for none.
func value(v *float64) any {
	if v == nil {
		return "无数据"
	}
	return *v
}

func rankOf(n int) any {
	if n == 0 {
		return "无数据"
	}
	return n
}

// writeXLSX answers the report as a workbook with one sheet per level.
func writeXLSX(w http.ResponseWriter, name string, rep Report) error {
	book := excelize.NewFile()
	defer book.Close()
	header, _ := rep.table(false)
	for i, lr := range rep.Levels {
		sheet := levelNames[lr.Level]
		if i == 0 {
			if err := book.SetSheetName(book.GetSheetName(0), sheet); err != nil {
				return err
			}
		} else if _, err := book.NewSheet(sheet); err != nil {
			return err
		}
		rows := append([][]any{toAny(header)}, lr.rows(false, rep.Sectors)...)
		for j, row := range rows {
			cell, err := excelize.CoordinatesToCellName(1, j+1)
			if err != nil {
				return err
			}
			if err := book.SetSheetRow(sheet, cell, &row); err != nil {
				return err
			}
		}
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.xlsx"`, name))
	return book.Write(w)
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
