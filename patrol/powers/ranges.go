package powers

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// amountPattern is a number in Arabic numerals with its multiplier and 元, if any.
var amountPattern = regexp.MustCompile(`(\d+(?:\.\d+)?)(万|千|百)?(元)?`)

// thousands is a thousands separator inside a number, as in 2,000元.
var thousands = regexp.MustCompile(`(\d),(\d{3})`)

var multipliers = map[string]float64{"": 1, "百": 100, "千": 1000, "万": 10000}

// amount is a number found in a range's text.
type amount struct {
	value      float64 // in units of mult
	mult       string  // 万, 千, 百 or ""
	yuan       bool    // followed by 元
	start, end int     // byte offsets in the normalized text
	money      bool
}

func (a amount) yuanValue() float64 { return a.value * multipliers[a.mult] }

// Words and signs around amounts.
var (
	// rangeJoins join the two ends of a range: 500-2000, 500至2000元, 500以上2000元以下.
	rangeJoins = []string{"-", "~", "～", "〜", "—", "–", "－", "至", "到", "以上"}
	// amountEnds may follow a bare number that is an amount; anything else (倍, %, 日,
	// 条 …) makes it some other number.
	amountEnds = []string{"以上", "以下", "以内", "罚款"}
	// upTo before an amount, or 以下 / 以内 after it, makes it a maximum.
	upTo    = []string{"不超过", "不得超过", "不高于", "最高", "最多"}
	below   = []string{"以下", "以内"}
	atLeast = []string{"不低于", "不少于", "最低"}
)

// ParseRange reads the range of a fine as discretion lists write it, in yuan:
// 处500元以上2000元以下罚款 or 500元以上2000元以下 (500, 2000); 1万元以上3万元以下 and
// 0.5万元 (万, 千 and 百 multiply); 不超过2000元 and 2000元以下 (0, 2000); 处2000元罚款
// (2000, 2000); 500-2000, 500～2000 and 500至2000元. Numbers must be written in Arabic
// numerals (五千元 is not read); in 1至3万元 the multiplier of the second number also
// applies to a smaller first one. Amounts are rounded to the fen.
//
// Numbers followed by something other than an amount's words (违法所得1倍, 5%, 2日, 第3条)
// are not amounts; without any 元 in the text a bare number is one.
//
// Errors: a plain error naming the text when it holds no amount, more than two, only a
// minimum (500元以上), or a minimum above the maximum.
func ParseRange(s string) (minYuan, maxYuan float64, err error) {
	text := normalizeRange(s)
	money, err := amounts(text)
	if err != nil {
		return 0, 0, fmt.Errorf("range %q: %w", s, err)
	}
	switch len(money) {
	case 0:
		return 0, 0, fmt.Errorf("range %q holds no amount in Arabic numerals, such as 500元", s)
	case 1:
		a := money[0]
		before, after := text[:a.start], text[a.end:]
		switch {
		case hasAnySuffix(before, upTo) || hasAnyPrefix(after, below):
			return 0, fen(a.yuanValue()), nil
		case hasAnySuffix(before, atLeast) || strings.HasPrefix(after, "以上"):
			return 0, 0, fmt.Errorf("range %q gives a minimum but no maximum", s)
		}
		return fen(a.yuanValue()), fen(a.yuanValue()), nil
	case 2:
		lo, hi := money[0], money[1]
		// 1至3万元: the first number shares the second's multiplier, unless that would
		// make it the larger (5000至1万元).
		if lo.mult == "" && !lo.yuan && hi.mult != "" && lo.value <= hi.value {
			lo.mult = hi.mult
		}
		minYuan, maxYuan = fen(lo.yuanValue()), fen(hi.yuanValue())
		if minYuan > maxYuan {
			return 0, 0, fmt.Errorf("range %q: the minimum %s is above the maximum %s", s, yuan(minYuan), yuan(maxYuan))
		}
		return minYuan, maxYuan, nil
	}
	return 0, 0, fmt.Errorf("range %q holds more than one range; give each its own row", s)
}

// normalizeRange makes full-width digits and points ASCII and drops white space and
// thousands separators.
func normalizeRange(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '．':
			return '.'
		case unicode.IsSpace(r):
			return -1
		}
		return r
	}, s)
	for {
		t := thousands.ReplaceAllString(s, "$1$2")
		if t == s {
			return s
		}
		s = t
	}
}

// amounts finds the numbers of text that are amounts of money: those followed by 元;
// those joined to a following amount (500至2000元); those with a multiplier, or any when
// the text has no 元, followed by nothing or an amount's words.
func amounts(text string) ([]amount, error) {
	found := amountPattern.FindAllStringSubmatchIndex(text, -1)
	all := make([]amount, len(found))
	for i, m := range found {
		v, err := strconv.ParseFloat(text[m[2]:m[3]], 64)
		if err != nil || v > 1e12 {
			return nil, fmt.Errorf("%s is not an amount this reads", text[m[2]:m[3]])
		}
		a := amount{value: v, start: m[0], end: m[1], yuan: m[6] >= 0}
		if m[4] >= 0 {
			a.mult = text[m[4]:m[5]]
		}
		all[i] = a
	}
	noYuan := !strings.Contains(text, "元")
	// Right to left, so a number knows whether the one it is joined to is an amount.
	for i := len(all) - 1; i >= 0; i-- {
		a := &all[i]
		after := text[a.end:]
		joined := i+1 < len(all) && all[i+1].money && slices.Contains(rangeJoins, text[a.end:all[i+1].start])
		a.money = a.yuan || joined || ((a.mult != "" || noYuan) && endsAmount(after))
	}
	var money []amount
	for _, a := range all {
		if a.money {
			money = append(money, a)
		}
	}
	return money, nil
}

// endsAmount reports whether the text after a bare number lets it be an amount.
func endsAmount(after string) bool {
	if after == "" || hasAnyPrefix(after, rangeJoins) || hasAnyPrefix(after, amountEnds) {
		return true
	}
	r := []rune(after)[0]
	return strings.ContainsRune("，,、；;。.)）]】", r)
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func hasAnySuffix(s string, suffixes []string) bool {
	for _, p := range suffixes {
		if strings.HasSuffix(s, p) {
			return true
		}
	}
	return false
}

// fen rounds yuan to the fen, so that 1.2万 is 12000 and not 12000.000000000002.
func fen(y float64) float64 { return math.Round(y*100) / 100 }

// yuan writes an amount for a message: 2000元, 0.5元.
func yuan(y float64) string { return strconv.FormatFloat(y, 'f', -1, 64) + "元" }
