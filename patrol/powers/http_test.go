package powers_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gridwatch/gridwatch/internal/apptest"
	"github.com/gridwatch/gridwatch/patrol/powers"
)

// post sends a file body with a content type as the named token.
func post(t *testing.T, c *apptest.City, path, who, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", c.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Tokens[who])
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// listCSV is a list as published: a title row, a blank row, a 序号 column, a department
// cell left blank under a merged one, a legal basis with a line break.
const listCSV = "江阴市镇街综合行政执法赋权清单（2018年）\n" +
	",,,,,,\n" +
	"序号,事项名称,所属领域,实施部门,法律依据,事项类别,适用镇街\n" +
	"1,擅自占用城市道路,城市管理,城管局,\"《城市道路管理条例》\n第二十七条\",行政处罚,全部\n" +
	"2,擅自设置户外广告,城市管理,,《城市市容和环境卫生管理条例》,行政处罚,乙镇\n" +
	",,,,,,\n" +
	"3,销售过期食品,market_regulation,市场监管局,《食品安全法》,行政强制,\"甲镇、B\"\n"

// listXLSX is the same list as a workbook: the title merged across the columns, the
// department and sector merged over the rows they cover, a blank separator row.
func listXLSX(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sh = "Sheet1"
	rows := [][]any{
		{"江阴市镇街综合行政执法赋权清单（2018年）"},
		{"序号", "事项名称", "所属领域", "实施部门", "法律依据", "事项类别", "适用镇街"},
		{1, "擅自占用城市道路", "城市管理", "城管局", "《城市道路管理条例》\n第二十七条", "行政处罚", "全部"},
		{2, "擅自设置户外广告", nil, nil, "《城市市容和环境卫生管理条例》", "行政处罚", "乙镇"},
		{},
		{3, "销售过期食品", "market_regulation", "市场监管局", "《食品安全法》", "行政强制", "甲镇,B"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range [][2]string{{"A1", "G1"}, {"C3", "C4"}, {"D3", "D4"}} {
		if err := f.MergeCell(sh, m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportThroughHTTP(t *testing.T) {
	for _, tt := range []struct {
		name, contentType string
		body              func(*testing.T) []byte
	}{
		{"csv", powers.ContentTypeCSV + "; charset=utf-8", func(*testing.T) []byte { return []byte(listCSV) }},
		{"xlsx", powers.ContentTypeXLSX, listXLSX},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCity(t)
			status, raw := post(t, c, "/api/v1/powers/import?effective=2018-03-01&document=澄政发〔2018〕12号", "admin",
				tt.contentType, tt.body(t))
			var res powers.ImportResult
			if status != http.StatusCreated || json.Unmarshal(raw, &res) != nil {
				t.Fatalf("import = %d %s", status, raw)
			}
			if res.Items.Created != 3 || res.Departments.Created != 2 || res.Delegations.Granted != 5 || res.Adjustment == nil {
				t.Errorf("import = %s, want 3 items, 2 departments, 5 delegations", raw)
			}
			var items []powers.Item
			c.Do("GET", "/api/v1/powers/items?sector=城市管理", "reporter", nil, &items)
			if len(items) != 2 || items[1].Department != powers.DerivedCode("dept", "城管局") ||
				!strings.Contains(items[0].LegalBasis+items[1].LegalBasis, "\n第二十七条") {
				t.Errorf("urban management items = %+v, want both of the 城管局 (merged cell), the legal basis's line break kept", items)
			}

			var heldA, heldB []powers.Holding
			c.Do("GET", "/api/v1/powers?township=A&at=2018-03-01", "analyst", nil, &heldA)
			c.Do("GET", "/api/v1/powers?township=B&at=2018-03-01", "analyst", nil, &heldB)
			if len(heldA) != 2 || len(heldB) != 3 {
				t.Errorf("held on 2018-03-01: A %d items, B %d; want 2 and 3", len(heldA), len(heldB))
			}
			if code, _ := c.Do("GET", "/api/v1/powers?township=B", "supA", nil, nil); code != http.StatusForbidden {
				t.Errorf("a supervisor of A reading B's powers = %d, want 403", code)
			}
			var mine []powers.Holding
			c.Do("GET", "/api/v1/powers?at=2018-02-28", "supA", nil, &mine)
			if len(mine) != 0 {
				t.Errorf("held the day before = %+v, want none", mine)
			}

			// An adjustment through the API, then its answer at the boundary days.
			var adj powers.Adjustment
			code, raw := c.Do("POST", "/api/v1/powers/adjustments", "admin", map[string]any{"effective": "2018-09-01",
				"document": "澄政发〔2018〕40号", "revoke": []map[string]any{{"item": heldA[0].Item, "townships": []string{"A"}}}}, &adj)
			if code != http.StatusCreated || adj.ID == 0 || adj.RecordedBy != "admin" {
				t.Fatalf("POST adjustment = %d %s", code, raw)
			}
			c.Do("GET", "/api/v1/powers?township=A&at=2018-08-31", "admin", nil, &heldA)
			c.Do("GET", "/api/v1/powers?township=A&at=2018-09-01", "admin", nil, &heldB)
			if len(heldA) != 2 || len(heldB) != 1 {
				t.Errorf("A holds %d items on 2018-08-31 and %d on 2018-09-01, want 2 and 1", len(heldA), len(heldB))
			}
			var adjs []powers.Adjustment
			c.Do("GET", "/api/v1/powers/adjustments?township=A", "analyst", nil, &adjs)
			if len(adjs) != 2 || adjs[0].ID != adj.ID {
				t.Errorf("adjustments of A = %+v, want the revocation first", adjs)
			}
		})
	}
}

func TestImportErrorsThroughHTTP(t *testing.T) {
	c := newCity(t)
	bad := strings.Replace(strings.Replace(listCSV, "market_regulation", "城市美化", 1), "乙镇", "丙镇", 1)
	status, raw := post(t, c, "/api/v1/powers/import?effective=2018-03-01", "admin", powers.ContentTypeCSV, []byte(bad))
	var problem struct {
		Code   string            `json:"code"`
		Errors []powers.RowError `json:"errors"`
	}
	if status != http.StatusBadRequest || json.Unmarshal(raw, &problem) != nil || problem.Code != "invalid" || len(problem.Errors) != 2 ||
		problem.Errors[0].Reason != "unknown_township" || problem.Errors[0].Row != 5 ||
		problem.Errors[1].Reason != "unknown_sector" || problem.Errors[1].Row != 7 {
		t.Errorf("bad list = %d %s, want 400 naming rows 5 (township) and 7 (sector)", status, raw)
	}
	var items []powers.Item
	if c.Do("GET", "/api/v1/powers/items", "admin", nil, &items); len(items) != 0 {
		t.Errorf("a refused list stored %d items", len(items))
	}

	for _, tt := range []struct {
		name, path, who, contentType string
		body                         []byte
		want                         int
	}{
		{"no header", "/api/v1/powers/import", "admin", powers.ContentTypeCSV, []byte("a,b\n1,2\n"), http.StatusBadRequest},
		{"not a workbook", "/api/v1/powers/import", "admin", powers.ContentTypeXLSX, []byte("PK not a zip"), http.StatusBadRequest},
		{"other content type", "/api/v1/powers/import", "admin", "application/json", []byte(listCSV), http.StatusBadRequest},
		{"bad effective", "/api/v1/powers/import?effective=2018-02-30", "admin", powers.ContentTypeCSV, []byte(listCSV), http.StatusBadRequest},
		{"over 20 MiB", "/api/v1/powers/import", "admin", powers.ContentTypeXLSX, make([]byte, powers.MaxListBytes+1), http.StatusRequestEntityTooLarge},
		{"scoped admin", "/api/v1/powers/import", "adminA", powers.ContentTypeCSV, []byte(listCSV), http.StatusForbidden},
		{"analyst", "/api/v1/powers/import", "analyst", powers.ContentTypeCSV, []byte(listCSV), http.StatusForbidden},
		{"bands of an unknown item", "/api/v1/powers/bands/import", "admin", powers.ContentTypeCSV,
			[]byte("事项名称,裁量阶次,适用情形,处罚标准\n无此事项,轻微,首次,500-1000\n"), http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if status, raw := post(t, c, tt.path, tt.who, tt.contentType, tt.body); status != tt.want {
				t.Errorf("%s = %d %s, want %d", tt.name, status, raw, tt.want)
			}
		})
	}
}

func TestBandsThroughHTTP(t *testing.T) {
	c := newCity(t)
	if status, raw := post(t, c, "/api/v1/powers/import?effective=2018-03-01", "admin", powers.ContentTypeCSV, []byte(listCSV)); status != 201 {
		t.Fatalf("import = %d %s", status, raw)
	}
	road := powers.DerivedCode("item", "擅自占用城市道路")
	list := "自由裁量基准\n事项名称,裁量阶次,适用情形,处罚标准\n" +
		"擅自占用城市道路,轻微,首次且及时改正,处500元以上1000元以下罚款\n,严重,拒不改正,1万元以上3万元以下\n"
	status, raw := post(t, c, "/api/v1/powers/bands/import", "admin", powers.ContentTypeCSV, []byte(list))
	if status != http.StatusCreated || !strings.Contains(string(raw), `"bands":2`) {
		t.Fatalf("bands import = %d %s", status, raw)
	}
	var it powers.Item
	code, raw := c.Do("PUT", "/api/v1/powers/items/"+road+"/bands", "admin",
		[]map[string]any{{"level": "一般", "min_yuan": 1000, "max_yuan": 5000, "conditions": "再次"}}, &it)
	if code != http.StatusOK || len(it.Bands) != 1 || it.Bands[0].MaxYuan != 5000 {
		t.Errorf("PUT bands = %d %s", code, raw)
	}
	if code, raw := c.Do("PUT", "/api/v1/powers/items/"+road+"/bands", "admin",
		[]map[string]any{{"level": "一般", "min_yuan": 5000, "max_yuan": 1000}}, nil); code != http.StatusBadRequest {
		t.Errorf("PUT bands with max below min = %d %s, want 400", code, raw)
	}
	if code, raw := c.Do("PUT", "/api/v1/powers/items/"+road+"/bands", "admin",
		[]map[string]any{{"level": "一般", "min_yuan": 1000, "max_yuan": 5000, "conditions": "a\x00b"}}, nil); code != http.StatusBadRequest ||
		!strings.Contains(string(raw), "[0].conditions") {
		t.Errorf("PUT bands with a NUL in the conditions = %d %s, want 400 naming [0].conditions", code, raw)
	}
}
