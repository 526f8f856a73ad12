package democity

import (
	"slices"
	"strings"
	"testing"
)

func TestTownships(t *testing.T) {
	// domain.md: 10 towns and 7 sub-districts.
	wantTowns := []string{"璜土", "月城", "青阳", "徐霞客", "华士", "周庄", "新桥", "长泾", "顾山", "祝塘"}
	wantSubdistricts := []string{"澄江", "南闸", "云亭", "城东", "夏港", "申港", "利港"}

	ts := Townships()
	if len(ts) != 17 {
		t.Fatalf("Townships() has %d townships, want 17", len(ts))
	}
	var towns, subdistricts []string
	for i, tw := range ts {
		switch tw.Kind {
		case KindTown:
			towns = append(towns, tw.Name)
			if tw.FullName != tw.Name+"镇" {
				t.Errorf("town %s: FullName %q, want %q", tw.Code, tw.FullName, tw.Name+"镇")
			}
		case KindSubdistrict:
			subdistricts = append(subdistricts, tw.Name)
			if tw.FullName != tw.Name+"街道" {
				t.Errorf("sub-district %s: FullName %q, want %q", tw.Code, tw.FullName, tw.Name+"街道")
			}
		default:
			t.Errorf("%s: Kind %q", tw.Code, tw.Kind)
		}
		if len(tw.Code) != 9 || !strings.HasPrefix(tw.Code, "320281") {
			t.Errorf("%s: Code %q, want 9 digits under 320281 (江阴)", tw.Name, tw.Code)
		}
		if i > 0 && ts[i-1].Code >= tw.Code {
			t.Errorf("codes out of order: %s before %s", ts[i-1].Code, tw.Code)
		}
		if tw.Pinyin == "" {
			t.Errorf("%s: no pinyin", tw.Code)
		}
	}
	slices.Sort(towns)
	slices.Sort(wantTowns)
	slices.Sort(subdistricts)
	slices.Sort(wantSubdistricts)
	if !slices.Equal(towns, wantTowns) {
		t.Errorf("towns = %v, want %v", towns, wantTowns)
	}
	if !slices.Equal(subdistricts, wantSubdistricts) {
		t.Errorf("sub-districts = %v, want %v", subdistricts, wantSubdistricts)
	}

	want := Township{Code: "320281001", Name: "澄江", FullName: "澄江街道", Pinyin: "cheng jiang", Kind: KindSubdistrict}
	if ts[0] != want {
		t.Errorf("Townships()[0] = %+v, want %+v", ts[0], want)
	}
}

func TestTownshipsFreshSlice(t *testing.T) {
	a := Townships()
	a[0].Name = "changed"
	if b := Townships(); b[0].Name != "澄江" {
		t.Errorf("Townships()[0].Name = %q after a caller changed its copy, want 澄江", b[0].Name)
	}
}

func TestParseTownships(t *testing.T) {
	const header = "id,pid,deep,name,pinyin_prefix,pinyin,ext_id,ext_name\n"
	tests := []struct {
		name    string
		csv     string
		want    []string // codes
		wantErr string
	}{
		{
			name: "keeps depth 3, sorted",
			csv: header +
				`320281,3202,2,"江阴","j","jiang yin","320281000000","江阴市"` + "\n" +
				`320281101,320281,3,"璜土","h","huang tu","320281101000","璜土镇"` + "\n" +
				`320281001,320281,3,"澄江","c","cheng jiang","320281001000","澄江街道"` + "\n",
			want: []string{"320281001", "320281101"},
		},
		{name: "empty", csv: "", wantErr: "no header"},
		{name: "missing column", csv: "id,pid,deep,name\n", wantErr: `no column "pinyin"`},
		{
			name:    "unknown suffix",
			csv:     header + `320281999,320281,3,"某","m","mou","320281999000","某乡"` + "\n",
			wantErr: "neither",
		},
		{
			name:    "short code",
			csv:     header + `3202819,320281,3,"某","m","mou","3202819000","某镇"` + "\n",
			wantErr: "not 9 digits",
		},
		{name: "ragged row", csv: header + "1,2\n", wantErr: "wrong number of fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := parseTownships(tt.csv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseTownships() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseTownships() error = %v", err)
			}
			var codes []string
			for _, tw := range ts {
				codes = append(codes, tw.Code)
			}
			if !slices.Equal(codes, tt.want) {
				t.Errorf("parseTownships() codes = %v, want %v", codes, tt.want)
			}
		})
	}
}

func TestLicense(t *testing.T) {
	l := License()
	for _, want := range []string{"MIT License", "xiangyuecn", "THE SOFTWARE IS PROVIDED \"AS IS\""} {
		if !strings.Contains(l, want) {
			t.Errorf("License() lacks %q", want)
		}
	}
}
