package documents

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// Record is what a document is rendered from: the case, its history in order, its item,
// and the names of its township and officers.
type Record struct {
	Case     cases.Case
	Events   []cases.Event
	Item     powers.Item
	Township string            // the township's name ("" when unknown: the code is shown)
	Officers map[string]string // officer id → name
}

// row is a labelled line of a form.
type row struct {
	Label string
	Value string
	Tall  bool // a box for text written at length or signed by hand
}

// page is the view of one document.
type page struct {
	Kind      Kind
	Title     string
	Issuer    string // the organ the document is issued in the name of
	Number    string
	DocNumber string // the document's own number (文号)
	To        string // the addressee of a letter (告知书, 决定书)
	Rows      []row
	Paras     []string // paragraphs before the rows
	Paras2    []string // paragraphs after the rows
	Sign      []string // the signature block's lines
	Date      string
	Event     cases.Event
	Stage     string
	CSS       template.CSS
}

// docAbbrev abbreviates a document in its number (文号).
var docAbbrev = map[Kind]string{Filing: "立审", Inspection: "检", Notice: "罚告", Decision: "罚决", Receipt: "送"}

// Render writes document k of the record as an A4 HTML page. It returns the stage the
// document records when the case has not reached it yet (missing is then non-empty and
// nothing is written).
func Render(w io.Writer, k Kind, r Record) (missing string, err error) {
	e := recorded(k, r.Events)
	if e == nil {
		return kindInfo[k].stage + " (" + string(kindInfo[k].event) + ")", nil
	}
	p := r.build(k, *e)
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return "", fmt.Errorf("render %s of case %d: %w", k, r.Case.ID, err)
	}
	_, err = w.Write(buf.Bytes())
	return "", err
}

// build lays out document k recording event e.
func (r Record) build(k Kind, e cases.Event) page {
	c := r.Case
	town := r.townName()
	p := page{Kind: k, Title: k.Title(), Issuer: town + "人民政府", Number: Number(c),
		DocNumber: fmt.Sprintf("%s%s〔%d〕%d号", town, docAbbrev[k], e.At.In(china).Year(), c.ID),
		Event:     e, Stage: kindInfo[k].stage, CSS: template.CSS(css), Date: DateZH(e.At)}
	party, partyKind := r.party()
	partyLine := party
	if party == "" {
		partyLine = "（尚未载明）"
	}
	if partyKind == cases.PartyOrg {
		partyLine += "（单位）"
	} else if party != "" {
		partyLine += "（个人）"
	}
	place := fmt.Sprintf("%s，北纬 %.6f°，东经 %.6f°", town, c.Lat, c.Lon)
	facts := r.facts()
	basis := orNone(r.Item.LegalBasis)
	itemName := orNone(r.Item.Name)
	file := r.first(cases.EventFile)
	switch k {
	case Filing:
		p.Rows = []row{
			{Label: "案号", Value: p.Number},
			{Label: "案由", Value: itemName + "（事项 " + r.Item.Code + "）"},
			{Label: "案件来源", Value: sourceZH[c.Source]},
			{Label: "当事人", Value: partyLine},
			{Label: "发生地点", Value: place},
			{Label: "发现时间", Value: timeZH(c.ReportedAt)},
			{Label: "简要案情", Value: strings.TrimSpace(c.Title + "。" + c.Description), Tall: true},
			{Label: "法律依据", Value: basis},
			{Label: "承办人", Value: r.officerName(c.Officer)},
			{Label: "立案意见", Value: orNone(e.Note), Tall: true},
			{Label: "批准人", Value: e.Actor},
			{Label: "立案日期", Value: DateZH(e.At)},
		}
	case Inspection:
		p.Rows = []row{
			{Label: "案号", Value: p.Number},
			{Label: "检查时间", Value: timeZH(e.At)},
			{Label: "检查地点", Value: place},
			{Label: "检查人员", Value: r.officerName(e.Officer)},
			{Label: "记录人", Value: e.Actor},
			{Label: "被检查人", Value: partyLine},
			{Label: "检查事项", Value: itemName},
			{Label: "检查情况", Value: orNone(e.Note), Tall: true},
			{Label: "现场证据", Value: r.evidenceLine(e.Seq)},
			{Label: "被检查人签名", Value: "", Tall: true},
		}
	case Notice:
		p.To = partyLine + "："
		filed := ""
		if file != nil {
			filed = "本机关于" + DateZH(file.At) + "立案调查"
		}
		due := "收到本告知书之日起五个工作日内"
		for _, d := range c.Deadlines {
			if d.Stage == cases.StageHearingRequest {
				due += "（即" + DateZH(d.Due.Time) + "前）"
			}
		}
		p.Paras = []string{
			fmt.Sprintf("你（单位）涉嫌%s一案，%s。经查：%s", itemName, filed, facts),
			fmt.Sprintf("上述行为违反了%s的规定。依据《中华人民共和国行政处罚法》第四十四条、第四十五条、第六十三条、第六十四条的规定，本机关拟对你（单位）作出行政处罚，现将拟作出行政处罚的事实、理由、依据告知如下。", basis),
			"你（单位）有权进行陈述和申辩。符合听证条件的，有权要求举行听证；要求听证的，应当在" + due + "向本机关提出，逾期视为放弃听证。",
			"承办人：" + r.officerName(c.Officer) + "。",
		}
		if e.Note != "" {
			p.Paras = append(p.Paras, "备注："+e.Note)
		}
		p.Sign = []string{p.Issuer, "（印章）", DateZH(e.At)}
	case Decision:
		d := detailOf(e)
		p.To = "当事人：" + partyLine
		var intro strings.Builder
		fmt.Fprintf(&intro, "当事人涉嫌%s一案", itemName)
		if file != nil {
			fmt.Fprintf(&intro, "，本机关于%s立案调查", DateZH(file.At))
		}
		if n := recorded(Notice, r.Events); n != nil {
			fmt.Fprintf(&intro, "，于%s依法告知当事人拟作出行政处罚的事实、理由、依据及其依法享有的陈述、申辩和听证权利", DateZH(n.At))
		}
		switch r.hearing() {
		case cases.HearingRequested, cases.HearingHeld:
			intro.WriteString("；当事人要求听证，本机关依法组织了听证")
		case cases.HearingWaived:
			intro.WriteString("；当事人放弃听证")
		}
		intro.WriteString("。")
		p.Paras = []string{intro.String(), "经查明：" + facts}
		if n := r.evidenceCount(e.Seq); n > 0 {
			p.Paras = append(p.Paras, fmt.Sprintf("以上事实，有现场检查笔录及证据 %d 份在案为证（证据的 SHA-256 载于本案执法全过程记录）。", n))
		}
		amount := 0.0
		if d.AmountYuan != nil {
			amount = *d.AmountYuan
		}
		band := "第" + d.Level + "档"
		for _, b := range r.Item.Bands {
			if string(b.Level) == d.Level {
				band = fmt.Sprintf("%s档（%s元至%s元%s）", d.Level, yuan(b.MinYuan), yuan(b.MaxYuan), conditions(b.Conditions))
			}
		}
		p.Paras = append(p.Paras,
			fmt.Sprintf("本机关认为，当事人的上述行为违反了%s的规定。依据该规定及本机关行政处罚裁量基准，适用%s，决定对当事人作出如下行政处罚：", basis, band))
		penalty := fmt.Sprintf("罚款人民币 %s 元（大写：%s）", yuan(amount), YuanZH(amount))
		if d.LicenceRevoked {
			penalty += "；吊销许可证件"
		}
		p.Rows = []row{{Label: "处罚内容", Value: penalty + "。"}, {Label: "裁量阶次", Value: d.Level}}
		if rv := r.review(e.Seq); rv != nil {
			rd := detailOf(*rv)
			line := fmt.Sprintf("%s（法律职业资格证书编号 %s）于%s审核，意见：%s", rv.Actor, orNone(rd.Qualification), DateZH(rv.At), outcomeZH[rd.Outcome])
			if d.Major != "" {
				line += "；本决定为重大执法决定：" + d.Major
			}
			p.Rows = append(p.Rows, row{Label: "法制审核", Value: line})
		}
		p.Paras2 = []string{
			"当事人应当自收到本决定书之日起十五日内缴纳罚款。到期不缴纳罚款的，本机关可以每日按罚款数额的百分之三加处罚款（《中华人民共和国行政处罚法》第七十二条）。",
			"当事人如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。",
		}
		p.Sign = []string{p.Issuer, "（印章）", DateZH(e.At)}
	case Receipt:
		decided := "行政处罚决定书"
		if dec := r.first(cases.EventDecide); dec != nil {
			decided += "（" + DateZH(dec.At) + "作出，事件哈希 " + dec.Hash + "）"
		}
		p.Rows = []row{
			{Label: "案号", Value: p.Number},
			{Label: "送达文书", Value: decided},
			{Label: "受送达人", Value: partyLine},
			{Label: "送达时间", Value: timeZH(e.At)},
			{Label: "送达方式及地点", Value: orNone(e.Note), Tall: true},
			{Label: "送达人", Value: strings.TrimSuffix(r.officerName(e.Officer)+"、"+e.Actor, "、")},
			{Label: "受送达人签名", Value: "", Tall: true},
			{Label: "备注", Value: ""},
		}
	}
	return p
}

// cssHash is the CSP hash of the pages' one style element.
var cssHash = func() string {
	h := sha256.Sum256([]byte(css))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}()

// ContentSecurityPolicy is sent with every document: nothing but its own style element;
// no scripts, no requests.
var ContentSecurityPolicy = "default-src 'none'; style-src " + cssHash + "; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

// sourceZH names a case's source as the forms do.
var sourceZH = map[cases.Source]string{
	cases.SourcePatrol:     "巡查发现",
	cases.SourceHotline:    "12345热线",
	cases.SourceCitizenApp: "群众举报（市民平台）",
	cases.SourceReferral:   "部门移送",
}

var outcomeZH = map[string]string{cases.ReviewApprove: "同意", cases.ReviewReject: "不同意"}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "（无）"
	}
	return s
}

func conditions(s string) string {
	if s == "" {
		return ""
	}
	return "，适用情形：" + s
}

func yuan(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

func (r Record) townName() string {
	if r.Township != "" {
		return r.Township
	}
	if r.Case.Township != nil {
		return *r.Case.Township
	}
	return "（辖区外）"
}

func (r Record) officerName(id *string) string {
	if id == nil {
		return "（未指派）"
	}
	if n := r.Officers[*id]; n != "" {
		return n + "（执法证号 " + *id + "）"
	}
	return *id
}

func (r Record) first(t cases.EventType) *cases.Event {
	for i := range r.Events {
		if r.Events[i].Type == t {
			return &r.Events[i]
		}
	}
	return nil
}

// party returns the party's name and kind: the decision's, else the latest notice's.
func (r Record) party() (name, kind string) {
	for i := len(r.Events) - 1; i >= 0; i-- {
		e := r.Events[i]
		if e.Type != cases.EventDecide && e.Type != cases.EventNotify {
			continue
		}
		d := detailOf(e)
		if name == "" {
			name = d.PartyName
		}
		if kind == "" {
			kind = d.Party
		}
	}
	return name, kind
}

// hearing returns the party's latest answer about a hearing.
func (r Record) hearing() string {
	h := ""
	for _, e := range r.Events {
		if e.Type == cases.EventNotify {
			if v := detailOf(e).Hearing; v != "" {
				h = v
			}
		}
	}
	return h
}

// review returns the latest review before event seq.
func (r Record) review(seq int) *cases.Event {
	var rv *cases.Event
	for i := range r.Events {
		if r.Events[i].Seq < seq && r.Events[i].Type == cases.EventReview {
			rv = &r.Events[i]
		}
	}
	return rv
}

// facts joins the case's description and the investigation's notes.
func (r Record) facts() string {
	parts := []string{strings.TrimSpace(r.Case.Title)}
	if d := strings.TrimSpace(r.Case.Description); d != "" {
		parts = append(parts, d)
	}
	for _, e := range r.Events {
		if e.Type == cases.EventInvestigate && strings.TrimSpace(e.Note) != "" {
			parts = append(parts, strings.TrimSpace(e.Note))
		}
	}
	return strings.Join(parts, "；") + "。"
}

func (r Record) evidenceCount(before int) int {
	n := 0
	for _, e := range r.Events {
		if e.Type == cases.EventEvidence && e.Seq < before {
			n++
		}
	}
	return n
}

// evidenceLine lists the evidence recorded up to the inspection's time of writing: all
// evidence of the case, with the leading characters of their hashes.
func (r Record) evidenceLine(_ int) string {
	var list []string
	for _, e := range r.Events {
		if e.Type == cases.EventEvidence && e.Evidence != nil {
			list = append(list, fmt.Sprintf("%s（%s…）", timeZH(e.At), (*e.Evidence)[:min(12, len(*e.Evidence))]))
		}
	}
	if len(list) == 0 {
		return "（无）"
	}
	return fmt.Sprintf("%d 份：%s", len(list), strings.Join(list, "；"))
}

func detailOf(e cases.Event) cases.Detail {
	var d cases.Detail
	if len(e.Detail) > 0 {
		_ = json.Unmarshal(e.Detail, &d)
	}
	return d
}
