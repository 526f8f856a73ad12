package inspection

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/patrol/calendar"
	"github.com/gridwatch/gridwatch/patrol/draw"
)

// PublicRecord is the public record of a published draw: everything needed to recompute
// it (draw.Record's members), and its inspections' and reviews' results.
type PublicRecord struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`
	Title  string `json:"title"`
	Status string `json:"status"`
	Plan   Plan   `json:"plan"`
	// Rules, pools, commitment, seed ("" until drawn) and result, as members of the record.
	draw.Record
	PublishedAt *time.Time     `json:"published_at"`
	DrawnAt     *time.Time     `json:"drawn_at"`
	Tasks       []PublicTask   `json:"tasks"`
	Reviews     []PublicReview `json:"reviews"`
}

// PublicTask is an inspection's public result.
type PublicTask struct {
	Target     int64         `json:"target"`
	Name       string        `json:"name"`
	Township   string        `json:"township"`
	Inspectors []string      `json:"inspectors"`
	PublishBy  calendar.Date `json:"publish_by"`
	Calendar   string        `json:"calendar,omitempty"` // "weekdays only": see Task
	Outcome    *string       `json:"outcome"`
	RecordedAt *time.Time    `json:"recorded_at"`
	// Evidence lists the hex SHA-256 of the result's evidence files, in order (the files
	// are not public); empty until the result is recorded.
	Evidence []string `json:"evidence"`
}

// PublicReview is a case-file review's public result.
type PublicReview struct {
	Case        int64      `json:"case"`
	Township    string     `json:"township"`
	Score       *int       `json:"score"`
	ReviewedAt  *time.Time `json:"reviewed_at"`
	FixupClosed *bool      `json:"fixup_closed"` // nil when no fix-up
}

// Public returns a draw's public record. Errors: not_found for no draw or a draft (a plan
// is public from its publication).
func (s *Store) Public(ctx context.Context, id int64) (PublicRecord, error) {
	d, err := s.Draw(ctx, auth.Identity{}, id)
	if err != nil {
		return PublicRecord{}, err
	}
	if d.Status == StatusDraft {
		return PublicRecord{}, apperr.NotFoundf("no published draw %d", id)
	}
	rec := PublicRecord{ID: d.ID, Kind: d.Kind, Title: d.Title, Status: d.Status, Plan: d.Plan,
		Record:      draw.Record{Rules: d.Rules, Pools: *d.Pools, Commitment: *d.Commitment, Result: d.Result},
		PublishedAt: d.PublishedAt, DrawnAt: d.DrawnAt, Tasks: []PublicTask{}, Reviews: []PublicReview{}}
	if d.Seed != nil {
		rec.Seed = *d.Seed
	}
	if rec.Result == nil {
		rec.Result = []draw.Pick{}
	}
	tasks, err := s.Tasks(ctx, auth.Identity{}, TaskFilter{Draw: id})
	if err != nil {
		return PublicRecord{}, err
	}
	var recorded []int64
	for _, t := range tasks {
		if t.Outcome != nil {
			recorded = append(recorded, t.ID)
		}
	}
	hashes, err := s.src.Evidence.TaskHashes(ctx, recorded)
	if err != nil {
		return PublicRecord{}, err
	}
	for _, t := range tasks {
		pt := PublicTask{Target: t.Target, Name: t.TargetName, Township: t.Township, Inspectors: t.Inspectors,
			PublishBy: t.PublishBy, Calendar: t.Calendar, Outcome: t.Outcome, RecordedAt: t.RecordedAt, Evidence: hashes[t.ID]}
		if pt.Evidence == nil {
			pt.Evidence = []string{}
		}
		rec.Tasks = append(rec.Tasks, pt)
	}
	reviews, err := s.Reviews(ctx, auth.Identity{}, id)
	if err != nil {
		return PublicRecord{}, err
	}
	for _, r := range reviews {
		pr := PublicReview{Case: r.Case, Township: r.Township, Score: r.Score, ReviewedAt: r.ReviewedAt}
		if r.Fixup != nil {
			closed := r.Fixup.ClosedAt != nil
			pr.FixupClosed = &closed
		}
		rec.Reviews = append(rec.Reviews, pr)
	}
	return rec, nil
}

// Publisher serves the public records of draws; no token.
type Publisher struct{ store *Store }

// NewPublisher returns a Publisher on store.
func NewPublisher(store *Store) *Publisher { return &Publisher{store: store} }

func (p *Publisher) record(r *http.Request) (PublicRecord, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return PublicRecord{}, apperr.NotFoundf("no draw %q", chi.URLParam(r, "id"))
	}
	return p.store.Public(r.Context(), id)
}

// JSON answers GET /api/v1/public/draws/{id}: the public record, which
// `gridwatch verify-draw` reads.
func (p *Publisher) JSON(w http.ResponseWriter, r *http.Request) error {
	rec, err := p.record(r)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-cache")
	httpx.WriteJSON(w, http.StatusOK, rec)
	return nil
}

// Page answers GET /public/draws/{id}: the public record as a page, with the record's
// JSON to download and verify.
func (p *Publisher) Page(w http.ResponseWriter, r *http.Request) error {
	rec, err := p.record(r)
	if err != nil {
		return err
	}
	raw, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := drawPage.Execute(&buf, struct {
		PublicRecord
		JSON string
	}{rec, string(raw)}); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(buf.Bytes())
	return err
}

var drawPage = template.Must(template.New("draw").Parse(`<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>双随机抽查公示 {{.ID}}：{{.Title}}</title></head>
<body>
<h1>双随机抽查公示：{{.Title}}</h1>
<p id="status">抽查编号 {{.ID}} · 状态 {{.Status}}{{if .PublishedAt}} · 发布于 {{.PublishedAt.Format "2006-01-02 15:04"}}{{end}}{{if .DrawnAt}} · 抽取于 {{.DrawnAt.Format "2006-01-02 15:04"}}{{end}}</p>
<p>种子承诺 SHA-256(seed)：<code id="commitment">{{.Commitment}}</code></p>
<p>种子 seed：<code id="seed">{{if .Seed}}{{.Seed}}{{else}}抽取时公开{{end}}</code></p>
<p>对象池 {{len .Pools.Units}} 个，检查人员池 {{len .Pools.Inspectors}} 人。任何人可用下方记录和 <code>gridwatch verify-draw</code> 或文档中的脚本复算结果。</p>
{{if .Tasks}}<h2>抽查结果</h2>
<table id="tasks"><tr><th>对象</th><th>乡镇</th><th>检查人员</th><th>结果</th><th>公示期限</th><th>证据 SHA-256</th></tr>
{{range .Tasks}}<tr><td>{{.Name}}</td><td>{{.Township}}</td><td>{{range $i, $o := .Inspectors}}{{if $i}}、{{end}}{{$o}}{{end}}</td><td>{{if .Outcome}}{{.Outcome}}{{else}}待检查{{end}}</td><td>{{.PublishBy}}{{if .Calendar}}（仅按周一至周五计算：该年无节假日安排）{{end}}</td><td>{{range .Evidence}}<code>{{.}}</code><br>{{end}}</td></tr>
{{end}}</table>{{end}}
{{if .Reviews}}<h2>案卷评查</h2>
<table id="reviews"><tr><th>案件</th><th>乡镇</th><th>得分</th></tr>
{{range .Reviews}}<tr><td>{{.Case}}</td><td>{{.Township}}</td><td>{{if .Score}}{{.Score}}{{else}}待评查{{end}}</td></tr>
{{end}}</table>{{end}}
<h2>公开记录</h2>
<pre id="record">{{.JSON}}</pre>
</body>
</html>
`))
