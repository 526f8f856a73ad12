package documents

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridwatch/gridwatch/patrol/cases"
)

// Kind is a printable document.
type Kind string

// The documents and the stage each records.
const (
	Filing     Kind = "filing"     // 立案审批表: the file event
	Inspection Kind = "inspection" // 现场检查笔录: the first investigate event
	Notice     Kind = "notice"     // 行政处罚事先告知书: the latest notice
	Decision   Kind = "decision"   // 行政处罚决定书: the decide event
	Receipt    Kind = "receipt"    // 送达回证: the deliver event
)

// Kinds lists the documents in the procedure's order.
var Kinds = []Kind{Filing, Inspection, Notice, Decision, Receipt}

// kindInfo is a document's title and the event it records.
var kindInfo = map[Kind]struct {
	title string
	event cases.EventType
	stage string
}{
	Filing:     {"立案审批表", cases.EventFile, "立案"},
	Inspection: {"现场检查笔录", cases.EventInvestigate, "调查取证"},
	Notice:     {"行政处罚事先告知书", cases.EventNotify, "告知"},
	Decision:   {"行政处罚决定书", cases.EventDecide, "决定"},
	Receipt:    {"送达回证", cases.EventDeliver, "送达"},
}

// ParseKind returns the document named s, and false for none.
func ParseKind(s string) (Kind, bool) {
	_, ok := kindInfo[Kind(s)]
	return Kind(s), ok
}

// Title returns the document's Chinese title.
func (k Kind) Title() string { return kindInfo[k].title }

// china is the time zone of the documents' dates.
var china = time.FixedZone("CST", 8*3600)

// Number is a case's number on its documents: township code, year of report (China
// time) and the case's id, e.g. TA001-2025-00042. A case in no township has "X" for its
// township.
func Number(c cases.Case) string {
	town := "X"
	if c.Township != nil {
		town = *c.Township
	}
	return fmt.Sprintf("%s-%d-%05d", town, c.ReportedAt.In(china).Year(), c.ID)
}

// recorded returns the event a document records, or nil when the case has none yet.
func recorded(k Kind, events []cases.Event) *cases.Event {
	t := kindInfo[k].event
	if k == Notice {
		notice, _ := cases.NoticeRound(events)
		return notice
	}
	for i := range events {
		if events[i].Type == t {
			return &events[i]
		}
	}
	return nil
}

// DateZH formats a day as a document writes it: 2025年9月30日 (China time).
func DateZH(t time.Time) string {
	t = t.In(china)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// timeZH formats a moment: 2025年9月30日 10时05分 (China time).
func timeZH(t time.Time) string {
	t = t.In(china)
	return fmt.Sprintf("%s %02d时%02d分", DateZH(t), t.Hour(), t.Minute())
}

// Mask hides a person's name for publication: the family name (the first character)
// stays, every other character is an asterisk (张三丰 → 张**). An organization's name is
// published in full.
func Mask(name, party string) string {
	if party == cases.PartyOrg || name == "" {
		return name
	}
	r, _ := utf8.DecodeRuneInString(name)
	return string(r) + strings.Repeat("*", max(utf8.RuneCountInString(name)-1, 1))
}

// YuanZH writes an amount in yuan in capitals (大写金额) as financial documents do, e.g.
// 12000.5 → 壹万贰仟元伍角整, 10500 → 壹万零伍佰元整.
func YuanZH(v float64) string {
	fen := int64(v*100 + 0.5)
	if fen == 0 {
		return "零元整"
	}
	digits := []rune("零壹贰叁肆伍陆柒捌玖")
	units := []string{"", "拾", "佰", "仟"}
	groups := []string{"", "万", "亿", "万亿"}
	y := fen / 100
	var b strings.Builder
	if y > 0 {
		var parts []string
		for g := 0; y > 0; g++ {
			parts = append([]string{group(int(y%10000), digits, units) + groupUnit(int(y%10000), groups[g])}, parts...)
			y /= 10000
		}
		s := strings.Join(parts, "")
		// Zeros: collapse runs, drop those at the end.
		for strings.Contains(s, "零零") {
			s = strings.ReplaceAll(s, "零零", "零")
		}
		for _, u := range []string{"万", "亿"} {
			s = strings.ReplaceAll(s, "零"+u, u)
		}
		s = strings.TrimPrefix(strings.TrimSuffix(s, "零"), "零")
		b.WriteString(s + "元")
	}
	jiao, f := fen/10%10, fen%10
	switch {
	case jiao == 0 && f == 0:
		b.WriteString("整")
	case f == 0:
		b.WriteString(string(digits[jiao]) + "角整")
	default:
		if jiao > 0 {
			b.WriteString(string(digits[jiao]) + "角")
		} else if fen >= 100 {
			b.WriteString("零")
		}
		b.WriteString(string(digits[f]) + "分")
	}
	return b.String()
}

// group writes 0..9999 in capitals, with a leading zero when the group is short (it
// follows a higher group; the caller trims a leading zero of the whole).
func group(n int, digits []rune, units []string) string {
	if n == 0 {
		return ""
	}
	var b strings.Builder
	zero := false
	for i := 3; i >= 0; i-- {
		p := 1
		for k := 0; k < i; k++ {
			p *= 10
		}
		d := n / p % 10
		if d == 0 {
			zero = true
			continue
		}
		if zero {
			b.WriteRune('零')
		}
		zero = false
		b.WriteString(string(digits[d]) + units[i])
	}
	return b.String()
}

func groupUnit(n int, unit string) string {
	if n == 0 {
		return ""
	}
	return unit
}
