package documents

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"time"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/httpx"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// Decisions lists decisions not revoked, made at or after since (package cases' Store).
type Decisions interface {
	Decisions(ctx context.Context, since time.Time, limit int) ([]cases.Decided, error)
}

// DefaultWindow is how long a decision stays published: a year. The law sets no period
// (行政处罚法 第四十八条 asks for publication and withdrawal within 3 days of a revocation);
// a year shows a township's recent practice while a person's penalty does not follow
// them for good. Configurable (app.Config.DisclosureWindow).
const DefaultWindow = 365 * 24 * time.Hour

// maxPublished caps the list.
const maxPublished = 2000

// Published is a decision as the public sees it.
type Published struct {
	Number         string  `json:"case_number"`
	Township       string  `json:"township"` // its name
	Item           string  `json:"item"`     // the item's code
	ItemName       string  `json:"item_name"`
	LegalBasis     string  `json:"legal_basis"`
	Party          string  `json:"party"` // a person's name masked (张**), an organization's in full
	PartyKind      string  `json:"party_kind"`
	AmountYuan     float64 `json:"amount_yuan"`
	LicenceRevoked bool    `json:"licence_revoked"`
	DecidedOn      string  `json:"decided_on"` // YYYY-MM-DD, China time
	Hash           string  `json:"event_hash"` // the decide event's, in the case's record
}

// Publication is the answer of GET /public/decisions.
type Publication struct {
	WindowDays int         `json:"window_days"`
	Decisions  []Published `json:"decisions"`
}

// Publisher serves 执法公示: no token, rate-limited by the router.
type Publisher struct {
	decisions Decisions
	items     Items
	names     Names
	window    time.Duration
	now       func() time.Time
}

// NewPublisher returns a Publisher of the decisions within window (DefaultWindow when 0).
func NewPublisher(d Decisions, items Items, names Names, window time.Duration) *Publisher {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Publisher{decisions: d, items: items, names: names, window: window, now: time.Now}
}

// List returns the published decisions, newest first.
func (p *Publisher) List(ctx context.Context) (Publication, error) {
	list, err := p.decisions.Decisions(ctx, p.now().Add(-p.window), maxPublished)
	if err != nil {
		return Publication{}, err
	}
	items := map[string]powers.Item{}
	towns := map[string]string{}
	out := Publication{WindowDays: int(p.window / (24 * time.Hour)), Decisions: make([]Published, 0, len(list))}
	for _, d := range list {
		pub := Published{Number: Number(cases.Case{ID: d.Case, Township: d.Township, ReportedAt: d.ReportedAt}),
			Party: Mask(d.Detail.PartyName, d.Detail.Party), PartyKind: d.Detail.Party, LicenceRevoked: d.Detail.LicenceRevoked,
			DecidedOn: d.DecidedAt.In(china).Format(time.DateOnly), Hash: d.Hash}
		if d.Detail.AmountYuan != nil {
			pub.AmountYuan = *d.Detail.AmountYuan
		}
		if d.Township != nil {
			name, ok := towns[*d.Township]
			if !ok {
				if name, err = p.names.TownshipName(ctx, *d.Township); err != nil && apperr.CodeOf(err) != apperr.NotFound {
					return Publication{}, err
				}
				towns[*d.Township] = name
			}
			pub.Township = name
		}
		if d.Item != nil {
			it, ok := items[*d.Item]
			if !ok {
				if it, err = p.items.Item(ctx, *d.Item); err != nil && apperr.CodeOf(err) != apperr.NotFound {
					return Publication{}, err
				}
				items[*d.Item] = it
			}
			pub.Item, pub.ItemName, pub.LegalBasis = *d.Item, it.Name, it.LegalBasis
		}
		out.Decisions = append(out.Decisions, pub)
	}
	return out, nil
}

// JSON serves GET /api/v1/public/decisions.
func (p *Publisher) JSON(w http.ResponseWriter, r *http.Request) error {
	pub, err := p.List(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	httpx.WriteJSON(w, http.StatusOK, pub)
	return nil
}

// Page serves GET /public: the same list as a page.
func (p *Publisher) Page(w http.ResponseWriter, r *http.Request) error {
	pub, err := p.List(r.Context())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := publicTemplate.Execute(&buf, struct {
		Publication
		CSS template.CSS
	}{pub, template.CSS(css)}); err != nil {
		return err
	}
	return writePage(w, buf.Bytes(), "public, max-age=300")
}

// publicTemplate is the page of 执法公示; it shares the documents' style (and so their CSP).
var publicTemplate = template.Must(template.New("public").Funcs(template.FuncMap{"yuan": yuan}).Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>行政处罚决定公示</title>
<style>{{.CSS}}</style>
</head>
<body>
<article class="sheet">
<header><h1>行政处罚决定公示</h1></header>
<p class="para">以下为近 {{.WindowDays}} 日内作出且未被撤销的行政处罚决定。自然人姓名已作隐名处理；决定被撤销的，自撤销记录之时起不再公示。</p>
<table class="form">
<tr><th>决定日期</th><th>案号</th><th>乡镇</th><th>当事人</th><th>违法事项及法律依据</th><th>处罚内容</th></tr>
{{- range .Decisions}}
<tr><td>{{.DecidedOn}}</td><td>{{.Number}}</td><td>{{.Township}}</td><td>{{.Party}}</td><td>{{.ItemName}}（{{.LegalBasis}}）</td><td>罚款 {{yuan .AmountYuan}} 元{{if .LicenceRevoked}}；吊销许可证件{{end}}</td></tr>
{{- else}}
<tr><td colspan="6">暂无公示的处罚决定。</td></tr>
{{- end}}
</table>
</article>
</body>
</html>
`))
