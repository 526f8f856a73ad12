package documents_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/grid"
	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/documents"
	"github.com/gridwatch/gridwatch/patrol/officer"
)

func TestYuanZH(t *testing.T) {
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{0, "零元整"},
		{500, "伍佰元整"},
		{12000, "壹万贰仟元整"},
		{10500, "壹万零伍佰元整"},
		{100000, "壹拾万元整"},
		{100010001, "壹亿零壹万零壹元整"},
		{1234.5, "壹仟贰佰叁拾肆元伍角整"},
		{200.07, "贰佰元零柒分"},
		{0.3, "叁角整"},
	} {
		if got := documents.YuanZH(tt.in); got != tt.want {
			t.Errorf("YuanZH(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestMask(t *testing.T) {
	for _, tt := range []struct {
		name, party, want string
	}{
		{"张三", cases.PartyIndividual, "张*"},
		{"欧阳娜娜", cases.PartyIndividual, "欧***"},
		{"李", cases.PartyIndividual, "李*"},
		{"某某餐饮管理有限公司", cases.PartyOrg, "某某餐饮管理有限公司"},
		{"", cases.PartyIndividual, ""},
	} {
		if got := documents.Mask(tt.name, tt.party); got != tt.want {
			t.Errorf("Mask(%q, %s) = %q, want %q", tt.name, tt.party, got, tt.want)
		}
	}
}

// procedureCity is a city with item U1 (bands published) held by township B (乙镇).
func procedureCity(t *testing.T) *apptest.City {
	t.Helper()
	c := apptest.NewCity(t, apptest.Spec{
		Townships: []grid.TownshipInput{
			{Code: "A", Name: "甲镇", Geom: apptest.Box(120.20, 31.80, 120.30, 31.88)},
			{Code: "B", Name: "乙镇", Geom: apptest.Box(120.30, 31.80, 120.40, 31.88)},
		},
		Squadrons: []grid.Squadron{{Code: "B1", Name: "乙一", Township: "B"}},
		Officers:  []officer.Officer{{ID: "b-1", Name: "王执法", Squadron: "B1"}},
		Tokens: map[string]auth.TokenSpec{
			"admin":    {Role: auth.Admin},
			"supA":     {Role: auth.Supervisor, Township: "A"},
			"officerB": {Role: auth.Officer, Officer: "b-1"},
			"legal":    {Role: auth.Legal, Qualification: "A20183204810042"},
			"reporter": {Role: auth.Reporter},
		},
		// The procedure is replayed on its dates of 2025, officers' steps included.
		Configure: func(cfg *app.Config) { cfg.ClaimWindow = 20 * 365 * 24 * time.Hour },
	})
	c.PenaltyItem(t)
	return c
}

func mustEvent(t *testing.T, c *apptest.City, who string, id int64, body map[string]any) cases.Event {
	t.Helper()
	var got struct{ Event cases.Event }
	if code, raw := c.Do("POST", fmt.Sprintf("/api/v1/cases/%d/events", id), who, body, &got); code != 201 {
		t.Fatalf("%s on case %d as %s = %d %s", body["type"], id, who, code, raw)
	}
	return got.Event
}

// reportInB reports a case in township B citing U1, on 2025-03-03.
func reportInB(t *testing.T, c *apptest.City) cases.Case {
	t.Helper()
	var kase cases.Case
	if code, raw := c.Do("POST", "/api/v1/cases", "admin", map[string]any{"item": "U1", "title": "占道经营",
		"lat": 31.84, "lon": 120.35, "reported_at": "2025-03-03T09:00:00+08:00"}, &kase); code != 201 {
		t.Fatalf("POST /cases = %d %s", code, raw)
	}
	return kase
}

func TestDocuments(t *testing.T) {
	c := procedureCity(t)
	kase := reportInB(t, c)
	id := kase.ID
	doc := func(who, kind string) (int, string) {
		t.Helper()
		code, raw := c.Do("GET", fmt.Sprintf("/api/v1/cases/%d/documents/%s", id, kind), who, nil, nil)
		return code, string(raw)
	}
	if code, raw := doc("admin", "filing"); code != 409 || !strings.Contains(raw, "立案") {
		t.Errorf("filing of a case not filed = %d %s, want 409 naming 立案", code, raw)
	}
	hashes := map[string]string{}
	mustEvent(t, c, "admin", id, map[string]any{"type": "assign", "officer": "b-1", "at": "2025-03-03T09:10:00+08:00"})
	hashes["filing"] = mustEvent(t, c, "admin", id, map[string]any{"type": "file", "note": "拟立案", "at": "2025-03-03T10:00:00+08:00"}).Hash
	hashes["inspection"] = mustEvent(t, c, "officerB", id, map[string]any{"type": "investigate", "note": "现场占道约 6 平方米",
		"at": "2025-03-04T10:00:00+08:00"}).Hash
	const party = `<script>alert(1)</script>张三&"`
	hashes["notice"] = mustEvent(t, c, "admin", id, map[string]any{"type": "notify", "party_name": party,
		"at": "2025-03-05T10:00:00+08:00"}).Hash
	if code, raw := doc("admin", "decision"); code != 409 || !strings.Contains(raw, "决定") || !strings.Contains(raw, "notified") {
		t.Errorf("decision of a notified case = %d %s, want 409 naming 决定", code, raw)
	}
	mustEvent(t, c, "admin", id, map[string]any{"type": "notify", "hearing": "waived", "at": "2025-03-06T10:00:00+08:00"})
	mustEvent(t, c, "legal", id, map[string]any{"type": "review", "outcome": "approve", "at": "2025-03-07T10:00:00+08:00"})
	hashes["decision"] = mustEvent(t, c, "admin", id, map[string]any{"type": "decide", "amount_yuan": 12000, "level": "一般",
		"at": "2025-03-10T10:00:00+08:00"}).Hash
	hashes["receipt"] = mustEvent(t, c, "officerB", id, map[string]any{"type": "deliver", "note": "直接送达，当事人住所",
		"at": "2025-03-11T10:00:00+08:00"}).Hash

	number := fmt.Sprintf("B-2025-%05d", id)
	for _, kind := range []string{"filing", "inspection", "notice", "decision", "receipt"} {
		t.Run(kind, func(t *testing.T) {
			code, raw := doc("officerB", kind)
			if code != 200 {
				t.Fatalf("GET %s = %d %s", kind, code, raw)
			}
			for _, want := range []string{number, hashes[kind], "@page { size: A4;", "乙镇人民政府"} {
				if !strings.Contains(raw, want) {
					t.Errorf("%s lacks %q", kind, want)
				}
			}
			if strings.Contains(raw, "<script>") {
				t.Errorf("%s holds the party's markup unescaped", kind)
			}
			if kind != "filing" && kind != "inspection" && !strings.Contains(raw, "&lt;script&gt;alert(1)&lt;/script&gt;张三&amp;&#34;") {
				t.Errorf("%s lacks the party's name, escaped", kind)
			}
		})
	}
	_, decision := doc("admin", "decision")
	for _, want := range []string{"罚款人民币 12000 元", "壹万贰仟元整", "《城市道路管理条例》第二十七条", "一般档（500元至15000元",
		"A20183204810042", "重大执法决定", "2025年3月10日", "当事人放弃听证"} {
		if !strings.Contains(decision, want) {
			t.Errorf("decision lacks %q", want)
		}
	}
	if code, raw := doc("admin", "verdict"); code != 400 || !strings.Contains(raw, "filing, inspection, notice, decision, receipt") {
		t.Errorf("unknown kind = %d %s, want 400 listing the kinds", code, raw)
	}
	if code, raw := doc("supA", "decision"); code != 403 {
		t.Errorf("township A's supervisor = %d %s, want 403", code, raw)
	}
	if code, raw := doc("reporter", "decision"); code != 403 {
		t.Errorf("a reporter = %d %s, want 403", code, raw)
	}
}

// The CSP allows the page's one style element by its hash: a change of the CSS that
// did not reach the hash would leave printed pages unstyled.
func TestStyleMatchesPolicy(t *testing.T) {
	var b strings.Builder
	ev := cases.Event{CaseID: 1, Seq: 2, Type: cases.EventFile, Hash: "ab"}
	if _, err := documents.Render(&b, documents.Filing, documents.Record{Case: cases.Case{ID: 1}, Events: []cases.Event{ev}}); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	start, end := strings.Index(html, "<style>")+len("<style>"), strings.Index(html, "</style>")
	sum := sha256.Sum256([]byte(html[start:end]))
	if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(documents.ContentSecurityPolicy, h) {
		t.Errorf("CSP %s lacks the style's hash %s", documents.ContentSecurityPolicy, h)
	}
}

func TestPublicDecisions(t *testing.T) {
	c := procedureCity(t)
	decide := func(party, name string, amount float64) int64 {
		t.Helper()
		var kase cases.Case
		if code, raw := c.Do("POST", "/api/v1/cases", "admin", map[string]any{"item": "U1", "title": "占道经营",
			"lat": 31.84, "lon": 120.35}, &kase); code != 201 {
			t.Fatalf("POST /cases = %d %s", code, raw)
		}
		mustEvent(t, c, "admin", kase.ID, map[string]any{"type": "assign", "officer": "b-1"})
		mustEvent(t, c, "admin", kase.ID, map[string]any{"type": "file"})
		mustEvent(t, c, "officerB", kase.ID, map[string]any{"type": "investigate", "note": "现场检查"})
		mustEvent(t, c, "admin", kase.ID, map[string]any{"type": "notify", "party": party, "party_name": name})
		mustEvent(t, c, "admin", kase.ID, map[string]any{"type": "notify", "hearing": "waived"})
		mustEvent(t, c, "admin", kase.ID, map[string]any{"type": "decide", "amount_yuan": amount, "level": "一般"})
		return kase.ID
	}
	decide(cases.PartyIndividual, "张三丰", 800)
	decide(cases.PartyOrg, "某某餐饮管理有限公司", 1500)
	revoked := decide(cases.PartyOrg, "撤销测试有限公司", 900)
	if code, raw := c.Do("POST", fmt.Sprintf("/api/v1/cases/%d/events", revoked), "admin", map[string]any{"type": "revoke"}, nil); code != 400 {
		t.Errorf("revoke without reasons = %d %s, want 400", code, raw)
	}
	mustEvent(t, c, "admin", revoked, map[string]any{"type": "revoke", "note": "复议决定撤销（澄复决〔2026〕1号）"})
	if code, raw := c.Do("POST", fmt.Sprintf("/api/v1/cases/%d/events", revoked), "admin",
		map[string]any{"type": "revoke", "note": "again"}, nil); code != 409 {
		t.Errorf("a second revoke = %d %s, want 409", code, raw)
	}

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(c.HTTP.URL + path) // no token
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, raw := get("/api/v1/public/decisions")
	if code != 200 {
		t.Fatalf("GET /api/v1/public/decisions without a token = %d %s", code, raw)
	}
	var pub documents.Publication
	if err := json.Unmarshal([]byte(raw), &pub); err != nil {
		t.Fatal(err)
	}
	if pub.WindowDays != 365 || len(pub.Decisions) != 2 {
		t.Fatalf("publication = %+v, want 2 decisions in a 365-day window (the revoked one withdrawn)", pub)
	}
	parties := map[string]documents.Published{}
	for _, d := range pub.Decisions {
		parties[d.Party] = d
	}
	if p, ok := parties["张**"]; !ok || p.AmountYuan != 800 || p.ItemName != "擅自占用城市道路" ||
		p.LegalBasis != "《城市道路管理条例》第二十七条" || p.Township != "乙镇" {
		t.Errorf("the person's decision = %+v (of %v), want the name masked as 张** and item, basis, amount, township", p, parties)
	}
	if _, ok := parties["某某餐饮管理有限公司"]; !ok {
		t.Errorf("decisions %v, want the company named in full", parties)
	}
	for _, body := range []string{raw, func() string { _, page := get("/public"); return page }()} {
		if strings.Contains(body, "三丰") || strings.Contains(body, "撤销测试") {
			t.Errorf("published %s, want no personal name and no revoked decision", body)
		}
	}
	if code, page := get("/public"); code != 200 || !strings.Contains(page, "张**") || !strings.Contains(page, "某某餐饮管理有限公司") {
		t.Errorf("GET /public = %d %s", code, page)
	}
}
